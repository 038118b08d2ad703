"""A worker killed in the middle of compiling: nothing half-written, and the redelivered task compiles once.

Real parts: PostgreSQL, Redis and two Celery worker processes. The test holds a row lock the compile needs, so the
first worker is caught inside its transaction; it is killed (SIGKILL, as an out-of-memory kill would), and a second
worker picks the unacknowledged message up after the broker's visibility timeout.
"""

import datetime
import os
import signal
import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from campaign.models import CycleRun, DailyCycleSettings
from campaign.tasks import daily_cycle_step
from scoring.choices import DocumentStatus, Period
from scoring.models import Bulletin, LeaderReport
from tests.conftest import need_redis, services_required, wait_for
from tests.core.test_celery import start_worker, stop


def waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_compile_leaves_nothing_and_the_retry_compiles_once(city, tmp_path):
    if connection.vendor != "postgresql":
        if services_required():
            pytest.fail("this test needs PostgreSQL when REQUIRE_SERVICES=1")
        pytest.skip("needs PostgreSQL (runs in CI's PostgreSQL/Redis pass)")
    url = need_redis()
    DailyCycleSettings.objects.create(campaign=city.campaign)
    day = timezone.localdate() - datetime.timedelta(days=1)
    earlier = timezone.now() - datetime.timedelta(hours=3)
    # A draft from an earlier compile: the new compile must lock it to replace it.
    draft = LeaderReport.objects.create(campaign=city.campaign, period=Period.DAILY, period_start=day, period_end=day,
                                        cutoff_at=earlier, compiled_at=earlier, data={"old": True})  # fmt: skip
    locked, release = threading.Event(), threading.Event()

    def hold_the_draft():
        with transaction.atomic():
            list(LeaderReport.objects.select_for_update().filter(pk=draft.pk))
            locked.set()
            release.wait(120)
        connections.close_all()

    holder = threading.Thread(target=hold_the_draft)
    holder.start()
    assert locked.wait(10)
    env = {"REDIS_URL": url, "VAR_DIR": str(tmp_path), "CELERY_VISIBILITY_TIMEOUT": "3",
           "CELERY_UNACKED_RESTORE_SECONDS": "1"}  # fmt: skip
    first = start_worker(env, "--hostname", f"first-{os.getpid()}@%h")
    try:
        daily_cycle_step.delay(campaign_id=city.campaign.pk, date=day.isoformat(), step="compile")
        assert wait_for(waiting_on_a_lock, 60), "the first worker never reached the compile's lock"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        release.set()
        holder.join(10)
        if first.poll() is None:
            first.kill()
    # The killed worker's transaction rolled back: the draft as it was, no bulletin, no finished run.
    draft.refresh_from_db()
    assert draft.data == {"old": True}
    assert not Bulletin.objects.exists()
    assert not CycleRun.objects.filter(finished_at__isnull=False).exists()

    second = start_worker(env, "--hostname", f"second-{os.getpid()}@%h")
    try:
        finished = wait_for(lambda: CycleRun.objects.filter(step="compile", finished_at__isnull=False).exists(), 90)
    finally:
        print(stop(second))
    assert finished, "the message was not redelivered to the second worker"
    run = CycleRun.objects.get(step="compile")
    assert run.runs == 1
    assert LeaderReport.objects.filter(status=DocumentStatus.DRAFT).count() == 1
    draft.refresh_from_db()
    assert "compliance" in draft.data and draft.compiled_at > earlier
    assert Bulletin.objects.count() == 1
