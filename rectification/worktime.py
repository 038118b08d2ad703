"""Deadline arithmetic in working time (工作时间): pure functions over a `Calendar`, with no database access.

Load a campaign's calendar once with `rectification.selectors.worktime_calendar(campaign=...)` (three queries
whatever the span: the calendar, its periods, all its dated exceptions) and call these functions as often as
needed; a deadline of 120 working hours walks about three weeks of days, never minute by minute.

The rules:

- **Working day.** A make-up working day (调休上班) is a working day even on a weekend; a public holiday (法定节假日)
  is not, even on a weekday; any other day is a working day when its weekday is one of the calendar's.
- **Working time** is the working periods (default 08:30–12:00 and 14:00–17:30) of working days, read on the wall
  clock of the calendar's time zone (Asia/Shanghai by default).
- **The clock runs only in working time.** Starting outside it (at night, over lunch, on a weekend or a holiday)
  starts it at the next working period.
- **hours=N** gives the earliest moment at which N working hours have passed since `start`. A deadline that uses
  up a period exactly falls at that period's end (12:00), not at the start of the next one (14:00): both are the
  same working moment, and "by noon" is what a person reads.
- **days=N** is N times the working time of one working day (7 hours on the default calendar), so the deadline
  falls N working days later at the same working time of day: a case opened on Wednesday at 16:00 with 2 working
  days is due on Friday at 16:00. Opened outside working hours, it falls at the end of the Nth working day: opened
  on Sunday, 1 working day is due on Monday at 17:30 (the same working moment as Tuesday 08:30; the earlier is
  reported, as for hours). We count this way rather than "until the end of the Nth working day after the day of
  opening" so that every case gets the same amount of working time whatever hour it was opened, "2 working days"
  and "14 working hours" mean the same thing on a calendar, and time used or overdue
  (`working_minutes_between`) is measured in the same currency as the deadline.

All working days share the same periods; if an office ever needs shorter days (e.g. the eve of a holiday), that
is a per-date period override added to `Calendar`, and the functions below already walk day by day.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

DEFAULT_TIME_ZONE = "Asia/Shanghai"
DEFAULT_PERIODS = ((datetime.time(8, 30), datetime.time(12, 0)), (datetime.time(14, 0), datetime.time(17, 30)))
DEFAULT_WEEKDAYS = frozenset({0, 1, 2, 3, 4})  # date.weekday(): Monday is 0
# A calendar with this many non-working days in a row has no working time left to reach (no weekday works and
# the make-up days have run out): refuse rather than loop for ever.
MAX_IDLE_DAYS = 400
DAY = datetime.timedelta(days=1)


def _since_midnight(value: datetime.time) -> datetime.timedelta:
    return datetime.timedelta(
        hours=value.hour, minutes=value.minute, seconds=value.second, microseconds=value.microsecond
    )


@dataclass(frozen=True)
class Calendar:
    """A working-time calendar as plain values. `periods` are (start, end) times of day, in order and apart;
    `weekdays` the working weekdays (Monday is 0); `holidays` and `workdays` the dated exceptions."""

    periods: tuple[tuple[datetime.time, datetime.time], ...] = DEFAULT_PERIODS
    weekdays: frozenset[int] = DEFAULT_WEEKDAYS
    holidays: frozenset[datetime.date] = frozenset()
    workdays: frozenset[datetime.date] = frozenset()
    tz: datetime.tzinfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TIME_ZONE))

    def __post_init__(self):
        if not self.periods:
            raise ValueError("a calendar needs at least one working period")
        previous_end = None
        for start, end in self.periods:
            if start >= end:
                raise ValueError(f"the period {start}–{end} ends before it starts")
            if previous_end is not None and start < previous_end:
                raise ValueError(f"the period {start}–{end} overlaps the one before or is out of order")
            previous_end = end
        if not self.weekdays <= set(range(7)):
            raise ValueError("weekdays are 0 (Monday) to 6 (Sunday)")
        if self.holidays & self.workdays:
            raise ValueError("a date cannot be both a holiday and a make-up working day")
        spans = tuple((_since_midnight(start), _since_midnight(end)) for start, end in self.periods)
        object.__setattr__(self, "_spans", spans)

    @property
    def day_minutes(self) -> int:
        """The working minutes of one working day."""
        return sum(int((end - start).total_seconds()) for start, end in self._spans) // 60

    def is_working_day(self, day: datetime.date) -> bool:
        if day in self.holidays:
            return False
        if day in self.workdays:
            return True
        return day.weekday() in self.weekdays


def is_working_day(calendar: Calendar, day: datetime.date) -> bool:
    """Whether people work on `day`: make-up working days yes, public holidays no, otherwise by weekday."""
    return calendar.is_working_day(day)


def _local(calendar: Calendar, moment: datetime.datetime) -> datetime.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("working time needs an aware datetime")
    return moment.astimezone(calendar.tz)


def _at(calendar: Calendar, day: datetime.date, offset: datetime.timedelta) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=calendar.tz) + offset


def _amount(value) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
        raise TypeError("a working-time amount is a number")
    amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not amount.is_finite() or amount < 0:
        raise ValueError("a working-time amount is a number of 0 or more")
    return amount


def add_working_time(calendar: Calendar, start: datetime.datetime, *, hours=None, days=None) -> datetime.datetime:
    """The moment `hours` working hours or `days` working days after `start` (exactly one of them), as an aware
    datetime in the calendar's time zone. See the module's docstring for the rules; zero gives `start` back."""
    if (hours is None) == (days is None):
        raise TypeError("give either hours or days")
    minutes = _amount(hours) * 60 if hours is not None else _amount(days) * calendar.day_minutes
    remaining = datetime.timedelta(microseconds=int(minutes * 60_000_000))
    local = _local(calendar, start)
    if not remaining:
        return local
    day = local.date()
    offset = local - _at(calendar, day, datetime.timedelta())
    idle = 0
    while True:
        if calendar.is_working_day(day):
            idle = 0
            for period_start, period_end in calendar._spans:
                begin = max(period_start, offset)
                if begin >= period_end:
                    continue
                available = period_end - begin
                if remaining <= available:
                    return _at(calendar, day, begin + remaining)
                remaining -= available
        else:
            idle += 1
            if idle > MAX_IDLE_DAYS:
                raise ValueError(f"the calendar has no working day after {day - idle * DAY}")
        day += DAY
        offset = datetime.timedelta()


def clock_start(calendar: Calendar, moment: datetime.datetime) -> datetime.datetime:
    """When the clock starts for something that happens at `moment`: `moment` itself in working time, otherwise
    the start of the next working period."""
    local = _local(calendar, moment)
    day = local.date()
    offset = local - _at(calendar, day, datetime.timedelta())
    for _step in range(MAX_IDLE_DAYS + 1):
        if calendar.is_working_day(day):
            for period_start, period_end in calendar._spans:
                if offset < period_end:
                    return _at(calendar, day, max(period_start, offset))
        day += DAY
        offset = datetime.timedelta()
    raise ValueError(f"the calendar has no working day after {local.date()}")


def working_minutes_between(calendar: Calendar, start: datetime.datetime, end: datetime.datetime) -> int:
    """Whole working minutes from `start` to `end`: time used on a case, or how long it is overdue (from its
    deadline to now). Negative when `end` is before `start` (so "overdue" below zero is time left); 0 when no
    working time lies between them."""
    if end < start:
        return -working_minutes_between(calendar, end, start)
    first, last = _local(calendar, start), _local(calendar, end)
    first_offset = first - _at(calendar, first.date(), datetime.timedelta())
    last_offset = last - _at(calendar, last.date(), datetime.timedelta())
    total = datetime.timedelta()
    day = first.date()
    while day <= last.date():
        if calendar.is_working_day(day):
            low = first_offset if day == first.date() else datetime.timedelta()
            high = last_offset if day == last.date() else DAY
            for period_start, period_end in calendar._spans:
                overlap = min(period_end, high) - max(period_start, low)
                if overlap > datetime.timedelta():
                    total += overlap
        day += DAY
    return int(total.total_seconds()) // 60


def latest_start_due_by(calendar: Calendar, moment: datetime.datetime, *, hours) -> datetime.datetime:
    """The latest start from which `hours` working hours have passed by `moment`: a deadline at or before it is
    that far overdue. Found by bisection over `add_working_time` (which never decreases as the start moves later),
    to the second, in about 30 steps: one computation per calendar instead of one per problem."""
    low = moment - datetime.timedelta(days=MAX_IDLE_DAYS)
    high = moment
    if add_working_time(calendar, high, hours=hours) <= moment:
        return high
    while (high - low) > datetime.timedelta(seconds=1):
        middle = low + (high - low) / 2
        if add_working_time(calendar, middle, hours=hours) <= moment:
            low = middle
        else:
            high = middle
    return low
