"""The problem workflow (交办 → 受理 → 整改 → 核查 → 销号): the one place a problem's status changes.

Each transition is a function that locks the problem, checks that the move is legal from its current state and
that the user may make it, changes the state, stores a `ProblemTransition` (who, when, from, to, note) and an
audit event, all in one transaction. Anything else refuses with a `DomainError` whose message says why. The
table `TRANSITIONS` is the map: which states each move starts from and where it leads.

Who may do what:
- the command office (staff, administrators) assigns, transfers, cancels, suspends and resumes, decides
  extension requests and disputes, and verifies;
- inspectors verify too; nobody verifies a rectification they submitted themselves;
- the responsible unit (its head or liaison, or those of a unit above it) accepts, starts, submits, disputes the
  responsibility and asks for more time; the office may do these on a unit's behalf.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.models import Unit
from campaign.scope import scope_unit_paths
from core.audit import audit_log
from core.choices import Role
from core.errors import DomainError
from rectification.choices import PhotoKind
from rectification.choices import ProblemStatus as S
from rectification.models import Dispute, Problem, ProblemPhoto, ProblemTransition
from rectification.problems import photos_attach
from rectification.rechecks import recheck_schedule_on_close

OFFICE, VERIFIER, UNIT = "office", "verifier", "unit"
OPEN_WORK = frozenset({S.ASSIGNED, S.ACCEPTED, S.RECTIFYING, S.RETURNED})
INTERRUPTIONS = frozenset({S.DISPUTED, S.EXTENSION_REQUESTED, S.SUSPENDED})


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset
    target: str | None  # None: back to the state the problem was in before the interruption
    actor: str
    needs_note: bool = False


TRANSITIONS = {
    t.name: t
    for t in [
        Transition("assign", gettext_lazy("Assign"), frozenset({S.NEW}), S.ASSIGNED, OFFICE),
        Transition("accept", gettext_lazy("Accept"), frozenset({S.ASSIGNED}), S.ACCEPTED, UNIT),
        Transition("start", gettext_lazy("Start rectifying"), frozenset({S.ACCEPTED, S.RETURNED}), S.RECTIFYING, UNIT),
        Transition(
            "submit",
            gettext_lazy("Submit the rectification"),
            frozenset({S.ACCEPTED, S.RECTIFYING, S.RETURNED}),
            S.SUBMITTED,
            UNIT,
            needs_note=True,
        ),
        Transition("verify", gettext_lazy("Verify and close"), frozenset({S.SUBMITTED}), S.CLOSED, VERIFIER),
        Transition(
            "return",
            gettext_lazy("Return for rework"),
            frozenset({S.SUBMITTED}),
            S.RETURNED,
            VERIFIER,
            needs_note=True,
        ),
        Transition(
            "dispute",
            gettext_lazy("Dispute the responsibility"),
            frozenset({S.ASSIGNED, S.ACCEPTED}),
            S.DISPUTED,
            UNIT,
            needs_note=True,
        ),
        Transition(
            "decide_dispute",
            gettext_lazy("Decide the dispute"),
            frozenset({S.DISPUTED}),
            S.ASSIGNED,
            OFFICE,
            needs_note=True,
        ),
        Transition(
            "transfer", gettext_lazy("Transfer to another unit"), OPEN_WORK, S.ASSIGNED, OFFICE, needs_note=True
        ),
        Transition(
            "request_extension",
            gettext_lazy("Ask for more time"),
            frozenset({S.ACCEPTED, S.RECTIFYING, S.RETURNED}),
            S.EXTENSION_REQUESTED,
            UNIT,
            needs_note=True,
        ),
        Transition(
            "approve_extension",
            gettext_lazy("Approve the extension"),
            frozenset({S.EXTENSION_REQUESTED}),
            None,
            OFFICE,
        ),
        Transition(
            "reject_extension",
            gettext_lazy("Refuse the extension"),
            frozenset({S.EXTENSION_REQUESTED}),
            None,
            OFFICE,
            needs_note=True,
        ),
        Transition(
            "suspend", gettext_lazy("Suspend (挂账)"), OPEN_WORK | {S.SUBMITTED}, S.SUSPENDED, OFFICE, needs_note=True
        ),
        Transition("resume", gettext_lazy("Resume"), frozenset({S.SUSPENDED}), None, OFFICE),
        Transition(
            "cancel",
            gettext_lazy("Cancel"),
            frozenset(S.values) - {S.CLOSED, S.CANCELLED},
            S.CANCELLED,
            OFFICE,
            needs_note=True,
        ),
    ]
}


def acts_for_unit(user, unit: Unit | None) -> bool:
    """Whether the user answers for the unit: its head or liaison, or those of a unit above it."""
    if unit is None or not user.is_authenticated or user.role not in (Role.UNIT_HEAD, Role.LIAISON):
        return False
    paths = scope_unit_paths(user) or []
    return any(unit.path.startswith(path) for path in paths)


def may(user, problem: Problem, transition: Transition) -> bool:
    """Whether this user may make this move on this problem (whatever its state)."""
    if not (user.is_authenticated and user.is_active):
        return False
    if transition.actor == OFFICE:
        return user.is_office
    if transition.actor == VERIFIER:
        return (user.is_office or user.role == Role.INSPECTOR) and user.pk != problem.submitted_by_id
    # The office may act for a unit too (recording a fix reported by phone); the verifier rule still holds.
    return user.is_office or acts_for_unit(user, problem.responsible_unit)


def available_transitions(*, user, problem: Problem) -> list[Transition]:
    """The moves this user can make now: the buttons a problem's page shows."""
    return [t for t in TRANSITIONS.values() if problem.status in t.sources and may(user, problem, t)]


