from django.db.models import QuerySet

from core.models import AuditEvent, Heartbeat, Job


def audit_event_list(*, user, changes_only: bool = False) -> QuerySet[AuditEvent]:
    """The audit log, for the command office only. `changes_only` leaves out sign-ins and sign-outs."""
    if not user.is_office:
        return AuditEvent.objects.none()
    events = AuditEvent.objects.order_by("-created_at", "-id")
    if changes_only:
        events = events.exclude(action__startswith="auth.")
    return events


def heartbeat_get(*, kind: str) -> Heartbeat | None:
    return Heartbeat.objects.filter(kind=kind).first()


def job_get_visible(*, user, pk) -> Job | None:
    """Jobs (imports and the like) are the command office's work: office users see them all, nobody else any."""
    if not user.is_office:
        return None
    return Job.objects.select_related("created_by").filter(pk=pk).first()
