"""The leaders' dashboard (驾驶舱): how the campaign stands, in panels. Defined once, here; the page, the command-hall
screen, the Excel exports and the API (/api/v1/dashboard/<panel>/) all read these selectors.

Every panel is a `PanelData`: a title, the columns and rows of its table (the same numbers its chart draws, each row
linking to the records behind it where there are any) and what its chart needs. The panels:

- `overview`: the countdown to the assessment window, the target, the projected total, and the ledger's counters
  (`rectification.selectors.problem_counters`) within the reader's scope.
- `projection`: the kept projections of the closed mock assessments (`scoring.projection.projection_trend`): the
  latest against the target (a gauge) and the trend.
- `rankings`: the latest published weekly rankings, each unit's rank, the change from the previous week, its list
  and its evening-meeting flag; `lists`: only the red list, the black list and the evening meeting.
- `problems_trend`: per day of the period, the problems found, closed, and open past their deadline at the day's
  end. "Past the deadline at a moment" is read off the ledger's timestamps: the deadline had passed, the problem
  was not closed and its rectification not handed in by then.
- `problems_by_category`, `problems_by_unit`: the open and overdue problems by top-level category, and the units
  with the most overdue problems, with what was found and closed in the period.
- `daily_reports`: each reporting unit's on-time rate over the period (`campaign.daily_reports.report_timeliness`,
  the rule unit scores count), lowest first.
- `shortfalls`: the criteria losing the most points in the latest kept projection, with their owners.
- `grid_point_types`: open problems by grid and point type, the grids with the most first.

Scope: what a reader sees is cut by the one row-level scope (`visible_to`): a leader sees the units assigned to them
(and their road sections), a unit's head or liaison their own unit (its standing against its peer group: its rank,
the size of the group and the group's average, never another unit's row); the office, inspectors and administrators
see the whole city.

Speed: a panel reads snapshots (published rankings, kept projections) or runs one aggregate over indexed columns: a
fixed number of queries whatever the number of units and records. Panels are cached (`DASHBOARD_CACHE_SECONDS`) per
campaign, reader's scope, period and language; publishing a ranking, a bulletin or a projection clears the campaign's
panels (`dashboard_invalidate`), so a published figure shows at once.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Avg, Count, F, Q
from django.db.models.functions import Coalesce
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from campaign.daily_reports import report_timeliness, reporting_units
from campaign.models import Campaign, Unit
from core.choices import CITYWIDE_ROLES, Role
from core.errors import DomainError
from rectification.choices import CLOSED_STATUSES, ProblemStatus
from rectification.models import Problem, ProblemCategory
from rectification.selectors import problem_counters
from scoring.cache import dashboard_generation
from scoring.choices import DocumentStatus, ListKind, RankingPeriod
from scoring.models import Ranking, RankingEntry
from scoring.projection import projection_trend

MAX_DAYS = 366
TOP = 15
CHART_TOP = 20


@dataclass
class Column:
    key: str
    label: str
    numeric: bool = False


@dataclass
class PanelData:
    """One panel: its table (columns, rows) and what its chart draws. Rows are dicts keyed by column; a row's `url`
    leads to the records behind it, `urls` to those behind single cells."""

    panel: str
    title: str
    columns: list[Column]
    rows: list[dict]
    chart: dict = field(default_factory=dict)
    summary: dict = field(default_factory=dict)
    empty: str = ""

    def as_data(self) -> dict:
        """The panel as plain data (what is cached and sent). Not `dataclasses.asdict`, which deep-copies every row:
        the rows were built for this call alone, and at a city's size the copy cost as much as the query."""
        data = {item.name: getattr(self, item.name) for item in fields(self)}
        data["columns"] = [asdict(column) for column in self.columns]
        return data


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date

    @property
    def days(self) -> list[datetime.date]:
        return [self.start + datetime.timedelta(days=n) for n in range((self.end - self.start).days + 1)]


def period_default(*, today: datetime.date | None = None) -> Period:
    """The last 30 days, today included."""
    today = today or timezone.localdate()
    return Period(today - datetime.timedelta(days=29), today)


