from collections import defaultdict

from django.db.models import Q, QuerySet

from core.choices import DeliveryChannel
from core.models import AuditEvent, Delivery, Heartbeat, Job, Notification


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


def job_list(*, user) -> QuerySet[Job]:
    """The jobs a user sees, newest first: office users every job (imports and the like are their work), anyone else
    only the jobs they started themselves (exports of their own lists)."""
    if not user.is_authenticated:
        return Job.objects.none()
    jobs = Job.objects.select_related("created_by").order_by("-created_at", "-pk")
    return jobs if user.is_office else jobs.filter(created_by=user)


def job_get_visible(*, user, pk) -> Job | None:
    return job_list(user=user).filter(pk=pk).first()


def notification_list(*, user) -> QuerySet[Notification]:
    """A person's own notifications, newest first; nobody reads another's."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def delivery_list(*, user) -> QuerySet[Delivery]:
    """Every delivery of every notification, for the command office only."""
    if not user.is_office:
        return Delivery.objects.none()
    return Delivery.objects.select_related("notification__recipient", "webhook").order_by("-created_at", "-id")


def deliveries_by_notification(*, notifications) -> dict[int, list[Delivery]]:
    """How each of these notices has gone out: its own e-mail and the group-chat messages of its event. One query."""
    notifications = list(notifications)
    if not notifications:
        return {}
    ids = [n.pk for n in notifications]
    events = {n.event_key for n in notifications if n.event_key}
    own, of_event = defaultdict(list), defaultdict(list)
    for delivery in (
        Delivery.objects.filter(
            Q(channel=DeliveryChannel.EMAIL, notification_id__in=ids)
            | Q(channel=DeliveryChannel.WEBHOOK, event_key__in=events)
        )
        .select_related("webhook")
        .order_by("channel", "webhook__name", "pk")
    ):
        if delivery.channel == DeliveryChannel.EMAIL:
            own[delivery.notification_id].append(delivery)
        else:
            of_event[delivery.event_key].append(delivery)
    return {n.pk: own[n.pk] + (of_event[n.event_key] if n.event_key else []) for n in notifications}
