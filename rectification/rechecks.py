"""Re-checks (回头看): closed problems are visited again to see that the fix held.

A closing schedules a re-check when the problem's category (or its parent) has a rule (`recheck_after_days`), or
when the problem falls in the campaign's random share. The draw is deterministic — a hash of the problem's id — so
it cannot be gamed by closing at a chosen moment, is the same on every server, and is reproducible in a test.

Recording what the re-visit found: the fix held; the problem came back (反弹回潮: the original is flagged
`recurred` and a new, linked problem is recorded); or it was never fixed (虚假整改: the original is flagged
`false_rectification` and a new, linked problem is recorded). Only the office and inspectors re-check.
"""

import datetime
import hashlib

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_log
from core.choices import Role
from core.errors import DomainError
from rectification.choices import ProblemSource, RecheckReason, RecheckResult
from rectification.models import Problem, Recheck, RectificationSettings
from rectification.problems import problem_create


def _settings_for(problem: Problem) -> RectificationSettings:
    return RectificationSettings.objects.filter(campaign_id=problem.campaign_id).first() or RectificationSettings()


def drawn_for_recheck(problem: Problem, share: int) -> bool:
    """Whether the problem falls in the random share (0–100 %) of closed problems re-checked."""
    digest = hashlib.sha256(f"recheck:{problem.campaign_id}:{problem.pk}".encode()).hexdigest()
    return int(digest[:8], 16) % 100 < share


def recheck_schedule_on_close(*, problem: Problem) -> Recheck | None:
    """Called when a problem closes, in the same transaction: schedule its re-check if a rule or the draw says so."""
    closed_on = timezone.localdate(problem.closed_at or timezone.now())
    category = problem.category
    days = None
    while category is not None and days is None:
        days = category.recheck_after_days
        category = category.parent
    if days is not None:
        reason = RecheckReason.RULE
    else:
        policy = _settings_for(problem)
        if not drawn_for_recheck(problem, policy.recheck_share):
            return None
        reason, days = RecheckReason.RANDOM, policy.recheck_random_after_days
    recheck, _created = Recheck.objects.get_or_create(
        problem=problem, due_date=closed_on + datetime.timedelta(days=days), defaults={"reason": reason}
    )
    return recheck


@transaction.atomic
def recheck_order(*, actor, problem: Problem, due_date: datetime.date) -> Recheck:
    """The office orders a re-check of a closed problem."""
    if not actor.is_office:
        raise DomainError(_("Only the command office orders re-checks."), code="forbidden")
    if problem.status != "closed":
        raise DomainError(_("Only closed problems are re-checked."), code="invalid")
    recheck, _created = Recheck.objects.get_or_create(
        problem=problem, due_date=due_date, defaults={"reason": RecheckReason.MANUAL}
    )
    return recheck


@transaction.atomic
def recheck_record(*, actor, recheck: Recheck, result: str, note: str = "", photos=()) -> Recheck:
    """Record what the re-visit found; a recurrence or a fix that never was becomes a new, linked problem."""
    if not (actor.is_office or actor.role == Role.INSPECTOR):
        raise DomainError(_("Only the office and inspectors re-check problems."), code="forbidden")
    recheck = Recheck.objects.select_for_update(of=("self",)).select_related("problem").get(pk=recheck.pk)
    if recheck.is_done:
        raise DomainError(_("This re-check is already recorded."), code="invalid")
    if result not in RecheckResult.values:
        raise DomainError(_("Unknown result."), code="invalid")
    original = recheck.problem
    if result != RecheckResult.HELD:
        if not note.strip():
            raise DomainError(_("Describe what was found."), code="note_required")
        recheck.new_problem = problem_create(
            actor=actor, campaign=original.campaign, source=ProblemSource.RECHECK, description=note,
            point=original.point, category=original.category, grid=original.grid, criterion=original.criterion,
            address=original.address, longitude=original.longitude, latitude=original.latitude,
            responsible_unit=original.responsible_unit, responsible_leader=original.responsible_leader,
            photos=photos,
        )  # fmt: skip
        recheck.new_problem.related.add(original)
        flag = "recurred" if result == RecheckResult.RECURRED else "false_rectification"
        setattr(original, flag, True)
        original.save(update_fields=[flag])
    recheck.result = result
    recheck.note = note
    recheck.checked_by = actor
    recheck.checked_at = timezone.now()
    recheck.save(update_fields=["result", "note", "checked_by", "checked_at", "new_problem"])
    audit_log(action="rectification.recheck.record", actor=actor, obj=original,
              data={"recheck": recheck.pk, "result": result,
                    "new_problem": recheck.new_problem_id})  # fmt: skip
    return recheck