def _begin(problem: Problem, name: str, actor, note: str) -> tuple[Problem, Transition]:
    transition = TRANSITIONS[name]
    # Lock the problem's row only: PostgreSQL refuses FOR UPDATE on the nullable side of the unit's outer join.
    problem = Problem.objects.select_for_update(of=("self",)).select_related("responsible_unit").get(pk=problem.pk)
    if problem.status not in transition.sources:
        raise DomainError(
            _("%(action)s is not possible while the problem is %(status)s.")
            % {"action": transition.label, "status": problem.get_status_display()},
            code="illegal_transition",
        )
    if not may(actor, problem, transition):
        if transition.actor == VERIFIER and actor.pk == problem.submitted_by_id:
            raise DomainError(_("The person who submitted the rectification cannot verify it."), code="forbidden")
        raise DomainError(_("You may not %(action)s this problem.") % {"action": transition.label},
                          code="forbidden")  # fmt: skip
    if transition.needs_note and not note.strip():
        raise DomainError(_("%(action)s needs a note saying why.") % {"action": transition.label},
                          code="note_required")  # fmt: skip
    return problem, transition


def _finish(problem: Problem, transition: Transition, actor, note: str, *, fields=(), data=None) -> Problem:
    """Move the problem, store the step and audit it. An interruption (dispute, extension request, suspension)
    remembers the state it interrupted; any other move forgets it. The stored step is `problem.last_step`."""
    from_status = problem.status
    problem.status = transition.target or problem.resume_status
    problem.resume_status = from_status if problem.status in INTERRUPTIONS else ""
    problem.save(update_fields=sorted({"status", "resume_status", *fields}))
    # `at` from `timezone.now()` at call time (not the field's default, bound at import), so the step and the time
    # stamps on the problem (assigned_at, handled_at, closed_at) read the same clock.
    problem.last_step = ProblemTransition.objects.create(
        problem=problem, action=transition.name, from_status=from_status, to_status=problem.status,
        actor=actor, actor_repr=actor.get_full_name() if actor else "", note=note, data=data or {},
        at=timezone.now(),
    )  # fmt: skip
    audit_log(action=f"rectification.problem.{transition.name}", actor=actor, obj=problem,
              data={"from": from_status, "to": problem.status, **(data or {})})  # fmt: skip
    return problem


