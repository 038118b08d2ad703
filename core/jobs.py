"""Long jobs with progress: a registry of runners by kind, the services that queue and run a job, and the progress
reporter a runner calls. A job runs in a Celery worker (`core.run_job`), takes its id, and can be delivered again
(acks_late): a finished job is never run twice, a job cut off mid-run runs again from the start, and each runner
applies its work in one transaction so a cut-off run leaves nothing half-written.

The database, not the broker, is what says a job is waiting. Redis may lose its messages (restarted without
persistence, or failed over): every minute `jobs_requeue_lost` sends again each job still queued after
REQUEUE_AFTER. Each sending carries a number (`attempt`); the first message of a queued job to reach a worker
starts it and its number is kept, so that any other sending arriving later is dropped, while the same message
delivered again (its worker died) runs the job again from the start."""

import datetime
import logging
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_log
from core.choices import JobStatus
from core.errors import DomainError
from core.models import Job

logger = logging.getLogger(__name__)
Runner = Callable[[Job, "Progress"], dict[str, Any]]
RUNNERS: dict[str, Runner] = {}
REQUEUE_AFTER = datetime.timedelta(minutes=5)


def register_runner(kind: str, runner: Runner) -> None:
    RUNNERS[kind] = runner


class Progress:
    """Reports progress through the cache (Redis, or files in embedded mode), not the job row: the runner's
    writes sit in one open transaction that other connections cannot see until it commits."""

    def __init__(self, job: Job):
        self.job = job

    def __call__(self, *, done: int, total: int, message: str = ""):
        cache.set(progress_key(self.job.pk), {"done": done, "total": total, "message": str(message)}, 6 * 3600)


def progress_key(job_id) -> str:
    return f"job-progress:{job_id}"


def job_progress(job: Job) -> dict[str, Any]:
    """What the job page shows: live progress while running, the stored figures once finished."""
    live = cache.get(progress_key(job.pk)) if not job.is_finished else None
    done, total = (live["done"], live["total"]) if live else (job.progress_done, job.progress_total)
    percent = 100 if job.status == JobStatus.DONE else (min(100, round(100 * done / total)) if total else 0)
    return {"done": done, "total": total, "message": live["message"] if live else job.progress_message,
            "percent": percent}  # fmt: skip


@transaction.atomic
def job_create(*, kind: str, user, campaign_id: int | None, uploaded=None, result=None) -> Job:
    job = Job(kind=kind, created_by=user, campaign_id=campaign_id, result=result or {})
    if uploaded is not None:
        job.filename = uploaded.name[:255]
        job.file.save(uploaded.name, uploaded, save=False)
    job.save()
    return job


@transaction.atomic
def job_queue(*, job: Job, user) -> Job:
    """Preview accepted: queue the job for a worker, after this transaction commits."""
    from core.tasks import run_job

    job = Job.objects.select_for_update().get(pk=job.pk)
    if job.status != JobStatus.PREVIEW:
        raise DomainError(_("This job has already been started."), code="job_already_started")
    job.status = JobStatus.QUEUED
    job.queued_at = timezone.now()
    job.attempt = 1
    job.save(update_fields=["status", "queued_at", "attempt"])
    audit_log(action="job.queue", actor=user, obj=job, data={"kind": job.kind})
    run_job.delay_on_commit(str(job.pk), attempt=job.attempt)
    return job


@transaction.atomic
def job_submit(*, kind: str, user, campaign_id: int | None, result: dict, filename: str = "", total: int = 0) -> Job:
    """A job with nothing to preview (an export): created, then queued as an accepted preview is (`job_queue`)."""
    job = Job.objects.create(kind=kind, created_by=user, campaign_id=campaign_id, filename=filename[:255],
                             progress_total=total, result=result)  # fmt: skip
    return job_queue(job=job, user=user)


def jobs_requeue_lost(*, now=None, limit: int = 100) -> int:
    """Send again the jobs queued longer than REQUEUE_AFTER (their message may be lost), each with a new number.
    Returns how many were sent."""
    from core.tasks import run_job

    now = now or timezone.now()
    with transaction.atomic():
        lost = list(
            Job.objects.select_for_update(skip_locked=True)
            .filter(
                Q(queued_at__lt=now - REQUEUE_AFTER) | Q(queued_at=None, created_at__lt=now - REQUEUE_AFTER),
                status=JobStatus.QUEUED,
            )
            .order_by("queued_at")
            .values_list("pk", "attempt")[:limit]
        )
        if not lost:
            return 0
        Job.objects.filter(pk__in=[pk for pk, _ in lost]).update(queued_at=now, attempt=F("attempt") + 1)
        for pk, attempt in lost:
            logger.warning("job %s still queued after %s: sent again", pk, REQUEUE_AFTER)
            run_job.delay_on_commit(str(pk), attempt=attempt + 1)
    return len(lost)


def job_run(*, job_id: str, attempt: int | None = None) -> Job | None:
    """Run the job if this message may: a queued job is started by the first of its sendings to arrive; a running
    one only by the same sending delivered again. `attempt` None (a message from before sendings were numbered, or
    a run by hand) counts as the current sending."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
            return job  # already finished (or never queued): nothing to do twice
        sending = job.attempt if attempt is None else attempt
        if job.status == JobStatus.RUNNING and sending != job.attempt:
            return job  # started by another sending of it, which is still running or will be delivered again
        job.status = JobStatus.RUNNING
        job.attempt = sending
        job.save(update_fields=["status", "attempt"])
    runner = RUNNERS[job.kind]
    try:
        result = runner(job, Progress(job))
    except DomainError as exc:
        return _finish(job, JobStatus.FAILED, {**job.result, "error": str(exc.message)})
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(
            job, JobStatus.FAILED, {**job.result, "error": _("An unexpected error stopped the job; it was logged.")}
        )
        raise
    return _finish(job, JobStatus.DONE, {**job.result, "outcome": result})


def _finish(job: Job, status: str, result: dict) -> Job:
    live = cache.get(progress_key(job.pk)) or {}
    Job.objects.filter(pk=job.pk).update(
        status=status,
        result=result,
        finished_at=timezone.now(),
        progress_done=live.get("done", 0),
        progress_total=live.get("total", 0),
        progress_message=live.get("message", ""),
    )
    cache.delete(progress_key(job.pk))
    job.refresh_from_db()
    return job
