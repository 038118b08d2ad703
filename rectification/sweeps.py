"""The overdue sweep (超期督办), run by Celery beat every few minutes.

Each run, in a constant number of queries per batch of problems:
1. stamps `overdue_at` on problems whose deadline has passed while the clock runs (`Problem.overdue_q`);
2. notifies the head of the responsible unit (its liaisons if it has no head with a login) once per deadline;
3. escalates to the leaders answering for the unit (分包 leaders of the unit or any unit above it, and leaders of
   the problem's point) once the problem is overdue by the campaign's `escalate_after_hours` working hours,
   again once per deadline.

"Once" is the outbox's unique key (kind, problem, deadline, person): a sweep that runs twice, overlaps another or
is redelivered writes nothing new. The problem's stamps (`overdue_at`, `escalated_at`) keep a run from looking at
problems already dealt with, so the run every ten minutes costs little; a new deadline (extension, transfer,
dispute decision, resume) clears them and is notified afresh. Whether a problem is overdue by the working hours is
one cut-off per campaign (`worktime.latest_start_due_by`), compared in SQL.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
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


@dataclass
class SweepResult:
    marked: int = 0
    overdue: int = 0
    notified: int = 0
    escalated: int = 0


def overdue_sweep(*, now=None, batch_size: int = 2000) -> SweepResult:
    now = now or timezone.now()
    result = SweepResult()
    overdue = Problem.objects.overdue(now=now).exclude(deadline__isnull=True)
    result.overdue = overdue.count()
    # Newly overdue: the unit is told, then the problem is stamped (a new deadline clears the stamp).
    fresh = list(overdue.filter(overdue_at__isnull=True, responsible_unit__isnull=False).values_list("pk", flat=True))
    # Due for escalation: overdue by the campaign's working hours, i.e. a deadline at or before the campaign's
    # cut-off, found once per campaign rather than once per problem.
    waiting = overdue.filter(escalated_at__isnull=True, responsible_unit__isnull=False)
    escalate_after = dict(RectificationSettings.objects.values_list("campaign_id", "escalate_after_hours"))
    due_q = Q(pk__in=[])
    for campaign_id in waiting.values_list("campaign_id", flat=True).distinct().order_by():
        hours = escalate_after.get(campaign_id, DEFAULT_ESCALATE_AFTER_HOURS)
        calendar = worktime_calendar(campaign=Campaign(pk=campaign_id))
        cutoff = latest_start_due_by(calendar, now, hours=hours) if hours else now
        due_q |= Q(campaign_id=campaign_id, deadline__lte=cutoff)
    due = list(waiting.filter(due_q).values_list("pk", flat=True))
    # Notices are written in the office's language, as bulletins are.
    with translation.override(settings.LANGUAGE_CODE):
        for pks in _chunks(fresh, batch_size):
            result.notified += notify(_drafts(_rows(pks), "overdue"))
            result.marked += Problem.objects.filter(pk__in=pks).update(overdue_at=now)
        for pks in _chunks(due, batch_size):
            result.escalated += notify(_drafts(_rows(pks), "escalated"))
            Problem.objects.filter(pk__in=pks).update(escalated_at=now)
    # Problems nobody answers for yet are stamped too; the office sees them in the ledger's overdue filter.
    result.marked += overdue.filter(overdue_at__isnull=True).update(overdue_at=now)
    return result


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _rows(pks) -> list[dict]:
    return list(
        Problem.objects.filter(pk__in=pks).values(
            "pk", "deadline", "point_id", "description", "responsible_unit_id", "responsible_unit__path"
        )
    )


def _drafts(rows, kind: str) -> list[Draft]:
    """The notices for a batch of problems: "overdue" to each unit's head (its liaisons if it has no head with a
    login), "escalated" to the leaders of the unit, the units above it and the problem's point. Three queries."""
    drafts = []
    if kind == "overdue":
        unit_ids = {row["responsible_unit_id"] for row in rows}
        heads, liaisons = defaultdict(list), defaultdict(list)
        for unit_id, user_id, role in UnitMembership.objects.filter(
            unit_id__in=unit_ids, role__in=[MembershipRole.HEAD, MembershipRole.LIAISON], user__is_active=True
        ).values_list("unit_id", "user_id", "role"):
            (heads if role == MembershipRole.HEAD else liaisons)[unit_id].append(user_id)
        recipients = {row["pk"]: heads[row["responsible_unit_id"]] or liaisons[row["responsible_unit_id"]]
                      for row in rows}  # fmt: skip
        title = _("Overdue: %(reference)s")
    else:
        all_units = {unit_id for row in rows for unit_id in _ancestors(row["responsible_unit__path"])}
        point_ids = {row["point_id"] for row in rows if row["point_id"]}
        leaders_of_unit, leaders_of_point = defaultdict(set), defaultdict(set)
        for unit_id, point_id, leader_id in LeaderAssignment.objects.filter(
            Q(unit_id__in=all_units) | Q(point_id__in=point_ids), leader__is_active=True
        ).values_list("unit_id", "point_id", "leader_id"):
            (leaders_of_unit[unit_id] if unit_id else leaders_of_point[point_id]).add(leader_id)
        recipients = {}
        for row in rows:
            leaders = set(leaders_of_point[row["point_id"]])
            for unit_id in _ancestors(row["responsible_unit__path"]):
                leaders |= leaders_of_unit[unit_id]
            recipients[row["pk"]] = sorted(leaders)
        title = _("Escalated, overdue: %(reference)s")
    for row in rows:
        reference = f"WT{row['pk']:06d}"
        step = timezone.localtime(row["deadline"]).strftime("%Y%m%dT%H%M")
        body = _("%(description)s — the deadline was %(deadline)s.") % {
            "description": row["description"][:100],
            "deadline": timezone.localtime(row["deadline"]).strftime("%Y-%m-%d %H:%M"),
        }
        for user_id in recipients[row["pk"]]:
            drafts.append(Draft(
                recipient_id=user_id, kind=f"problem.{kind}", key=f"problem.{kind}:{row['pk']}:{step}",
                title=title % {"reference": reference}, body=body, link=reverse("problem_detail", args=[row["pk"]]),
            ))  # fmt: skip
    return drafts


def _ancestors(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]
