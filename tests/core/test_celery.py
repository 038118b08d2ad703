"""Celery for real: a worker started by a fixture runs tasks through Redis; the embedded worker with beat fires
scheduled jobs on the filesystem broker, as in the demo."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection, transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from core.models import Heartbeat
from core.tasks import heartbeat
from tests.conftest import need_redis

ROOT = Path(__file__).resolve().parents[2]


def test_the_heartbeat_task_counts_each_run(db):
    heartbeat.run()
    heartbeat.run()
    assert Heartbeat.objects.get().count == 2


def test_sync_schedules_adds_defaults_once_and_keeps_staff_changes(db):
    from django.core.management import call_command

    call_command("sync_schedules")
    job = PeriodicTask.objects.get(name="core.heartbeat")
    job.enabled = False
    job.save()
    call_command("sync_schedules")
    assert PeriodicTask.objects.filter(name="core.heartbeat").count() == 1
    assert PeriodicTask.objects.get(name="core.heartbeat").enabled is False


def test_a_task_is_sent_only_after_the_transaction_commits(db, monkeypatch):
    sent = []
    monkeypatch.setattr(heartbeat, "apply_async", lambda *a, **k: sent.append((a, k)))
    with pytest.raises(RuntimeError), transaction.atomic():
        heartbeat.delay_on_commit()
        raise RuntimeError("rolled back")
    assert sent == []


def database_url_of_the_test_database() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings["USER"] or "postgres"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    port = settings["PORT"] or 5432
    return f"postgres://{user}{password}@{settings['HOST'] or '127.0.0.1'}:{port}/{settings['NAME']}"


def start_worker(env: dict[str, str], *extra: str) -> subprocess.Popen:
    environment = {**os.environ, "DATABASE_URL": database_url_of_the_test_database(), **env}
    environment.pop("CELERY_TASK_ALWAYS_EAGER", None)
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool",
        "solo",
        "--loglevel",
        "INFO",
        *extra,
    ]
    return subprocess.Popen(
        command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def stop(worker: subprocess.Popen) -> str:
    worker.send_signal(signal.SIGTERM)
    try:
        output, _ = worker.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        output, _ = worker.communicate()
    return output


def wait_for_heartbeat(minimum: int, timeout: float) -> Heartbeat | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = Heartbeat.objects.filter(count__gte=minimum).first()
        if found:
            return found
        time.sleep(0.3)
    return None


@pytest.fixture
def redis_worker(transactional_db, tmp_path):
    url = need_redis()
    worker = start_worker({"REDIS_URL": url, "VAR_DIR": str(tmp_path)}, "--hostname", f"test-{os.getpid()}@%h")
    yield worker
    print(stop(worker))


@pytest.mark.services
def test_a_real_worker_runs_a_task_sent_through_redis(redis_worker, settings):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    with transaction.atomic():
        heartbeat.delay_on_commit()
    found = wait_for_heartbeat(1, timeout=60)
    assert found is not None, "the worker did not run the task"
    assert found.count == 1


@pytest.fixture
def embedded_worker_with_beat(transactional_db, tmp_path):
    interval = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="test heartbeat", task="core.heartbeat", interval=interval)
    env = {"REDIS_URL": "", "VAR_DIR": str(tmp_path)}
    worker = start_worker(env, "--beat", "--schedule", str(tmp_path / "beat-schedule"))
    yield worker
    print(stop(worker))


def test_the_embedded_worker_and_beat_fire_scheduled_jobs(embedded_worker_with_beat):
    found = wait_for_heartbeat(2, timeout=60)
    assert found is not None, "beat did not fire the scheduled heartbeat twice within a minute"
