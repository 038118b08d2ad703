"""Finding problems: routing a new problem to the unit that answers for it, its deadline in working time, possible
duplicates, and merging them. State changes after creation are in `rectification.workflow`."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.models import Campaign, DailyReportFinding, Grid, Point, Responsibility, Unit
from core.audit import audit_log
from core.choices import Role
from core.errors import DomainError
from rectification.choices import PUBLIC_SOURCES, PhotoKind, ProblemSource, Severity
from rectification.models import Open311Client, Problem, ProblemCategory, ProblemPhoto, ProblemTransition
from rectification.selectors import worktime_calendar
from rectification.tracking import tracking_code_new
from rectification.worktime import add_working_time

# A problem without a category (or whose category sets no deadline) is due in this much working time.
DEFAULT_DEADLINE = {"days": 3}
# "Nearby" for duplicates: about 100 m in latitude (and a little less in longitude at these latitudes).
NEARBY_DEGREES = Decimal("0.001")
# A public report's position finds its grid through the nearest point within about 300 m.
GRID_SEARCH_DEGREES = Decimal("0.003")


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


@transaction.atomic
def problem_apply_to_all(*, actor, problem: Problem, grids=(), units=()) -> list[Problem]:
    """举一反三: open a check of the same category at every active point of the same type in the chosen grids or
    units (with the units below them), each routed through the manual and linked to the original. Points that
    already have an open problem of the category are skipped. Written in bulk: a constant number of queries
    however many points."""
    if not actor.is_office:
        raise DomainError(_("Only the command office opens checks of like places."), code="forbidden")
    if problem.point is None:
        raise DomainError(_("Checks of like places start from a problem at a point."), code="invalid")
    if not grids and not units:
        raise DomainError(_("Choose the grids or units to check."), code="invalid")
    where = Q()
    if grids:
        where |= Q(grid__in=grids)
    for unit in units:
        where |= Q(responsibility__unit__path__startswith=unit.path) | Q(grid__unit__path__startswith=unit.path)
    busy = Problem.objects.open().filter(campaign=problem.campaign, category=problem.category, point__isnull=False)
    points = (
        Point.objects.filter(where, campaign=problem.campaign, point_type=problem.point.point_type, is_active=True)
        .exclude(pk=problem.point_id)
        .exclude(pk__in=busy.values("point_id"))
        .select_related("responsibility")
        .distinct()
        .order_by("code")
    )
    description = _("Check of like places (举一反三) after %(reference)s: %(description)s") % {
        "reference": problem.reference, "description": problem.description,
    }  # fmt: skip
    created = Problem.objects.bulk_create([
        Problem(
            campaign=problem.campaign, source=ProblemSource.ALIKE, category=problem.category,
            criterion=problem.criterion, point=point, grid_id=point.grid_id, address=point.address,
            description=description, severity=problem.severity, created_by=actor,
            responsible_unit_id=getattr(getattr(point, "responsibility", None), "unit_id", None),
            responsible_leader=getattr(getattr(point, "responsibility", None), "leader_name", ""),
        )
        for point in points
    ])  # fmt: skip
    if not created:
        return []
    if created[0].pk is None:  # databases that do not return ids from a bulk insert
        created = list(Problem.objects.filter(source=ProblemSource.ALIKE, description=description,
                                              point__in=[p.point_id for p in created]))  # fmt: skip
    ProblemTransition.objects.bulk_create([
        ProblemTransition(problem=new, action="create", from_status="", to_status=new.status, actor=actor,
                          actor_repr=actor.get_full_name(), data={"source": ProblemSource.ALIKE,
                                                                  "original": problem.pk})
        for new in created
    ])  # fmt: skip
    Problem.related.through.objects.bulk_create(
        [Problem.related.through(from_problem_id=new.pk, to_problem_id=problem.pk) for new in created]
        + [Problem.related.through(from_problem_id=problem.pk, to_problem_id=new.pk) for new in created]
    )
    audit_log(action="rectification.problem.apply_to_all", actor=actor, obj=problem,
              data={"created": [new.pk for new in created]})  # fmt: skip
    return created


@transaction.atomic
def problems_record_bulk(*, actor, campaign: Campaign, rows: list[dict]) -> list[Problem]:
    """Record many problems at once (an imported sheet), each routed like `problem_create` routes one: the manual
    of its point, else the category's unit type in its grid. A constant number of queries however many rows."""
    point_ids = {row["point"].pk for row in rows if row.get("point")}
    manual = {r.point_id: r for r in Responsibility.objects.filter(point_id__in=point_ids).select_related("unit")}
    problems = []
    for row in rows:
        row = dict(row)
        point = row.get("point")
        if point is not None:
            row.setdefault("grid", point.grid)
            if not row.get("address"):
                row["address"] = point.address
        entry = manual.get(point.pk) if point is not None else None
        if "responsible_unit" not in row or row["responsible_unit"] is None:
            row["responsible_unit"] = entry.unit if entry else None
            row["responsible_leader"] = entry.leader_name if entry else ""
        problems.append(Problem(campaign=campaign, created_by=actor, **row))
    created = Problem.objects.bulk_create(problems, batch_size=500)
    if created and created[0].pk is None:
        refs = [p.external_ref for p in created]
        created = list(Problem.objects.filter(campaign=campaign, external_ref__in=refs))
    ProblemTransition.objects.bulk_create([
        ProblemTransition(problem=p, action="create", from_status="", to_status=p.status, actor=actor,
                          actor_repr=actor.get_full_name() if actor else "",
                          data={"source": p.source, "imported": p.external_ref})
        for p in created
    ], batch_size=500)  # fmt: skip
    return created


