"""The notification outbox: apps hand over drafts, the database keeps each (kind, thing, step, person) once."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from core.models import Notification


@dataclass(frozen=True)
class Draft:
    recipient_id: int
    kind: str
    key: str  # unique for the step being notified, e.g. "problem.overdue:42:2026-11-20T17:30"
    title: str
    body: str = ""
    link: str = ""


def notify(drafts) -> int:
    """Write the drafts not written before, in one transaction and batched inserts; returns how many are new.

    A draft whose key exists is skipped by the database (a unique key, so two sweeps at once cannot both write it).
    The draft's own key becomes the notices' `event_key`: group chats are told once per event (`core.delivery`).
    """
    drafts = {f"{draft.key}:{draft.recipient_id}": draft for draft in drafts}
    if not drafts:
        return 0
    with transaction.atomic():
        existing = set(Notification.objects.filter(key__in=list(drafts)).values_list("key", flat=True))
        rows = [
            Notification(
                recipient_id=d.recipient_id,
                kind=d.kind,
                key=key,
                event_key=d.key,
                title=d.title,
                body=d.body,
                link=d.link,
            )
            for key, d in drafts.items()
            if key not in existing
        ]
        Notification.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


def notifications_mark_read(*, user, ids=None) -> int:
    """Mark the user's notifications read (all of them, or those ids); returns how many changed."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
