import hashlib
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaign.choices import UnitType
from campaign.models import Campaign, Grid, Indicator, Point, Unit
from campaign.scope import ScopedQuerySet
from core.geo import latitude_field, longitude_field, position_constraints
from core.models import PhotoBase
from rectification.choices import (
    CLOCK_STOPPED_STATUSES,
    CLOSED_STATUSES,
    PUBLIC_SOURCES,
    CalendarExceptionKind,
    DeadlineUnit,
    PhotoKind,
    ProblemSource,
    ProblemStatus,
    RecheckReason,
    RecheckResult,
    Severity,
)
from rectification.worktime import DEFAULT_TIME_ZONE

ALL_WEEKDAYS = 0b1111111
DEFAULT_WEEKDAY_MASK = 0b0011111  # Monday to Friday; bit 0 is Monday, as in date.weekday()


class ProblemCategory(models.Model):
    """A problem category (问题分类) of a campaign, in the 部件/事件 style of digital city management: a tree of
    codes (部件 → 公用设施 → 上水井盖), each with when a case is opened (立案条件), the deadline to deal with it in
    working time (处置时限, with a shorter one for urgent cases), when it is closed (结案条件), and the kind of
    unit that usually answers for it. Categories are deactivated, never deleted: problems will refer to them."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="problem_categories"
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("parent category"), null=True, blank=True, on_delete=models.RESTRICT,
        related_name="children",
    )  # fmt: skip
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), default=1, validators=[MinValueValidator(1)])
    open_condition = models.TextField(_("condition to open a case"), blank=True, help_text=_("立案条件"))
    deadline = models.PositiveIntegerField(
        _("deadline"), null=True, blank=True, help_text=_("处置时限, in the unit below. Empty on grouping categories.")
    )
    deadline_unit = models.CharField(
        _("deadline unit"), max_length=20, choices=DeadlineUnit.choices, default=DeadlineUnit.WORKING_HOURS
    )
    urgent_deadline = models.PositiveIntegerField(
        _("urgent deadline"),
        null=True,
        blank=True,
        help_text=_("For urgent cases: shorter than the deadline, in the same unit."),
    )
    close_condition = models.TextField(_("condition to close a case"), blank=True, help_text=_("结案条件"))
    default_unit_type = models.CharField(
        _("default responsible unit type"), max_length=20, choices=UnitType.choices, blank=True
    )
    recheck_after_days = models.PositiveSmallIntegerField(
        _("re-check after (days)"), null=True, blank=True,
        help_text=_("回头看: closed problems of this category are visited again this many days after closing. "
                    "Empty: only the random share of the campaign's settings."),
    )  # fmt: skip
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()
    scope_campaign_lookup = "campaign"

    class Meta:
        verbose_name = _("problem category")
        verbose_name_plural = _("problem categories")
        ordering = ["campaign", "code"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="problem_category_code_unique"),
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="problem_category_not_own_parent"),
            models.CheckConstraint(condition=Q(level__gte=1), name="problem_category_level_positive"),
            models.CheckConstraint(
                condition=Q(deadline__isnull=True) | Q(deadline__gt=0), name="problem_category_deadline_positive"
            ),
            models.CheckConstraint(
                condition=Q(urgent_deadline__isnull=True) | Q(urgent_deadline__gt=0),
                name="problem_category_urgent_deadline_positive",
            ),
            models.CheckConstraint(
                condition=Q(urgent_deadline__isnull=True)
                | Q(deadline__isnull=False, urgent_deadline__lte=F("deadline")),
                name="problem_category_urgent_within_deadline",
            ),
            models.CheckConstraint(
                condition=Q(deadline_unit__in=DeadlineUnit.values), name="problem_category_deadline_unit_valid"
            ),
            models.CheckConstraint(
                condition=Q(default_unit_type="") | Q(default_unit_type__in=UnitType.values),
                name="problem_category_unit_type_valid",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        errors = {}
        if self.parent_id:
            if self.parent.campaign_id != self.campaign_id:
                errors["parent"] = _("The parent category belongs to another campaign.")
            elif self.pk and self.parent_id == self.pk:
                errors["parent"] = _("A category cannot be its own parent.")
            elif self.level != self.parent.level + 1:
                errors["level"] = _("The level must be one below the parent's.")
        elif self.level != 1:
            errors["level"] = _("A category without a parent is on level 1.")
        if self.urgent_deadline is not None:
            if self.deadline is None:
                errors["urgent_deadline"] = _("An urgent deadline needs a deadline.")
            elif self.urgent_deadline > self.deadline:
                errors["urgent_deadline"] = _("The urgent deadline cannot be longer than the deadline.")
        if errors:
            raise ValidationError(errors)

    def deadline_amount(self, *, urgent: bool = False) -> dict[str, int] | None:
        """The deadline as keyword arguments for `worktime.add_working_time` (`{"hours": 24}`), the urgent one
        if asked for and set; None when the category has no deadline of its own."""
        amount = (self.urgent_deadline if urgent else None) or self.deadline
        if amount is None:
            return None
        return {"hours": amount} if self.deadline_unit == DeadlineUnit.WORKING_HOURS else {"days": amount}


class WorkCalendar(models.Model):
    """The working-time calendar (工作时间日历) of a campaign, which deadlines are counted in: the working periods of
    a day, the working weekdays, and dated exceptions (public holidays, make-up working days). The arithmetic is in
    `rectification.worktime`."""

    campaign = models.OneToOneField(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="work_calendar"
    )
    time_zone = models.CharField(_("time zone"), max_length=60, default=DEFAULT_TIME_ZONE)
    working_weekdays = models.PositiveSmallIntegerField(
        _("working weekdays"),
        default=DEFAULT_WEEKDAY_MASK,
        help_text=_("One bit per weekday, Monday first."),
    )
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_campaign_lookup = "campaign"

    class Meta:
        verbose_name = _("working-time calendar")
        verbose_name_plural = _("working-time calendars")
        ordering = ["campaign"]
        constraints = [
            models.CheckConstraint(
                condition=Q(working_weekdays__gte=1, working_weekdays__lte=ALL_WEEKDAYS),
                name="work_calendar_weekdays_valid",
            ),
        ]

    def __str__(self):
        return str(self.campaign)

    def clean(self):
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError({"time_zone": _("Unknown time zone.")}) from None

    @property
    def weekdays(self) -> frozenset[int]:
        """The working weekdays, Monday as 0."""
        return frozenset(day for day in range(7) if self.working_weekdays & (1 << day))

    @staticmethod
    def weekday_mask(weekdays) -> int:
        return sum(1 << int(day) for day in set(weekdays))


class WorkingPeriod(models.Model):
    """A working period of the day (上午 08:30–12:00), on the calendar's wall clock."""

    calendar = models.ForeignKey(
        WorkCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="periods"
    )
    start = models.TimeField(_("starts"))
    end = models.TimeField(_("ends"))

    objects = ScopedQuerySet.as_manager()
    scope_campaign_lookup = "calendar__campaign"

    class Meta:
        verbose_name = _("working period")
        verbose_name_plural = _("working periods")
        ordering = ["calendar", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="working_period_ordered"),
            models.UniqueConstraint(fields=["calendar", "start"], name="working_period_start_unique"),
        ]

    def __str__(self):
        return f"{self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self):
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise ValidationError({"end": _("A period must end after it starts.")})


