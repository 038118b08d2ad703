from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from campaign.choices import UnitType
from campaign.models import Campaign
from campaign.scope import ScopedQuerySet
from rectification.choices import CalendarExceptionKind, DeadlineUnit
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
