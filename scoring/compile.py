"""The figures of the daily cycle's documents, read at a cut-off: who reported, the day's problems by unit and
category, dispatch completion, difficulties raised, highlights, findings and overdue problems.

Every figure is an aggregate or a list computed in the database: the number of queries does not grow with the
number of units, points or problems (asserted in tests at two sizes). A document keeps its lists whole (a published
bulletin and its Excel export must say the same thing tomorrow); pages show the first `LIST_LIMIT` rows of each.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Min, Q, QuerySet
from django.utils import timezone

from campaign.choices import ReportCompliance
from campaign.daily_reports import report_compliance
from campaign.dispatch import dispatch_overdue_targets
from campaign.models import Campaign, CoordinationItem, DailyReport, DispatchTarget
from rectification.choices import CLOSED_STATUSES, ProblemSource, ProblemStatus
from rectification.models import Problem, ProblemPhoto

LIST_LIMIT = 200
HIGHLIGHTS = 5
# Problems the units found themselves are in the ledger but are not the day's findings of the bulletin.
FINDING_SOURCES = [value for value in ProblemSource.values if value != ProblemSource.SELF_FOUND]


@dataclass(frozen=True)
class Window:
    """The period a document covers, as aware moments, and the cut-off its figures are read at."""

    campaign: Campaign
    start_date: datetime.date
    end_date: datetime.date
    cutoff: datetime.datetime

    @property
    def start(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.start_date, datetime.time.min))

    @property
    def end(self) -> datetime.datetime:
        """The end of the period or the cut-off, whichever comes first."""
        day_after = timezone.make_aware(
            datetime.datetime.combine(self.end_date + datetime.timedelta(days=1), datetime.time.min)
        )
        return min(day_after, self.cutoff)

    def days(self) -> list[datetime.date]:
        return [
            self.start_date + datetime.timedelta(days=n) for n in range((self.end_date - self.start_date).days + 1)
        ]


def _unit_label(row: dict, prefix: str = "unit") -> dict:
    return {"unit_id": row[f"{prefix}_id"], "unit": row[f"{prefix}__name"], "code": row[f"{prefix}__code"]}


def compliance_section(window: Window) -> dict:
    """Who reported on each day of the window: counts and every unit late, missing or without content (bounded by
    the number of units and days). One query per day (a day is one; a week is seven)."""
    counts = dict.fromkeys([*ReportCompliance.values, "empty"], 0)
    late, missing, empty = [], [], []
    for day in window.days():
        units = report_compliance(campaign=window.campaign, date=day, now=window.cutoff, cutoff=window.cutoff)
        for unit in units.values("pk", "code", "name", "compliance", "report_is_empty", "report_first_submitted_at"):
            counts[unit["compliance"]] += 1
            entry = {"unit_id": unit["pk"], "unit": unit["name"], "code": unit["code"], "date": day}
            if unit["compliance"] == ReportCompliance.LATE:
                late.append({**entry, "submitted_at": unit["report_first_submitted_at"]})
            elif unit["compliance"] == ReportCompliance.MISSING:
                missing.append(entry)
            if unit["report_is_empty"]:
                counts["empty"] += 1
                empty.append(entry)
    return {"counts": counts, "late": late, "missing": missing, "empty": empty}


def _problems(window: Window) -> QuerySet[Problem]:
    return Problem.objects.filter(campaign=window.campaign).exclude(status=ProblemStatus.CANCELLED)


def problem_section(window: Window) -> dict:
    """New, closed and overdue problems in the window, in total, by unit and by category. Three queries."""
    problems = _problems(window)
    new_q = Q(created_at__gte=window.start, created_at__lt=window.end)
    closed_q = Q(closed_at__gte=window.start, closed_at__lt=window.end)
    # Overdue as it stood at the cut-off: open then (not closed before it) and past the deadline with the clock
    # running. Read from today's state, so a problem closed after the cut-off counts as it was.
    overdue_q = (
        Problem.overdue_q(now=window.cutoff)
        & (~Q(status__in=CLOSED_STATUSES) | Q(closed_at__gte=window.cutoff))
        & Q(created_at__lt=window.cutoff)
    )
    aggregates = {
        "new": Count("pk", filter=new_q),
        "closed": Count("pk", filter=closed_q),
        "overdue": Count("pk", filter=overdue_q),
    }
    totals = problems.aggregate(**aggregates)
    relevant = new_q | closed_q | overdue_q
    by_unit = (
        problems.filter(relevant, responsible_unit__isnull=False)
        .values("responsible_unit_id", "responsible_unit__name", "responsible_unit__code")
        .annotate(**aggregates)
        .order_by("-overdue", "-new", "responsible_unit__path")
    )
    by_category = (
        problems.filter(relevant)
        .values("category_id", "category__name", "category__code")
        .annotate(**aggregates)
        .order_by("-new", "-overdue", "category__code")
    )
    return {
        **totals,
        "by_unit": [
            {**_unit_label(row, "responsible_unit"), **{key: row[key] for key in aggregates}} for row in by_unit
        ],
        "by_category": [
            {
                "category": row["category__name"] or "",
                "code": row["category__code"] or "",
                **{key: row[key] for key in aggregates},
            }
            for row in by_category
        ],
    }


def overdue_problems(window: Window, *, limit: int | None = None) -> tuple[list[dict], int]:
    """The problems overdue at the cut-off with their units, the longest overdue first; and how many there are."""
    overdue = (
        _problems(window)
        .filter(Problem.overdue_q(now=window.cutoff), created_at__lt=window.cutoff)
        .filter(~Q(status__in=CLOSED_STATUSES) | Q(closed_at__gte=window.cutoff))
    )
    rows = overdue.order_by("deadline", "pk").values(
        "pk", "description", "deadline", "address", "point__name", "responsible_unit_id", "responsible_unit__name",
        "responsible_unit__code", "category__name",
    )  # fmt: skip
    if limit is not None:
        rows = rows[:limit]
    items = [
        {
            "problem_id": row["pk"], "reference": Problem.reference_for(row["pk"]),
            "description": row["description"][:200],
            "place": row["point__name"] or row["address"], "deadline": row["deadline"],
            "days_over": (window.cutoff - row["deadline"]).days, "category": row["category__name"] or "",
            "unit_id": row["responsible_unit_id"], "unit": row["responsible_unit__name"] or "",
            "code": row["responsible_unit__code"] or "",
        }
        for row in rows
    ]  # fmt: skip
    return items, (overdue.count() if limit is not None and len(items) == limit else len(items))


def findings(window: Window, *, limit: int | None = None) -> tuple[list[dict], int]:
    """The problems found in the window by inspections, visits, superiors, the public and the media (not the
    units' own), each with its first photo. Two queries."""
    found = _problems(window).filter(
        created_at__gte=window.start, created_at__lt=window.end, source__in=FINDING_SOURCES
    )
    rows = found.order_by("created_at", "pk").values(
        "pk", "description", "source", "created_at", "address", "point__name", "responsible_unit_id",
        "responsible_unit__name", "responsible_unit__code", "category__name",
    )  # fmt: skip
    if limit is not None:
        rows = rows[:limit]
    rows = list(rows)
    photos = dict(
        ProblemPhoto.objects.filter(problem_id__in=[row["pk"] for row in rows], kind="before")
        .values("problem_id")
        .annotate(first=Min("pk"))
        .values_list("problem_id", "first")
    )
    labels = dict(ProblemSource.choices)
    items = [
        {
            "problem_id": row["pk"], "reference": Problem.reference_for(row["pk"]),
            "description": row["description"][:200],
            "source": row["source"], "source_label": str(labels[row["source"]]), "found_at": row["created_at"],
            "place": row["point__name"] or row["address"], "category": row["category__name"] or "",
            "unit_id": row["responsible_unit_id"], "unit": row["responsible_unit__name"] or "",
            "code": row["responsible_unit__code"] or "", "photo_id": photos.get(row["pk"]),
        }
        for row in rows
    ]  # fmt: skip
    return items, (found.count() if limit is not None and len(items) == limit else len(items))


def dispatch_section(window: Window, *, limit: int | None = None) -> dict:
    """Dispatch orders due in the window: how many units were to act, how many did, and the overdue ones (all
    orders overdue at the cut-off, however old, as `campaign.dispatch` defines them), listed and counted per unit.
    Three or four queries."""
    targets = DispatchTarget.objects.filter(order__campaign=window.campaign, order__cancelled_at__isnull=True)
    due = targets.filter(order__deadline__gte=window.start, order__deadline__lt=window.end).aggregate(
        due=Count("pk"),
        done=Count("pk", filter=Q(completed_at__isnull=False, completed_at__lte=window.cutoff)),
        done_on_time=Count("pk", filter=Q(completed_at__isnull=False, completed_at__lte=F("order__deadline"))),
    )
    overdue = (
        dispatch_overdue_targets(campaign=window.campaign, date=window.end_date, at=window.cutoff)
        .order_by("order__deadline", "unit__path")
        .values("order_id", "order__title", "order__deadline", "unit_id", "unit__name", "unit__code")
    )
    rows = list(overdue[:limit] if limit is not None else overdue)
    by_unit = overdue.order_by().values("unit_id", "unit__name", "unit__code").annotate(orders=Count("pk"))
    return {
        **due,
        "overdue": [
            {
                "order_id": row["order_id"],
                "order": row["order__title"],
                "deadline": row["order__deadline"],
                **_unit_label(row),
            }
            for row in rows
        ],
        "overdue_total": overdue.count() if limit is not None and len(rows) == limit else len(rows),
        "overdue_by_unit": [{**_unit_label(row), "orders": row["orders"]} for row in by_unit],
    }


def difficulties(window: Window) -> list[dict]:
    """The difficulties units raised in the window, with who at the office owns them. One query."""
    items = (
        CoordinationItem.objects.filter(campaign=window.campaign, raised_on__gte=window.start_date,
                                        raised_on__lte=window.end_date, report__submitted_at__lte=window.cutoff)
        .order_by("unit__path", "position")
        .values("pk", "text", "status", "unit_id", "unit__name", "unit__code", "owner__full_name", "owner__username")
    )  # fmt: skip
    return [
        {"item_id": row["pk"], "text": row["text"], "status": row["status"], **_unit_label(row),
         "owner": row["owner__full_name"] or row["owner__username"] or ""}
        for row in items[:LIST_LIMIT]
    ]  # fmt: skip


def highlights(window: Window) -> list[dict]:
    """The reports of the window with the most people deployed: what the office may cite. One query."""
    reports = (
        DailyReport.objects.filter(campaign=window.campaign, date__gte=window.start_date, date__lte=window.end_date,
                                   first_submitted_at__lte=window.cutoff, is_empty=False)
        .exclude(work_done="")
        .order_by("-people_deployed", "-volunteers", "unit__path")
        .values("pk", "date", "work_done", "people_deployed", "volunteers", "unit_id", "unit__name", "unit__code")
    )  # fmt: skip
    return [
        {"report_id": row["pk"], "date": row["date"], "work_done": row["work_done"][:300],
         "people_deployed": row["people_deployed"], "volunteers": row["volunteers"], **_unit_label(row)}
        for row in reports[:HIGHLIGHTS]
    ]  # fmt: skip


def standing(problems: dict, compliance: dict) -> list[dict]:
    """Where units stand for the period, from the figures already read: the units with overdue problems or missed
    reports, the most overdue first. Scores and the red and black lists come from the weekly ranking."""
    missed = {}
    for entry in compliance["missing"]:
        missed[entry["unit_id"]] = missed.get(entry["unit_id"], 0) + 1
    rows = {
        row["unit_id"]: {"unit_id": row["unit_id"], "unit": row["unit"], "code": row["code"],
                         "overdue": row["overdue"], "closed": row["closed"], "missed_reports": 0}
        for row in problems["by_unit"] if row["overdue"]
    }  # fmt: skip
    names = {entry["unit_id"]: entry for entry in compliance["missing"]}
    for unit_id, count in missed.items():
        entry = names[unit_id]
        row = rows.setdefault(unit_id, {"unit_id": unit_id, "unit": entry["unit"], "code": entry["code"],
                                        "overdue": 0, "closed": 0, "missed_reports": 0})  # fmt: skip
        row["missed_reports"] = count
    ordered = sorted(rows.values(), key=lambda row: (-row["overdue"], -row["missed_reports"], row["code"]))
    return [{**row, "position": index} for index, row in enumerate(ordered, start=1)][:LIST_LIMIT]


def leader_report_data(window: Window) -> dict:
    compliance = compliance_section(window)
    problems = problem_section(window)
    return {
        "cutoff": window.cutoff,
        "compliance": compliance,
        "problems": problems,
        "dispatch": dispatch_section(window),
        "difficulties": difficulties(window),
        "highlights": highlights(window),
    }


def black_list(window: Window) -> list[dict]:
    """A week's bulletin names the units on the black lists of the weekly rankings published for that week, with
    their score and the escalation step they reached. One query."""
    from scoring.choices import DocumentStatus, ListKind, RankingPeriod
    from scoring.models import RankingEntry

    if window.start_date == window.end_date:
        return []
    rows = (
        RankingEntry.objects.filter(ranking__campaign=window.campaign, ranking__period=RankingPeriod.WEEKLY,
                                    ranking__period_end=window.end_date, ranking__status=DocumentStatus.PUBLISHED,
                                    list_kind=ListKind.BLACK, unit__isnull=False)
        .order_by("ranking__peer_group__name", "rank", "unit__path")
        .values("unit_id", "unit__name", "unit__code", "score", "rank", "escalation", "ranking__peer_group__name")
    )  # fmt: skip
    return [
        {**_unit_label(row), "score": row["score"], "rank": row["rank"], "escalation": row["escalation"],
         "peer_group": row["ranking__peer_group__name"] or ""}
        for row in rows
    ]  # fmt: skip


def bulletin_data(window: Window) -> dict:
    compliance = compliance_section(window)
    problems = problem_section(window)
    found, found_total = findings(window)
    overdue, overdue_total = overdue_problems(window)
    return {
        "cutoff": window.cutoff,
        "findings": found,
        "findings_total": found_total,
        "overdue": overdue,
        "overdue_total": overdue_total,
        "compliance": compliance,
        "dispatch": dispatch_section(window),
        "problems": {key: problems[key] for key in ("new", "closed", "overdue")},
        "problems_by_unit": problems["by_unit"],
        "standing": standing(problems, compliance),
        "black_list": black_list(window),
    }
