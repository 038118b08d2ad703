"""Rectification metrics (处置考核指标): how well units deal with the problems assigned to them, per unit, per area
and for a whole campaign, over a period. Defined once, here; the API and scoring read them from this module.

The rules follow the evaluation of digital city management (数字城管 考核: 处置率, 按期处置率, 结案率, ...), adapted to
this ledger. For a campaign, a period [start, end) and, optionally, a set of units:

The cut-off. Every outcome is measured as it stood at the cut-off, `min(end, now)`: at the end of a past period,
or now for a period still running. The history (`ProblemTransition`) is append-only, so a past period's figures do
not change when they are computed again (a published weekly bulletin stays true), with two exceptions stated below
(cancellations and transfers). A case dispatched shortly before the cut-off is usually neither handled nor overdue
yet: it counts in 应处置数 only.

The cases. 应处置数 (`due`): the problems dispatched (交办, the `assign` step) in [start, cut-off), counted for the
unit that answers for them now (`responsible_unit`): a case transferred, or moved by a dispute's decision, counts
for the unit it went to, from its first dispatch. Cancelled problems (已撤销: duplicates, mistaken reports) are
left out everywhere, even when cancelled after the period: they never were a unit's problem. Every other count is a
subset of these cases, so every rate below lies in [0, 1].

The deadline in force at a moment is the deadline set by the latest step before it that set one (assign, transfer,
a dispute's decision, an approved extension, a resumption with a new deadline; each records it in its `data`).
An approved extension (延期) moves the deadline: work done by the extended deadline is on time.

- 处置数 (`handled`): cases whose rectification was submitted (the first `submit` step) before the cut-off.
- 按期处置数 (`handled_on_time`): cases whose first submission came at or before the deadline in force at that
  moment. A fix that is later returned still counts as handled on time; the rework shows in 返工数 and 按期结案数.
- 结案数 (`closed`): cases verified and closed (核查销号, `closed_at`) before the cut-off.
- 按期结案数 (`closed_on_time`): closed cases whose verified rectification (the last submission, `handled_at`) came at
  or before their deadline (the one in force when they were closed). The unit's clock stops while the office
  verifies (as in `Problem.overdue_q`), so a slow verification does not make the unit late.
- 返工数 (`returned`): cases returned for rework (退回重办) at least once before the cut-off. Cases, not returns:
  a case returned twice counts once, so 返工率 stays a share of the handled cases.
- 延期数 (`extended`): cases with at least one approved extension before the cut-off.
- 超期待处置数 (`overdue_unhandled`): cases that at the cut-off were past the deadline then in force while their clock
  ran: in a state of unit work (assigned, accepted, rectifying, returned for rework, and, since "the work is done
  first", disputed or waiting for an extension). Not those waiting for verification, closed, or suspended (挂账):
  a suspended case is out of the on-time and overdue counts while it is suspended, and counts again after it is
  resumed (with the new deadline the office gave, if any). This is `Problem.overdue_q` read at the cut-off.
- 反弹数 (`recurrence`, 反弹回潮): cases found (`created_at`) at a point after another problem of the same category at
  the same point, in the same campaign, had been closed. There is no explicit recurrence link yet; this reads
  recurrence off the data that exists. Problems without a point or a category never count as recurrences.
- 结案时长 (`time_to_close`): wall-clock time from first dispatch to closing, summed over the closed cases; the mean
  in hours is `mean_hours_to_close`. Not in working minutes: `worktime.working_minutes_between` walks the calendar
  day by day in Python, which for every closed case of a year is too slow for a list (add it where a single case
  is shown).

Rates (Decimal in [0, 1], None when the denominator is 0):
处置率 = 处置数 / 应处置数, 按期处置率 = 按期处置数 / 应处置数, 结案率 = 结案数 / 应处置数, 按期结案率 = 按期结案数 /
应处置数, 返工率 = 返工数 / 处置数, 超期待处置率 = 超期待处置数 / 应处置数, 延期率 = 延期数 / 应处置数,
反弹率 = 反弹数 / 应处置数.

Grouping. `unit_metrics(group_by="unit")` gives each unit its own cases; `group_by="area"` gives each unit the cases
of its whole subtree (a street with its communities and companies, a district with everything below it).
`campaign_metrics` gives one total. The counts come from one aggregate query grouped by unit, plus one query for
the units, whatever the number of units and problems; areas are summed in Python over the tree paths.
"""

import datetime
from dataclasses import dataclass, fields
from decimal import Decimal

from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone

from campaign.models import Campaign, Unit
from campaign.scope import paths_q
from core.choices import Role
from rectification.choices import CLOCK_STOPPED_STATUSES, ProblemStatus
from rectification.models import Problem, ProblemTransition

GROUP_BY = ("unit", "area")
# The states in which a dispatched case's clock runs.
CLOCK_RUNNING_STATUSES = frozenset(ProblemStatus.values) - CLOCK_STOPPED_STATUSES - {ProblemStatus.NEW}
HOUR = Decimal(3600)
CENTS = Decimal("0.01")


