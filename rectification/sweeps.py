"""The overdue sweep (超期督办), run by Celery beat every few minutes.

Each run, in a constant number of queries per batch of problems:
1. stamps `overdue_at` on problems whose deadline has passed while the clock runs (`Problem.overdue_q`);
2. notifies the head of the responsible unit (its liaisons if it has no head with a login) once per deadline;
3. escalates to the leaders answering for the unit (分包 leaders of the unit or any unit above it, and leaders of
   the problem's point) once the problem is overdue by the campaign's `escalate_after_hours` working hours,
   again once per deadline.

"Once" is the outbox's unique key (kind, problem, deadline, person): a sweep that runs twice, overlaps another or
is redelivered writes nothing new (the database skips the key; nothing is read first). The problem's stamps
(`overdue_at`, `escalated_at`) keep a run from looking at problems already dealt with, so the run every ten minutes
costs little; a new deadline (extension, transfer, dispute decision, resume) clears them and is notified afresh.
Whether a problem is overdue by the working hours is one cut-off per campaign (`worktime.latest_start_due_by`),
compared in SQL.

A run handles at most `limit` problems (RUN_LIMIT), in the order they were recorded, and says whether it stopped
there (`more`); the task then queues the next run at once. A backlog (the first run over imported problems, or
after the sweep was down for days) is so worked off in bounded runs of a few seconds, one after another, instead of
one run holding a worker for a minute. Each batch is its own transaction: its notices and stamps are written
together or not at all, and whatever a run leaves is found by the next one.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import BooleanField, Case, ExpressionWrapper, F, Q, Value, When
from django.db.models.functions import Coalesce, Left
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campaign.choices import MembershipRole
from campaign.models import Campaign, LeaderAssignment, UnitMembership
from core.notifications import Draft, notify
from rectification.models import Problem, RectificationSettings
from rectification.selectors import worktime_calendar
from rectification.worktime import latest_start_due_by

DEFAULT_ESCALATE_AFTER_HOURS = RectificationSettings._meta.get_field("escalate_after_hours").default
# Problems per batch: one transaction and six queries each (the problems, heads, leaders, two inserts, the stamps).
BATCH_SIZE = 5000
# Problems per run: two seconds or so on two cores (docs/benchmarks.md); the task chains the rest.
RUN_LIMIT = 10000


@dataclass
class SweepResult:
    """What a run did: problems it found newly overdue (and stamped), problems overdue in all, notices written to
    units and to leaders, and whether it stopped at its limit with problems perhaps left for another run."""

    marked: int = 0
    overdue: int = 0
    notified: int = 0
    escalated: int = 0
    more: bool = False


def overdue_sweep(*, now=None, batch_size: int = BATCH_SIZE, limit: int | None = RUN_LIMIT) -> SweepResult:
    now = now or timezone.now()
    result = SweepResult()
    overdue = Problem.objects.overdue(now=now).exclude(deadline__isnull=True)
    result.overdue = overdue.count()
    answered = overdue.filter(responsible_unit__isnull=False)
    cutoffs = _escalation_cutoffs(answered.filter(escalated_at__isnull=True), now)
    # Due for escalation: overdue by the campaign's working hours, i.e. a deadline at or before the campaign's
    # cut-off, found once per campaign rather than once per problem.
    due_q = Q(pk__in=[])
    for campaign_id, cutoff in cutoffs.items():
        due_q |= Q(campaign_id=campaign_id, deadline__lte=cutoff)
    due_q &= Q(escalated_at__isnull=True)
    # Newly overdue (the unit is told, then the problem is stamped; a new deadline clears the stamp), or due for
    # escalation: walked in primary-key order, a batch at a time, each problem once however many notices it gets.
    # The ids are found first, all at once and unordered: that search reads only the index of the problems whose
    # clock runs (`problem_clock_running_idx`), tens of milliseconds over two million problems. Asked for in key
    # order a batch at a time, PostgreSQL walked the whole table in key order instead (0.8 s when nothing is
    # pending): it cannot know that the overdue problems are stamped already while the closed ones never are.
    pending = answered.filter(Q(overdue_at__isnull=True) | due_q).order_by().values_list("pk", flat=True)
    batch_rows = (
        Problem.objects.annotate(fresh=_is(Q(overdue_at__isnull=True)), due=_is(due_q), brief=Left("description", 100))
        .order_by("pk")
        .values_list("pk", "fresh", "due", "deadline", "point_id", "responsible_unit_id", "responsible_unit__path",
                     "brief", named=True)
    )  # fmt: skip
    # Both stamps in one UPDATE a problem, and only while it is overdue: a deadline moved since the batch was read
    # has cleared the stamps, and its step is for a later run.
    stamps = {"overdue_at": Coalesce(F("overdue_at"), Value(now))}
    if cutoffs:
        stamps["escalated_at"] = Case(When(due_q, then=Value(now)), default=F("escalated_at"))
    # Notices are written in the office's language, as bulletins are.
    with translation.override(settings.LANGUAGE_CODE):
        texts = _Texts()
        ids = sorted(pending)
        if limit is not None and len(ids) > limit:
            ids, result.more = ids[:limit], True
        for start in range(0, len(ids), batch_size):
            rows = list(batch_rows.filter(pk__in=ids[start : start + batch_size]))
            fresh = [row for row in rows if row.fresh]
            due = [row for row in rows if row.due]
            with transaction.atomic():
                result.notified += notify(_overdue_notices(fresh, texts))
                result.escalated += notify(_escalation_notices(due, texts))
                Problem.objects.filter(Problem.overdue_q(now=now), pk__in=[row.pk for row in rows]).update(**stamps)
            result.marked += len(fresh)
    # Problems nobody answers for yet are stamped too; the office sees them in the ledger's overdue filter.
    result.marked += overdue.filter(overdue_at__isnull=True, responsible_unit__isnull=True).update(overdue_at=now)
    return result


def _is(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


def _escalation_cutoffs(waiting, now) -> dict:
    """Per campaign with problems waiting for escalation, the latest deadline that is overdue by its
    `escalate_after_hours` working hours at `now`."""
    escalate_after = dict(RectificationSettings.objects.values_list("campaign_id", "escalate_after_hours"))
    cutoffs = {}
    for campaign_id in waiting.values_list("campaign_id", flat=True).distinct().order_by():
        hours = escalate_after.get(campaign_id, DEFAULT_ESCALATE_AFTER_HOURS)
        calendar = worktime_calendar(campaign=Campaign(pk=campaign_id))
        cutoffs[campaign_id] = latest_start_due_by(calendar, now, hours=hours) if hours else now
    return cutoffs


class _Texts:
    """What every notice of a run shares, worked out once in the active language: the translated titles and
    message, the link pattern, the deadline in local time (deadlines repeat, so each is formatted once)."""

    SENTINEL = 987654321

    def __init__(self):
        self.titles = {"overdue": _("Overdue: %(reference)s"), "escalated": _("Escalated, overdue: %(reference)s")}
        self.body = _("%(description)s — the deadline was %(deadline)s.")
        self.link_head, _sentinel, self.link_tail = reverse("problem_detail", args=[self.SENTINEL]).rpartition(
            str(self.SENTINEL)
        )
        self.zone = timezone.get_current_timezone()
        self.deadlines = {}

    def deadline(self, moment) -> tuple[str, str]:
        """The deadline as a step of the notice's key and as shown in the message."""
        if moment not in self.deadlines:
            local = moment.astimezone(self.zone)
            self.deadlines[moment] = (local.strftime("%Y%m%dT%H%M"), local.strftime("%Y-%m-%d %H:%M"))
        return self.deadlines[moment]

    def drafts(self, row, kind: str, recipients) -> list[Draft]:
        step, shown = self.deadline(row.deadline)
        key = f"problem.{kind}:{row.pk}:{step}"
        title = self.titles[kind] % {"reference": Problem.reference_for(row.pk)}
        body = self.body % {"description": row.brief, "deadline": shown}
        link = f"{self.link_head}{row.pk}{self.link_tail}"
        return [Draft(recipient_id=user_id, kind=f"problem.{kind}", key=key, title=title, body=body, link=link)
                for user_id in recipients]  # fmt: skip