@transaction.atomic
def problem_assign(*, actor, problem: Problem, unit: Unit, deadline=None, leader: str = "", note: str = ""):
    """交办: hand the problem to the unit that answers for it, with a deadline (computed from the category and the
    working-time calendar if not given)."""
    problem, transition = _begin(problem, "assign", actor, note)
    return _hand_over(problem, transition, actor, note, unit=unit, deadline=deadline, leader=leader)


def _hand_over(problem, transition, actor, note, *, unit, deadline, leader, data=None):
    from rectification.problems import problem_deadline

    if unit is None or unit.campaign_id != problem.campaign_id:
        raise DomainError(_("Choose a responsible unit of this campaign."), code="invalid")
    now = timezone.now()
    problem.responsible_unit = unit
    problem.responsible_leader = leader or problem.responsible_leader
    problem.deadline = deadline or problem_deadline(problem=problem, start=now)
    problem.assigned_at = now
    problem.overdue_at = problem.escalated_at = None
    return _finish(problem, transition, actor, note,
                   fields=("responsible_unit", "responsible_leader", "deadline", "assigned_at", "overdue_at",
                           "escalated_at"),
                   data={"unit": unit.pk, "deadline": problem.deadline, **(data or {})})  # fmt: skip


@transaction.atomic
def problem_accept(*, actor, problem: Problem, note: str = "") -> Problem:
    problem, transition = _begin(problem, "accept", actor, note)
    return _finish(problem, transition, actor, note)


@transaction.atomic
def problem_start(*, actor, problem: Problem, note: str = "") -> Problem:
    problem, transition = _begin(problem, "start", actor, note)
    return _finish(problem, transition, actor, note)


@transaction.atomic
def problem_submit(*, actor, problem: Problem, note: str, photos=()) -> Problem:
    """The unit reports the problem fixed, saying what was done and showing it (at least one "after" photo, new or
    already uploaded); someone else verifies it."""
    problem, transition = _begin(problem, "submit", actor, note)
    if not photos and not problem.photos.filter(kind=PhotoKind.AFTER, transition__isnull=True).exists():
        raise DomainError(_("Add at least one photo of the result."), code="photo_required")
    problem.submitted_by = actor
    problem.handled_at = timezone.now()
    problem = _finish(problem, transition, actor, note, fields=("submitted_by", "handled_at"))
    entry = problem.last_step
    photos_attach(actor=actor, problem=problem, photos=photos, kind=PhotoKind.AFTER, transition=entry)
    ProblemPhoto.objects.filter(problem=problem, kind=PhotoKind.AFTER, transition__isnull=True).update(
        transition=entry
    )
    return problem


@transaction.atomic
def problem_verify(*, actor, problem: Problem, note: str = "") -> Problem:
    """核查销号: someone other than the submitter confirms the fix on the spot and closes the problem."""
    problem, transition = _begin(problem, "verify", actor, note)
    problem.closed_at = timezone.now()
    problem = _finish(problem, transition, actor, note, fields=("closed_at",))
    recheck_schedule_on_close(problem=problem)
    return problem


@transaction.atomic
def problem_return(*, actor, problem: Problem, note: str) -> Problem:
    """退回重办: the fix does not hold; the unit works on it again and the rework is counted."""
    problem, transition = _begin(problem, "return", actor, note)
    problem.rework_count += 1
    return _finish(problem, transition, actor, note, fields=("rework_count",))


@transaction.atomic
def problem_dispute(*, actor, problem: Problem, note: str) -> Problem:
    """职责不清: the unit says another unit answers for it. The office decides; until then the rule is "do the work
    first, settle responsibility after" (先干后议)."""
    problem, transition = _begin(problem, "dispute", actor, note)
    problem = _finish(problem, transition, actor, note)
    Dispute.objects.create(problem=problem, unit=problem.responsible_unit, reason=note, raised_by=actor)
    return problem


