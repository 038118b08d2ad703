"""The daily cycle's scheduled steps (日调度、日报告、日通报): when each step runs for a campaign, and running it.

Steps are registered by name: this app registers the reminder to units that have not reported; the scoring app
registers compiling and publishing the leaders' report and the bulletins. Every minute the scheduler's tick
(`campaign.daily_cycle_tick`) asks `cycle_due` which steps have come due today under each campaign's schedule
(`DailyCycleSettings`) and have not run, and queues each once. `cycle_step_run` runs one step inside a
transaction holding the step's run row: a worker killed in the middle leaves nothing half-written, and the
redelivered task runs it again from the start. `run_daily_cycle` runs or re-runs any step by hand.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaign.choices import CampaignStatus
from campaign.daily_reports import daily_report_remind
from campaign.models import Campaign, CycleRun, DailyCycleSettings
from core.db import get_or_create_locked


@dataclass(frozen=True)
class CycleStep:
    name: str
    label: str
    # When the step is due on a date under a campaign's schedule; None when it does not run that day.
    due_at: Callable[[DailyCycleSettings, datetime.date], datetime.datetime | None]
    # Does the work; idempotent; returns figures for the run's record.
    run: Callable[..., dict]


CYCLE_STEPS: dict[str, CycleStep] = {}


def register_cycle_step(step: CycleStep) -> None:
    CYCLE_STEPS[step.name] = step


def cycle_campaigns() -> list[Campaign]:
    """Campaigns whose daily cycle runs: all but closed ones."""
    return list(Campaign.objects.exclude(status=CampaignStatus.CLOSED).order_by("pk"))


def cycle_due(*, now=None) -> list[tuple[int, datetime.date, str]]:
    """(campaign id, date, step) of every step due by `now` today that has not finished today. Two queries."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    campaigns = cycle_campaigns()
    schedules = {row.campaign_id: row for row in DailyCycleSettings.objects.filter(campaign__in=campaigns)}
    finished = set(
        CycleRun.objects.filter(date=today, finished_at__isnull=False, campaign__in=campaigns).values_list(
            "campaign_id", "step"
        )
    )
    due = []
    for campaign in campaigns:
        schedule = schedules.get(campaign.pk) or DailyCycleSettings(campaign=campaign)
        for step in CYCLE_STEPS.values():
            moment = step.due_at(schedule, today)
            if moment is not None and now >= moment and (campaign.pk, step.name) not in finished:
                due.append((campaign.pk, today, step.name))
    return due


def cycle_step_run(*, campaign: Campaign, date: datetime.date, step: str, force: bool = False, now=None) -> CycleRun:
    """Run `step` for the campaign and day, in one transaction with its run row locked. Without `force` a step
    that already finished that day is not run again (a queued duplicate); with it (the command) it is re-run, and
    the step's own idempotence keeps notices and published documents single."""
    if step not in CYCLE_STEPS:
        raise KeyError(step)
    now = now or timezone.now()
    try:
        with transaction.atomic():
            run = get_or_create_locked(CycleRun, campaign=campaign, date=date, step=step, defaults={"started_at": now})
            if run.finished_at is not None and not force:
                return run
            result = CYCLE_STEPS[step].run(campaign=campaign, date=date, now=now)
            run.result = result or {}
            run.runs = F("runs") + 1
            run.started_at = now
            run.finished_at = timezone.now()
            run.error = ""
            run.save(update_fields=["result", "runs", "started_at", "finished_at", "error"])
    except Exception as exc:
        # The step's writes rolled back; its failure is kept where the schedule page shows it.
        CycleRun.objects.update_or_create(
            campaign=campaign, date=date, step=step, defaults={"error": f"{type(exc).__name__}: {exc}"[:2000]}
        )
        raise
    run.refresh_from_db()
    return run


def _remind(*, campaign, date, now) -> dict:
    return {"notified": daily_report_remind(campaign=campaign, date=date, now=now)}


def register_default_steps() -> None:
    register_cycle_step(
        CycleStep(
            name="remind",
            label=_("Remind units that have not reported"),
            due_at=lambda schedule, date: schedule.remind_at(date),
            run=_remind,
        )
    )
