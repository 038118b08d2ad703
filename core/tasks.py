from celery import shared_task

from core.services import heartbeat_record


@shared_task(name="core.heartbeat", ignore_result=True)
def heartbeat():
    """Scheduled every minute: the office's status panel shows when scheduled jobs last ran."""
    heartbeat_record()


@shared_task(name="core.run_job", ignore_result=True)
def run_job(job_id: str):
    """Run a queued job (an import, ...). Safe to deliver twice: a finished job is not run again."""
    from core.jobs import job_run

    job_run(job_id=job_id)
