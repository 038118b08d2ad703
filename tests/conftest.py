import contextlib
import os
import time

import pytest
from django.conf import settings as django_settings

from campaign.demo_seed import seed_demo
from core.models import User

PRODUCTION_PASSWORD_HASHERS = list(django_settings.PASSWORD_HASHERS)

DEMO_LOGINS = [
    "admin",
    "office",
    "inspector",
    "leader_city",
    "leader_east",
    "head_street",
    "liaison_community",
    "liaison_bureau",
    "liaison_west",
]


def services_required() -> bool:
    """In CI's PostgreSQL/Redis run a test that needs a server must fail, never skip, when it cannot run."""
    return os.environ.get("REQUIRE_SERVICES") == "1"


def wait_for(predicate, timeout: float) -> bool:
    """Poll `predicate` until it holds or `timeout` seconds pass (for work done by another process)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def need_redis():
    url = os.environ.get("REDIS_URL")
    if not url:
        if services_required():
            pytest.fail("REDIS_URL is not set but REQUIRE_SERVICES=1: this test must run here.")
        pytest.skip("needs REDIS_URL (runs in CI's PostgreSQL/Redis pass)")
    return url


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 costs ~0.1 s a hash by design; tests that are not about hashing use a fast one. The production
    hasher is tested in tests/core/test_auth.py with PRODUCTION_PASSWORD_HASHERS."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PRODUCTION_PASSWORD_HASHERS]


@pytest.fixture(autouse=True)
def fresh_cache():
    """Throttle counters and job progress live in the cache; each test starts without them."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def demo(db):
    return seed_demo()


@contextlib.contextmanager
def demo_for_module(django_db_blocker, media_root):
    """The demo city for a whole module, in a transaction rolled back at its end: each test runs in a savepoint
    within it (pytest-django's `db`), so a module of many tests seeds the city once, not once a test."""
    from django.db import transaction
    from django.test import override_settings

    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media_root), transaction.atomic():
        seed_demo()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo_users(demo):
    return {user.username: user for user in User.objects.filter(username__in=DEMO_LOGINS)}


@pytest.fixture
def login(client):
    """Sign a demo user in without going through the login form (the form has its own tests)."""

    def _login(username):
        client.force_login(User.objects.get(username=username))
        return client

    return _login


_service_outcomes: list[tuple[str, str]] = []


def pytest_runtest_logreport(report):
    if "services" in report.keywords and (report.when == "call" or report.outcome != "passed"):
        _service_outcomes.append((report.nodeid, report.outcome))


def pytest_collection_modifyitems(items):
    """The suite runs in parallel processes (pytest-xdist, `--dist loadgroup`); the tests that start Celery worker
    processes run one after another in one of them, so they do not compete for the cores while they wait on their
    workers."""
    for item in items:
        if item.get_closest_marker("services"):
            item.add_marker(pytest.mark.xdist_group("services"))


def pytest_terminal_summary(terminalreporter):
    """Say plainly which server-dependent tests ran, so a CI log shows they were not skipped."""
    if not _service_outcomes:
        return
    terminalreporter.section("tests that need Redis and a real Celery worker")
    for nodeid, outcome in _service_outcomes:
        terminalreporter.write_line(f"{outcome.upper():8} {nodeid}")


@pytest.fixture
def english(client):
    """Messages in English for tests that compare them: the active language in code, and the language the test
    client asks for (the app's default is Chinese)."""
    from django.utils import translation

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield
