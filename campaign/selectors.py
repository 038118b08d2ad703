"""Reads of the campaign's structure, always through the row-level scope."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from campaign.choices import MembershipRole
from campaign.models import (
    Campaign,
    Grid,
    Indicator,
    IndicatorSystem,
    LeaderAssignment,
    OperationStandard,
    Pairing,
    Point,
    PointType,
    Responsibility,
    SampledPoint,
    Sampling,
    TaskAcknowledgement,
    TaskAssignment,
    Unit,
    UnitGroup,
    UnitMembership,
)


def campaign_list_visible(*, user) -> QuerySet[Campaign]:
    return Campaign.objects.visible_to(user).order_by("-window_start", "-id")


def campaign_default_for(*, user) -> Campaign | None:
    """The campaign a user lands in: the newest one not closed, else the newest one."""
    campaigns = campaign_list_visible(user=user)
    return campaigns.exclude(status="closed").first() or campaigns.first()


def unit_list(*, user, campaign: Campaign | None = None) -> QuerySet[Unit]:
    """Units the user may see (of one campaign, if given), with what a list row shows, in a constant number of
    queries however many units there are."""
    liaisons = UnitMembership.objects.filter(role=MembershipRole.LIAISON).select_related("user")
    units = Unit.objects.visible_to(user)
    if campaign is not None:
        units = units.filter(campaign=campaign)
    return (
        units.select_related("parent")
        .annotate(child_count=Count("children", distinct=True))
        .prefetch_related(Prefetch("memberships", queryset=liaisons, to_attr="liaison_memberships"))
        .order_by("campaign_id", "path")
    )


def unit_counts_by_type(*, user, campaign: Campaign) -> dict[str, int]:
    rows = Unit.objects.visible_to(user).filter(campaign=campaign).values("type").annotate(n=Count("id"))
    return {row["type"]: row["n"] for row in rows}


def units_of_user(*, user, campaign: Campaign) -> QuerySet[Unit]:
    """The units a user belongs to or oversees directly (the tops of their scope), for their home page."""
    return (
        Unit.objects.filter(campaign=campaign)
        .filter(Q(memberships__user=user) | Q(leader_assignments__leader=user))
        .distinct()
        .select_related("parent")
        .annotate(child_count=Count("children", distinct=True))
        .prefetch_related(Prefetch("memberships", queryset=UnitMembership.objects.select_related("user")))
        .order_by("path")
    )


def unit_relations_of_user(*, user) -> list[tuple[Unit, str]]:
    """Every unit a user belongs to (as head or liaison) or oversees (as leader), with that relation, in two
    queries."""
    memberships = UnitMembership.objects.filter(user=user).select_related("unit").order_by("unit__path")
    assignments = (
        LeaderAssignment.objects.filter(leader=user, unit__isnull=False).select_related("unit").order_by("unit__path")
    )
    return [(m.unit, m.role) for m in memberships] + [(a.unit, "leader") for a in assignments]


def points_assigned_to(*, user, campaign: Campaign) -> QuerySet[Point]:
    """The points (road sections, 路段) a leader answers for directly, with their manual row, for their home."""
    return (
        Point.objects.filter(campaign=campaign, leader_assignments__leader=user)
        .select_related("grid", "point_type", "responsibility__unit")
        .order_by("grid__code", "code")
    )


def unit_get_visible(*, user, pk) -> Unit | None:
    """One unit with what its page shows, or None if it does not exist or is outside the user's scope."""
    return (
        Unit.objects.visible_to(user)
        .select_related("parent", "campaign")
        .prefetch_related(Prefetch("memberships", queryset=UnitMembership.objects.select_related("user")))
        .filter(pk=pk)
        .first()
    )


def unit_ancestors(*, unit: Unit) -> list[Unit]:
    """The units above this one, root first (for breadcrumbs), in one query."""
    by_id = {u.pk: u for u in Unit.objects.filter(pk__in=unit.ancestor_ids())}
    return [by_id[pk] for pk in unit.ancestor_ids() if pk in by_id]


