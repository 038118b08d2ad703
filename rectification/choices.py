from django.db import models
from django.utils.translation import gettext_lazy as _


class DeadlineUnit(models.TextChoices):
    """What a deadline (处置时限) is counted in: working time, never calendar time."""

    WORKING_HOURS = "working_hours", _("working hours")
    WORKING_DAYS = "working_days", _("working days")


class CalendarExceptionKind(models.TextChoices):
    """A dated exception to the working week."""

    HOLIDAY = "holiday", _("Public holiday (法定节假日)")
    WORKDAY = "workday", _("Make-up working day (调休上班)")


# How offices write a deadline's unit in their sheets.
DEADLINE_UNIT_ALIASES = {
    "工作时": DeadlineUnit.WORKING_HOURS,
    "工作小时": DeadlineUnit.WORKING_HOURS,
    "小时": DeadlineUnit.WORKING_HOURS,
    "时": DeadlineUnit.WORKING_HOURS,
    "h": DeadlineUnit.WORKING_HOURS,
    "hours": DeadlineUnit.WORKING_HOURS,
    "工作日": DeadlineUnit.WORKING_DAYS,
    "天": DeadlineUnit.WORKING_DAYS,
    "日": DeadlineUnit.WORKING_DAYS,
    "d": DeadlineUnit.WORKING_DAYS,
    "days": DeadlineUnit.WORKING_DAYS,
}

AUDIT_ACTIONS = {
    "rectification.categories.import": _("Imported the problem categories"),
    "rectification.calendar.create": _("Created the working-time calendar"),
    "rectification.calendar.update": _("Changed the working hours and weekdays"),
    "rectification.calendar.exception.add": _("Added a holiday or make-up working day"),
    "rectification.calendar.exception.remove": _("Removed a holiday or make-up working day"),
}
