# Campaign Command: the two commands of README.md are `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ADDR ?= 127.0.0.1:8000
PYTEST_ARGS ?=
# Test processes in parallel (pytest-xdist): one per core by default; TEST_PROCESSES=0 runs in this process.
TEST_PROCESSES ?= auto

# The test suite runs with production-like settings (DEBUG off, a fixed test key); TLS redirects are off because
# the test client speaks plain HTTP.
TEST_ENV := DJANGO_DEBUG=0 SECRET_KEY=test-only-key-not-for-any-deployment-0123456789abcdefghijklmnop \
	ALLOWED_HOSTS=testserver,localhost,127.0.0.1 SECURE_SSL_REDIRECT=0 STATIC_MANIFEST=0

.PHONY: setup run test lint messages clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

## Install, migrate, seed the demo city and serve it with a Celery worker and beat (embedded: SQLite, no Redis).
run: setup
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=1 $(BIN)/python manage.py sync_schedules
	DJANGO_DEBUG=1 $(BIN)/python manage.py seed_demo
	DJANGO_DEBUG=1 $(BIN)/python manage.py serve $(ADDR)

## Install and run the whole test suite (SQLite by default; DATABASE_URL and REDIS_URL switch to the servers).
test: setup
	$(TEST_ENV) $(BIN)/python -m pytest -n $(TEST_PROCESSES) --dist loadgroup $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## Refresh the translation catalog after changing user-facing strings (needs GNU gettext).
messages: setup
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var --ignore=static/vendor --ignore=tests
	DJANGO_DEBUG=1 $(BIN)/python manage.py compilemessages -l zh_Hans --ignore=.venv

clean:
	rm -rf $(VENV) var/test-db.sqlite3* var/gw*