def leaders_answering_for(*, unit: Unit) -> list[LeaderAssignment]:
    """Leaders assigned (分包) to this unit or to a unit above it: they all answer for it. Nearest first."""
    ids = [*unit.ancestor_ids(), unit.pk]
    assignments = LeaderAssignment.objects.filter(unit_id__in=ids).select_related("leader", "unit")
    return sorted(assignments, key=lambda a: -a.unit.depth)


@dataclass
class IndicatorNode:
    indicator: Indicator
    depth: int
    children_total: Decimal | None  # None for a leaf
    methods: list[str]
    point_types: list[str]

    @property
    def is_leaf(self) -> bool:
        return self.children_total is None

    @property
    def mismatch(self) -> bool:
        """The children's scores do not add up to this node's score: reported, never silently fixed."""
        return self.children_total is not None and self.children_total != self.indicator.score


@dataclass
class IndicatorTree:
    system: IndicatorSystem | None
    nodes: list[IndicatorNode]
    totals: dict[str, Decimal]  # by kind: the sum of the root items' scores

    @property
    def mismatches(self) -> list[IndicatorNode]:
        return [node for node in self.nodes if node.mismatch]


def indicator_tree(*, campaign: Campaign) -> IndicatorTree:
    """The campaign's current assessment system in display order, each node with its children's total; three
    queries whatever the size."""
    system = IndicatorSystem.objects.filter(campaign=campaign, is_current=True).first()
    if system is None:
        return IndicatorTree(system=None, nodes=[], totals={})
    indicators = list(
        Indicator.objects.filter(system=system)
        .prefetch_related("methods", Prefetch("point_types", queryset=PointType.objects.order_by("code")))
        .order_by("position", "code")
    )
    children: dict[int | None, list[Indicator]] = defaultdict(list)
    for indicator in indicators:
        children[indicator.parent_id].append(indicator)
    nodes: list[IndicatorNode] = []

    def walk(indicator: Indicator, depth: int):
        kids = children.get(indicator.pk, [])
        nodes.append(
            IndicatorNode(
                indicator=indicator,
                depth=depth,
                children_total=sum((kid.score for kid in kids), Decimal(0)) if kids else None,
                methods=[m.get_method_display() for m in indicator.methods.all()],
                point_types=[pt.name for pt in indicator.point_types.all()],
            )
        )
        for kid in kids:
            walk(kid, depth + 1)

    totals: dict[str, Decimal] = defaultdict(Decimal)
    for root in children.get(None, []):
        walk(root, 0)
        totals[root.kind] += root.score
    return IndicatorTree(system=system, nodes=nodes, totals=dict(totals))


def point_type_list(*, campaign: Campaign) -> list[PointType]:
    """Point types with how many criteria of the current assessment system apply to each."""
    counts = criteria_count_by_point_type(campaign=campaign)
    point_types = list(PointType.objects.filter(campaign=campaign).order_by("code"))
    for point_type in point_types:
        point_type.criteria_count = counts.get(point_type.pk, 0)
    return point_types


def indicator_list(*, user) -> QuerySet[Indicator]:
    """Indicators of the current assessment systems of the campaigns the user takes part in."""
    leaf = ~Exists(Indicator.objects.filter(parent=OuterRef("pk")))
    return (
        Indicator.objects.visible_to(user)
        .filter(system__is_current=True)
        .select_related("parent", "system")
        .prefetch_related("methods", "point_types")
        .annotate(is_leaf=leaf)
        .order_by("system__campaign_id", "position")
    )