class CalendarException(models.Model):
    """A date that breaks the working week: a public holiday (法定节假日) is not a working day even on a weekday; a
    make-up working day (调休上班) is one even on a weekend. Named as in the State Council's notice."""

    calendar = models.ForeignKey(
        WorkCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="exceptions"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=CalendarExceptionKind.choices)
    name = models.CharField(_("name"), max_length=50, help_text=_("e.g. 国庆节, 国庆节调休上班"))

    objects = ScopedQuerySet.as_manager()
    scope_campaign_lookup = "calendar__campaign"

    class Meta:
        verbose_name = _("holiday or make-up working day")
        verbose_name_plural = _("holidays and make-up working days")
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="calendar_exception_date_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=CalendarExceptionKind.values), name="calendar_exception_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}"

    @property
    def is_holiday(self) -> bool:
        return self.kind == CalendarExceptionKind.HOLIDAY


class ProblemQuerySet(ScopedQuerySet):
    def open(self):
        return self.exclude(status__in=CLOSED_STATUSES)

    def overdue(self, *, now=None):
        return self.filter(Problem.overdue_q(now=now))


class Problem(models.Model):
    """A problem in the ledger (问题台账), from finding to closing (销号): where and what it is, who answers for it,
    by when, and where it stands. Its status changes only through `rectification.workflow`, which stores every
    move as a `ProblemTransition`."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("source"), max_length=20, choices=ProblemSource.choices)
    category = models.ForeignKey(
        ProblemCategory, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="problems",
    )  # fmt: skip
    criterion = models.ForeignKey(
        Indicator, verbose_name=_("criterion"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    point = models.ForeignKey(
        Point, verbose_name=_("point"), null=True, blank=True, on_delete=models.PROTECT, related_name="problems"
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    longitude = longitude_field()
    latitude = latitude_field()
    description = models.TextField(_("description"))
    external_ref = models.CharField(
        _("number in the source sheet"), max_length=40, blank=True,
        help_text=_("The number a problem had in a sheet imported from Excel; importing it again skips it."),
    )  # fmt: skip
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.NORMAL)
    reporter_name = models.CharField(_("reporter"), max_length=100, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=30, blank=True)
    # The code a member of the public quotes to follow a report (`rectification.problems.tracking_code_new`).
    tracking_code = models.CharField(_("tracking code"), max_length=10, null=True, blank=True, editable=False)
    report_finding = models.OneToOneField(
        "campaign.DailyReportFinding", verbose_name=_("from the daily report"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", editable=False,
    )  # fmt: skip
    intake_client = models.ForeignKey(
        "Open311Client", verbose_name=_("received through"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="problems", editable=False,
    )  # fmt: skip

    status = models.CharField(_("status"), max_length=20, choices=ProblemStatus.choices, default=ProblemStatus.NEW)
    responsible_unit = models.ForeignKey(
        Unit, verbose_name=_("responsible unit"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="problems",
    )  # fmt: skip
    responsible_leader = models.CharField(_("responsible leader"), max_length=100, blank=True)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    # Where an interruption (dispute, extension request, suspension) returns to.
    resume_status = models.CharField(_("status to resume"), max_length=20, choices=ProblemStatus.choices,
                                     blank=True)  # fmt: skip
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("rectification submitted by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    rework_count = models.PositiveSmallIntegerField(_("times returned"), default=0)
    extension_count = models.PositiveSmallIntegerField(_("times extended"), default=0)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    handled_at = models.DateTimeField(_("rectification submitted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Stamped by the overdue sweep the first time it finds the deadline passed; cleared with a new deadline.
    overdue_at = models.DateTimeField(_("found overdue at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated to the leaders at"), null=True, blank=True)
    recurred = models.BooleanField(_("recurred (反弹回潮)"), default=False)
    false_rectification = models.BooleanField(_("false rectification (虚假整改)"), default=False)
    related = models.ManyToManyField("self", verbose_name=_("related problems"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("found at"), default=timezone.now)

    objects = ProblemQuerySet.as_manager()
    scope_unit_lookup = "responsible_unit"
    scope_point_lookup = "point"

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problem ledger")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ProblemStatus.values), name="problem_status_valid"),
            models.UniqueConstraint(
                fields=["campaign", "external_ref"], condition=~Q(external_ref=""), name="problem_external_ref_unique"
            ),
            models.CheckConstraint(condition=Q(source__in=ProblemSource.values), name="problem_source_valid"),
            models.CheckConstraint(condition=Q(severity__in=Severity.values), name="problem_severity_valid"),
            *position_constraints("problem"),
            models.UniqueConstraint(fields=["tracking_code"], name="problem_tracking_code_unique"),
            models.CheckConstraint(
                condition=Q(tracking_code__isnull=True)
                | Q(source__in=sorted(source.value for source in PUBLIC_SOURCES)),
                name="problem_tracking_code_public_only",
            ),
            models.CheckConstraint(
                condition=Q(intake_client__isnull=True) | Q(tracking_code__isnull=False),
                name="problem_intake_client_tracked",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "status", "deadline"], name="problem_campaign_status_idx"),
            models.Index(fields=["responsible_unit", "status"], name="problem_unit_status_idx"),
            # The problems whose clock runs, by deadline, with what the overdue sweep and the overdue counters read:
            # found without touching the closed ones (most of a ledger, in time) or the table itself.
            models.Index(
                fields=["deadline"],
                include=["id", "campaign", "responsible_unit", "overdue_at", "escalated_at"],
                condition=~Q(status__in=sorted(CLOCK_STOPPED_STATUSES)),
                name="problem_clock_running_idx",
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.description[:40]}"

    @property
    def reference(self) -> str:
        """The number people quote on the phone and in bulletins."""
        return self.reference_for(self.pk) if self.pk else ""

    @staticmethod
    def reference_for(pk: int) -> str:
        """The ledger number (台账编号) of the problem with this primary key, for rows read with `values()`."""
        return f"WT{pk:06d}"

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES

    @staticmethod
    def overdue_q(*, now=None) -> Q:
        """Past the deadline while the clock runs: open, neither waiting for verification nor suspended (挂账).
        A dispute or an extension request does not stop the clock ("do the work first, settle after")."""
        return Q(deadline__lt=now or timezone.now()) & ~Q(status__in=sorted(CLOCK_STOPPED_STATUSES))

    def is_overdue(self, *, now=None) -> bool:
        return (
            self.deadline is not None
            and self.deadline < (now or timezone.now())
            and self.status not in CLOCK_STOPPED_STATUSES
        )

    def clean(self):
        errors = {}
        if not (self.point_id or self.address or (self.longitude is not None and self.latitude is not None)):
            errors["address"] = _("Give a point, an address or a GPS position.")
        if self.source not in PUBLIC_SOURCES and (self.reporter_name or self.reporter_phone):
            errors["reporter_phone"] = _("A reporter's contact is kept only for reports from the public.")
        for field in ("point", "grid", "category", "responsible_unit"):
            related = getattr(self, field) if getattr(self, f"{field}_id") else None
            if related is not None and related.campaign_id != self.campaign_id:
                errors[field] = _("It belongs to another campaign.")
        if self.criterion_id and self.criterion.system.campaign_id != self.campaign_id:
            errors["criterion"] = _("It belongs to another campaign.")
        if errors:
            raise ValidationError(errors)


class ProblemTransitionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise HistoryImmutableError(_("A problem's history cannot be changed."))

    def delete(self):
        raise HistoryImmutableError(_("A problem's history cannot be deleted."))


class HistoryImmutableError(Exception):
    pass


class ProblemTransition(models.Model):
    """One move of a problem through its workflow: who, when, from which state to which, with a note. Written
    once by `rectification.workflow`; never changed or deleted (the database refuses it too)."""

    problem = models.ForeignKey(
        Problem, verbose_name=_("problem"), on_delete=models.PROTECT, related_name="transitions"
    )
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from"), max_length=20, choices=ProblemStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=ProblemStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    actor_repr = models.CharField(_("by (name)"), max_length=150, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = ProblemTransitionQuerySet.as_manager()

    class Meta:
        verbose_name = _("problem history entry")
        verbose_name_plural = _("problem history")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.problem.reference} {self.from_status} → {self.to_status}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise HistoryImmutableError(_("A problem's history cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise HistoryImmutableError(_("A problem's history cannot be deleted."))


class ProblemPhoto(PhotoBase):
    """A photo of a problem: as found (before), as fixed (after, required to submit), or other evidence. Stored
    re-encoded without EXIF; its time and GPS are kept here for the office only; served through the problem's
    permission check."""

    problem = models.ForeignKey(Problem, verbose_name=_("problem"), on_delete=models.PROTECT, related_name="photos")
    kind = models.CharField(_("kind"), max_length=10, choices=PhotoKind.choices)
    transition = models.ForeignKey(
        ProblemTransition, verbose_name=_("with the step"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="photos",
    )  # fmt: skip

    class Meta:
        verbose_name = _("problem photo")
        verbose_name_plural = _("problem photos")
        ordering = ["uploaded_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=PhotoKind.values), name="problem_photo_kind_valid")]


def default_dispute_ladder() -> list[str]:
    return ["分管领导", "文明办", "编办"]


class RectificationSettings(models.Model):
    """How a campaign runs its problems beyond the calendar: when an overdue problem goes up to the leaders."""

    campaign = models.OneToOneField(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="rectification_settings"
    )
    recheck_share = models.PositiveSmallIntegerField(
        _("random re-check share (%)"), default=10, validators=[MaxValueValidator(100)],
        help_text=_("回头看: this share of all closed problems is drawn at random for a re-visit, on top of the "
                    "categories' rules."),
    )  # fmt: skip
    recheck_random_after_days = models.PositiveSmallIntegerField(_("random re-check after (days)"), default=7)
    dispute_ladder = models.JSONField(
        _("dispute arbitration ladder"), default=default_dispute_ladder, blank=True,
        help_text=_("Who decides a responsibility dispute, step by step, as a list of names: a dispute goes up one "
                    "step when the step below cannot settle it."),
    )  # fmt: skip
    escalate_after_hours = models.PositiveSmallIntegerField(
        _("escalate after (working hours overdue)"),
        default=8,
        help_text=_("An overdue problem is reported to the leaders answering for its unit after this much working "
                    "time past its deadline; 0 escalates at once."),
    )  # fmt: skip

    objects = ScopedQuerySet.as_manager()
    scope_campaign_lookup = "campaign"

    class Meta:
        verbose_name = _("rectification settings")
        verbose_name_plural = _("rectification settings")

    def __str__(self):
        return str(self.campaign)

    def clean(self):
        ladder = self.dispute_ladder
        if not isinstance(ladder, list) or not ladder or not all(isinstance(step, str) and step for step in ladder):
            raise ValidationError({"dispute_ladder": _("Give the ladder as a list of one or more names.")})


class Recheck(models.Model):
    """A re-visit (回头看) of a closed problem: scheduled when it closes (by its category's rule or drawn at random),
    done by an inspector, with what was found: the fix held, the problem came back (反弹回潮, a new linked problem),
    or it was never fixed (虚假整改, a new linked problem and the original flagged)."""

    problem = models.ForeignKey(Problem, verbose_name=_("problem"), on_delete=models.PROTECT, related_name="rechecks")
    reason = models.CharField(_("reason"), max_length=10, choices=RecheckReason.choices)
    due_date = models.DateField(_("due"))
    result = models.CharField(_("result"), max_length=12, choices=RecheckResult.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("checked by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    new_problem = models.ForeignKey(
        Problem, verbose_name=_("problem found again"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip

    objects = ScopedQuerySet.as_manager()
    scope_unit_lookup = "problem__responsible_unit"

    class Meta:
        verbose_name = _("re-check")
        verbose_name_plural = _("re-checks")
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["problem", "due_date"], name="recheck_once_per_day"),
            models.CheckConstraint(condition=Q(reason__in=RecheckReason.values), name="recheck_reason_valid"),
            models.CheckConstraint(
                condition=Q(result="") | Q(result__in=RecheckResult.values), name="recheck_result_valid"
            ),
        ]

    def __str__(self):
        return f"{self.problem.reference} · {self.due_date}"

    @property
    def is_done(self) -> bool:
        return bool(self.result)


class Dispute(models.Model):
    """A responsibility dispute (职责不清) raised on a problem: the queue the office works, the step of the campaign's
    arbitration ladder it stands at, and the decision. The problem's work goes on meanwhile (先干后议)."""

    problem = models.ForeignKey(Problem, verbose_name=_("problem"), on_delete=models.PROTECT, related_name="disputes")
    unit = models.ForeignKey(Unit, verbose_name=_("disputing unit"), on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("raised by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    level = models.PositiveSmallIntegerField(_("arbitration step"), default=0)
    decided_unit = models.ForeignKey(
        Unit, verbose_name=_("unit decided"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.TextField(_("decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_lookup = "problem__responsible_unit"

    class Meta:
        verbose_name = _("responsibility dispute")
        verbose_name_plural = _("responsibility disputes")
        ordering = ["raised_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["problem"], condition=Q(decided_at__isnull=True), name="dispute_one_open_per_problem"
            ),
        ]

    def __str__(self):
        return f"{self.problem.reference} · {self.unit}"

    @property
    def is_open(self) -> bool:
        return self.decided_at is None


class PublicReplyTemplate(models.Model):
    """What the public is told about a report in a given state (群众反馈口径), per category or for all categories:
    the office writes it once and every report in that state gets it, on the tracking page and through Open311.
    The text may name {reference}, {category}, {status}, {deadline}, {reported_at} and {closed_at}; anything else
    in braces is shown as written. `rectification.selectors.public_reply_for` picks the most specific one."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="public_reply_templates"
    )
    category = models.ForeignKey(
        ProblemCategory, verbose_name=_("category"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="public_reply_templates", help_text=_("Empty: for every category without a reply of its own."),
    )  # fmt: skip
    status = models.CharField(_("status"), max_length=20, choices=ProblemStatus.choices)
    text = models.TextField(
        _("reply"),
        help_text=_("Placeholders: {reference} {category} {status} {deadline} {reported_at} {closed_at}."),
    )
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_campaign_lookup = "campaign"

    class Meta:
        verbose_name = _("public reply template")
        verbose_name_plural = _("public reply templates")
        ordering = ["campaign", "category__code", "status"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "category", "status"],
                condition=Q(category__isnull=False),
                name="public_reply_category_status_unique",
            ),
            models.UniqueConstraint(
                fields=["campaign", "status"], condition=Q(category__isnull=True), name="public_reply_default_unique"
            ),
            models.CheckConstraint(condition=Q(status__in=ProblemStatus.values), name="public_reply_status_valid"),
        ]

    def __str__(self):
        return f"{self.category.name if self.category_id else _('All categories')} · {self.get_status_display()}"

    def clean(self):
        if self.category_id and self.category.campaign_id != self.campaign_id:
            raise ValidationError({"category": _("It belongs to another campaign.")})


class Open311Client(models.Model):
    """A system allowed to create service requests through the Open311 endpoint, such as the city's 12345 hotline.
    Only a hash of its key is stored; the key is shown once, when the client is created (`open311_client_create`
    or the admin)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @staticmethod
    def hash_key(key: str) -> str:
        """Keys are 256 random bits, so a plain SHA-256 is enough to store them (no salt or slow hash: there is no
        dictionary to try), and it lets a request's key be found by its hash."""
        return hashlib.sha256(key.encode()).hexdigest()
