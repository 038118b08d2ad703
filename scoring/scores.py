"""Unit scores (单位得分) for a period, on a 100-point scale, from a rule set (`scoring.rules`).

The units scored are those that report daily (every active unit below the city). For a period [start, end] (dates,
read as of `min(end of the last day, now)`, the cut-off), each component counts, per unit:

- `inspection`: the submitted inspection visits of the period at points the unit answered for (`Inspection.unit`),
  and the points deducted by the approved findings of those visits (findings waiting, on hold or returned do not
  count). Value 1 − deducted / (visits × points_per_visit), not below 0; denominator: visits.
- `rectification`: rectification's metrics (`rectification.metrics.unit_metrics`) of the unit's own cases, with
  the cases of the rule set's `double_weight_sources` counted twice. Value: the composite of the parts' rates
  (处置率, 按期处置率, 1 − 返工率, 1 − 超期待处置率, 1 − 延期率) by their weights; a part whose rate has no
  denominator (返工率 without handled cases) reads as 1 − 0. Denominator: the cases due (weighted).
- `daily_reports`: reports submitted on time (not late, first submitted by the cut-off) / days of the period whose
  report deadline had passed at the cut-off.
- `dispatch`: dispatch orders (not cancelled) with their deadline in the period before the cut-off: done by the
  deadline / due.
- `materials`: as the materials group stands now (`scoring.materials.material_completeness`): criteria the unit is
  measured on whose latest file is complete / criteria it is measured on.
- Per-case deductions in the period: re-checks that found a case never fixed (`RecheckResult.NEVER_FIXED`,
  charged to the case's unit), and disputes decided back onto the unit that raised them.

A component below its `min_denominator` (or with nothing to count) is left out, and the others' weights are scaled
up to 100; a unit left with no component has no score. Score = Σ scaled weight × value − per-case deductions,
between 0 and 100, to two decimals. A bundle (`UnitGroupKind.BUNDLE`) is scored once on its members' pooled
counts, and every member carries that score.

Every count is one aggregate query grouped by unit: a fixed number of queries (about fifteen) whatever the number
of units and records.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from campaign.choices import UnitGroupKind
from campaign.daily_reports import report_timeliness, reporting_units
from campaign.models import Campaign, DispatchTarget, UnitGroup
from rectification.choices import RecheckResult
from rectification.metrics import Metrics, unit_metrics
from rectification.models import Dispute, Recheck
from scoring.choices import InspectionStatus, ItemResult, MaterialStatus, ReviewStatus
from scoring.materials import material_completeness
from scoring.models import Inspection, ScoreRuleSet

CENT = Decimal("0.01")
RATE = Decimal("0.0001")
HUNDRED = Decimal(100)


@dataclass
class Counts:
    """What one unit (or bundle) did in the period: the raw counts the components read."""

    visits: int = 0
    deducted: Decimal = Decimal(0)
    metrics: Metrics = field(default_factory=Metrics)
    reports_on_time: int = 0
    reports_due: int = 0
    orders_done: int = 0
    orders_due: int = 0
    materials_complete: int = 0
    materials_led: int = 0
    false_rectification: int = 0
    passing_the_buck: int = 0

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(**{name: getattr(self, name) + getattr(other, name) for name in self.__dataclass_fields__})


@dataclass
class UnitScore:
    unit_id: int
    score: Decimal | None
    components: dict
    counts: Counts
    bundle_id: int | None = None


def _ratio(part, whole) -> Decimal:
    return (Decimal(part) / Decimal(whole)) if whole else Decimal(0)


def _rectification_value(metrics: Metrics, parts: dict) -> Decimal:
    rates = {
        "handling": _ratio(metrics.handled, metrics.due),
        "on_time": _ratio(metrics.handled_on_time, metrics.due),
        "no_rework": 1 - _ratio(metrics.returned, metrics.handled),
        "no_overdue": 1 - _ratio(metrics.overdue_unhandled, metrics.due),
        "no_extension": 1 - _ratio(metrics.extended, metrics.due),
    }
    return sum((Decimal(str(weight)) * rates[name] for name, weight in parts.items()), Decimal(0)) / HUNDRED


def score_from(counts: Counts, rules: dict) -> tuple[Decimal | None, dict]:
    """The score and its components (value, numerator, denominator, weight set and weight used, points) from a
    unit's counts under the rules. Pure: the hand-computed examples in the tests run through it."""
    raw = {}
    for name, rule in rules["components"].items():
        if name == "inspection":
            per_visit = Decimal(str(rule.get("points_per_visit", 10)))
            denominator = Decimal(counts.visits)
            numerator = counts.deducted
            value = max(Decimal(0), 1 - _ratio(counts.deducted, denominator * per_visit)) if denominator else None
        elif name == "rectification":
            denominator, numerator = Decimal(counts.metrics.due), Decimal(counts.metrics.handled)
            value = _rectification_value(counts.metrics, rule["parts"]) if denominator else None
        elif name == "daily_reports":
            numerator, denominator = Decimal(counts.reports_on_time), Decimal(counts.reports_due)
            value = _ratio(numerator, denominator) if denominator else None
        elif name == "dispatch":
            numerator, denominator = Decimal(counts.orders_done), Decimal(counts.orders_due)
            value = _ratio(numerator, denominator) if denominator else None
        else:  # materials
            numerator, denominator = Decimal(counts.materials_complete), Decimal(counts.materials_led)
            value = _ratio(numerator, denominator) if denominator else None
        minimum = Decimal(str(rule.get("min_denominator", 0)))
        counted = value is not None and denominator >= minimum
        raw[name] = {"value": value, "numerator": numerator, "denominator": denominator,
                     "weight": Decimal(str(rule["weight"])), "counted": counted}  # fmt: skip
    total_weight = sum((c["weight"] for c in raw.values() if c["counted"]), Decimal(0))
    components, score = {}, None
    if total_weight:
        score = Decimal(0)
        for name, component in raw.items():
            used = component["weight"] * HUNDRED / total_weight if component["counted"] else Decimal(0)
            points = used * component["value"] if component["counted"] else Decimal(0)
            score += points
            components[name] = {
                **component, "value": component["value"].quantize(RATE) if component["value"] is not None else None,
                "weight_used": used.quantize(CENT), "points": points.quantize(CENT),
            }  # fmt: skip
        deductions = rules.get("case_deductions", {})
        deducted = (Decimal(str(deductions.get("false_rectification", 0))) * counts.false_rectification
                    + Decimal(str(deductions.get("passing_the_buck", 0))) * counts.passing_the_buck)  # fmt: skip
        components["deductions"] = {"false_rectification": counts.false_rectification,
                                    "passing_the_buck": counts.passing_the_buck, "points": deducted}  # fmt: skip
        score = min(HUNDRED, max(Decimal(0), score - deducted)).quantize(CENT)
    else:
        components = {name: {**component, "weight_used": Decimal(0), "points": Decimal(0)}
                      for name, component in raw.items()}  # fmt: skip
    return score, components


