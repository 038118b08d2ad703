"""The projected score (预估得分): how the city would score if the assessors came today, from the latest mock
assessment and the material review. Defined once, here.

For each criterion (a leaf of the current assessment system):

- The field rate: of the mock assessment's checks of the criterion at its points, the share met. A check counts
  as met when the item was met, or when its finding was returned (the inspector was wrong); as failed when its
  finding was approved. Findings still waiting for review or on hold are left out until decided, and items not
  applicable are left out. No counted check: no field rate.
- The material rate, for criteria checked by material review: `scoring.materials.material_rates`.
- The rate is the lower of the two (a criterion checked both ways loses on either), or the only one there is. A
  criterion with neither is unchecked: projected at its full score and listed as unchecked, so the office sees
  what the projection does not know yet.
- Projected score = score × rate. A deduction item (negative score, 负面清单) deducts in proportion to what
  failed: score × (1 − rate); unchecked, it deducts nothing.
- A one-vote veto criterion (一票否决) with an approved failing check zeroes the total, as the assessment system
  says: the projection is `vetoed` and its total is 0.

Items and contents roll up as the sum of their children's projections. The total is the sum over the top level
(never below 0). It is read against the campaign's target score and the previous mock assessment's kept
projection. The shortfalls (短板) are the criteria losing the most points, each with its owners: the criterion's lead
unit and responsible leader from the task division, and the units and leaders the responsibility manual named at
the points where it failed (`Inspection.unit`, `Inspection.leader_name`), with the points each lost.

A mock round's projection is computed and kept (`Projection`) when the round is closed, so the trend over mock
assessments reads the same later; staff can compute it again after late reviews (`projection_snapshot`). Reading a
projection costs a fixed number of queries whatever the number of points and criteria.
"""

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.choices import IndicatorKind
from campaign.models import Campaign, Indicator, TaskAssignment
from core.audit import audit_log
from core.errors import DomainError
from scoring.cache import dashboard_invalidate
from scoring.choices import InspectionStatus, ItemResult, ReviewStatus, RoundKind, RoundStatus
from scoring.models import InspectionItem, InspectionRound, Projection

CENT = Decimal("0.01")
SHORTFALLS = 10


@dataclass
class Node:
    id: int
    parent_id: int | None
    code: str
    name: str
    level: int
    kind: str
    score: Decimal
    is_veto: bool = False
    is_leaf: bool = True
    projected: Decimal = Decimal(0)
    lost: Decimal = Decimal(0)
    rate: Decimal | None = None
    field_rate: Decimal | None = None
    material_rate: Decimal | None = None
    met: int = 0
    failed: int = 0
    pending: int = 0
    checked: bool = False
    vetoed: bool = False


@dataclass
class Result:
    round_id: int | None
    round_name: str
    total: Decimal
    full_score: Decimal
    target: Decimal | None
    previous_total: Decimal | None
    vetoed: bool
    unchecked: int
    nodes: list[Node] = field(default_factory=list)
    shortfalls: list[dict] = field(default_factory=list)

    @property
    def gap(self) -> Decimal | None:
        """Points still missing to the target (negative: above it)."""
        return None if self.target is None else (self.target - self.total).quantize(CENT)

    @property
    def change(self) -> Decimal | None:
        return None if self.previous_total is None else (self.total - self.previous_total).quantize(CENT)

    def as_data(self) -> dict:
        data = asdict(self)
        data["gap"], data["change"] = self.gap, self.change
        return data


