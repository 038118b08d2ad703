import datetime

from celery import shared_task
from django.db import transaction


@shared_task(name="campaign.daily_cycle_tick", ignore_result=True)
def daily_cycle_tick():
    """Scheduled every minute: queue each daily-cycle step that has come due under its campaign's schedule."""
    from campaign.cycle import cycle_due

    for campaign_id, date, step in cycle_due():
        transaction.on_commit(
            lambda c=campaign_id, d=date, s=step: daily_cycle_step.delay(campaign_id=c, date=d.isoformat(), step=s)
        )


# Acknowledged only when done, and given back if the worker dies: a compile cut short is run again from the start,
# and its transaction left nothing behind.
@shared_task(name="campaign.daily_cycle_step", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def daily_cycle_step(*, campaign_id: int, date: str, step: str):
    from campaign.cycle import cycle_step_run
    from campaign.models import Campaign

    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is not None:
        cycle_step_run(campaign=campaign, date=datetime.date.fromisoformat(date), step=step)
