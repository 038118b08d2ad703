from django.db.models import QuerySet

from core.models import AuditEvent, Heartbeat


def audit_event_list(*, user) -> QuerySet[AuditEvent]:
    """The audit log is read by the command office only; the view enforces who, this selects what."""
    if not user.is_office:
        return AuditEvent.objects.none()
    return AuditEvent.objects.select_related("content_type").order_by("-created_at", "-id")


def heartbeat_get(*, kind: str) -> Heartbeat | None:
    return Heartbeat.objects.filter(kind=kind).first()