def criteria_with_tasks(*, user, campaign: Campaign) -> QuerySet[Indicator]:
    """The criteria (leaves) of the current assessment system with their task assignment, if any. The office and
    inspectors see every criterion, including those still without a lead; units see the criteria they answer for."""
    criteria = Indicator.objects.filter(system__campaign=campaign, system__is_current=True, children__isnull=True)
    if not user.sees_citywide:
        criteria = criteria.filter(task_assignment__in=TaskAssignment.objects.visible_to(user))
    acknowledgements = TaskAcknowledgement.objects.select_related("unit", "acknowledged_by")
    return (
        criteria.annotate(lead_acknowledged=lead_acknowledged(task_path="task_assignment__"))
        .select_related("parent", "task_assignment", "task_assignment__lead_unit", "task_assignment__lead_group")
        .prefetch_related(
            "methods",
            "task_assignment__cooperating_units",
            "task_assignment__cooperating_groups",
            Prefetch("task_assignment__acknowledgements", queryset=acknowledgements),
        )
        .order_by("position")
    )


@dataclass
class UnitTask:
    task: TaskAssignment
    relation: str  # "lead" or "cooperate"
    acknowledgement: TaskAcknowledgement | None


def tasks_of_unit(*, unit: Unit) -> list[UnitTask]:
    """The unit's 责任清单: the tasks it leads and cooperates on, directly or as a member of a named set, with its
    acknowledgement; a constant number of queries."""
    groups = UnitGroup.objects.filter(members=unit).values("pk")
    lead = Q(lead_unit=unit) | Q(lead_group__in=groups)
    cooperate = Q(cooperating_units=unit) | Q(cooperating_groups__in=groups)
    acknowledgements = TaskAcknowledgement.objects.filter(unit=unit).select_related("acknowledged_by")
    tasks = (
        TaskAssignment.objects.filter(lead | cooperate)
        .annotate(is_lead=Exists(TaskAssignment.objects.filter(lead, pk=OuterRef("pk"))))
        .distinct()
        .select_related("indicator", "lead_unit", "lead_group")
        .prefetch_related(
            Prefetch("acknowledgements", queryset=acknowledgements, to_attr="unit_acknowledgements"),
            Prefetch("indicator__standards", queryset=OperationStandard.objects.select_related("point_type")),
        )
        .order_by("-is_lead", "deadline", "indicator__position")
    )
    return [
        UnitTask(
            task=task,
            relation="lead" if task.is_lead else "cooperate",
            acknowledgement=task.unit_acknowledgements[0] if task.unit_acknowledgements else None,
        )
        for task in tasks
    ]


def manual_points(*, user, campaign: Campaign) -> QuerySet[Point]:
    """The responsibility manual: active points the user may see (all of them for `user=None`, as the export
    command does), with their grid, type and responsibility row."""
    points = Point.objects.all() if user is None else Point.objects.visible_to(user)
    return (
        points.filter(campaign=campaign, is_active=True)
        .select_related("grid", "grid__unit", "point_type", "responsibility", "responsibility__unit")
        .annotate(custom_targets=Count("responsibility__target_criteria"))
        .order_by("grid__code", "point_type__code", "code")
        .distinct()
    )


def responsibility_list(*, user) -> QuerySet[Responsibility]:
    """Manual rows the user may see, with their point and target criteria, in a constant number of queries."""
    return (
        Responsibility.objects.visible_to(user)
        .select_related("point")
        .prefetch_related("target_criteria")
        .order_by("point__campaign_id", "point__code")
    )


def criteria_count_by_point_type(*, campaign: Campaign) -> dict[int, int]:
    """How many criteria of the current system apply to each point type: a point's default targets."""
    rows = (
        Indicator.objects.filter(system__campaign=campaign, system__is_current=True, children__isnull=True)
        .values("point_types")
        .annotate(n=Count("pk"))
    )
    return {row["point_types"]: row["n"] for row in rows if row["point_types"] is not None}