def _overdue_notices(rows, texts: _Texts) -> list[Draft]:
    """The "overdue" notices: to each unit's head (its liaisons if it has no head with a login). One query."""
    if not rows:
        return []
    heads, liaisons = defaultdict(list), defaultdict(list)
    for unit_id, user_id, role in UnitMembership.objects.filter(
        unit_id__in={row.responsible_unit_id for row in rows},
        role__in=[MembershipRole.HEAD, MembershipRole.LIAISON],
        user__is_active=True,
    ).values_list("unit_id", "user_id", "role"):
        (heads if role == MembershipRole.HEAD else liaisons)[unit_id].append(user_id)
    drafts = []
    for row in rows:
        unit_id = row.responsible_unit_id
        drafts += texts.drafts(row, "overdue", heads[unit_id] or liaisons[unit_id])
    return drafts


def _escalation_notices(rows, texts: _Texts) -> list[Draft]:
    """The "escalated" notices: to the leaders of the unit, the units above it and the problem's point. One
    query."""
    if not rows:
        return []
    all_units = {unit_id for row in rows for unit_id in _ancestors(row.responsible_unit__path)}
    point_ids = {row.point_id for row in rows if row.point_id}
    leaders_of_unit, leaders_of_point = defaultdict(set), defaultdict(set)
    for unit_id, point_id, leader_id in LeaderAssignment.objects.filter(
        Q(unit_id__in=all_units) | Q(point_id__in=point_ids), leader__is_active=True
    ).values_list("unit_id", "point_id", "leader_id"):
        (leaders_of_unit[unit_id] if unit_id else leaders_of_point[point_id]).add(leader_id)
    drafts = []
    for row in rows:
        leaders = set(leaders_of_point[row.point_id])
        for unit_id in _ancestors(row.responsible_unit__path):
            leaders |= leaders_of_unit[unit_id]
        drafts += texts.drafts(row, "escalated", sorted(leaders))
    return drafts


def _ancestors(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]
