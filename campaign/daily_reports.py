"""Units' daily reports (日报告): the schedule, submitting, locking and unlocking, compliance per unit and day, the
coordination items raised in reports, and the reminder before the deadline.

A report is one row per unit and day (a database constraint). Submitting locks that row first, so a double click,
a retried request or twenty at once end as one report with one set of findings; a repeated submission key is
answered with the report as it stands. The lines typed as self-found problems become findings, which the
rectification app turns into ledger problems through `register_finding_handler` (campaign cannot import it).
"""

import datetime
import uuid
from collections import defaultdict
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.db.models import BooleanField, Case, CharField, Count, F, FilteredRelation, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campaign.choices import (
    CoordinationStatus,
    DailyReportStatus,
    MembershipRole,
    ReportCompliance,
    SelfCheckResult,
    UnitType,
)
from campaign.models import (
    Campaign,
    CoordinationItem,
    DailyCycleSettings,
    DailyReport,
    DailyReportCheck,
    DailyReportFinding,
    DailyReportPhoto,
    Indicator,
    TaskAssignment,
    Unit,
    UnitGroup,
    UnitMembership,
)
from core.audit import audit_log
from core.db import get_or_create_locked
from core.errors import DomainError
from core.notifications import Draft, notify

MAX_PHOTOS = 9
MAX_LINES = 30
# The fields a unit fills in; what a draft keeps and a submission records.
REPORT_FIELDS = (
    "work_done",
    "people_deployed",
    "problems_rectified",
    "volunteers",
    "volunteer_activity",
    "draft_findings",
    "draft_difficulties",
)

FindingHandler = Callable[..., None]
_finding_handlers: list[FindingHandler] = []


def register_finding_handler(handler: FindingHandler) -> None:
    """Called as `handler(actor=, report=, findings=)` inside the submission's transaction with the findings the
    submission added. The rectification app registers the one that records them in the problem ledger."""
    if handler not in _finding_handlers:
        _finding_handlers.append(handler)


# --- the schedule --------------------------------------------------------------------------------------------------


def daily_settings_get(*, campaign: Campaign) -> DailyCycleSettings:
    """The campaign's schedule; the defaults (unsaved) until staff change them."""
    return DailyCycleSettings.objects.filter(campaign=campaign).first() or DailyCycleSettings(campaign=campaign)


@transaction.atomic
def daily_settings_update(*, actor, campaign: Campaign, **fields) -> DailyCycleSettings:
    if not actor.is_office:
        raise DomainError(_("Only the command office changes the schedule."), code="forbidden")
    settings_row = DailyCycleSettings.objects.select_for_update().filter(campaign=campaign).first()
    if settings_row is None:
        settings_row = DailyCycleSettings(campaign=campaign, **fields)
        settings_row.full_clean()
        settings_row.save()
        changed = sorted(fields)
    else:
        changed = [name for name, value in fields.items() if getattr(settings_row, name) != value]
        for name in changed:
            setattr(settings_row, name, fields[name])
        if changed:
            settings_row.full_clean()
            settings_row.save(update_fields=[*changed, "updated_at"])
    if changed:
        audit_log(action="campaign.daily_settings.update", actor=actor, obj=settings_row, data={"changed": changed})
    return settings_row


# --- who may report -----------------------------------------------------------------------------------------------


def reporting_units(*, campaign: Campaign) -> QuerySet[Unit]:
    """The units that owe a daily report: every active unit of the campaign but the city at the top, which is
    the headquarters itself."""
    return Unit.objects.filter(campaign=campaign, is_active=True).exclude(type=UnitType.CITY)


def may_report(*, user, unit: Unit) -> bool:
    """The unit's head or one of its liaisons writes its report; a street head does not write for its
    communities, and the office reads and unlocks but does not write for a unit."""
    return (
        user.is_authenticated
        and unit.is_active
        and unit.type != UnitType.CITY
        and UnitMembership.objects.filter(user=user, unit=unit, user__is_active=True).exists()
    )


def reporting_units_of(*, user, campaign: Campaign) -> list[Unit]:
    """The units the user writes reports for (usually one)."""
    return list(
        reporting_units(campaign=campaign)
        .filter(memberships__user=user, memberships__role__in=MembershipRole.values)
        .distinct()
        .order_by("path")
    )