def period_moments(start: datetime.date, end: datetime.date, now=None):
    begin = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))
    after = timezone.make_aware(datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min))
    return begin, after, min(after, now or timezone.now())


def unit_counts(*, campaign: Campaign, start: datetime.date, end: datetime.date, rules: dict, units=None,
                now=None) -> dict[int, Counts]:  # fmt: skip
    """Every scored unit's counts for the period (see the module docstring), in a fixed number of queries."""
    begin, after, cutoff = period_moments(start, end, now)
    units = list(units if units is not None else reporting_units(campaign=campaign))
    ids = [unit.pk for unit in units]
    counts = {pk: Counts() for pk in ids}

    visits = (
        Inspection.objects.filter(round__campaign=campaign, status=InspectionStatus.SUBMITTED, unit_id__in=ids,
                                  submitted_at__gte=begin, submitted_at__lt=cutoff)
        .values("unit_id")
        .annotate(visits=Count("pk", distinct=True),
                  deducted=Sum("items__deduction", filter=Q(items__result=ItemResult.NOT_MET,
                                                            items__review_status=ReviewStatus.APPROVED)))
    )  # fmt: skip
    for row in visits:
        counts[row["unit_id"]].visits = row["visits"]
        counts[row["unit_id"]].deducted = row["deducted"] or Decimal(0)

    for row in unit_metrics(campaign=campaign, start=begin, end=after, units=units, now=now):
        counts[row.unit.pk].metrics = row.metrics
    double = rules.get("double_weight_sources") or []
    if double and "rectification" in rules["components"]:
        for row in unit_metrics(campaign=campaign, start=begin, end=after, units=units, now=now, sources=double):
            counts[row.unit.pk].metrics += row.metrics

    due_days, timeliness = report_timeliness(campaign=campaign, start=start, end=end, cutoff=cutoff, unit_ids=ids)
    for pk in ids:
        counts[pk].reports_due = due_days
        counts[pk].reports_on_time = timeliness.get(pk, {}).get("on_time", 0)

    orders = (
        DispatchTarget.objects.filter(order__campaign=campaign, order__cancelled_at__isnull=True, unit_id__in=ids,
                                      order__deadline__gte=begin, order__deadline__lt=cutoff)
        .values("unit_id")
        .annotate(due=Count("pk"), done=Count("pk", filter=Q(completed_at__isnull=False,
                                                              completed_at__lte=F("order__deadline"))))
    )  # fmt: skip
    for row in orders:
        counts[row["unit_id"]].orders_due, counts[row["unit_id"]].orders_done = row["due"], row["done"]

    if "materials" in rules["components"]:
        for standing in material_completeness(campaign=campaign):
            if standing.unit_id in counts:
                counts[standing.unit_id].materials_led += 1
                counts[standing.unit_id].materials_complete += standing.status == MaterialStatus.COMPLETE

    never_fixed = (
        Recheck.objects.filter(problem__campaign=campaign, result=RecheckResult.NEVER_FIXED, checked_at__gte=begin,
                               checked_at__lt=cutoff, problem__responsible_unit_id__in=ids)
        .values("problem__responsible_unit_id").annotate(n=Count("pk"))
    )  # fmt: skip
    for row in never_fixed:
        counts[row["problem__responsible_unit_id"]].false_rectification = row["n"]
    bounced = (
        Dispute.objects.filter(problem__campaign=campaign, decided_at__gte=begin, decided_at__lt=cutoff,
                               decided_unit_id=F("unit_id"), unit_id__in=ids)
        .values("unit_id").annotate(n=Count("pk"))
    )  # fmt: skip
    for row in bounced:
        counts[row["unit_id"]].passing_the_buck = row["n"]
    return counts


