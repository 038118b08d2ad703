from django.db.models import QuerySet

from core.models import AuditEvent, Heartbeat


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