def grid_near(*, campaign: Campaign, longitude, latitude) -> Grid | None:
    """The grid of the active point nearest to a position (within about 300 m), for routing a report that names
    a place but no point; None without a position or a point near it."""
    if longitude is None or latitude is None:
        return None
    lon, lat = Decimal(str(longitude)), Decimal(str(latitude))
    points = Point.objects.filter(
        campaign=campaign, is_active=True,
        longitude__range=(lon - GRID_SEARCH_DEGREES, lon + GRID_SEARCH_DEGREES),
        latitude__range=(lat - GRID_SEARCH_DEGREES, lat + GRID_SEARCH_DEGREES),
    ).select_related("grid")[:100]  # fmt: skip
    nearest = min(points, key=lambda p: (p.longitude - lon) ** 2 + (p.latitude - lat) ** 2, default=None)
    return nearest.grid if nearest is not None else None


def _unused_tracking_code() -> str:
    # Collisions are all but impossible (31 ** 10 codes); the unique constraint stays the guarantee.
    for _attempt in range(5):
        code = tracking_code_new()
        if not Problem.objects.filter(tracking_code=code).exists():
            return code
    raise DomainError(_("No tracking code is free; try again."), code="tracking_code")


@transaction.atomic
def problem_report_public(*, campaign: Campaign, category: ProblemCategory, description: str,
                          reporter_phone: str = "", reporter_name: str = "", address: str = "", longitude=None,
                          latitude=None, photos=(), source: str = ProblemSource.PUBLIC,
                          client: Open311Client | None = None) -> Problem:  # fmt: skip
    """A report from the public (the report page) or fed in by a hotline system (Open311, with its `client`):
    recorded as new with no account behind it, routed by its category and the grid of its position, and given a
    tracking code the reporter uses to follow it."""
    if source not in PUBLIC_SOURCES:
        raise DomainError(_("Only reports from the public are received here."), code="invalid")
    if category is None or category.campaign_id != campaign.pk or not category.is_active or category.children.exists():
        raise DomainError(_("Choose a category from the list."), code="invalid")
    problem = problem_create(
        actor=None, campaign=campaign, source=source, description=description, category=category,
        grid=grid_near(campaign=campaign, longitude=longitude, latitude=latitude), photos=photos, address=address,
        longitude=longitude, latitude=latitude, reporter_name=reporter_name, reporter_phone=reporter_phone,
        tracking_code=_unused_tracking_code(), intake_client=client,
    )  # fmt: skip
    if client is None:
        audit_log(action="rectification.problem.public_report", actor=None, obj=problem,
                  data={"source": source, "photos": len(photos)})  # fmt: skip
    else:
        audit_log(action="rectification.problem.open311_create", actor=None, obj=problem,
                  data={"source": source, "client": client.pk, "client_name": client.name})  # fmt: skip
    return problem


def problems_from_findings(*, actor, report, findings) -> list[Problem]:
    """A daily report's self-found problems (自查问题), recorded in the ledger as new problems of the reporting unit;
    each finding keeps its ledger number. Registered with campaign's daily reports, inside their submission's
    transaction, so a report and its problems are written together or not at all."""
    problems = []
    for finding in findings:
        problem = problem_create(
            actor=actor, campaign=report.campaign, source=ProblemSource.SELF_FOUND, description=finding.text,
            point=finding.point, responsible_unit=report.unit, report_finding=finding,
            # A line typed on a phone names no place; the unit's area stands for it until the problem is assigned.
            **({} if finding.point else {"address": report.unit.name}),
        )  # fmt: skip
        finding.problem_reference = problem.reference
        problems.append(problem)
    DailyReportFinding.objects.bulk_update(findings, ["problem_reference"])
    return problems
