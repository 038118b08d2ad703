"""Long jobs with progress: a registry of runners by kind, the services that queue and run a job, and the progress
reporter a runner calls. A job runs in a Celery worker (`core.run_job`), takes its id, and can be delivered again
(acks_late): a finished job is never run twice, a job cut off mid-run runs again from the start, and each runner
applies its work in one transaction so a cut-off run leaves nothing half-written."""

import logging
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_log
from core.choices import JobStatus
from core.errors import DomainError
from core.models import Job

logger = logging.getLogger(__name__)
Runner = Callable[[Job, "Progress"], dict[str, Any]]
RUNNERS: dict[str, Runner] = {}


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
    job.save(update_fields=["status"])
    audit_log(action="job.queue", actor=user, obj=job, data={"kind": job.kind})
    run_job.delay_on_commit(str(job.pk))
    return job


def job_run(*, job_id: str) -> Job | None:
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
            return job  # already finished (or never queued): nothing to do twice
        job.status = JobStatus.RUNNING
        job.save(update_fields=["status"])
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
