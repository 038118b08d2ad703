"""Reads of the rectification reference data, always through the row-level scope."""

import datetime
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from campaign.models import Campaign
from rectification.choices import CLOCK_STOPPED_STATUSES, CLOSED_STATUSES, CalendarExceptionKind, ProblemStatus
from rectification.models import (
    CalendarException,
    Dispute,
    Problem,
    ProblemCategory,
    ProblemTransition,
    Recheck,
    WorkCalendar,
    WorkingPeriod,
)
from rectification.worktime import Calendar


def category_list(*, user, campaign: Campaign | None = None) -> QuerySet[ProblemCategory]:
    """Problem categories the user may see (of one campaign, if given), in code order, parents joined."""
    categories = ProblemCategory.objects.visible_to(user)
    if campaign is not None:
        categories = categories.filter(campaign=campaign)
    return (
        categories.select_related("parent")
        .annotate(child_count=Count("children", distinct=True))
        .order_by("campaign_id", "code")
    )


def work_calendar_list(*, user) -> QuerySet[WorkCalendar]:
    """Calendars of the campaigns the user takes part in, with periods and exceptions in two more queries."""
    return (
        WorkCalendar.objects.visible_to(user)
        .select_related("campaign")
        .prefetch_related(
            Prefetch("periods", queryset=WorkingPeriod.objects.order_by("start")),
            Prefetch("exceptions", queryset=CalendarException.objects.order_by("date")),
        )
        .order_by("campaign_id")
    )


def work_calendar_get(*, campaign: Campaign) -> WorkCalendar | None:
    return WorkCalendar.objects.filter(campaign=campaign).first()


def worktime_calendar(*, campaign: Campaign) -> Calendar:
    """The campaign's calendar as plain values for `rectification.worktime`: the calendar row, its periods and all
    its exceptions in three queries, however long the span computed over. A campaign without a calendar of its own
    works the default hours (08:30–12:00, 14:00–17:30, Monday to Friday) with no holidays."""
    calendar = work_calendar_get(campaign=campaign)
    if calendar is None:
        return Calendar()
    periods = tuple(WorkingPeriod.objects.filter(calendar=calendar).order_by("start").values_list("start", "end"))
    holidays, workdays = set(), set()
    for day, kind in CalendarException.objects.filter(calendar=calendar).values_list("date", "kind"):
        (holidays if kind == CalendarExceptionKind.HOLIDAY else workdays).add(day)
    return Calendar(
        periods=periods,
        weekdays=calendar.weekdays,
        holidays=frozenset(holidays),
        workdays=frozenset(workdays),
        tz=ZoneInfo(calendar.time_zone),
    )


def calendar_exceptions_by_year(*, calendar: WorkCalendar | None) -> dict[int, list[CalendarException]]:
    """The calendar's exceptions grouped by year, years ascending."""
    if calendar is None:
        return {}
    years: dict[int, list[CalendarException]] = defaultdict(list)
    for exception in CalendarException.objects.filter(calendar=calendar).order_by("date"):
        years[exception.date.year].append(exception)
    return dict(sorted(years.items()))


def calendar_year_summary(*, calendar: Calendar, year: int) -> dict[str, int]:
    """How many working days a year has on the calendar, and how many holidays and make-up days change."""
    day = datetime.date(year, 1, 1)
    working = 0
    while day.year == year:
        working += calendar.is_working_day(day)
        day += datetime.timedelta(days=1)
    return {
        "working_days": working,
        "holidays": sum(1 for d in calendar.holidays if d.year == year),
        "workdays": sum(1 for d in calendar.workdays if d.year == year),
    }


def problem_list(*, user, campaign: Campaign | None = None) -> QuerySet[Problem]:
    """The problem ledger as the user may see it (their units' problems; everything for the office), with what a
    row shows, in one query however many rows."""
    problems = Problem.objects.visible_to(user)
    if campaign is not None:
        problems = problems.filter(campaign=campaign)
    return problems.select_related("category", "point", "grid", "responsible_unit").order_by(
        F("deadline").asc(nulls_last=True), "-created_at", "-id"
    )


def problem_counters(*, user, campaign: Campaign, now=None) -> dict[str, int]:
    """The counters above a unit's problem list, in one aggregate query: open, due today, overdue, returned for
    rework, waiting for verification."""
    now = now or timezone.now()
    end_of_today = timezone.localtime(now).replace(hour=23, minute=59, second=59, microsecond=999999)
    running = ~Q(status__in=CLOCK_STOPPED_STATUSES)
    return (
        Problem.objects.visible_to(user)
        .filter(campaign=campaign)
        .aggregate(
            open=Count("pk", filter=~Q(status__in=CLOSED_STATUSES)),
            due_today=Count("pk", filter=running & Q(deadline__gte=now, deadline__lte=end_of_today)),
            overdue=Count("pk", filter=Problem.overdue_q(now=now)),
            returned=Count("pk", filter=Q(status=ProblemStatus.RETURNED)),
            submitted=Count("pk", filter=Q(status=ProblemStatus.SUBMITTED)),
        )
    )


def problem_get_visible(*, user, pk) -> Problem | None:
    return (
        Problem.objects.visible_to(user)
        .select_related("campaign", "category", "criterion", "point", "grid", "responsible_unit", "submitted_by")
        .filter(pk=pk)
        .first()
    )


def problem_history(*, problem: Problem) -> QuerySet[ProblemTransition]:
    return problem.transitions.select_related("actor").order_by("at", "id")


def recheck_list(*, user, campaign: Campaign) -> QuerySet[Recheck]:
    """Re-checks of the campaign's closed problems the user may see, due first, with their problem in one query."""
    return (
        Recheck.objects.visible_to(user)
        .filter(problem__campaign=campaign)
        .select_related("problem", "problem__point", "problem__category", "problem__responsible_unit", "new_problem")
        .order_by(F("checked_at").asc(nulls_first=True), "due_date", "id")
    )


def dispute_list(*, user, campaign: Campaign) -> QuerySet[Dispute]:
    """Responsibility disputes of the campaign the user may see, open ones first, oldest first."""
    return (
        Dispute.objects.visible_to(user)
        .filter(problem__campaign=campaign)
        .select_related("problem", "unit", "decided_unit", "raised_by")
        .order_by(F("decided_at").asc(nulls_first=True), "raised_at", "id")
    )