@transaction.atomic
def problem_decide_dispute(*, actor, problem: Problem, unit: Unit, note: str, deadline=None) -> Problem:
    """The arbiter's decision: the unit that answers for the problem (the same one or another), recorded; the
    problem is assigned to it afresh."""
    problem, transition = _begin(problem, "decide_dispute", actor, note)
    previous = problem.responsible_unit_id
    Dispute.objects.filter(problem=problem, decided_at__isnull=True).update(
        decided_unit=unit, decision=note, decided_by=actor, decided_at=timezone.now()
    )
    return _hand_over(
        problem,
        transition,
        actor,
        note,
        unit=unit,
        deadline=deadline,
        leader="",
        data={"previous_unit": previous, "decision": "upheld" if previous == unit.pk else "moved"},
    )


@transaction.atomic
def problem_transfer(*, actor, problem: Problem, unit: Unit, note: str, deadline=None) -> Problem:
    problem, transition = _begin(problem, "transfer", actor, note)
    if unit.pk == problem.responsible_unit_id:
        raise DomainError(_("The problem is already with this unit."), code="invalid")
    return _hand_over(
        problem,
        transition,
        actor,
        note,
        unit=unit,
        deadline=deadline,
        leader="",
        data={"previous_unit": problem.responsible_unit_id},
    )


@transaction.atomic
def problem_request_extension(*, actor, problem: Problem, until, note: str) -> Problem:
    problem, transition = _begin(problem, "request_extension", actor, note)
    if problem.deadline is not None and until <= problem.deadline:
        raise DomainError(_("An extension must end after the current deadline."), code="invalid")
    return _finish(problem, transition, actor, note, data={"until": until})


@transaction.atomic
def problem_approve_extension(*, actor, problem: Problem, note: str = "", until=None) -> Problem:
    """Grant the time asked for (or the date the office sets instead); the extension is counted."""
    problem, transition = _begin(problem, "approve_extension", actor, note)
    requested = problem.transitions.filter(action="request_extension").order_by("-at", "-id").first()
    problem.deadline = until or (requested.data["until"] if requested else problem.deadline)
    if isinstance(problem.deadline, str):
        problem.deadline = timezone.datetime.fromisoformat(problem.deadline)
    problem.extension_count += 1
    problem.overdue_at = problem.escalated_at = None
    return _finish(problem, transition, actor, note,
                   fields=("deadline", "extension_count", "overdue_at", "escalated_at"),
                   data={"deadline": problem.deadline})  # fmt: skip


@transaction.atomic
def problem_reject_extension(*, actor, problem: Problem, note: str) -> Problem:
    problem, transition = _begin(problem, "reject_extension", actor, note)
    return _finish(problem, transition, actor, note)


@transaction.atomic
def problem_suspend(*, actor, problem: Problem, note: str) -> Problem:
    """挂账: the problem cannot be solved now (it needs funds or a project); the office approves keeping it open
    without counting it overdue."""
    problem, transition = _begin(problem, "suspend", actor, note)
    return _finish(problem, transition, actor, note)


@transaction.atomic
def problem_resume(*, actor, problem: Problem, note: str = "", deadline=None) -> Problem:
    problem, transition = _begin(problem, "resume", actor, note)
    fields, data = (), None
    if deadline is not None:
        problem.deadline = deadline
        problem.overdue_at = problem.escalated_at = None
        fields, data = ("deadline", "overdue_at", "escalated_at"), {"deadline": deadline}
    # Like every other move that sets a deadline, the step records it: the metrics read the deadline in force at a
    # past moment from the history.
    return _finish(problem, transition, actor, note, fields=fields, data=data)


@transaction.atomic
def problem_cancel(*, actor, problem: Problem, note: str) -> Problem:
    """撤销: not a problem after all (a duplicate, outside the campaign, a mistaken report); a reason is required."""
    problem, transition = _begin(problem, "cancel", actor, note)
    return _finish(problem, transition, actor, note)


