from celery import shared_task

from core.services import heartbeat_record


@shared_task(name="core.heartbeat", ignore_result=True)
def heartbeat():
    """Scheduled every minute: the office's status panel shows when scheduled jobs last ran."""
    heartbeat_record()