def _rate(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001")) if whole else None


def latest_mock(*, campaign: Campaign) -> InspectionRound | None:
    """The mock assessment the projection reads: the latest by its dates, closed or still running."""
    return InspectionRound.objects.filter(campaign=campaign, kind=RoundKind.MOCK).order_by("-ends_on", "-id").first()


def projection_compute(*, round: InspectionRound) -> Result:
    """The projected score of a mock round, as defined above."""
    from scoring.materials import material_rates

    campaign = round.campaign
    indicators = Indicator.objects.filter(system__campaign=campaign, system__is_current=True).annotate(
        has_children=Exists(Indicator.objects.filter(parent=OuterRef("pk")))
    )
    nodes = {
        row.pk: Node(
            id=row.pk,
            parent_id=row.parent_id,
            code=row.code,
            name=row.name,
            level=row.level,
            kind=row.kind,
            score=row.score,
            is_veto=row.is_veto,
            is_leaf=not row.has_children,
        )
        for row in indicators.order_by("position", "code")
    }
    items = InspectionItem.objects.filter(inspection__round=round, inspection__status=InspectionStatus.SUBMITTED)
    approved_failure = Q(result=ItemResult.NOT_MET, review_status=ReviewStatus.APPROVED)
    met = Q(result=ItemResult.MET) | Q(result=ItemResult.NOT_MET, review_status=ReviewStatus.RETURNED)
    waiting = Q(result=ItemResult.NOT_MET, review_status__in=[ReviewStatus.PENDING, ReviewStatus.ON_HOLD])
    for row in items.values("criterion_id").annotate(
        met=Count("pk", filter=met), failed=Count("pk", filter=approved_failure), pending=Count("pk", filter=waiting)
    ):
        node = nodes.get(row["criterion_id"])
        if node is not None:
            node.met, node.failed, node.pending = row["met"], row["failed"], row["pending"]
    materials = material_rates(campaign=campaign)

    vetoed = False
    for node in nodes.values():
        if not node.is_leaf:
            continue
        node.field_rate = _rate(node.met, node.met + node.failed)
        node.material_rate = materials.get(node.id)
        rates = [rate for rate in (node.field_rate, node.material_rate) if rate is not None]
        node.checked = bool(rates)
        node.rate = min(rates) if rates else None
        rate = node.rate if node.rate is not None else (Decimal(0) if node.kind == IndicatorKind.DEDUCTION else 1)
        if node.kind == IndicatorKind.DEDUCTION:
            node.projected = (node.score * (1 - rate)).quantize(CENT)
            node.lost = -node.projected
        else:
            node.projected = (node.score * rate).quantize(CENT)
            node.lost = node.score - node.projected
        if node.is_veto and node.failed:
            node.vetoed = vetoed = True

    # Roll up: deepest first, each node adds itself to its parent.
    for node in sorted(nodes.values(), key=lambda n: -n.level):
        if node.parent_id in nodes:
            parent = nodes[node.parent_id]
            parent.projected += node.projected
            parent.lost += node.lost
    top = [node for node in nodes.values() if node.parent_id is None]
    total = max(sum((node.projected for node in top), Decimal(0)), Decimal(0)).quantize(CENT)
    full = sum((node.score for node in top if node.kind == IndicatorKind.BASE), Decimal(0)).quantize(CENT)
    if vetoed:
        total = Decimal("0.00")

    previous = (
        Projection.objects.filter(round__campaign=campaign, round__kind=RoundKind.MOCK)
        .filter(Q(round__ends_on__lt=round.ends_on) | Q(round__ends_on=round.ends_on, round__pk__lt=round.pk))
        .order_by("-round__ends_on", "-round__pk")
        .values_list("total", flat=True)
        .first()
    )
    leaves = [node for node in nodes.values() if node.is_leaf]
    return Result(
        round_id=round.pk, round_name=round.name, total=total, full_score=full, target=campaign.target_score,
        previous_total=previous, vetoed=vetoed, unchecked=sum(not node.checked for node in leaves),
        nodes=list(nodes.values()), shortfalls=_shortfalls(round, leaves, items.filter(approved_failure)),
    )  # fmt: skip


def _shortfalls(round: InspectionRound, leaves: list[Node], failures: QuerySet) -> list[dict]:
    losing = sorted((node for node in leaves if node.lost > 0), key=lambda n: (-n.lost, n.code))[:SHORTFALLS]
    ids = [node.id for node in losing]
    owners = defaultdict(list)
    for row in (
        failures.filter(criterion_id__in=ids)
        .values("criterion_id", "inspection__unit_id", "inspection__unit__name", "inspection__leader_name")
        .annotate(findings=Count("pk"), deducted=Sum("deduction"))
        .order_by("criterion_id", "-findings", "inspection__unit__name")
    ):
        owners[row["criterion_id"]].append({
            "unit_id": row["inspection__unit_id"], "unit": row["inspection__unit__name"] or "",
            "leader": row["inspection__leader_name"], "findings": row["findings"], "deducted": row["deducted"],
        })  # fmt: skip
    leads = {
        task.indicator_id: task
        for task in TaskAssignment.objects.filter(indicator_id__in=ids).select_related("lead_unit", "lead_group")
    }
    rows = []
    for node in losing:
        task = leads.get(node.id)
        lead = (task.lead_unit or task.lead_group) if task else None
        rows.append({
            "criterion_id": node.id, "code": node.code, "name": node.name, "score": node.score,
            "projected": node.projected, "lost": node.lost, "rate": node.rate,
            "lead": str(lead) if lead else "", "lead_unit_id": task.lead_unit_id if task else None,
            "leader": task.responsible_leader if task else "", "owners": owners.get(node.id, []),
        })  # fmt: skip
    return rows


@transaction.atomic
def projection_snapshot(*, actor, round: InspectionRound) -> Projection:
    """Compute a mock round's projection and keep it (replacing the kept one). The office may do it again after
    late reviews; closing a mock round does it (`projection_round_closed`)."""
    if actor is not None and not actor.is_office:
        raise DomainError(_("Only the command office keeps projected scores."), code="forbidden")
    if round.kind != RoundKind.MOCK:
        raise DomainError(_("Only a mock assessment projects the score."))
    result = projection_compute(round=round)
    projection, _created = Projection.objects.update_or_create(
        round=round,
        defaults={
            "computed_at": timezone.now(),
            "total": result.total,
            "full_score": result.full_score,
            "target": result.target,
            "vetoed": result.vetoed,
            "data": result.as_data(),
        },
    )
    dashboard_invalidate(campaign_id=round.campaign_id)
    audit_log(action="scoring.projection.snapshot", actor=actor, obj=projection,
              data={"total": str(result.total), "vetoed": result.vetoed})  # fmt: skip
    return projection


def projection_round_closed(*, actor, round: InspectionRound) -> Projection:
    """Closing a mock round keeps its projection (once more if it is closed again: the same figures)."""
    return projection_snapshot(actor=actor, round=round)


def projection_current(*, campaign: Campaign) -> Result | None:
    """The projection from the latest mock assessment, computed now (a running round's figures change as visits
    and reviews come in)."""
    round = latest_mock(campaign=campaign)
    return projection_compute(round=round) if round is not None else None


def projection_trend(*, campaign: Campaign) -> QuerySet[Projection]:
    """The kept projections of the closed mock assessments, oldest first, for the trend."""
    return (
        Projection.objects.filter(round__campaign=campaign, round__status=RoundStatus.CLOSED)
        .select_related("round")
        .order_by("round__ends_on", "round__pk")
    )