def bundles_of(*, campaign: Campaign) -> dict[int, tuple[int, list[int]]]:
    """unit id → (bundle id, the bundle's member ids), for units in a bundle (the first bundle by name). One query."""
    members = defaultdict(list)
    for group_id, unit_id in (
        UnitGroup.objects.filter(campaign=campaign, kind=UnitGroupKind.BUNDLE, members__isnull=False)
        .order_by("name", "pk")
        .values_list("pk", "members")
    ):
        members[group_id].append(unit_id)
    bundle_of = {}
    for group_id, ids in members.items():
        for unit_id in ids:
            bundle_of.setdefault(unit_id, (group_id, ids))
    return bundle_of


def unit_scores_for_period(*, campaign: Campaign, start: datetime.date, end: datetime.date,
                           rule_set: ScoreRuleSet, units=None, now=None) -> dict[int, UnitScore]:  # fmt: skip
    """Every scored unit's score and components for the period under the rule set (see the module docstring)."""
    rules = rule_set.rules
    counts = unit_counts(campaign=campaign, start=start, end=end, rules=rules, units=units, now=now)
    bundle_of = bundles_of(campaign=campaign)
    scores, pooled = {}, {}
    for unit_id, own in counts.items():
        bundle = bundle_of.get(unit_id)
        if bundle is not None:
            group_id, members = bundle
            if group_id not in pooled:
                total = sum((counts[m] for m in members if m in counts), Counts())
                pooled[group_id] = (total, *score_from(total, rules))
            total, score, components = pooled[group_id]
            scores[unit_id] = UnitScore(unit_id=unit_id, score=score, components=components, counts=total,
                                        bundle_id=group_id)  # fmt: skip
        else:
            score, components = score_from(own, rules)
            scores[unit_id] = UnitScore(unit_id=unit_id, score=score, components=components, counts=own)
    return scores