@dataclass
class Coverage:
    """横到边、纵到底: everything that still lacks an owner. Each entry is a queryset; `counts` costs one query per
    kind of gap, however large the city."""

    criteria_without_lead: QuerySet
    points_without_owner: QuerySet
    units_without_liaison: QuerySet
    grids_without_points: QuerySet
    tasks_unacknowledged_past_deadline: QuerySet

    KINDS = (
        "criteria_without_lead",
        "points_without_owner",
        "units_without_liaison",
        "grids_without_points",
        "tasks_unacknowledged_past_deadline",
    )

    def counts(self) -> dict[str, int]:
        return {kind: getattr(self, kind).count() for kind in self.KINDS}

    @property
    def total(self) -> int:
        return sum(self.counts().values())


def lead_acknowledged(*, task_path: str = "") -> Exists:
    """Whether a task's lead has acknowledged it: the lead unit, or for a lead set any of its members. `task_path`
    leads from the outer query's model to the task ("" on TaskAssignment, "task_assignment__" on Indicator)."""
    task = OuterRef(task_path.removesuffix("__")) if task_path else OuterRef("pk")
    by_lead = Q(unit=OuterRef(f"{task_path}lead_unit")) | Q(unit__unit_groups=OuterRef(f"{task_path}lead_group"))
    return Exists(TaskAcknowledgement.objects.filter(by_lead, task=task))


def campaign_coverage(*, campaign: Campaign, today=None) -> Coverage:
    today = today or timezone.localdate()
    criteria = Indicator.objects.filter(system__campaign=campaign, system__is_current=True, children__isnull=True)
    return Coverage(
        criteria_without_lead=criteria.filter(
            Q(task_assignment__isnull=True)
            | Q(task_assignment__lead_unit__isnull=True, task_assignment__lead_group__isnull=True)
        ).order_by("position"),
        points_without_owner=Point.objects.filter(campaign=campaign, is_active=True)
        .filter(Responsibility.gaps_q("responsibility__"))
        .select_related("grid", "point_type", "responsibility", "responsibility__unit")
        .order_by("grid__code", "code"),
        units_without_liaison=Unit.objects.filter(campaign=campaign, is_active=True)
        .exclude(memberships__role=MembershipRole.LIAISON)
        .select_related("parent")
        .order_by("path"),
        grids_without_points=Grid.objects.filter(campaign=campaign)
        .exclude(points__is_active=True)
        .select_related("unit")
        .order_by("code"),
        tasks_unacknowledged_past_deadline=TaskAssignment.objects.filter(
            indicator__system__campaign=campaign, indicator__system__is_current=True, deadline__lt=today
        )
        .exclude(lead_acknowledged())
        .select_related("indicator", "lead_unit", "lead_group")
        .order_by("deadline", "indicator__position"),
    )


def points_of_unit(*, unit: Unit) -> QuerySet[Point]:
    """Points the unit or the units below it answer for, or that lie in grids they keep."""
    return (
        Point.objects.filter(
            Q(responsibility__unit__path__startswith=unit.path) | Q(grid__unit__path__startswith=unit.path),
            is_active=True,
        )
        .distinct()
        .select_related("grid", "point_type", "responsibility", "responsibility__unit")
        .order_by("grid__code", "code")
    )


def unit_groups_of(*, unit: Unit) -> list[UnitGroup]:
    """The command groups, bundles, peer groups and named sets a unit belongs to or leads."""
    return list(UnitGroup.objects.filter(Q(members=unit) | Q(lead_unit=unit)).distinct().order_by("kind", "name"))


def pairings_of(*, unit: Unit) -> list[Pairing]:
    return list(Pairing.objects.filter(Q(unit=unit) | Q(partner=unit)).select_related("unit", "partner"))


def latest_sampling(*, campaign: Campaign) -> dict | None:
    """The newest random draw with its points (type, grid, responsible unit and post): where to go inspecting."""
    sampling = Sampling.objects.filter(campaign=campaign).order_by("-drawn_at").first()
    if sampling is None:
        return None
    points = (
        SampledPoint.objects.filter(sampling=sampling)
        .select_related("point", "point__point_type", "point__grid", "point__responsibility__unit")
        .order_by("point__point_type__code", "position")
    )
    return {"sampling": sampling, "points": list(points)}
