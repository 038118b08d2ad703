"""The daily cycle through a real Celery worker and Redis: the tick queues a due step, the worker runs it once."""

import time

import pytest
from django.db import transaction
from django.utils import timezone

from campaign.models import CycleRun, DailyCycleSettings
from campaign.tasks import daily_cycle_step
from core.models import Notification
from tests.core.test_celery import redis_worker  # noqa: F401 - the worker fixture


def wait_for_run(timeout: float) -> CycleRun | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = CycleRun.objects.filter(step="remind", finished_at__isnull=False).first()
        if run:
            return run
        time.sleep(0.3)
    return None


@pytest.mark.services
def test_a_worker_runs_the_reminder_step_sent_through_redis(redis_worker, city):  # noqa: F811
    DailyCycleSettings.objects.create(campaign=city.campaign)
    today = timezone.localdate()
    with transaction.atomic():
        daily_cycle_step.delay_on_commit(campaign_id=city.campaign.pk, date=today.isoformat(), step="remind")
        daily_cycle_step.delay_on_commit(campaign_id=city.campaign.pk, date=today.isoformat(), step="remind")
    run = wait_for_run(timeout=60)
    assert run is not None, "the worker did not run the step"
    time.sleep(2)  # the duplicate is delivered too; it finds the step done
    run.refresh_from_db()
    assert run.runs == 1
    # 东华街道's head, 幸福社区's and 柳荫社区's liaisons have not reported today.
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"head", "liaison", "liaison_ly"}
