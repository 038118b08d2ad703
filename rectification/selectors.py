"""Reads of the rectification reference data, always through the row-level scope."""

import datetime
import hmac
import string
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, Max, Prefetch, Q, QuerySet
from django.utils import timezone

from campaign.choices import CampaignStatus
from campaign.models import Campaign
from rectification.choices import (
    CLOCK_STOPPED_STATUSES,
    CLOSED_STATUSES,
    PUBLIC_REPLY_FALLBACK,
    PUBLIC_STATUS,
    CalendarExceptionKind,
    ProblemStatus,
    PublicStatus,
)
from rectification.models import (
    CalendarException,
    Dispute,
    Open311Client,
    Problem,
    ProblemCategory,
    ProblemTransition,
    PublicReplyTemplate,
    Recheck,
    WorkCalendar,
    WorkingPeriod,
)
from rectification.tracking import tracking_code_normalise
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


# Public intake: what anyone may read, without signing in. Nothing here returns a reporter's contact, a unit or a
# note; the views show only the fields these name.


def public_campaign() -> Campaign | None:
    """The campaign public reports go to: the one named by the PUBLIC_CAMPAIGN_SLUG setting, else the newest one
    that is not closed."""
    slug = getattr(settings, "PUBLIC_CAMPAIGN_SLUG", "")
    if slug:
        return Campaign.objects.filter(slug=slug).first()
    return Campaign.objects.exclude(status=CampaignStatus.CLOSED).order_by("-created_at", "-id").first()


def public_categories(*, campaign: Campaign) -> QuerySet[ProblemCategory]:
    """The categories the public chooses from: the active leaves, with their parents (the groups)."""
    return (
        ProblemCategory.objects.filter(campaign=campaign, is_active=True, children__isnull=True)
        .select_related("parent")
        .order_by("code")
    )


def problem_for_tracking_code(code: str) -> Problem | None:
    """The report with this tracking code, or None for a wrong code (and for anything that cannot be one)."""
    code = tracking_code_normalise(code)
    if not code:
        return None
    return Problem.objects.select_related("category__parent").filter(tracking_code=code).first()


def public_status(problem: Problem) -> PublicStatus:
    return PUBLIC_STATUS.get(problem.status, PublicStatus.IN_PROGRESS)


def problem_updated_at(problem: Problem) -> datetime.datetime:
    """When the report last moved (its last step), as the public is told."""
    return problem.transitions.aggregate(last=Max("at"))["last"] or problem.created_at


class _Placeholders(string.Formatter):
    """Fills the named placeholders it is given; anything else in braces (an unknown name, an attribute or index,
    a conversion or format) is left as written, so a template can never reach into objects."""

    def fill(self, text: str, values: dict[str, str]) -> str:
        try:
            parts = list(self.parse(text))
        except ValueError:  # An unbalanced brace: the text as the office wrote it.
            return text
        out = []
        for literal, field, spec, conversion in parts:
            out.append(literal)
            if field is None:
                continue
            if field in values and not spec and not conversion:
                out.append(values[field])
            else:
                out.append("{" + field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}")
        return "".join(out)


def _local(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else ""


def public_reply_render(text: str, *, problem: Problem) -> str:
    values = {
        "reference": problem.reference,
        "category": problem.category.name if problem.category_id else "",
        "status": str(public_status(problem).label),
        "deadline": _local(problem.deadline),
        "reported_at": _local(problem.created_at),
        "closed_at": _local(problem.closed_at),
    }
    return _Placeholders().fill(text, values)


def public_replies(problems) -> dict[int, str]:
    """The reply the public is shown for each report in its current state, by problem id: the template for its
    category and state, else its parent category's (up the tree), else the campaign's default for the state; a
    state without any borrows the reply of the state the public sees it as (`PUBLIC_REPLY_FALLBACK`). "" when
    none applies. Two queries however many problems."""
    problems = list(problems)
    campaign_ids = {problem.campaign_id for problem in problems}
    if not campaign_ids:
        return {}
    parents = dict(ProblemCategory.objects.filter(campaign_id__in=campaign_ids).values_list("pk", "parent_id"))
    templates = {
        (template.campaign_id, template.status, template.category_id): template.text
        for template in PublicReplyTemplate.objects.filter(campaign_id__in=campaign_ids)
    }
    replies = {}
    for problem in problems:
        chain, category_id = [], problem.category_id
        while category_id is not None and category_id not in chain:
            chain.append(category_id)
            category_id = parents.get(category_id)
        statuses = [problem.status]
        if problem.status in PUBLIC_REPLY_FALLBACK:
            statuses.append(PUBLIC_REPLY_FALLBACK[problem.status])
        text = next(
            (
                templates[key]
                for status in statuses
                for key in ((problem.campaign_id, status, category) for category in [*chain, None])
                if key in templates
            ),
            None,
        )
        replies[problem.pk] = public_reply_render(text, problem=problem) if text is not None else ""
    return replies


def public_reply_for(problem: Problem) -> str:
    """The reply the public is shown for this report now (see `public_replies`)."""
    return public_replies([problem]).get(problem.pk, "")


def open311_client_for_key(key: str) -> Open311Client | None:
    """The active client holding this key, or None."""
    if not key or len(key) > 200:
        return None
    digest = Open311Client.hash_key(key)
    client = Open311Client.objects.filter(key_hash=digest, is_active=True).first()
    # The lookup is by hash already; the constant-time compare keeps it so if the lookup ever changes.
    return client if client is not None and hmac.compare_digest(client.key_hash, digest) else None


def open311_requests(*, client: Open311Client) -> QuerySet[Problem]:
    """The service requests a client may read: those it created, newest first, with what a row shows."""
    return (
        Problem.objects.filter(intake_client=client)
        .select_related("category")
        .annotate(updated_at=Max("transitions__at"))
        .order_by("-created_at", "-id")
    )
