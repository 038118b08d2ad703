"""Jobs survive a broker that loses messages: a job still queued after five minutes is sent again, and however
many sendings arrive, the job runs once (or again from the start only when the sending that started it is
delivered again, its worker having died).

The last test restarts a real Redis (its own server, without persistence, as CI's) under a real Celery worker."""

import datetime
import os
import shutil
import socket
import subprocess
import time

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from campaign.models import Unit
from core import jobs
from core.choices import JobStatus, Role
from core.jobs import REQUEUE_AFTER, job_queue, job_run, jobs_requeue_lost
from core.models import Job
from core.tasks import heartbeat, requeue_lost_jobs, run_job
from tests.conftest import need_redis, services_required, wait_for
from tests.core.test_celery import start_worker, stop, wait_for_heartbeat
from tests.factories import CampaignFactory, UserFactory


@pytest.fixture
def sent(monkeypatch):
    """The run_job messages sent (after commit), as (job id, sending)."""
    messages = []
    monkeypatch.setattr(run_job, "apply_async", lambda args=(), kwargs=None, **options: messages.append(
        (args[0], (kwargs or {}).get("attempt"))))  # fmt: skip
    return messages


@pytest.fixture
def counted_runner(monkeypatch):
    runs = []

    def runner(job, progress):
        runs.append(job.attempt)
        return {"ran": True}

    monkeypatch.setitem(jobs.RUNNERS, "test.count", runner)
    return runs


def queued_job(*, minutes_ago: float = 0) -> Job:
    job = Job.objects.create(kind="test.count", created_by=UserFactory(role=Role.STAFF))
    job_queue(job=job, user=job.created_by)
    Job.objects.filter(pk=job.pk).update(queued_at=timezone.now() - datetime.timedelta(minutes=minutes_ago))
    return Job.objects.get(pk=job.pk)


def test_queueing_sends_the_first_sending(db, django_capture_on_commit_callbacks, sent):
    with django_capture_on_commit_callbacks(execute=True):
        job = queued_job()
    assert (job.status, job.attempt) == (JobStatus.QUEUED, 1)
    assert sent == [(str(job.pk), 1)]


def test_only_jobs_queued_too_long_are_sent_again(db, django_capture_on_commit_callbacks, sent):
    late, fresh = queued_job(minutes_ago=6), queued_job(minutes_ago=1)
    running, done = queued_job(minutes_ago=30), queued_job(minutes_ago=30)
    Job.objects.filter(pk=running.pk).update(status=JobStatus.RUNNING)
    Job.objects.filter(pk=done.pk).update(status=JobStatus.DONE)
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_requeue_lost() == 1
    assert sent == [(str(late.pk), 2)]
    late.refresh_from_db()
    assert late.attempt == 2 and timezone.now() - late.queued_at < REQUEUE_AFTER
    # Sent again, it waits another five minutes before the next sending.
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_requeue_lost() == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_requeue_lost(now=timezone.now() + REQUEUE_AFTER + datetime.timedelta(seconds=1)) == 2
    assert sorted(sent[1:]) == sorted([(str(late.pk), 3), (str(fresh.pk), 2)])


def test_a_job_queued_before_sendings_were_numbered_is_sent_again(db, django_capture_on_commit_callbacks, sent):
    job = queued_job()
    Job.objects.filter(pk=job.pk).update(queued_at=None, attempt=0,
                                         created_at=timezone.now() - datetime.timedelta(hours=1))  # fmt: skip
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_requeue_lost() == 1
    assert sent == [(str(job.pk), 1)]


def test_whichever_sending_arrives_first_runs_the_job_once(db, counted_runner):
    job = queued_job(minutes_ago=6)
    jobs_requeue_lost()  # sending 2; sending 1 was only slow, not lost
    assert job_run(job_id=str(job.pk), attempt=1).status == JobStatus.DONE
    assert job_run(job_id=str(job.pk), attempt=2).status == JobStatus.DONE
    assert counted_runner == [1]


def test_a_running_job_is_run_again_only_by_the_sending_that_started_it(db, counted_runner):
    job = queued_job()
    # Sending 1 started it and its worker died mid-run: the job is left running.
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, attempt=1)
    assert job_run(job_id=str(job.pk), attempt=2).status == JobStatus.RUNNING  # another sending: dropped
    assert counted_runner == []
    assert job_run(job_id=str(job.pk), attempt=1).status == JobStatus.DONE  # the same one redelivered: runs
    assert job_run(job_id=str(job.pk)).status == JobStatus.DONE
    assert counted_runner == [1]