def period_check(start: datetime.date | None, end: datetime.date | None) -> Period:
    """The period a reader asked for: by default the 30 days ending on `end` (today without one); refused when it
    runs backwards or is longer than a year."""
    default = period_default()
    end = end or default.end
    start = start or end - (default.end - default.start)
    if start > end:
        raise DomainError(_("The period must start before it ends."), code="invalid")
    if (end - start).days + 1 > MAX_DAYS:
        raise DomainError(_("The period may be at most %(days)d days long.") % {"days": MAX_DAYS}, code="invalid")
    return Period(start, end)


def _number(value) -> float | None:
    """To the hundredth, halves up (四舍五入); averages come from SQLite as floats, read as they print."""
    return None if value is None else float(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _rate(part: int, whole: int) -> float | None:
    return None if not whole else round(100 * part / whole, 1)


_SENTINEL = "2147483647"
_PATHS: dict[tuple, str] = {}


def _path(name: str, *args) -> str:
    """reverse() once per URL name, not once per row (a city's table has thousands)."""
    key = (get_urlconf(), get_script_prefix(), name, len(args))
    path = _PATHS.get(key)
    if path is None:
        path = _PATHS[key] = reverse(name, args=[int(_SENTINEL)] * len(args))
    for arg in args:
        path = path.replace(_SENTINEL, str(arg), 1)
    return path


def _path_of(name: str):
    """A function of one id giving the URL name's path: reverse() once for a whole table's rows."""
    template = _path(name, int(_SENTINEL))
    return lambda pk: template.replace(_SENTINEL, str(pk), 1)


def _link(name: str, *args, **query) -> str:
    url = _path(name, *args)
    query = {key: value for key, value in query.items() if value not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


def _bounds(period: Period, now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime, datetime.datetime]:
    begin = timezone.make_aware(datetime.datetime.combine(period.start, datetime.time.min))
    after = timezone.make_aware(datetime.datetime.combine(period.end + datetime.timedelta(days=1), datetime.time.min))
    return begin, after, min(after, now)


def _problems(user, campaign: Campaign):
    return Problem.objects.visible_to(user).filter(campaign=campaign)


def _active_in(begin: datetime.datetime, after: datetime.datetime) -> Q:
    """Problems that can count in a period: recorded before its end and not closed before its start (a city's
    ledger is mostly closed cases of months ago, which no figure of the period reads)."""
    return Q(created_at__lt=after) & (Q(closed_at__isnull=True) | Q(closed_at__gte=begin))


def _overdue_at(moment: datetime.datetime) -> Q:
    """Open past the deadline at `moment`, by the ledger's timestamps (see the module docstring)."""
    return (
        Q(deadline__lt=moment, created_at__lt=moment)
        & (Q(closed_at__isnull=True) | Q(closed_at__gte=moment))
        & (Q(handled_at__isnull=True) | Q(handled_at__gte=moment))
        & ~Q(status=ProblemStatus.CANCELLED)
    )


# --- panels -------------------------------------------------------------------------------------------------------


def overview(*, user, campaign: Campaign, period: Period, now: datetime.datetime) -> PanelData:
    today = timezone.localtime(now).date()
    counters = problem_counters(user=user, campaign=campaign, now=now)
    latest = projection_trend(campaign=campaign).defer("data").last()
    days_to_window = (campaign.window_start - today).days if campaign.window_start else None
    window_end = campaign.window_end
    in_window = bool(
        campaign.window_start and campaign.window_start <= today and (not window_end or today <= window_end)
    )
    meeting = _entries_in_scope(user=user, campaign=campaign).filter(evening_meeting=True).count()
    problems = reverse("problem_list")
    rows = [
        {"figure": _("Days to the assessment window"),
         "value": max(days_to_window, 0) if days_to_window is not None else None, "url": ""},
        {"figure": _("Target score"), "value": _number(campaign.target_score), "url": ""},
        {"figure": _("Projected total"), "value": _number(latest.total) if latest else None,
         "url": reverse("projection")},
        {"figure": _("Open problems"), "value": counters["open"], "url": _link("problem_list", open="true")},
        {"figure": _("Overdue problems"), "value": counters["overdue"], "url": _link("problem_list", overdue="true")},
        {"figure": _("Due today"), "value": counters["due_today"], "url": problems},
        {"figure": _("Waiting for verification"), "value": counters["submitted"],
         "url": _link("problem_list", status="submitted")},
        {"figure": _("Units at the evening meeting"), "value": meeting, "url": reverse("ranking_list")},
    ]  # fmt: skip
    return PanelData(
        panel="overview",
        title=_("At a glance"),
        columns=[Column("figure", _("Figure")), Column("value", pgettext("figure", "Value"), numeric=True)],
        rows=rows,
        summary={
            "campaign": campaign.name,
            "window_start": campaign.window_start,
            "window_end": campaign.window_end,
            "days_to_window": days_to_window,
            "in_window": in_window,
            "target": _number(campaign.target_score),
            "projected": _number(latest.total) if latest else None,
            "full_score": _number(latest.full_score) if latest else None,
            "counters": counters,
            "evening_meeting": meeting,
        },
    )


def projection(*, user, campaign: Campaign, period: Period, now: datetime.datetime) -> PanelData:
    kept = list(
        projection_trend(campaign=campaign).values(
            "round_id", "round__name", "round__ends_on", "total", "full_score", "target", "vetoed"
        )
    )
    rows, previous = [], None
    for item in kept:
        total = _number(item["total"])
        rows.append({
            "round": item["round__name"], "date": item["round__ends_on"], "total": total,
            "target": _number(item["target"]), "vetoed": item["vetoed"],
            "change": None if previous is None else round(total - previous, 2),
            "url": _link("projection", round=item["round_id"]),
        })  # fmt: skip
        previous = total
    latest = kept[-1] if kept else None
    return PanelData(
        panel="projection",
        title=_("Projected score"),
        columns=[
            Column("round", _("Mock assessment")),
            Column("date", _("Date")),
            Column("total", _("Projected total"), True),
            Column("target", _("Target"), True),
            Column("change", _("Change"), True),
        ],
        rows=rows,
        chart={"kind": "gauge_trend"},
        summary={
            "total": _number(latest["total"]) if latest else None,
            "full_score": _number(latest["full_score"]) if latest else None,
            "target": _number(latest["target"] if latest and latest["target"] is not None else campaign.target_score),
            "vetoed": latest["vetoed"] if latest else False,
        },
        empty=_("No mock assessment has been closed yet."),
    )


def _latest_rankings(campaign: Campaign):
    latest = (
        Ranking.objects.filter(campaign=campaign, period=RankingPeriod.WEEKLY, status=DocumentStatus.PUBLISHED)
        .order_by("-period_end")
        .values_list("period_end", flat=True)
        .first()
    )
    return Ranking.objects.filter(campaign=campaign, period=RankingPeriod.WEEKLY, status=DocumentStatus.PUBLISHED,
                                  period_end=latest)  # fmt: skip


def _entries_in_scope(*, user, campaign: Campaign):
    """Entries of the latest published weekly rankings the reader may see: units in their scope; command groups for
    those who see the whole city or lead."""
    entries = RankingEntry.objects.filter(ranking__in=_latest_rankings(campaign))
    units = Q(unit__in=Unit.objects.visible_to(user).filter(campaign=campaign))
    if user.sees_citywide or user.role == Role.LEADER:
        units |= Q(group__isnull=False)
    return entries.filter(units)


def _ranking_rows(entries, groups: dict[int, dict]) -> list[dict]:
    """Rows from the entries' values (not model instances: a city's ranking has 1,500 of them)."""
    lists = dict(ListKind.choices)
    command_groups = _("Command groups")
    entry_path, unit_path = _path_of("ranking_entry"), _path_of("unit_detail")
    rows = []
    for entry in entries:
        group = groups.get(entry["ranking_id"], {})
        rank, previous = entry["rank"], entry["previous_rank"]
        rows.append({
            "group": entry["ranking__peer_group__name"] or command_groups, "rank": rank, "of": group.get("size"),
            "name": entry["unit__name"] or entry["group__name"], "unit_id": entry["unit_id"],
            "score": _number(entry["score"]), "previous_rank": previous,
            "change": previous - rank if rank is not None and previous is not None else None,
            "list": str(lists[entry["list_kind"]]) if entry["list_kind"] else "", "list_kind": entry["list_kind"],
            "evening_meeting": entry["evening_meeting"], "escalation": entry["escalation"],
            "group_average": _number(group.get("average")), "meeting_below": _number(entry["ranking__meeting_below"]),
            "url": entry_path(entry["pk"]), "urls": {"name": unit_path(entry["unit_id"]) if entry["unit_id"] else ""},
        })  # fmt: skip
    return rows


def _ordered(entries):
    return entries.order_by(
        F("ranking__ranked").desc(), "ranking__peer_group__name", F("rank").asc(nulls_last=True), "unit__path",
        "group__name",
    ).values(
        "pk", "ranking_id", "ranking__peer_group__name", "ranking__meeting_below", "unit_id", "unit__name",
        "group__name", "score", "rank", "previous_rank", "list_kind", "evening_meeting", "escalation",
    )  # fmt: skip


def _group_figures(campaign: Campaign) -> dict[int, dict]:
    """Each latest ranking's size and average score (of all its entries, whatever the reader sees): one query."""
    rows = (
        RankingEntry.objects.filter(ranking__in=_latest_rankings(campaign))
        .values("ranking_id")
        .annotate(size=Count("pk"), average=Avg("score"))
    )
    return {row["ranking_id"]: row for row in rows}


RANKING_COLUMNS = [
    Column("group", gettext_lazy("Peer group")), Column("rank", gettext_lazy("Rank"), True),
    Column("of", gettext_lazy("Of"), True), Column("name", gettext_lazy("Unit")),
    Column("score", gettext_lazy("Score"), True), Column("change", gettext_lazy("Change"), True),
    Column("list", gettext_lazy("List")), Column("evening_meeting", gettext_lazy("Evening meeting")),
]  # fmt: skip


def _period_label(campaign: Campaign) -> dict:
    ranking = _latest_rankings(campaign).first()
    return {"period_start": ranking.period_start, "period_end": ranking.period_end} if ranking else {}


def rankings(*, user, campaign: Campaign, period: Period, now: datetime.datetime) -> PanelData:
    rows = _ranking_rows(_ordered(_entries_in_scope(user=user, campaign=campaign)), _group_figures(campaign))
    return PanelData(
        panel="rankings",
        title=_("Weekly rankings"),
        columns=[Column(c.key, str(c.label), c.numeric) for c in RANKING_COLUMNS],
        rows=rows,
        chart={"kind": "ranking_bars"},
        summary=_period_label(campaign),
        empty=_("No weekly ranking has been published yet."),
    )


def lists(*, user, campaign: Campaign, period: Period, now: datetime.datetime) -> PanelData:
    entries = _entries_in_scope(user=user, campaign=campaign).filter(
        Q(list_kind__in=[ListKind.RED, ListKind.BLACK]) | Q(evening_meeting=True)
    )
    rows = _ranking_rows(_ordered(entries), _group_figures(campaign))
    return PanelData(
        panel="lists",
        title=_("Red and black lists, evening meeting"),
        columns=[Column(c.key, str(c.label), c.numeric) for c in RANKING_COLUMNS]
        + [Column("escalation", _("Escalation step"))],
        rows=rows,
        chart={"kind": "lists"},
        summary=_period_label(campaign),
        empty=_("Nobody is on a list this week."),
    )


def _buckets(period: Period) -> list[tuple[datetime.date, datetime.date]]:
    """Days; weeks (Monday to Sunday, cut to the period) when the period is longer than three months."""
    days = period.days
    if len(days) <= 92:
        return [(day, day) for day in days]
    buckets, start = [], period.start
    while start <= period.end:
        end = min(start + datetime.timedelta(days=6 - start.weekday()), period.end)
        buckets.append((start, end))
        start = end + datetime.timedelta(days=1)
    return buckets


def problems_trend(*, user, campaign: Campaign, period: Period, now: datetime.datetime) -> PanelData:
    buckets = _buckets(period)
    aggregates = {}
    for n, (first, last) in enumerate(buckets):
        begin, after, at = _bounds(Period(first, last), now)
        aggregates[f"new{n}"] = Count("pk", filter=Q(created_at__gte=begin, created_at__lt=after))
        aggregates[f"closed{n}"] = Count(
            "pk", filter=Q(status=ProblemStatus.CLOSED, closed_at__gte=begin, closed_at__lt=after)
        )
        if begin < now:
            aggregates[f"overdue{n}"] = Count("pk", filter=_overdue_at(at))
    begin, after, _cutoff = _bounds(period, now)
    problems = _problems(user, campaign).filter(_active_in(begin, after))
    values = problems.aggregate(**aggregates) if aggregates else {}
    rows = []
    for n, (first, last) in enumerate(buckets):
        label = first.isoformat() if first == last else f"{first.isoformat()}–{last.isoformat()}"
        rows.append({
            "date": label, "new": values.get(f"new{n}", 0), "closed": values.get(f"closed{n}", 0),
            "overdue": values.get(f"overdue{n}"),
            "urls": {"new": _link("problem_list", created_after=first.isoformat(), created_before=last.isoformat()),
                     "closed": _link("problem_list", closed_after=first.isoformat(), closed_before=last.isoformat())},
        })  # fmt: skip
    return PanelData(
        panel="problems_trend",
        title=_("Problems found, closed and overdue"),
        columns=[
            Column("date", _("Date")),
            Column("new", pgettext("problems", "Found"), True),
            Column("closed", pgettext("problems", "Closed"), True),
            Column("overdue", _("Overdue at the day's end"), True),
        ],
        rows=rows,
        chart={"kind": "lines", "x": "date", "series": ["new", "closed", "overdue"]},
        summary={"new": sum(r["new"] for r in rows), "closed": sum(r["closed"] for r in rows)},
    )


def problems_by_category(*, user, campaign: Campaign, period: Period, now: datetime.datetime) -> PanelData:
    begin, after, _cutoff = _bounds(period, now)
    top = Coalesce("category__parent_id", "category_id")
    counts = (
        _problems(user, campaign)
        .filter(~Q(status__in=CLOSED_STATUSES) | Q(created_at__gte=begin, created_at__lt=after))
        .annotate(top_id=top)
        .values("top_id")
        .annotate(
            open=Count("pk", filter=~Q(status__in=CLOSED_STATUSES)),
            overdue=Count("pk", filter=Problem.overdue_q(now=now)),
            found=Count("pk", filter=Q(created_at__gte=begin, created_at__lt=after)),
        )
        .filter(Q(open__gt=0) | Q(found__gt=0))
    )
    rows_by_id = {row["top_id"]: row for row in counts}
    names = dict(ProblemCategory.objects.filter(pk__in=[pk for pk in rows_by_id if pk]).values_list("pk", "name"))
    rows = []
    for pk, row in rows_by_id.items():
        rows.append({
            "category": names.get(pk) or _("Not categorised"), "open": row["open"], "overdue": row["overdue"],
            "found": row["found"],
            "url": _link("problem_list", category=pk, open="true") if pk else _link("problem_list", open="true"),
            "urls": {"overdue": _link("problem_list", category=pk, overdue="true") if pk else ""},
        })  # fmt: skip
    rows.sort(key=lambda r: (-r["open"], -r["overdue"], r["category"]))
    return PanelData(
        panel="problems_by_category",
        title=_("Open problems by category"),
        columns=[
            Column("category", _("Category")),
            Column("open", _("Open"), True),
            Column("overdue", _("Overdue"), True),
            Column("found", _("Found in the period"), True),
        ],
        rows=rows,
        chart={"kind": "bars", "x": "category", "series": ["open", "overdue"]},
        empty=_("No open problems."),
    )


def problems_by_unit(*, user, campaign: Campaign, period: Period, now: datetime.datetime) -> PanelData:
    begin, after, _cutoff = _bounds(period, now)
    counts = (
        _problems(user, campaign)
        .filter(responsible_unit__isnull=False)
        .filter(
            ~Q(status__in=CLOSED_STATUSES)
            | Q(created_at__gte=begin, created_at__lt=after)
            | Q(closed_at__gte=begin, closed_at__lt=after)
        )
        .values("responsible_unit_id", "responsible_unit__name")
        .annotate(
            open=Count("pk", filter=~Q(status__in=CLOSED_STATUSES)),
            overdue=Count("pk", filter=Problem.overdue_q(now=now)),
            found=Count("pk", filter=Q(created_at__gte=begin, created_at__lt=after)),
            closed=Count("pk", filter=Q(status=ProblemStatus.CLOSED, closed_at__gte=begin, closed_at__lt=after)),
        )
        .filter(Q(open__gt=0) | Q(found__gt=0) | Q(closed__gt=0))
        .order_by("-overdue", "-open", "responsible_unit__name")
    )
    # A leader's road sections (路段) bring their problems, answered for by units outside the leader's own: those
    # rows show the unit's name (as the problems do) but lead to no page of it.
    units = None if user.sees_citywide else set(Unit.objects.visible_to(user).values_list("pk", flat=True))
    unit_path, problems = _path_of("unit_detail"), _path("problem_list")
    rows = []
    for row in counts:
        pk = row["responsible_unit_id"]
        linked = units is None or pk in units
        rows.append({
            "unit": row["responsible_unit__name"], "unit_id": pk, "overdue": row["overdue"], "open": row["open"],
            "found": row["found"], "closed": row["closed"], "url": unit_path(pk) if linked else "",
            "urls": {"overdue": f"{problems}?unit={pk}&overdue=true" if linked else "",
                     "open": f"{problems}?unit={pk}&open=true" if linked else ""},
        })  # fmt: skip
    return PanelData(
        panel="problems_by_unit",
        title=_("Units with the most overdue problems"),
        columns=[Column("unit", _("Unit")), Column("overdue", _("Overdue"), True), Column("open", _("Open"), True),
                 Column("found", _("Found in the period"), True), Column("closed", _("Closed in the period"), True)],
        rows=rows,
        chart={"kind": "bars", "x": "unit", "series": ["overdue", "open"], "top": TOP},
        empty=_("No open problems."),
    )  # fmt: skip


def daily_reports(*, user, campaign: Campaign, period: Period, now: datetime.datetime) -> PanelData:
    _begin, _after, cutoff = _bounds(period, now)
    units = list(
        reporting_units(campaign=campaign)
        .filter(pk__in=Unit.objects.visible_to(user).values("pk"))
        .order_by("path")
        .values_list("pk", "name")
    )
    # The whole city's reports are counted without a list of its units (thousands of parameters to send): only the
    # listed units' counts are read below.
    unit_ids = None if user.sees_citywide else [pk for pk, _name in units]
    due, timeliness = report_timeliness(campaign=campaign, start=period.start, end=period.end, cutoff=cutoff,
                                        unit_ids=unit_ids)  # fmt: skip
    reports = _path("daily_report_list")
    dates = urlencode({"date_after": period.start.isoformat(), "date_before": period.end.isoformat()})
    nothing = {"on_time": 0, "late": 0}
    rows, on_time_total = [], 0
    for pk, name in units:
        standing = timeliness.get(pk, nothing)
        on_time_total += standing["on_time"]
        rows.append({
            "unit": name, "unit_id": pk, "due": due, "on_time": standing["on_time"], "late": standing["late"],
            "missing": max(due - standing["on_time"] - standing["late"], 0), "rate": _rate(standing["on_time"], due),
            "url": f"{reports}?unit={pk}&{dates}",
        })  # fmt: skip
    rows.sort(key=lambda r: (r["rate"] if r["rate"] is not None else 101, r["unit"]))
    return PanelData(
        panel="daily_reports",
        title=_("Daily reports on time"),
        columns=[Column("unit", _("Unit")), Column("rate", _("On time (%)"), True),
                 Column("on_time", _("On time"), True), Column("late", _("Late"), True),
                 Column("missing", _("Missing"), True), Column("due", _("Days due"), True)],
        rows=rows,
        chart={"kind": "bars", "x": "unit", "series": ["rate"], "top": CHART_TOP, "max": 100},
        summary={"due_days": due, "rate": _rate(on_time_total, due * len(units))},
        empty=_("No daily report was due in the period."),
    )  # fmt: skip


def _owner(owner: dict) -> str:
    unit = owner.get("unit") or _("No unit in the manual")
    return f"{unit}（{owner['leader']}）" if owner.get("leader") else unit


def shortfalls(*, user, campaign: Campaign, period: Period, now: datetime.datetime) -> PanelData:
    # Only the shortfalls of the latest kept projection: the database takes them out of the figures.
    latest = (
        projection_trend(campaign=campaign)
        .values("round_id", "round__name", shortfalls=F("data__shortfalls"))
        .order_by("-round__ends_on", "-round__pk")
        .first()
    )
    in_scope = None
    if not user.sees_citywide:
        in_scope = set(Unit.objects.visible_to(user).filter(campaign=campaign).values_list("pk", flat=True))
    rows = []
    for item in (latest["shortfalls"] or []) if latest else []:
        owners = item.get("owners", [])
        if in_scope is not None:
            owners = [owner for owner in owners if owner.get("unit_id") in in_scope]
            if not owners and item.get("lead_unit_id") not in in_scope:
                continue
        rows.append({
            "criterion": f"{item['code']} {item['name']}", "lost": _number(item["lost"]),
            "score": _number(item["score"]), "lead": item.get("lead", "") if in_scope is None or
            item.get("lead_unit_id") in in_scope else "", "leader": item.get("leader", ""),
            "owners": "、".join(_owner(owner) for owner in owners),
            "url": _link("projection", round=latest["round_id"]),
        })  # fmt: skip
    return PanelData(
        panel="shortfalls",
        title=_("Criteria losing the most points"),
        columns=[Column("criterion", _("Criterion")), Column("lost", _("Points lost"), True),
                 Column("score", _("Score"), True), Column("lead", _("Lead unit")),
                 Column("leader", _("Responsible leader")), Column("owners", _("Where the points were lost"))],
        rows=rows,
        chart={"kind": "bars", "x": "criterion", "series": ["lost"], "horizontal": True},
        summary={"round": latest["round__name"] if latest else ""},
        empty=_("No mock assessment has been closed yet."),
    )  # fmt: skip


def grid_point_types(*, user, campaign: Campaign, period: Period, now: datetime.datetime) -> PanelData:
    counts = (
        _problems(user, campaign)
        .exclude(status__in=CLOSED_STATUSES)
        .filter(point__isnull=False)
        .values("point__grid_id", "point__grid__code", "point__grid__name", "point__point_type_id",
                "point__point_type__name")
        .annotate(n=Count("pk"))
    )  # fmt: skip
    grids, types = {}, {}
    cells = defaultdict(dict)
    for row in counts:
        grid, kind = row["point__grid_id"], row["point__point_type_id"]
        grids[grid] = f"{row['point__grid__code']} {row['point__grid__name']}"
        types[kind] = row["point__point_type__name"]
        cells[grid][kind] = row["n"]
    order = sorted(types, key=lambda kind: types[kind])
    # A city's table has thousands of rows and tens of thousands of cells: the links are put together from ids, not
    # through _link (a reverse lookup and an urlencode per cell took two thirds of the panel's time).
    problems = _path("problem_list")
    rows = []
    for grid, name in grids.items():
        row = {"grid": name, "total": sum(cells[grid].values()), "url": f"{problems}?grid={grid}&open=true",
               "urls": {}}  # fmt: skip
        for kind in order:
            count = row[f"t{kind}"] = cells[grid].get(kind, 0)
            if count:
                row["urls"][f"t{kind}"] = f"{problems}?grid={grid}&point_type={kind}&open=true"
        rows.append(row)
    rows.sort(key=lambda r: (-r["total"], r["grid"]))
    return PanelData(
        panel="grid_point_types",
        title=_("Open problems by grid and point type"),
        columns=[Column("grid", _("Grid")), Column("total", _("Total"), True)]
        + [Column(f"t{kind}", types[kind], True) for kind in order],
        rows=rows,
        chart={"kind": "heatmap", "top": CHART_TOP},
        empty=_("No open problems at points."),
    )


@dataclass(frozen=True)
class Panel:
    name: str
    slug: str
    selector: Callable[..., PanelData]


PANELS = {
    panel.name: panel
    for panel in [
        Panel("overview", "overview", overview),
        Panel("projection", "projection", projection),
        Panel("rankings", "rankings", rankings),
        Panel("lists", "lists", lists),
        Panel("problems_trend", "problems-trend", problems_trend),
        Panel("problems_by_category", "problems-by-category", problems_by_category),
        Panel("problems_by_unit", "problems-by-unit", problems_by_unit),
        Panel("daily_reports", "daily-reports", daily_reports),
        Panel("shortfalls", "shortfalls", shortfalls),
        Panel("grid_point_types", "grid-point-types", grid_point_types),
    ]
}


# --- cache --------------------------------------------------------------------------------------------------------


def _scope_key(user) -> str:
    return "city" if user.sees_citywide else f"user{user.pk}"


def dashboard_panel(*, name: str, user, campaign: Campaign, period: Period, now=None, refresh: bool = False) -> dict:
    """A panel's data for the reader, from the cache when it is there (`refresh`: computed again and cached)."""
    panel = PANELS[name]
    now = now or timezone.now()
    language = translation.get_language() or settings.LANGUAGE_CODE
    parts = [campaign.pk, dashboard_generation(campaign_id=campaign.pk), name, _scope_key(user), period.start,
             period.end, language]  # fmt: skip
    key = "dashboard:" + ":".join(str(part) for part in parts)
    data = None if refresh else cache.get(key)
    if data is None:
        data = panel.selector(user=user, campaign=campaign, period=period, now=now).as_data()
        cache.set(key, data, settings.DASHBOARD_CACHE_SECONDS)
    return data


def dashboard_readers(*, campaign: Campaign) -> list:
    """The readers whose dashboards are worth keeping warm, one per scope: someone who sees the whole city (the office,
    inspectors and administrators share its panels), then every active leader with assignments in the campaign."""
    from core.models import User

    citywide = (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(role__in=CITYWIDE_ROLES))
        .order_by("-is_superuser", "pk")[:1]
    )
    leaders = (
        User.objects.filter(is_active=True, role=Role.LEADER)
        .filter(Q(leader_assignments__unit__campaign=campaign) | Q(leader_assignments__point__campaign=campaign))
        .exclude(is_superuser=True)
        .distinct()
        .order_by("pk")
    )
    return [*citywide, *leaders]


# One warm-up of a campaign at a time; a second one started meanwhile has nothing to add.
WARM_LOCK_SECONDS = 600


def dashboard_warm(*, campaign: Campaign, now=None) -> int:
    """Compute and cache the panels of the default period, in the default language, for `dashboard_readers`, so that
    they open their dashboard warm after a publication and while the cache would otherwise have expired. Returns how
    many panels were cached (0 when another warm-up of the campaign is running)."""
    lock = f"dashboard:warming:{campaign.pk}"
    if not cache.add(lock, 1, WARM_LOCK_SECONDS):
        return 0
    try:
        now = now or timezone.now()
        period = period_default(today=timezone.localdate(now))
        warmed = 0
        with translation.override(settings.LANGUAGE_CODE):
            for reader in dashboard_readers(campaign=campaign):
                for name in PANELS:
                    dashboard_panel(name=name, user=reader, campaign=campaign, period=period, now=now, refresh=True)
                    warmed += 1
        return warmed
    finally:
        cache.delete(lock)


def dashboard_warm_all(*, now=None) -> int:
    """`dashboard_warm` for every campaign not closed. Returns how many panels were cached."""
    from campaign.choices import CampaignStatus

    campaigns = Campaign.objects.exclude(status=CampaignStatus.CLOSED).order_by("pk")
    return sum(dashboard_warm(campaign=campaign, now=now) for campaign in campaigns)
