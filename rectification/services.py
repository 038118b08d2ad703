"""Writes to the rectification reference data. Each service is one transaction, validates, and records an audit
event; the problem categories are written by their import (rectification/imports.py)."""

import datetime
import secrets

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from campaign.models import Campaign
from core.audit import audit_log
from core.errors import DomainError
from rectification.choices import CalendarExceptionKind
from rectification.models import CalendarException, Open311Client, WorkCalendar, WorkingPeriod
from rectification.worktime import DEFAULT_PERIODS, DEFAULT_WEEKDAYS, Calendar


def _periods_text(periods) -> list[str]:
    return [f"{start:%H:%M}-{end:%H:%M}" for start, end in periods]


@transaction.atomic
def work_calendar_ensure(*, actor, campaign: Campaign) -> WorkCalendar:
    """The campaign's calendar, created with the default hours (08:30–12:00, 14:00–17:30, Monday to Friday) on
    first use. Two at once create one: the calendar is one-to-one with its campaign."""
    calendar, created = WorkCalendar.objects.get_or_create(
        campaign=campaign, defaults={"working_weekdays": WorkCalendar.weekday_mask(DEFAULT_WEEKDAYS)}
    )
    if created:
        WorkingPeriod.objects.bulk_create(
            WorkingPeriod(calendar=calendar, start=start, end=end) for start, end in DEFAULT_PERIODS
        )
        audit_log(
            action="rectification.calendar.create",
            actor=actor,
            obj=calendar,
            data={"periods": _periods_text(DEFAULT_PERIODS), "weekdays": sorted(DEFAULT_WEEKDAYS)},
        )
    return calendar


@transaction.atomic
def work_calendar_update(
    *,
    actor,
    calendar: WorkCalendar,
    weekdays: set[int],
    periods: list[tuple[datetime.time, datetime.time]],
) -> WorkCalendar:
    """Replace the working weekdays (Monday is 0) and the working periods of the day. Deadlines already computed
    keep their value; new ones use the new hours."""
    periods = sorted(periods)
    if not weekdays:
        raise DomainError(_("Choose at least one working weekday."), code="calendar_no_weekday")
    try:
        Calendar(periods=tuple(periods), weekdays=frozenset(weekdays))
    except ValueError as exc:
        raise DomainError(
            _("The working periods must each end after they start and must not overlap."), code="calendar_periods"
        ) from exc
    calendar = WorkCalendar.objects.select_for_update().get(pk=calendar.pk)
    before_periods = list(calendar.periods.order_by("start").values_list("start", "end"))
    before_weekdays = sorted(calendar.weekdays)
    if before_periods == periods and before_weekdays == sorted(weekdays):
        return calendar
    calendar.working_weekdays = WorkCalendar.weekday_mask(weekdays)
    calendar.full_clean()
    calendar.save(update_fields=["working_weekdays", "updated_at"])
    calendar.periods.all().delete()
    new_periods = [WorkingPeriod(calendar=calendar, start=start, end=end) for start, end in periods]
    for period in new_periods:
        period.full_clean(exclude=["calendar"])
    WorkingPeriod.objects.bulk_create(new_periods)
    audit_log(
        action="rectification.calendar.update",
        actor=actor,
        obj=calendar,
        data={
            "periods": {"from": _periods_text(before_periods), "to": _periods_text(periods)},
            "weekdays": {"from": before_weekdays, "to": sorted(weekdays)},
        },
    )
    return calendar


@transaction.atomic
def calendar_exception_add(
    *, actor, calendar: WorkCalendar, date: datetime.date, kind: str, name: str
) -> CalendarException:
    """Mark a date as a public holiday or a make-up working day. A date holds one exception: to change one,
    remove it and add it again."""
    if kind == CalendarExceptionKind.WORKDAY and date.weekday() in calendar.weekdays:
        raise DomainError(
            _("%(date)s is a working weekday already; a make-up working day falls on a day off.")
            % {"date": f"{date:%Y-%m-%d}"},
            code="calendar_workday_on_weekday",
        )
    exception = CalendarException(calendar=calendar, date=date, kind=kind, name=name.strip())
    # The date's uniqueness is left to the database (below), not checked first.
    exception.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            exception.save()
    except IntegrityError as exc:
        raise DomainError(
            _("%(date)s is already marked in the calendar.") % {"date": f"{date:%Y-%m-%d}"},
            code="calendar_date_taken",
        ) from exc
    audit_log(
        action="rectification.calendar.exception.add",
        actor=actor,
        obj=calendar,
        data={"date": date.isoformat(), "kind": kind, "name": exception.name},
    )
    return exception


@transaction.atomic
def calendar_exception_remove(*, actor, exception: CalendarException) -> None:
    calendar = exception.calendar
    data = {"date": exception.date.isoformat(), "kind": exception.kind, "name": exception.name}
    deleted, _rows = CalendarException.objects.filter(pk=exception.pk).delete()
    if deleted:
        audit_log(action="rectification.calendar.exception.remove", actor=actor, obj=calendar, data=data)


def open311_key_new() -> tuple[str, str]:
    """A new client key (256 random bits) and the hash to store."""
    key = secrets.token_urlsafe(32)
    return key, Open311Client.hash_key(key)


@transaction.atomic
def open311_client_create(*, actor, name: str) -> tuple[Open311Client, str]:
    """A new client allowed to post service requests, and its key: returned here once, stored only as a hash."""
    key, key_hash = open311_key_new()
    client = Open311Client(name=name.strip(), key_hash=key_hash)
    client.full_clean()
    client.save()
    audit_log(action="rectification.open311_client.create", actor=actor, obj=client)
    return client, key
