import time

from celery import shared_task

from core.services import heartbeat_record


@shared_task(name="core.heartbeat", ignore_result=True)
def heartbeat():
    """Scheduled every minute: the office's status panel shows when scheduled jobs last ran."""
    heartbeat_record()


@shared_task(name="core.run_job", ignore_result=True)
def run_job(job_id: str, attempt: int | None = None):
    """Run a queued job (an import, ...). Safe to deliver twice: a finished job is not run again."""
    from core.jobs import job_run

    job_run(job_id=job_id, attempt=attempt)


@shared_task(name="core.requeue_lost_jobs", ignore_result=True)
def requeue_lost_jobs():
    """Scheduled every minute: send again the jobs whose message the broker may have lost."""
    from core.jobs import jobs_requeue_lost

    jobs_requeue_lost()


@shared_task(name="core.purge_exports", ignore_result=True)
def purge_exports():
    """Scheduled daily: remove the files of old exports (core.exports.exports_purge)."""
    from core.exports import exports_purge

    exports_purge()


# A run stops starting batches after this long; the next scheduled run (a minute later) goes on.
DELIVERY_RUN_SECONDS = 45


@shared_task(name="core.deliver_notifications", ignore_result=True)
def deliver_notifications():
    """Scheduled every minute: plan the deliveries of new notifications and send the due ones, in bounded batches,
    until nothing is left or the run's time is up. Safe to run twice at once (see core.delivery)."""
    from core.delivery import deliveries_plan, deliveries_send_due

    started = time.monotonic()
    while True:
        planned = deliveries_plan()
        result = deliveries_send_due()
        if result.claimed == 0 and planned == 0:
            return
        if time.monotonic() - started > DELIVERY_RUN_SECONDS:
            return