def test_requeueing_is_scheduled_every_minute(db):
    from django.core.management import call_command
    from django_celery_beat.models import PeriodicTask

    call_command("sync_schedules")
    task = PeriodicTask.objects.get(name="core.requeue_lost_jobs")
    assert (task.task, task.interval.every, task.enabled) == ("core.requeue_lost_jobs", 60, True)


# -- Redis restarted under a real worker -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A Redis server of the test's own, configured as CI's (no snapshots, no append-only file). Given to the worker
    as REDIS_URL like the shared one, database 15, from which each test process takes its number off (settings)."""

    DB = 15

    def __init__(self, directory):
        self.port = free_port()
        self.directory = directory
        self.process = None

    @property
    def env_url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/{self.DB}"

    @property
    def url(self) -> str:
        """The database this test process and its worker use."""
        process = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
        return f"redis://127.0.0.1:{self.port}/{self.DB - process}"

    def start(self):
        self.process = subprocess.Popen(
            [shutil.which("redis-server"), "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        import redis

        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        self.process.terminate()  # SIGTERM: Redis shuts down; with --save "" it writes nothing to disk
        self.process.wait(timeout=20)

    def restart(self):
        self.stop()
        self.start()

    def queued_messages(self) -> int:
        import redis

        return redis.Redis.from_url(self.url).llen("celery")


@pytest.fixture
def own_redis(tmp_path):
    need_redis()  # runs in CI's PostgreSQL/Redis pass, with the servers
    if shutil.which("redis-server") is None:
        if services_required():
            pytest.fail("redis-server is not installed but REQUIRE_SERVICES=1")
        pytest.skip("needs redis-server")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker(own_redis):
    """This process sends its tasks through the test's own Redis (the worker is given the same address)."""
    from config.celery import app

    saved = app.conf.broker_url
    app.conf.broker_url = own_redis.url
    app._pool = None
    app.amqp._producer_pool = None
    yield own_redis
    app.conf.broker_url = saved
    app._pool = None
    app.amqp._producer_pool = None


def units_job(office, campaign, code: str) -> Job:
    job = Job.objects.create(kind="import.units", created_by=office, campaign_id=campaign.pk, filename="u.csv")
    job.file.save("u.csv", ContentFile(f"code,name,type\n{code},{code}社区,community\n".encode()))
    return job_queue(job=job, user=office)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_jobs_queued_before_a_redis_restart_run_once_after_it(broker, tmp_path):
    campaign = CampaignFactory()
    office = UserFactory(role=Role.STAFF)
    first, second = units_job(office, campaign, "R1"), units_job(office, campaign, "R2")
    assert broker.queued_messages() == 2
    broker.restart()  # before any worker took them: the messages are gone
    assert broker.queued_messages() == 0

    from django.conf import settings

    env = {"REDIS_URL": broker.env_url, "VAR_DIR": str(tmp_path), "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    worker = start_worker(env, "--hostname", "restart@%h")
    try:
        heartbeat.delay()
        assert wait_for_heartbeat(1, timeout=90) is not None, "the worker did not start"
        assert set(Job.objects.values_list("status", flat=True)) == {JobStatus.QUEUED}
        # Redis restarts again under the running worker, which reconnects.
        broker.restart()
        heartbeat.delay()
        assert wait_for_heartbeat(2, timeout=60) is not None, "the worker did not reconnect after the restart"

        # Five minutes later, the scheduled requeue (sent as beat sends it) gets them done.
        Job.objects.update(queued_at=timezone.now() - REQUEUE_AFTER - datetime.timedelta(seconds=5))
        requeue_lost_jobs.delay()
        assert wait_for(lambda: not Job.objects.exclude(status=JobStatus.DONE).exists(), timeout=60), stop(worker)
        # A sending that was only late, not lost, arrives now: nothing runs twice.
        run_job.delay(str(first.pk), attempt=1)
        heartbeat.delay()
        assert wait_for_heartbeat(3, timeout=60) is not None
    finally:
        output = stop(worker)
        print(output)  # shown when the test fails
    assert sorted(Unit.objects.filter(campaign=campaign).values_list("code", flat=True)) == ["R1", "R2"], output
    for job in (first, second):
        job.refresh_from_db()
        assert (job.status, job.attempt, job.result["outcome"]["create"]) == (JobStatus.DONE, 2, 1)
    assert output.count("core.run_job") >= 3  # the two requeued sendings and the late one, which did nothing