def lead_criteria(*, unit: Unit) -> QuerySet[Indicator]:
    """The criteria the unit leads, directly or as a member of a named set: what its self-check covers."""
    groups = UnitGroup.objects.filter(members=unit).values("pk")
    tasks = TaskAssignment.objects.filter(Q(lead_unit=unit) | Q(lead_group__in=groups))
    return Indicator.objects.filter(task_assignment__in=tasks).order_by("position", "pk")


# --- reading ------------------------------------------------------------------------------------------------------


def daily_report_for(*, campaign: Campaign, unit: Unit, date: datetime.date) -> DailyReport:
    """The unit's report of the day, or a new unsaved one with the day's deadline."""
    report = DailyReport.objects.filter(unit=unit, date=date).first()
    if report is None:
        deadline = daily_settings_get(campaign=campaign).deadline_on(date)
        report = DailyReport(campaign=campaign, unit=unit, date=date, deadline_at=deadline)
    return report


def daily_report_list(*, user, campaign: Campaign | None) -> QuerySet[DailyReport]:
    """The reports the user may see, of one campaign or (None, the API) of all theirs."""
    reports = DailyReport.objects.visible_to(user)
    if campaign is not None:
        reports = reports.filter(campaign=campaign)
    return (
        reports.select_related("unit", "submitted_by")
        .annotate(
            finding_count=Count("findings", distinct=True),
            difficulty_count=Count("difficulties", distinct=True),
            photo_count=Count("photos", distinct=True),
        )
        .order_by("-date", "unit__path")
    )


def report_compliance(*, campaign: Campaign, date: datetime.date, user=None, now=None, cutoff=None) -> QuerySet[Unit]:
    """Every unit that owes a report for `date`, with its report's facts and its compliance (on time, late,
    missing, not yet due) computed in the database: one query at any number of units. With `cutoff` (a compile's
    moment) a report first submitted after it counts as not there yet, so a compiled document is consistent."""
    now = now or timezone.now()
    deadline = daily_settings_get(campaign=campaign).deadline_on(date)
    units = reporting_units(campaign=campaign)
    if user is not None:
        units = units.filter(pk__in=Unit.objects.visible_to(user).values("pk"))
    submitted = Q(day_report__status=DailyReportStatus.SUBMITTED)
    if cutoff is not None:
        submitted &= Q(day_report__first_submitted_at__lte=cutoff)
        now = min(now, cutoff)
    return (
        units.annotate(day_report=FilteredRelation("daily_reports", condition=Q(daily_reports__date=date)))
        .annotate(
            report_id=F("day_report__id"),
            report_submitted_at=F("day_report__submitted_at"),
            report_first_submitted_at=F("day_report__first_submitted_at"),
            report_is_empty=Case(
                When(submitted & Q(day_report__is_empty=True), then=True), default=False, output_field=BooleanField()
            ),
            compliance=Case(
                When(submitted & Q(day_report__is_late=True), then=Value(ReportCompliance.LATE)),
                When(submitted, then=Value(ReportCompliance.ON_TIME)),
                default=Value(ReportCompliance.MISSING if now > deadline else ReportCompliance.DUE),
                output_field=CharField(),
            ),
        )
        .select_related("parent")
        .order_by("path")
    )


def report_timeliness(*, campaign: Campaign, start: datetime.date, end: datetime.date, cutoff: datetime.datetime,
                      unit_ids=None) -> tuple[int, dict[int, dict[str, int]]]:  # fmt: skip
    """How units reported over the days [start, end], as of `cutoff`: the number of days whose report deadline had
    passed (each unit owes one report a day), and per unit the reports submitted on time (not late, first submitted
    by the cut-off) and late, each at most the days due. Units that reported nothing are absent. One query.

    The rule unit scores (`daily_reports`) and the dashboard's on-time rate both read."""
    schedule = daily_settings_get(campaign=campaign)
    due_days = sum(1 for n in range((end - start).days + 1)
                   if schedule.deadline_on(start + datetime.timedelta(days=n)) <= cutoff)  # fmt: skip
    reports = DailyReport.objects.filter(
        campaign=campaign, date__gte=start, date__lte=end, status=DailyReportStatus.SUBMITTED,
        first_submitted_at__lte=cutoff,
    )  # fmt: skip
    if unit_ids is not None:
        reports = reports.filter(unit_id__in=unit_ids)
    # No ordering: the model's own (by the unit's path) would join the units for nothing.
    rows = (
        reports.order_by()
        .values("unit_id")
        .annotate(on_time=Count("pk", filter=Q(is_late=False)), late=Count("pk", filter=Q(is_late=True)))
    )
    return due_days, {
        row["unit_id"]: {"on_time": min(row["on_time"], due_days), "late": min(row["late"], due_days)} for row in rows
    }


