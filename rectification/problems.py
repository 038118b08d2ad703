"""Finding problems: routing a new problem to the unit that answers for it, its deadline in working time, possible
duplicates, and merging them. State changes after creation are in `rectification.workflow`."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.models import Campaign, Grid, Point, Responsibility, Unit
from core.audit import audit_log
from core.choices import Role
from core.errors import DomainError
from rectification.choices import PhotoKind, ProblemSource, Severity
from rectification.models import Problem, ProblemPhoto, ProblemTransition
from rectification.selectors import worktime_calendar
from rectification.worktime import add_working_time

# A problem without a category (or whose category sets no deadline) is due in this much working time.
DEFAULT_DEADLINE = {"days": 3}
# "Nearby" for duplicates: about 100 m in latitude (and a little less in longitude at these latitudes).
NEARBY_DEGREES = Decimal("0.001")


@dataclass(frozen=True)
class Route:
    """Who should answer for a problem, and why we think so (shown to staff, who confirm or change it)."""

    unit: Unit | None
    leader: str
    reason: str


def problem_route(*, campaign: Campaign, point: Point | None = None, category=None, grid: Grid | None = None) -> Route:
    """With a point: the manual's responsible unit and leader. With a category only: the unit of the category's
    default type keeping the grid (the grid's own unit or one above it). Otherwise nobody; staff choose."""
    if point is not None:
        row = Responsibility.objects.filter(point=point).select_related("unit").first()
        if row is not None and row.unit_id:
            return Route(row.unit, row.leader_name, _("From the responsibility manual of %(point)s.")
                         % {"point": point.name})  # fmt: skip
        grid = grid or point.grid
    if category is not None and category.default_unit_type and grid is not None and grid.unit_id:
        keeper = grid.unit
        candidates = Unit.objects.filter(pk__in=[*keeper.ancestor_ids(), keeper.pk], type=category.default_unit_type)
        unit = max(candidates, key=lambda u: u.depth, default=None)
        if unit is not None:
            return Route(unit, unit.leader_in_charge, _("The %(type)s keeping grid %(grid)s, by the category.")
                         % {"type": unit.get_type_display(), "grid": grid.name})  # fmt: skip
    return Route(None, "", _("No unit found; choose one."))


def problem_deadline(*, problem: Problem, start: datetime.datetime) -> datetime.datetime:
    """The deadline counted in working time from `start`: the category's (the urgent one for urgent problems),
    else the default."""
    amount = None
    if problem.category_id:
        amount = problem.category.deadline_amount(urgent=problem.severity == Severity.URGENT)
    return add_working_time(worktime_calendar(campaign=problem.campaign), start, **(amount or DEFAULT_DEADLINE))


def possible_duplicates(*, campaign: Campaign, category=None, point: Point | None = None, longitude=None,
                        latitude=None, exclude: Problem | None = None) -> QuerySet[Problem]:  # fmt: skip
    """Open problems of the same category at the same point or within about 100 m: shown before creating one."""
    if category is None or (point is None and (longitude is None or latitude is None)):
        return Problem.objects.none()
    near = Q(point=point) if point is not None else Q()
    if longitude is not None and latitude is not None:
        lon, lat = Decimal(str(longitude)), Decimal(str(latitude))
        near |= Q(longitude__range=(lon - NEARBY_DEGREES, lon + NEARBY_DEGREES),
                  latitude__range=(lat - NEARBY_DEGREES, lat + NEARBY_DEGREES))  # fmt: skip
    duplicates = Problem.objects.open().filter(near, campaign=campaign, category=category)
    if exclude is not None:
        duplicates = duplicates.exclude(pk=exclude.pk)
    return duplicates.select_related("point", "responsible_unit").order_by("-created_at")


def photos_attach(*, actor, problem: Problem, photos, kind: str, transition=None) -> list[ProblemPhoto]:
    """Store cleaned photos (`core.images.CleanImage`) with a problem; the files are written with the rows."""
    saved = []
    for clean in photos:
        photo = ProblemPhoto.build_from(clean, uploaded_by=actor, problem=problem, kind=kind, transition=transition)
        photo.save()
        saved.append(photo)
    return saved


@transaction.atomic
def problem_create(*, actor, campaign: Campaign, source: str, description: str, point: Point | None = None,
                   category=None, grid: Grid | None = None, photos=(), **fields) -> Problem:  # fmt: skip
    """Record a problem in the ledger as new, with the unit and leader the routing proposes (staff confirm them
    when assigning)."""
    if point is not None:
        grid = grid or point.grid
        fields.setdefault("address", point.address)
    route = problem_route(campaign=campaign, point=point, category=category, grid=grid)
    # A unit named by the person recording wins over the routing's proposal.
    fields.setdefault("responsible_unit", route.unit)
    fields.setdefault("responsible_leader", route.leader if fields["responsible_unit"] == route.unit else "")
    problem = Problem(
        campaign=campaign, source=source, description=description, point=point, category=category, grid=grid,
        created_by=actor, **fields,
    )  # fmt: skip
    problem.full_clean()
    problem.save()
    entry = ProblemTransition.objects.create(
        problem=problem, action="create", from_status="", to_status=problem.status, actor=actor,
        actor_repr=actor.get_full_name() if actor else "", data={"source": source, "route": route.reason},
        at=timezone.now(),
    )  # fmt: skip
    photos_attach(actor=actor, problem=problem, photos=photos, kind=PhotoKind.BEFORE, transition=entry)
    audit_log(action="rectification.problem.create", actor=actor, obj=problem,
              data={"source": source, "unit": route.unit.pk if route.unit else None})  # fmt: skip
    return problem


@transaction.atomic
def problem_merge(*, actor, duplicate: Problem, into: Problem) -> Problem:
    """Fold a duplicate into the problem it repeats: the two are linked and the duplicate is cancelled with a note
    naming the other."""
    from rectification.workflow import problem_cancel

    if duplicate.pk == into.pk or duplicate.campaign_id != into.campaign_id:
        raise DomainError(_("A problem can only be merged into another problem of the same campaign."))
    if not into.is_open:
        raise DomainError(_("Merge into a problem that is still open."))
    duplicate.related.add(into)
    return problem_cancel(actor=actor, problem=duplicate,
                          note=_("Duplicate of %(reference)s.") % {"reference": into.reference})  # fmt: skip


def may_record(*, user) -> bool:
    """Who may record problems: the office, inspectors, and units (what they found themselves)."""
    return user.is_authenticated and (user.is_office or user.role in (Role.INSPECTOR, Role.UNIT_HEAD, Role.LIAISON))


def problem_record(*, actor, campaign: Campaign, source: str, point: Point | None = None, **fields) -> Problem:
    """Record a problem as the person in front of the form may: the office and inspectors from any source; a unit
    only what it found itself (自查), in a campaign and at a point it sees, answered for by its own unit unless the
    manual says a unit under it answers."""
    from rectification.workflow import acts_for_unit

    if actor.is_office or actor.role == Role.INSPECTOR:
        return problem_create(actor=actor, campaign=campaign, source=source, point=point, **fields)
    if actor.role not in (Role.UNIT_HEAD, Role.LIAISON):
        raise DomainError(_("You may not record problems."), code="forbidden")
    if source != ProblemSource.SELF_FOUND:
        raise DomainError(_("A unit records the problems it found itself."), code="invalid")
    if not Campaign.objects.visible_to(actor).filter(pk=campaign.pk).exists() or (
        point is not None and not Point.objects.visible_to(actor).filter(pk=point.pk).exists()
    ):
        raise DomainError(_("You may not record problems here."), code="forbidden")
    problem = problem_create(actor=actor, campaign=campaign, source=source, point=point, **fields)
    if not acts_for_unit(actor, problem.responsible_unit):
        own = Unit.objects.filter(campaign=campaign, memberships__user=actor).order_by("depth").first()
        problem.responsible_unit = own
        problem.responsible_leader = own.leader_in_charge if own else ""
        problem.save(update_fields=["responsible_unit", "responsible_leader"])
    return problem