def _rate(numerator: int, denominator: int) -> Decimal | None:
    return None if denominator == 0 else Decimal(numerator) / Decimal(denominator)


@dataclass(frozen=True)
class Metrics:
    """The counts for one unit, area or campaign over a period, and the rates read off them (see the module
    docstring for what each one counts). Metrics add up: the sum of two units' metrics is their area's."""

    due: int = 0  # 应处置数
    handled: int = 0  # 处置数
    handled_on_time: int = 0  # 按期处置数
    closed: int = 0  # 结案数
    closed_on_time: int = 0  # 按期结案数
    returned: int = 0  # 返工数
    extended: int = 0  # 延期数
    overdue_unhandled: int = 0  # 超期待处置数
    recurrence: int = 0  # 反弹数
    time_to_close: datetime.timedelta = datetime.timedelta()  # 结案时长, summed over the closed cases

    def __add__(self, other: "Metrics") -> "Metrics":
        return Metrics(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    @property
    def handling_rate(self) -> Decimal | None:
        """处置率"""
        return _rate(self.handled, self.due)

    @property
    def on_time_handling_rate(self) -> Decimal | None:
        """按期处置率"""
        return _rate(self.handled_on_time, self.due)

    @property
    def closing_rate(self) -> Decimal | None:
        """结案率"""
        return _rate(self.closed, self.due)

    @property
    def on_time_closing_rate(self) -> Decimal | None:
        """按期结案率"""
        return _rate(self.closed_on_time, self.due)

    @property
    def rework_rate(self) -> Decimal | None:
        """返工率: a share of the handled cases, not of all."""
        return _rate(self.returned, self.handled)

    @property
    def overdue_rate(self) -> Decimal | None:
        """超期待处置率"""
        return _rate(self.overdue_unhandled, self.due)

    @property
    def extension_rate(self) -> Decimal | None:
        """延期率"""
        return _rate(self.extended, self.due)

    @property
    def recurrence_rate(self) -> Decimal | None:
        """反弹率"""
        return _rate(self.recurrence, self.due)

    @property
    def mean_hours_to_close(self) -> Decimal | None:
        """平均结案时长 in wall-clock hours, to the hundredth; None without closed cases."""
        if not self.closed:
            return None
        return (Decimal(self.time_to_close.total_seconds()) / HOUR / self.closed).quantize(CENTS)


@dataclass(frozen=True)
class MetricsRow:
    """One unit's (or one area's, the unit with its subtree) metrics."""

    unit: Unit
    metrics: Metrics


def metrics_cutoff(*, end: datetime.datetime, now: datetime.datetime | None = None) -> datetime.datetime:
    """The moment outcomes are measured at: the period's end, or now for a period still running."""
    return min(end, now or timezone.now())


def may_view_metrics(user) -> bool:
    """The command office and leaders read the metrics (leaders within their scope); units and inspectors work on
    cases one by one through the ledger."""
    return bool(user.is_authenticated and user.is_active and (user.is_office or user.role == Role.LEADER))


def _deadline_set(steps: QuerySet) -> Subquery:
    """The deadline recorded by the latest of these steps that recorded one (a JSON string, read as a datetime)."""
    return Subquery(
        steps.filter(data__has_key="deadline")
        .order_by("-at", "-id")
        .values(deadline=Cast(KeyTextTransform("deadline", "data"), DateTimeField()))[:1]
    )


def _cases(*, campaign: Campaign, start: datetime.datetime, cutoff: datetime.datetime,
           sources=None) -> QuerySet[Problem]:  # fmt: skip
    """The period's cases (of the given sources only, if any), with what the counts read as aliases (computed in
    the query, never selected, so an aggregate grouped by unit groups by the unit only)."""
    steps = ProblemTransition.objects.filter(problem=OuterRef("pk"))
    before = steps.filter(at__lt=cutoff)
    problems = Problem.objects.filter(campaign=campaign)
    if sources is not None:
        problems = problems.filter(source__in=list(sources))
    return (
        problems.exclude(status=ProblemStatus.CANCELLED)
        .alias(dispatched_at=Subquery(steps.filter(action="assign").order_by("at", "id").values("at")[:1]))
        .filter(dispatched_at__gte=start, dispatched_at__lt=cutoff)
        .alias(
            first_submit_at=Subquery(steps.filter(action="submit").order_by("at", "id").values("at")[:1]),
            deadline_at_first_submit=_deadline_set(steps.filter(at__lte=OuterRef("first_submit_at"))),
            status_at_cutoff=Subquery(before.order_by("-at", "-id").values("to_status")[:1]),
            deadline_at_cutoff=_deadline_set(before),
            was_returned=Exists(before.filter(action="return")),
            was_extended=Exists(before.filter(action="approve_extension")),
            recurs=Exists(
                Problem.objects.filter(
                    campaign=campaign,
                    status=ProblemStatus.CLOSED,
                    point=OuterRef("point"),
                    category=OuterRef("category"),
                    closed_at__lt=OuterRef("created_at"),
                )
            ),
        )
    )


def _aggregates(cutoff: datetime.datetime) -> dict:
    handled = Q(first_submit_at__lt=cutoff)
    closed = Q(closed_at__lt=cutoff)
    return {
        "due": Count("pk"),
        "handled": Count("pk", filter=handled),
        "handled_on_time": Count("pk", filter=handled & Q(first_submit_at__lte=F("deadline_at_first_submit"))),
        "closed": Count("pk", filter=closed),
        "closed_on_time": Count("pk", filter=closed & Q(handled_at__lte=F("deadline"))),
        "returned": Count("pk", filter=Q(was_returned=True)),
        "extended": Count("pk", filter=Q(was_extended=True)),
        "overdue_unhandled": Count(
            "pk", filter=Q(status_at_cutoff__in=CLOCK_RUNNING_STATUSES, deadline_at_cutoff__lt=cutoff)
        ),
        "recurrence": Count("pk", filter=Q(recurs=True)),
        "time_to_close": Sum(
            ExpressionWrapper(F("closed_at") - F("dispatched_at"), output_field=DurationField()), filter=closed
        ),
    }


def _metrics(values: dict) -> Metrics:
    # A Sum over no closed case is None.
    return Metrics(**{f.name: values[f.name] or f.default for f in fields(Metrics)})


def _per_unit(cases: QuerySet[Problem], cutoff: datetime.datetime) -> dict[str, Metrics]:
    """Metrics by the responsible unit's tree path, in one query. (Totals are summed from these rows in Python:
    Django does not aggregate over aliases without grouping, and a campaign has at most a few thousand units.)"""
    rows = cases.values("responsible_unit__path").annotate(**_aggregates(cutoff)).order_by()
    return {row["responsible_unit__path"]: _metrics(row) for row in rows}


def _top_paths(units) -> list[str]:
    """The paths of the units not below another one of them: one prefix match per subtree."""
    tops: list[str] = []
    for path in sorted(unit.path for unit in units):
        if not any(path.startswith(top) for top in tops):
            tops.append(path)
    return tops


def _check_period(start: datetime.datetime, end: datetime.datetime) -> None:
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValueError("start and end must be aware datetimes")
    if start >= end:
        raise ValueError("start must be before end")


def campaign_metrics(
    *,
    campaign: Campaign,
    start: datetime.datetime,
    end: datetime.datetime,
    units=None,
    now: datetime.datetime | None = None,
) -> Metrics:
    """The metrics of the whole campaign over [start, end), or, with `units`, of those units and everything below
    them (an area, or a leader's scope). One query."""
    _check_period(start, end)
    cutoff = metrics_cutoff(end=end, now=now)
    cases = _cases(campaign=campaign, start=start, cutoff=cutoff)
    if units is not None:
        tops = _top_paths(units)
        if not tops:
            return Metrics()
        cases = cases.filter(paths_q("responsible_unit", tops))
    return sum(_per_unit(cases, cutoff).values(), Metrics())


def unit_metrics(
    *,
    campaign: Campaign,
    start: datetime.datetime,
    end: datetime.datetime,
    units=None,
    group_by: str = "unit",
    now: datetime.datetime | None = None,
    sources=None,
) -> list[MetricsRow]:
    """One row per unit (all the campaign's units, or those given), in tree order, units without cases included
    with zeros. `group_by="unit"`: each unit's own cases; `"area"`: each unit with its whole subtree. With `sources`,
    only the cases of those problem sources (scores count some sources twice). Two queries (the units, then one
    aggregate grouped by responsible unit) however many units and problems."""
    if group_by not in GROUP_BY:
        raise ValueError(f"group_by must be one of {GROUP_BY}")
    _check_period(start, end)
    cutoff = metrics_cutoff(end=end, now=now)
    if units is None:
        units = Unit.objects.filter(campaign=campaign)
    units = sorted(units, key=lambda unit: unit.path)
    if not units:
        return []
    cases = _cases(campaign=campaign, start=start, cutoff=cutoff, sources=sources)
    if group_by == "unit":
        cases = cases.filter(responsible_unit__in=[unit.pk for unit in units])
    else:
        cases = cases.filter(paths_q("responsible_unit", _top_paths(units)))
    per_unit = _per_unit(cases, cutoff)
    if group_by == "unit":
        return [MetricsRow(unit, per_unit.get(unit.path, Metrics())) for unit in units]
    # Add each unit's metrics to every listed unit on its path: its own row and its ancestors' rows.
    areas = {unit.path: Metrics() for unit in units}
    for path, metrics in per_unit.items():
        ids = path.strip("/").split("/")
        for depth in range(1, len(ids) + 1):
            prefix = "/" + "/".join(ids[:depth]) + "/"
            if prefix in areas:
                areas[prefix] += metrics
    return [MetricsRow(unit, areas[unit.path]) for unit in units]