def compliance_counts(*, campaign: Campaign, date: datetime.date, user=None, now=None) -> dict[str, int]:
    """How many units stand where for `date`, plus how many reports came with no content; one query."""
    rows = report_compliance(campaign=campaign, date=date, user=user, now=now).order_by()
    counts = dict.fromkeys(ReportCompliance.values, 0)
    empty = 0
    for row in rows.values("compliance", "report_is_empty").annotate(n=Count("pk")):
        counts[row["compliance"]] += row["n"]
        empty += row["n"] if row["report_is_empty"] else 0
    counts["empty"] = empty
    return counts


# --- writing ------------------------------------------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    seen, lines = set(), []
    for line in (text or "").splitlines():
        line = line.strip().lstrip("-•·*").strip()[:500]
        if line and line not in seen:
            seen.add(line)
            lines.append(line)
    return lines


def _check_lines(report: DailyReport, fields: dict) -> None:
    for name in ("draft_findings", "draft_difficulties"):
        if len(_lines(fields.get(name, ""))) > MAX_LINES:
            message = _("At most %(max)d lines at a time, one per problem or difficulty.")
            raise DomainError(message % {"max": MAX_LINES})


def _check_date(report: DailyReport, *, now) -> None:
    if report.date > timezone.localtime(now).date():
        raise DomainError(_("Reports are written on the day, not for days to come."))


def _lock_report(*, campaign: Campaign, unit: Unit, date: datetime.date) -> DailyReport:
    """The day's report row, created if needed and locked for this transaction."""
    deadline = daily_settings_get(campaign=campaign).deadline_on(date)
    return get_or_create_locked(DailyReport, unit=unit, date=date,
                                defaults={"campaign": campaign, "deadline_at": deadline})  # fmt: skip


@transaction.atomic
def daily_report_save_draft(*, actor, unit: Unit, date: datetime.date, now=None, **fields) -> DailyReport:
    """Autosave: keep what the unit has typed so far. A submitted report is changed only by submitting again."""
    now = now or timezone.now()
    if not may_report(user=actor, unit=unit):
        raise DomainError(_("Only the unit's head or liaisons write its daily report."), code="forbidden")
    report = _lock_report(campaign=unit.campaign, unit=unit, date=date)
    _check_date(report, now=now)
    if report.is_submitted:
        raise DomainError(_("This report has been submitted; submit it again to change it."))
    _check_lines(report, fields)
    changed = [name for name in REPORT_FIELDS if name in fields and getattr(report, name) != fields[name]]
    for name in changed:
        setattr(report, name, fields[name])
    report.updated_at = now
    report.full_clean()
    report.save(update_fields=[*changed, "updated_at"])
    return report


