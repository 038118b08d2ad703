"""Settings come from the environment only, with embedded defaults for a first look and a fast failure for
missing production values."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "SECRET_KEY": "x" * 60 + "production-secret-key-for-tests",
    "ALLOWED_HOSTS": "cc.example.gov.cn",
    "DATABASE_URL": "postgres://cc:secret@db.internal:5432/cc",
    "REDIS_URL": "redis://cache.internal:6379/0",
}
PROBE = """
import json, django
from django.conf import settings
django.setup()
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"], "name": str(db["NAME"]), "debug": settings.DEBUG,
    "broker": settings.CELERY_BROKER_URL, "cache": settings.CACHES["default"]["BACKEND"],
    "embedded": settings.EMBEDDED_MODE, "language": settings.LANGUAGE_CODE, "tz": settings.TIME_ZONE,
    "use_tz": settings.USE_TZ, "hosts": settings.ALLOWED_HOSTS, "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "hsts": settings.SECURE_HSTS_SECONDS, "session_age": settings.SESSION_COOKIE_AGE,
    "sliding": settings.SESSION_SAVE_EVERY_REQUEST, "hasher": settings.PASSWORD_HASHERS[0],
    "acks_late": settings.CELERY_TASK_ACKS_LATE, "reject_lost": settings.CELERY_TASK_REJECT_ON_WORKER_LOST,
    "prefetch": settings.CELERY_WORKER_PREFETCH_MULTIPLIER, "accept": settings.CELERY_ACCEPT_CONTENT,
    "result_backend": settings.CELERY_RESULT_BACKEND, "axes_limit": settings.AXES_FAILURE_LIMIT,
    "csrf_origins": settings.CSRF_TRUSTED_ORIGINS, "static_root": str(settings.STATIC_ROOT),
    "media_root": str(settings.MEDIA_ROOT),
}))
"""


def load_settings(env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {
        "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "DJANGO_DEBUG", "CSRF_TRUSTED_ORIGINS",
        "SECURE_SSL_REDIRECT", "STATIC_MANIFEST", "VAR_DIR", "STATIC_ROOT", "MEDIA_ROOT", "PYTEST_XDIST_WORKER",
    }}  # fmt: skip
    clean.update({"DJANGO_SETTINGS_MODULE": "config.settings", "VAR_DIR": str(tmp_path / "var"), **env})
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def settings_for(env, tmp_path) -> dict:
    result = load_settings(env, tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_defaults_use_sqlite_under_var_and_the_filesystem_broker(tmp_path):
    values = settings_for({"DJANGO_DEBUG": "1"}, tmp_path)
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"] == str(tmp_path / "var" / "db.sqlite3")
    assert values["embedded"] is True
    assert values["broker"] == "filesystem://"
    assert values["cache"] == "django.core.cache.backends.filebased.FileBasedCache"
    assert values["language"] == "zh-hans"
    assert values["tz"] == "Asia/Shanghai"
    assert values["use_tz"] is True
    assert values["hosts"] == ["localhost", "127.0.0.1", "[::1]"]
    assert values["static_root"] == str(tmp_path / "var" / "static")
    assert values["media_root"] == str(tmp_path / "var" / "media")
    # A development key was generated and kept for the next start.
    assert (tmp_path / "var" / "dev-secret-key").read_text().strip()


def test_production_settings_come_from_the_environment(tmp_path):
    values = settings_for({**PRODUCTION, "CSRF_TRUSTED_ORIGINS": "https://cc.example.gov.cn"}, tmp_path)
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["name"] == "cc"
    assert values["debug"] is False
    assert values["broker"] == PRODUCTION["REDIS_URL"]
    assert values["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert values["embedded"] is False
    assert values["hosts"] == ["cc.example.gov.cn"]
    assert values["csrf_origins"] == ["https://cc.example.gov.cn"]
    assert values["ssl_redirect"] is True
    assert values["hsts"] == 31536000
    assert values["session_age"] == 30 * 60
    assert values["sliding"] is True
    assert values["hasher"] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert values["acks_late"] is True
    assert values["reject_lost"] is True
    assert values["prefetch"] == 1
    assert values["accept"] == ["json"]
    assert values["result_backend"] is None
    assert values["axes_limit"] == 5


def test_security_controls_are_configurable(tmp_path):
    values = settings_for(
        {**PRODUCTION, "SESSION_IDLE_MINUTES": "15", "LOGIN_FAILURE_LIMIT": "3", "SECURE_SSL_REDIRECT": "0"}, tmp_path
    )
    assert values["session_age"] == 15 * 60
    assert values["axes_limit"] == 3
    assert values["ssl_redirect"] is False


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ALLOWED_HOSTS": "cc.example.gov.cn"}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": PRODUCTION["SECRET_KEY"]}, "ALLOWED_HOSTS must be set"),
        ({**PRODUCTION, "DATABASE_URL": "mysql://root@localhost/cc"}, "DATABASE_URL must point to PostgreSQL"),
        ({**PRODUCTION, "DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG must be a boolean"),
        ({**PRODUCTION, "SESSION_IDLE_MINUTES": "half an hour"}, "SESSION_IDLE_MINUTES must be an integer"),
    ],
)
def test_missing_or_bad_settings_fail_at_start_with_the_variable_named(tmp_path, env, message):
    result = load_settings(env, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_env_helpers(monkeypatch):
    monkeypatch.setenv("CC_FLAG", " Yes ")
    monkeypatch.setenv("CC_NUMBER", "42")
    monkeypatch.setenv("CC_LIST", "a.gov.cn, b.gov.cn,,")
    assert env_bool("CC_FLAG") is True
    assert env_int("CC_NUMBER", 0) == 42
    assert env_list("CC_LIST") == ["a.gov.cn", "b.gov.cn"]
    assert env_int("CC_MISSING", 7) == 7
    monkeypatch.setenv("CC_NUMBER", "x")
    with pytest.raises(ImproperlyConfigured, match="CC_NUMBER must be an integer"):
        env_int("CC_NUMBER", 0)


def test_each_parallel_test_process_gets_its_own_files_and_redis_database(tmp_path):
    values = settings_for({**PRODUCTION, "PYTEST_XDIST_WORKER": "gw1", "REDIS_URL": "redis://127.0.0.1:6379/15",
                           "DATABASE_URL": "", "DJANGO_DEBUG": "1"}, tmp_path)  # fmt: skip
    assert values["broker"] == "redis://127.0.0.1:6379/14"
    assert values["name"] == str(tmp_path / "var" / "gw1" / "db.sqlite3")
    assert values["media_root"] == str(tmp_path / "var" / "gw1" / "media")
    first = settings_for({**PRODUCTION, "PYTEST_XDIST_WORKER": "gw0", "REDIS_URL": "redis://127.0.0.1:6379/15"},
                         tmp_path)  # fmt: skip
    assert first["broker"] == "redis://127.0.0.1:6379/15"


def test_too_many_test_processes_for_the_redis_database_number_fail_at_start(tmp_path):
    result = load_settings({**PRODUCTION, "PYTEST_XDIST_WORKER": "gw1", "REDIS_URL": "redis://127.0.0.1:6379/0"},
                           tmp_path)  # fmt: skip
    assert result.returncode != 0
    assert "REDIS_URL's database number is too low" in result.stderr
