"""Deadlines in working time on the real 2026 calendar (the State Council's holidays and make-up working days as
seeded for the demo), every expected moment worked out by hand on 08:30–12:00 and 14:00–17:30, Monday to Friday."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from rectification.demo_seed import holiday_rows
from rectification.worktime import Calendar, add_working_time, clock_start, is_working_day, working_minutes_between

CST = ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=0, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=CST)


@pytest.fixture(scope="module")
def cn2026() -> Calendar:
    rows = holiday_rows()
    return Calendar(
        holidays=frozenset(datetime.date.fromisoformat(r["date"]) for r in rows if r["kind"] == "holiday"),
        workdays=frozenset(datetime.date.fromisoformat(r["date"]) for r in rows if r["kind"] == "workday"),
    )


@pytest.fixture(scope="module")
def plain() -> Calendar:
    """The default hours without any holiday."""
    return Calendar()


# Working days ----------------------------------------------------------------------------------------------------


def test_holidays_are_days_off_and_make_up_days_are_working_days_whatever_the_weekday(cn2026):
    assert is_working_day(cn2026, datetime.date(2026, 10, 1)) is False  # Thursday, 国庆节
    assert is_working_day(cn2026, datetime.date(2026, 9, 20)) is True  # Sunday, 调休上班
    assert is_working_day(cn2026, datetime.date(2026, 10, 10)) is True  # Saturday, 调休上班
    assert is_working_day(cn2026, datetime.date(2026, 3, 14)) is False  # an ordinary Saturday
    assert is_working_day(cn2026, datetime.date(2026, 3, 16)) is True  # an ordinary Monday


def test_the_2026_calendar_has_248_working_days(cn2026):
    day, working = datetime.date(2026, 1, 1), 0
    while day.year == 2026:
        working += is_working_day(cn2026, day)
        day += datetime.timedelta(days=1)
    # 261 weekdays, 19 of them holidays, 6 make-up weekend days.
    assert working == 248


# Deadlines in working hours --------------------------------------------------------------------------------------


def test_a_deadline_crosses_the_weekend(cn2026):
    # Friday 16:00: 1.5 hours left that day, 2.5 more on Monday from 08:30.
    assert add_working_time(cn2026, at(2026, 3, 13, 16), hours=4) == at(2026, 3, 16, 11)


def test_a_case_opened_before_the_national_day_week_is_due_after_it(cn2026):
    # Wednesday 30 September 16:00 + 8 working hours: 1.5 hours that day, then 1–7 October are holidays,
    # Thursday 8 October gives 3.5 in the morning and the last 3 hours end at 17:00.
    deadline = add_working_time(cn2026, at(2026, 9, 30, 16), hours=8)
    assert deadline == at(2026, 10, 8, 17)
    assert deadline.tzinfo == CST


def test_the_make_up_saturday_after_the_national_day_counts(cn2026):
    # Friday 9 October 16:00 + 7 hours: 1.5 on Friday, 5.5 on Saturday 10 October (调休上班) → 16:00.
    assert add_working_time(cn2026, at(2026, 10, 9, 16), hours=7) == at(2026, 10, 10, 16)


def test_starting_at_night_over_lunch_or_before_work_starts_the_clock_at_the_next_period(cn2026):
    assert add_working_time(cn2026, at(2026, 3, 17, 20), hours=1) == at(2026, 3, 18, 9, 30)
    assert add_working_time(cn2026, at(2026, 3, 17, 12, 30), hours=1) == at(2026, 3, 17, 15)
    assert add_working_time(cn2026, at(2026, 3, 17, 7), hours=1) == at(2026, 3, 17, 9, 30)
    assert add_working_time(cn2026, at(2026, 10, 3, 10), hours=1) == at(2026, 10, 8, 9, 30)  # a holiday
    assert clock_start(cn2026, at(2026, 9, 30, 18)) == at(2026, 10, 8, 8, 30)
    assert clock_start(cn2026, at(2026, 9, 30, 10, 15)) == at(2026, 9, 30, 10, 15)


def test_exact_period_boundaries(cn2026):
    # Using up a period exactly ends at its end, not at the start of the next.
    assert add_working_time(cn2026, at(2026, 3, 16, 8, 30), hours=3.5) == at(2026, 3, 16, 12)
    assert add_working_time(cn2026, at(2026, 3, 16, 8, 30), hours=7) == at(2026, 3, 16, 17, 30)
    # Starting at a period's end is starting at the next period's start.
    assert add_working_time(cn2026, at(2026, 3, 16, 12), hours=1) == at(2026, 3, 16, 15)
    assert add_working_time(cn2026, at(2026, 3, 13, 17, 30), hours=1) == at(2026, 3, 16, 9, 30)
    assert add_working_time(cn2026, at(2026, 3, 16, 14), hours=1) == at(2026, 3, 16, 15)
    # One minute before the end of the day.
    assert add_working_time(cn2026, at(2026, 3, 16, 17, 29), hours=1) == at(2026, 3, 17, 9, 29)
    # Nothing to add gives the start back.
    assert add_working_time(cn2026, at(2026, 3, 16, 12, 30), hours=0) == at(2026, 3, 16, 12, 30)


def test_hours_spanning_many_days_across_the_spring_festival(cn2026):
    # Friday 13 February 09:00 + 120 working hours: 6.5 on Friday, 7 on Saturday 14 February (调休上班), nothing
    # from 15 to 23 February, 7 on each of 24–27 February, 7 on Saturday 28 February (调休上班), 7 on each of
    # 2–6 and 9–13 March (118.5 in all), and the last 1.5 on Monday 16 March from 08:30.
    assert add_working_time(cn2026, at(2026, 2, 13, 9), hours=120) == at(2026, 3, 16, 10)


def test_hours_spanning_many_days_without_holidays(plain):
    # 120 hours is 17 working days of 7 hours and 1 hour: the 17th day from Monday 2 March is Tuesday 24 March.
    assert add_working_time(plain, at(2026, 3, 2, 8, 30), hours=120) == at(2026, 3, 25, 9, 30)


def test_half_hours_and_seconds_are_kept(cn2026):
    assert add_working_time(cn2026, at(2026, 3, 16, 11, 45), hours=0.5) == at(2026, 3, 16, 14, 15)
    start = at(2026, 3, 16, 10).replace(second=30, microsecond=5)
    assert add_working_time(cn2026, start, hours=1) == start + datetime.timedelta(hours=1)


def test_the_start_may_be_in_any_time_zone(cn2026):
    utc = datetime.datetime(2026, 9, 30, 8, 0, tzinfo=datetime.UTC)  # 16:00 in Beijing
    assert add_working_time(cn2026, utc, hours=8) == at(2026, 10, 8, 17)


# Deadlines in working days ---------------------------------------------------------------------------------------


def test_working_days_count_the_make_up_sunday_before_the_national_day(cn2026, plain):
    # Friday 18 September 10:00 + 2 working days (14 hours): Friday gives 5.5, Sunday 20 September (调休上班) 7,
    # Monday 21 September the last 1.5 → 10:00, the same time of day two working days later.
    assert add_working_time(cn2026, at(2026, 9, 18, 10), days=2) == at(2026, 9, 21, 10)
    # Without the make-up day the Saturday and Sunday do not count.
    assert add_working_time(plain, at(2026, 9, 18, 10), days=2) == at(2026, 9, 22, 10)


def test_working_days_over_the_national_day_week(cn2026):
    assert add_working_time(cn2026, at(2026, 9, 30, 10), days=1) == at(2026, 10, 8, 10)
    assert add_working_time(cn2026, at(2026, 9, 30, 10), days=3) == at(2026, 10, 10, 10)


def test_working_days_from_outside_working_hours_end_at_the_close_of_the_last_day(cn2026):
    assert add_working_time(cn2026, at(2026, 3, 15, 9), days=1) == at(2026, 3, 16, 17, 30)  # opened on Sunday
    assert add_working_time(cn2026, at(2026, 3, 16, 8, 30), days=1) == at(2026, 3, 16, 17, 30)
    assert add_working_time(cn2026, at(2026, 3, 16, 19), days=2) == at(2026, 3, 18, 17, 30)


def test_a_working_day_is_a_day_of_working_hours(cn2026):
    start = at(2026, 9, 29, 15, 20)
    for days in range(1, 15):
        assert add_working_time(cn2026, start, days=days) == add_working_time(cn2026, start, hours=7 * days)


# Time used and time overdue ---------------------------------------------------------------------------------------


def test_working_minutes_between_counts_only_working_time(cn2026):
    assert working_minutes_between(cn2026, at(2026, 9, 30, 16), at(2026, 10, 8, 17)) == 480
    assert working_minutes_between(cn2026, at(2026, 3, 13, 16), at(2026, 3, 16, 11)) == 240
    assert working_minutes_between(cn2026, at(2026, 3, 16, 11), at(2026, 3, 16, 14, 30)) == 90


def test_working_minutes_between_is_antisymmetric(cn2026):
    pairs = [
        (at(2026, 9, 30, 16), at(2026, 10, 8, 17)),
        (at(2026, 2, 13, 9), at(2026, 3, 16, 10)),
        (at(2026, 3, 16, 11, 59), at(2026, 3, 16, 14, 1)),
    ]
    for start, end in pairs:
        forward = working_minutes_between(cn2026, start, end)
        assert forward > 0
        assert working_minutes_between(cn2026, end, start) == -forward


def test_working_minutes_between_is_zero_for_the_same_moment_and_for_time_off(cn2026):
    assert working_minutes_between(cn2026, at(2026, 3, 16, 10), at(2026, 3, 16, 10)) == 0
    assert working_minutes_between(cn2026, at(2026, 3, 16, 12, 10), at(2026, 3, 16, 13, 50)) == 0  # lunch
    assert working_minutes_between(cn2026, at(2026, 3, 13, 17, 30), at(2026, 3, 16, 8, 30)) == 0  # weekend
    assert working_minutes_between(cn2026, at(2026, 10, 1), at(2026, 10, 7, 23, 59)) == 0  # 国庆节


def test_working_minutes_between_undoes_add_working_time(cn2026):
    start = at(2026, 9, 17, 11, 5)
    for hours in (1, 3.5, 7, 8, 24, 120, 480):
        assert working_minutes_between(cn2026, start, add_working_time(cn2026, start, hours=hours)) == hours * 60


def test_a_long_span_is_computed_day_by_day_not_minute_by_minute(cn2026):
    # Five years of working time, and back: fast because each day is one step.
    start = at(2026, 1, 5, 9)
    end = add_working_time(cn2026, start, hours=7 * 1250)
    assert working_minutes_between(cn2026, start, end) == 7 * 1250 * 60


# Refused input -----------------------------------------------------------------------------------------------------


def test_naive_datetimes_negative_amounts_and_ambiguous_calls_are_refused(cn2026):
    with pytest.raises(ValueError, match="aware"):
        add_working_time(cn2026, datetime.datetime(2026, 3, 16, 10), hours=1)
    with pytest.raises(ValueError, match="0 or more"):
        add_working_time(cn2026, at(2026, 3, 16, 10), hours=-1)
    with pytest.raises(TypeError):
        add_working_time(cn2026, at(2026, 3, 16, 10), hours=1, days=1)
    with pytest.raises(TypeError):
        add_working_time(cn2026, at(2026, 3, 16, 10))


def test_a_calendar_without_working_time_is_refused():
    with pytest.raises(ValueError):
        Calendar(periods=())
    with pytest.raises(ValueError):
        Calendar(periods=((datetime.time(14), datetime.time(12)),))
    with pytest.raises(ValueError):
        Calendar(periods=((datetime.time(8), datetime.time(12)), (datetime.time(11), datetime.time(13))))
    with pytest.raises(ValueError, match="no working day"):
        add_working_time(Calendar(weekdays=frozenset()), at(2026, 3, 16, 10), hours=1)


def test_the_latest_start_due_by_a_moment_is_the_exact_inverse_of_adding_working_time():
    import datetime as dt

    from rectification.worktime import Calendar, add_working_time, latest_start_due_by

    calendar = Calendar()
    tz = calendar.tz
    for moment in [dt.datetime(2026, 11, 16, 15, 0, tzinfo=tz), dt.datetime(2026, 11, 16, 13, 0, tzinfo=tz),
                   dt.datetime(2026, 11, 23, 9, 0, tzinfo=tz)]:  # fmt: skip
        for hours in (1, 4, 8, 30):
            cutoff = latest_start_due_by(calendar, moment, hours=hours)
            assert add_working_time(calendar, cutoff, hours=hours) <= moment
            assert add_working_time(calendar, cutoff + dt.timedelta(seconds=2), hours=hours) > moment
