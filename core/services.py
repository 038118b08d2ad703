import socket

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.choices import HeartbeatKind
from core.models import Heartbeat


@transaction.atomic
def heartbeat_record(*, kind: str = HeartbeatKind.SCHEDULER, hostname: str | None = None) -> Heartbeat:
    """Note that a scheduled job ran now. A unique kind and an F() increment keep concurrent runs correct."""
    now = timezone.now()
    hostname = hostname or socket.gethostname()
    heartbeat, created = Heartbeat.objects.get_or_create(
        kind=kind, defaults={"last_seen_at": now, "hostname": hostname, "count": 1}
    )
    if not created:
        Heartbeat.objects.filter(pk=heartbeat.pk).update(last_seen_at=now, hostname=hostname, count=F("count") + 1)
        heartbeat.refresh_from_db()
    return heartbeat
