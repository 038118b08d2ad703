"""The notification outbox: apps hand over drafts, the database keeps each (kind, thing, step, person) once."""

from typing import NamedTuple

from django.db import connections, router, transaction
from django.utils import timezone

from core.models import Notification

# Drafts per INSERT statement on PostgreSQL (on other databases, as many as the database takes parameters for).
INSERT_BATCH = 20000


class Draft(NamedTuple):
    """A notice to write (a named tuple rather than a frozen dataclass: a sweep makes tens of thousands)."""

    recipient_id: int
    kind: str
    key: str  # unique for the step being notified, e.g. "problem.overdue:42:2026-11-20T17:30"
    title: str
    body: str = ""
    link: str = ""
    # False for a notice that concerns the recipient alone (an export of theirs is ready): it has no event, so no
    # group chat is told of it; e-mail still is.
    to_groups: bool = True


def notify(drafts) -> int:
    """Write the drafts not written before, in one transaction and batched inserts; returns how many are new.

    Each batch is one `INSERT … ON CONFLICT (key) DO NOTHING`: the database skips a key that exists, and one that a
    concurrent sweep has written but not committed yet (the insert waits for it, then skips it), so a notice is
    never written twice and nothing is read first. The count is the rows the database reports inserted. The
    draft's own key becomes the notices' `event_key`: group chats are told once per event (`core.delivery`).
    """
    drafts = {f"{draft.key}:{draft.recipient_id}": draft for draft in drafts}
    if not drafts:
        return 0
    connection = connections[router.db_for_write(Notification)]
    rows = [
        (d.recipient_id, d.kind, key, d.key if d.to_groups else "", d.title, d.body, d.link)
        for key, d in drafts.items()
    ]
    created_at = timezone.now()
    inserted = 0
    with transaction.atomic(using=connection.alias, savepoint=False), connection.cursor() as cursor:
        for sql, params in _inserts(connection, rows, created_at):
            cursor.execute(sql, params)
            inserted += cursor.rowcount
    return inserted


# The columns of a row of `notify`, in order (the first an id, the others text), then `created_at`, one per call.
COLUMNS = ("recipient_id", "kind", "key", "event_key", "title", "body", "link")


def _inserts(connection, rows: list[tuple], created_at):
    """The statements writing `rows` (values of COLUMNS) unless their key exists.

    Not `bulk_create(ignore_conflicts=True)`: it cannot say how many rows were new, ignores every constraint on
    SQLite (`INSERT OR IGNORE`), and on PostgreSQL spends most of a large sweep preparing one parameter per value.
    PostgreSQL gets one array per column and statement instead; other databases (SQLite) a VALUES list.
    """
    # Only the model's own table and column names go into the text; the values are parameters.
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column) for column in (*COLUMNS, "created_at"))
    head = f"INSERT INTO {quote(Notification._meta.db_table)} ({columns})"
    tail = f"ON CONFLICT ({quote('key')}) DO NOTHING"
    if connection.vendor == "postgresql":
        arrays = ", ".join(["%s::bigint[]"] + ["%s::text[]"] * (len(COLUMNS) - 1))
        sql = f"{head} SELECT *, %s FROM unnest({arrays}) {tail}"  # noqa: S608
        for start in range(0, len(rows), INSERT_BATCH):
            yield sql, [created_at, *map(list, zip(*rows[start : start + INSERT_BATCH], strict=True))]
        return
    placeholders = "(" + ", ".join(["%s"] * (len(COLUMNS) + 1)) + ")"
    size = max(1, (connection.features.max_query_params or 999) // (len(COLUMNS) + 1))
    for start in range(0, len(rows), size):
        batch = rows[start : start + size]
        values = ", ".join([placeholders] * len(batch))
        yield f"{head} VALUES {values} {tail}", [value for row in batch for value in (*row, created_at)]


def notifications_mark_read(*, user, ids=None) -> int:
    """Mark the user's notifications read (all of them, or those ids); returns how many changed."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