MOVES = {
    "assign": (problem_assign, {"unit", "deadline"}),
    "accept": (problem_accept, set()),
    "start": (problem_start, set()),
    "submit": (problem_submit, {"photos"}),
    "verify": (problem_verify, set()),
    "return": (problem_return, set()),
    "dispute": (problem_dispute, set()),
    "decide_dispute": (problem_decide_dispute, {"unit", "deadline"}),
    "transfer": (problem_transfer, {"unit", "deadline"}),
    "request_extension": (problem_request_extension, {"until"}),
    "approve_extension": (problem_approve_extension, {"until"}),
    "reject_extension": (problem_reject_extension, set()),
    "suspend": (problem_suspend, set()),
    "resume": (problem_resume, {"deadline"}),
    "cancel": (problem_cancel, set()),
}


def problem_move(*, actor, problem: Problem, action: str, note: str = "", **values) -> Problem:
    """Make the move named `action` with the values it takes (the API and the page post a move by name)."""
    if action not in MOVES:
        raise DomainError(_("Unknown action."), code="invalid")
    function, accepted = MOVES[action]
    kwargs = {name: value for name, value in values.items() if name in accepted and value is not None}
    if action in ("assign", "transfer", "decide_dispute") and "unit" not in kwargs:
        raise DomainError(_("Choose a responsible unit of this campaign."), code="invalid")
    if action == "request_extension" and "until" not in kwargs:
        raise DomainError(_("Say until when the extension should run."), code="invalid")
    return function(actor=actor, problem=problem, note=note, **kwargs)


@transaction.atomic
def dispute_escalate(*, actor, dispute: Dispute, note: str = "") -> Dispute:
    """Take an open dispute one step up the campaign's arbitration ladder (分管领导 → 文明办 → 编办 by default)."""
    if not actor.is_office:
        raise DomainError(_("Only the command office moves a dispute up the ladder."), code="forbidden")
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    if not dispute.is_open:
        raise DomainError(_("This dispute is already decided."), code="invalid")
    ladder = dispute_ladder(campaign_id=dispute.problem.campaign_id)
    if not dispute_can_escalate(dispute=dispute, ladder=ladder):
        raise DomainError(_("The dispute is at the top of the ladder already."), code="invalid")
    dispute.level += 1
    dispute.save(update_fields=["level"])
    audit_log(action="rectification.dispute.escalate", actor=actor, obj=dispute.problem,
              data={"dispute": dispute.pk, "to": ladder[dispute.level], "note": note})  # fmt: skip
    return dispute


def dispute_ladder(*, campaign_id: int) -> list[str]:
    from rectification.models import RectificationSettings, default_dispute_ladder

    policy = RectificationSettings.objects.filter(campaign_id=campaign_id).first()
    return (policy.dispute_ladder if policy else None) or default_dispute_ladder()


def dispute_step_name(*, dispute: Dispute, ladder: list[str]) -> str:
    """The ladder step a dispute stands at (the top one if the ladder was shortened below its level); "" without
    a ladder."""
    return ladder[min(dispute.level, len(ladder) - 1)] if ladder else ""


def dispute_can_escalate(*, dispute: Dispute, ladder: list[str]) -> bool:
    """Whether the dispute is open and has a step of the ladder above the one it stands at."""
    return dispute.is_open and dispute.level + 1 < len(ladder)


def problems_assign_bulk(
    *, actor, problems, unit: Unit | None = None
) -> tuple[list[Problem], list[tuple[Problem, str]]]:
    """Assign many new problems at once (staff's bulk 交办): to `unit`, or each to the unit its routing proposed.
    Each is its own move with its own history; those that cannot be assigned are returned with the reason, the
    others go through."""
    done, refused = [], []
    for problem in problems:
        target = unit or problem.responsible_unit
        try:
            if target is None:
                raise DomainError(_("Choose a responsible unit of this campaign."), code="invalid")
            done.append(problem_assign(actor=actor, problem=problem, unit=target))
        except DomainError as exc:
            refused.append((problem, str(exc.message)))
    return done, refused