@transaction.atomic
def daily_report_submit(
    *, actor, unit: Unit, date: datetime.date, key: uuid.UUID | None = None, photos=(),
    checks: dict[int, tuple[str, str]] | None = None, now=None, **fields,
) -> DailyReport:  # fmt: skip
    """Submit the unit's report of `date` (or submit it again while it is editable).

    `key` identifies one submission (the form carries it): the same key again, after a double click or a retried
    request, changes nothing. `checks` maps criterion ids the unit leads to (result, note). The typed lines become
    findings (each recorded in the problem ledger) and coordination items for the office; lines already recorded
    are not repeated. Whether the report is late is fixed at its first submission.
    """
    now = now or timezone.now()
    if not may_report(user=actor, unit=unit):
        raise DomainError(_("Only the unit's head or liaisons write its daily report."), code="forbidden")
    report = _lock_report(campaign=unit.campaign, unit=unit, date=date)
    if key is not None and report.submission_key == key:
        return report
    _check_date(report, now=now)
    if report.is_locked(now=now):
        raise DomainError(
            _("The deadline (%(deadline)s) has passed and the report is locked; ask the command office to unlock it.")
            % {"deadline": timezone.localtime(report.deadline_at).strftime("%Y-%m-%d %H:%M")}
        )
    _check_lines(report, fields)
    existing_photos = report.photos.count() if report.pk else 0
    if existing_photos + len(photos) > MAX_PHOTOS:
        raise DomainError(_("A report holds at most %(max)d photos.") % {"max": MAX_PHOTOS})
    for name in REPORT_FIELDS:
        if name in fields:
            setattr(report, name, fields[name])
    report.full_clean()

    findings = _add_findings(report, _lines(report.draft_findings))
    _add_difficulties(report, _lines(report.draft_difficulties))
    if checks is not None:
        _set_checks(report, checks)
    for clean in photos:
        DailyReportPhoto.build_from(clean, uploaded_by=actor, report=report).save()

    first = report.first_submitted_at is None
    report.status = DailyReportStatus.SUBMITTED
    report.submitted_at = now
    report.submitted_by = actor
    report.submission_key = key or uuid.uuid4()
    report.updated_at = now
    report.draft_findings = ""
    report.draft_difficulties = ""
    if first:
        report.first_submitted_at = now
        report.is_late = now > report.deadline_at
    report.is_empty = _is_empty(report)
    report.save()
    audit_log(
        action="campaign.daily_report.submit", actor=actor, obj=report,
        data={"date": report.date, "late": report.is_late, "empty": report.is_empty, "again": not first,
              "findings": len(findings)},
    )  # fmt: skip
    if findings:
        for handler in _finding_handlers:
            handler(actor=actor, report=report, findings=findings)
    return report


def _add_findings(report: DailyReport, lines: list[str]) -> list[DailyReportFinding]:
    known = set(report.findings.values_list("text", flat=True))
    start = report.findings.count()
    new = [
        DailyReportFinding(report=report, text=text, position=start + index)
        for index, text in enumerate(line for line in lines if line not in known)
    ]
    return DailyReportFinding.objects.bulk_create(new)


def _add_difficulties(report: DailyReport, lines: list[str]) -> list[CoordinationItem]:
    known = set(report.difficulties.values_list("text", flat=True))
    start = report.difficulties.count()
    new = [
        CoordinationItem(campaign=report.campaign, unit=report.unit, report=report, text=text,
                         position=start + index, raised_on=report.date)
        for index, text in enumerate(line for line in lines if line not in known)
    ]  # fmt: skip
    return CoordinationItem.objects.bulk_create(new)


def _set_checks(report: DailyReport, checks: dict[int, tuple[str, str]]) -> None:
    allowed = set(lead_criteria(unit=report.unit).values_list("pk", flat=True))
    unknown = set(checks) - allowed
    if unknown:
        raise DomainError(_("The self-check covers only the criteria the unit leads."))
    rows = []
    for indicator_id, (result, note) in checks.items():
        if not result:
            continue
        if result not in SelfCheckResult.values:
            raise DomainError(_("Unknown self-check result: %(result)s") % {"result": result})
        rows.append(DailyReportCheck(report=report, indicator_id=indicator_id, result=result, note=(note or "")[:300]))
    report.checks.all().delete()
    DailyReportCheck.objects.bulk_create(rows)


def _is_empty(report: DailyReport) -> bool:
    """Zero content (空报): nothing done, nobody deployed, nothing found, fixed, raised or photographed."""
    return not (
        report.work_done.strip()
        or report.volunteer_activity.strip()
        or report.people_deployed
        or report.problems_rectified
        or report.volunteers
        or report.findings.exists()
        or report.difficulties.exists()
        or report.photos.exists()
    )


