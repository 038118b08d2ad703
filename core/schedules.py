"""The default beat schedule, written to django-celery-beat's tables by `manage.py sync_schedules`.

Staff edit the schedule in the admin (periodic tasks); sync_schedules only adds what is missing and never
overwrites a staff change. Later apps add their jobs here (daily compile, overdue sweep, ...).
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class DefaultSchedule:
    name: str
    task: str
    description: str
    every_seconds: int | None = None
    crontab: str | None = None  # "minute hour day_of_month month_of_year day_of_week"


DEFAULT_SCHEDULES = [
    DefaultSchedule(
        name="core.heartbeat",
        task="core.heartbeat",
        description=_("Shows on the office's home page that scheduled jobs run."),
        every_seconds=60,
    ),
    DefaultSchedule(
        name="core.requeue_lost_jobs",
        task="core.requeue_lost_jobs",
        description=_(
            "Sends imports and other long jobs to the workers again if they are still queued after five "
            "minutes (the message queue may have lost them)."
        ),
        every_seconds=60,
    ),
    DefaultSchedule(
        name="core.purge_exports",
        task="core.purge_exports",
        description=_(
            "Removes the files of Excel exports written in the background once they are older than EXPORT_KEEP_DAYS "
            "(a week unless set otherwise)."
        ),
        crontab="30 3 * * *",
    ),
    DefaultSchedule(
        name="core.deliver_notifications",
        task="core.deliver_notifications",
        description=_("Sends notifications by e-mail and to group chats, retrying failed sends with growing pauses."),
        every_seconds=60,
    ),
    DefaultSchedule(
        name="campaign.daily_cycle_tick",
        task="campaign.daily_cycle_tick",
        description=_("Runs each campaign's daily cycle on its schedule: reminders, compiling, publishing."),
        every_seconds=60,
    ),
    DefaultSchedule(
        name="scoring.warm_dashboards",
        task="scoring.warm_dashboards",
        description=_(
            "Keeps the dashboards of the office and the leaders warm: their panels are computed again every four "
            "minutes (they are cached for DASHBOARD_CACHE_SECONDS, five minutes), and at once after a publication."
        ),
        every_seconds=240,
    ),
    DefaultSchedule(
        name="rectification.overdue_sweep",
        task="rectification.overdue_sweep",
        description=_("Marks overdue problems, notifies their units and escalates to the leaders, once per step."),
        every_seconds=600,
    ),
]
