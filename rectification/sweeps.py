"""The overdue sweep (超期督办), run by Celery beat every few minutes.

Each run, in a constant number of queries per batch of problems:
1. stamps `overdue_at` on problems whose deadline has passed while the clock runs (`Problem.overdue_q`);
2. notifies the head of the responsible unit (its liaisons if it has no head with a login) once per deadline;
3. escalates to the leaders answering for the unit (分包 leaders of the unit or any unit above it, and leaders of
   the problem's point) once the problem is overdue by the campaign's `escalate_after_hours` working hours,
   again once per deadline.

"Once" is the outbox's unique key (kind, problem, deadline, person): a sweep that runs twice, overlaps another or
is redelivered writes nothing new. A new deadline (extension, transfer, dispute decision) is a new step and is
notified afresh.
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
from rectification.worktime import add_working_time

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
    result.marked = overdue.filter(overdue_at__isnull=True).update(overdue_at=now)
    escalate_after = dict(RectificationSettings.objects.values_list("campaign_id", "escalate_after_hours"))
    calendars = {}
    rows = overdue.filter(responsible_unit__isnull=False).values(
        "pk", "campaign_id", "deadline", "point_id", "description", "responsible_unit_id", "responsible_unit__path"
    )
    batch = []
    # Notices are written in the office's language, as bulletins are.
    with translation.override(settings.LANGUAGE_CODE):
        for row in rows.order_by("pk").iterator(chunk_size=batch_size):
            batch.append(row)
            if len(batch) == batch_size:
                _notify_batch(batch, now, escalate_after, calendars, result)
                batch = []
        if batch:
            _notify_batch(batch, now, escalate_after, calendars, result)
    return result


def _notify_batch(rows, now, escalate_after, calendars, result: SweepResult) -> None:
    result.overdue += len(rows)
    unit_ids = {row["responsible_unit_id"] for row in rows}
    heads, liaisons = defaultdict(list), defaultdict(list)
    for unit_id, user_id, role in UnitMembership.objects.filter(
        unit_id__in=unit_ids, role__in=[MembershipRole.HEAD, MembershipRole.LIAISON], user__is_active=True
    ).values_list("unit_id", "user_id", "role"):
        (heads if role == MembershipRole.HEAD else liaisons)[unit_id].append(user_id)

    def ancestors(path: str) -> list[int]:
        return [int(part) for part in path.strip("/").split("/") if part]

    all_units = {unit_id for row in rows for unit_id in ancestors(row["responsible_unit__path"])}
    point_ids = {row["point_id"] for row in rows if row["point_id"]}
    leaders_of_unit, leaders_of_point = defaultdict(set), defaultdict(set)
    for unit_id, point_id, leader_id in LeaderAssignment.objects.filter(
        Q(unit_id__in=all_units) | Q(point_id__in=point_ids), leader__is_active=True
    ).values_list("unit_id", "point_id", "leader_id"):
        (leaders_of_unit[unit_id] if unit_id else leaders_of_point[point_id]).add(leader_id)

    drafts_overdue, drafts_escalated = [], []
    for row in rows:
        reference = f"WT{row['pk']:06d}"
        step = timezone.localtime(row["deadline"]).strftime("%Y%m%dT%H%M")
        link = reverse("problem_detail", args=[row["pk"]])
        deadline_text = timezone.localtime(row["deadline"]).strftime("%Y-%m-%d %H:%M")
        body = _("%(description)s — the deadline was %(deadline)s.") % {
            "description": row["description"][:100], "deadline": deadline_text,
        }  # fmt: skip
        for user_id in heads[row["responsible_unit_id"]] or liaisons[row["responsible_unit_id"]]:
            drafts_overdue.append(Draft(
                recipient_id=user_id, kind="problem.overdue", key=f"problem.overdue:{row['pk']}:{step}",
                title=_("Overdue: %(reference)s") % {"reference": reference}, body=body, link=link,
            ))  # fmt: skip
        if _due_for_escalation(row, now, escalate_after, calendars):
            leaders = set(leaders_of_point[row["point_id"]])
            for unit_id in ancestors(row["responsible_unit__path"]):
                leaders |= leaders_of_unit[unit_id]
            for user_id in leaders:
                drafts_escalated.append(Draft(
                    recipient_id=user_id, kind="problem.escalated", key=f"problem.escalated:{row['pk']}:{step}",
                    title=_("Escalated, overdue: %(reference)s") % {"reference": reference}, body=body, link=link,
                ))  # fmt: skip
    result.notified += notify(drafts_overdue)
    result.escalated += notify(drafts_escalated)


def _due_for_escalation(row, now, escalate_after, calendars) -> bool:
    hours = escalate_after.get(row["campaign_id"], DEFAULT_ESCALATE_AFTER_HOURS)
    if hours == 0:
        return True
    campaign_id = row["campaign_id"]
    if campaign_id not in calendars:
        calendars[campaign_id] = worktime_calendar(campaign=Campaign(pk=campaign_id))
    return add_working_time(calendars[campaign_id], row["deadline"], hours=hours) <= now