@transaction.atomic
def daily_report_unlock(*, actor, report: DailyReport, reason: str, now=None) -> DailyReport:
    """Staff reopen a locked report, with a reason on record, until the unit submits again."""
    now = now or timezone.now()
    if not actor.is_office:
        raise DomainError(_("Only the command office unlocks a report."), code="forbidden")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for unlocking."))
    report = DailyReport.objects.select_for_update().get(pk=report.pk)
    if not report.is_locked(now=now):
        raise DomainError(_("This report is not locked."))
    report.unlocked_at = now
    report.unlocked_by = actor
    report.unlock_reason = reason[:300]
    report.save(update_fields=["unlocked_at", "unlocked_by", "unlock_reason"])
    audit_log(action="campaign.daily_report.unlock", actor=actor, obj=report, data={"reason": report.unlock_reason})
    return report


# --- coordination items -------------------------------------------------------------------------------------------


def coordination_item_list(*, user, campaign: Campaign) -> QuerySet[CoordinationItem]:
    return (
        CoordinationItem.objects.visible_to(user)
        .filter(campaign=campaign)
        .select_related("unit", "owner", "resolved_by", "report")
        .order_by("status", "-raised_on", "unit__path", "position")
    )


@transaction.atomic
def coordination_item_update(*, actor, item: CoordinationItem, owner=..., resolution: str | None = None,
                             resolve: bool = False, reopen: bool = False, now=None) -> CoordinationItem:  # fmt: skip
    """The office takes a difficulty on (an owner), resolves it with what was done, or reopens it."""
    now = now or timezone.now()
    if not actor.is_office:
        raise DomainError(_("Only the command office handles coordination items."), code="forbidden")
    item = CoordinationItem.objects.select_for_update().get(pk=item.pk)
    changed = []
    if owner is not ... and owner != item.owner:
        if owner is not None and not owner.is_office:
            raise DomainError(_("The owner must be a member of the command office."))
        item.owner = owner
        changed.append("owner")
    if resolution is not None and resolution.strip() != item.resolution:
        item.resolution = resolution.strip()
        changed.append("resolution")
    if resolve and item.status != CoordinationStatus.RESOLVED:
        if not item.resolution:
            raise DomainError(_("Say how it was resolved."))
        item.status, item.resolved_at, item.resolved_by = CoordinationStatus.RESOLVED, now, actor
        changed += ["status", "resolved_at", "resolved_by"]
    if reopen and item.status == CoordinationStatus.RESOLVED:
        item.status, item.resolved_at, item.resolved_by = CoordinationStatus.OPEN, None, None
        changed += ["status", "resolved_at", "resolved_by"]
    if changed:
        item.full_clean()
        item.save(update_fields=changed)
        audit_log(action="campaign.coordination.update", actor=actor, obj=item, data={"changed": sorted(changed)})
    return item


# --- the reminder -------------------------------------------------------------------------------------------------


def daily_report_remind(*, campaign: Campaign, date: datetime.date, now=None) -> int:
    """Remind every unit that has not submitted the day's report (its head and liaisons), once per unit, day and
    person however often it runs; returns how many notices are new. Three queries at any number of units."""
    now = now or timezone.now()
    waiting = report_compliance(campaign=campaign, date=date, now=now).filter(
        compliance__in=[ReportCompliance.DUE, ReportCompliance.MISSING]
    )
    people = defaultdict(list)
    for unit_id, user_id in UnitMembership.objects.filter(
        unit__in=waiting.values("pk"), user__is_active=True
    ).values_list("unit_id", "user_id"):
        people[unit_id].append(user_id)
    with translation.override(settings.LANGUAGE_CODE):
        return notify(_reminders(waiting, people, campaign=campaign, date=date))


def _reminders(waiting, people, *, campaign, date) -> list[Draft]:
    deadline = daily_settings_get(campaign=campaign).deadline_on(date)
    title = _("Daily report due by %(time)s") % {"time": timezone.localtime(deadline).strftime("%H:%M")}
    link = reverse("daily_report_form")
    drafts = []
    for unit_id, name in waiting.values_list("pk", "name"):
        body = _("%(unit)s has not yet submitted its daily report for %(date)s.") % {"unit": name, "date": date}
        for user_id in people[unit_id]:
            key = f"daily_report.remind:{unit_id}:{date:%Y%m%d}"
            drafts.append(
                Draft(recipient_id=user_id, kind="daily_report.remind", key=key, title=title, body=body, link=link)
            )
    return drafts
