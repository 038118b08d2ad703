"""The rectification metrics: every count and rate on a week of cases moved through the real workflow, at the
period's end and in the middle of it, per unit, per area and for the campaign, in a fixed number of queries."""

import datetime
import io
from contextlib import contextmanager
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from core.images import image_clean
from rectification import workflow
from rectification.choices import ProblemSource, ProblemStatus
from rectification.metrics import Metrics, campaign_metrics, unit_metrics
from rectification.models import ProblemCategory
from rectification.problems import problem_create

pytestmark = pytest.mark.usefixtures("english")

TZ = ZoneInfo("Asia/Shanghai")


def at(day, hour=9, minute=0, month=3):
    return datetime.datetime(2027, month, day, hour, minute, tzinfo=TZ)


START, END, LATER = at(1, 0), at(8, 0), at(20)  # the week of Monday 1 March 2027, and a day well after it
HOURS = datetime.timedelta(hours=1)


def a_photo():
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), "blue").save(buffer, "JPEG")
    return image_clean(buffer.getvalue())


@contextmanager
def clock(moment):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


class Moves:
    """Moves a problem through the workflow at given moments: the office acts for the unit, the inspector
    verifies."""

    def __init__(self, city):
        self.city = city
        self.office, self.inspector = city.users["office"], city.users["inspector"]

    def case(self, unit, *, assigned, deadline, point=None, category=None, found=None):
        with clock(found or assigned):
            problem = problem_create(
                actor=self.inspector, campaign=self.city.campaign, source=ProblemSource.INSPECTION,
                description="垃圾桶满溢", point=point or self.city.point, category=category,
                created_at=found or assigned,
            )  # fmt: skip
        with clock(assigned):
            return workflow.problem_assign(actor=self.office, problem=problem, unit=unit, deadline=deadline)

    def accept(self, problem, moment):
        with clock(moment):
            return workflow.problem_accept(actor=self.office, problem=problem)

    def submit(self, problem, moment):
        """Submit, accepting first (at the same moment) if the unit has not yet."""
        with clock(moment):
            if problem.status == ProblemStatus.ASSIGNED:
                problem = workflow.problem_accept(actor=self.office, problem=problem)
            return workflow.problem_submit(actor=self.office, problem=problem, note="已整改", photos=[a_photo()])

    def verify(self, problem, moment):
        with clock(moment):
            return workflow.problem_verify(actor=self.inspector, problem=problem)

    def give_back(self, problem, moment):
        with clock(moment):
            return workflow.problem_return(actor=self.inspector, problem=problem, note="仍有积存")

    def extend(self, problem, asked, approved, until):
        with clock(asked):
            problem = workflow.problem_request_extension(actor=self.office, problem=problem, until=until,
                                                         note="需协调环卫车辆")  # fmt: skip
        with clock(approved):
            return workflow.problem_approve_extension(actor=self.office, problem=problem)

    def suspend(self, problem, moment):
        with clock(moment):
            return workflow.problem_suspend(actor=self.office, problem=problem, note="需立项改造")

    def cancel(self, problem, moment):
        with clock(moment):
            return workflow.problem_cancel(actor=self.office, problem=problem, note="重复上报")


@pytest.fixture
def week(city):
    """A week of cases in 东华街道 (幸福社区 XF, 和平社区 HP, 安居物业 WY) and one in 柳荫社区 outside it."""
    m = Moves(city)
    xf, hp, wy, ly = city.community, city.neighbour, city.company, city.elsewhere
    # XF: on time and closed in 30 hours.
    on_time = m.case(xf, assigned=at(1), deadline=at(3, 17, 30))
    m.verify(m.submit(on_time, at(2, 10)), at(2, 15))
    # XF: submitted late, closed late, in 73 hours.
    late = m.case(xf, assigned=at(1), deadline=at(2, 17, 30))
    m.verify(m.submit(late, at(4)), at(4, 10))
    # XF: submitted late, returned, then given more time, fixed again within it and closed, in 97 hours.
    reworked = m.case(xf, assigned=at(1), deadline=at(2, 17, 30))
    reworked = m.give_back(m.submit(reworked, at(3)), at(3, 14))
    reworked = m.extend(reworked, at(4), at(4, 10), until=at(6, 17, 30))
    m.verify(m.submit(reworked, at(5)), at(5, 10))
    # XF: cancelled after being fixed; outside every count. Dispatched before and at the end: outside the week.
    cancelled = m.case(xf, assigned=at(1), deadline=at(2, 17, 30))
    m.cancel(m.submit(cancelled, at(2)), at(2, 12))
    m.case(xf, assigned=at(28, 23, 59, month=2), deadline=at(2, 17, 30))
    m.case(xf, assigned=END, deadline=at(9, 17, 30))
    # HP: an extension moves the deadline, so the fix on the 4th is on time; waiting for verification at the end.
    extended = m.accept(m.case(hp, assigned=at(1), deadline=at(2, 17, 30)), at(1, 10))
    m.submit(m.extend(extended, at(2), at(2, 10), until=at(5, 17, 30)), at(4))
    # HP: overdue and not handled at the end of the week (handled only after it).
    overdue = m.accept(m.case(hp, assigned=at(1), deadline=at(3, 17, 30)), at(1, 10))
    m.submit(overdue, at(10))
    # HP: past its deadline but suspended (挂账): not overdue.
    m.suspend(m.case(hp, assigned=at(1), deadline=at(2, 17, 30)), at(2))
    # WY: dispatched at the very start of the week, not yet due.
    m.case(wy, assigned=START, deadline=at(10, 17, 30))
    # 柳荫社区, outside the street: overdue.
    m.case(ly, assigned=at(1), deadline=at(5, 17, 30))
    return city


def by_code(rows):
    return {row.unit.code: row.metrics for row in rows}


XF = Metrics(due=3, handled=3, handled_on_time=1, closed=3, closed_on_time=2, returned=1, extended=1,
             time_to_close=200 * HOURS)  # fmt: skip
HP = Metrics(due=3, handled=1, handled_on_time=1, extended=1, overdue_unhandled=1)
WY = Metrics(due=1)
LY = Metrics(due=1, overdue_unhandled=1)


def test_each_unit_counts_its_own_cases_at_the_end_of_the_week(week):
    rows = unit_metrics(campaign=week.campaign, start=START, end=END, now=LATER)
    assert [row.unit.path for row in rows] == sorted(row.unit.path for row in rows)  # tree order
    assert by_code(rows) == {"ST": Metrics(), "XF": XF, "HP": HP, "WY": WY, "LY": LY}


def test_rates_are_shares_and_none_without_a_denominator(week):
    rows = by_code(unit_metrics(campaign=week.campaign, start=START, end=END, now=LATER))
    xf, hp, wy, street = rows["XF"], rows["HP"], rows["WY"], rows["ST"]
    third = Decimal(1) / Decimal(3)
    assert (xf.handling_rate, xf.on_time_handling_rate, xf.closing_rate, xf.on_time_closing_rate) == (
        1,
        third,
        1,
        Decimal(2) / Decimal(3),
    )
    assert (xf.rework_rate, xf.extension_rate, xf.overdue_rate, xf.recurrence_rate) == (third, third, 0, 0)
    assert xf.mean_hours_to_close == Decimal("66.67")
    assert (hp.handling_rate, hp.rework_rate, hp.overdue_rate, hp.closing_rate) == (third, 0, third, 0)
    assert hp.mean_hours_to_close is None
    # Cases but none handled: the rework rate has no denominator.
    assert (wy.handling_rate, wy.rework_rate) == (0, None)
    rates = ("handling_rate", "on_time_handling_rate", "closing_rate", "on_time_closing_rate", "rework_rate",
             "overdue_rate", "extension_rate", "recurrence_rate", "mean_hours_to_close")  # fmt: skip
    assert {name: getattr(street, name) for name in rates} == dict.fromkeys(rates)


def test_an_area_is_its_unit_with_everything_below_it(week):
    rows = by_code(unit_metrics(campaign=week.campaign, start=START, end=END, now=LATER, group_by="area"))
    street = XF + HP + WY
    assert street == Metrics(due=7, handled=4, handled_on_time=2, closed=3, closed_on_time=2, returned=1,
                             extended=2, overdue_unhandled=1, time_to_close=200 * HOURS)  # fmt: skip
    assert rows == {"ST": street, "XF": XF, "HP": HP, "WY": WY, "LY": LY}
    # Only the units asked for are listed, each still with its whole subtree.
    rows = unit_metrics(campaign=week.campaign, start=START, end=END, now=LATER, group_by="area",
                        units=[week.street])  # fmt: skip
    assert by_code(rows) == {"ST": street}


def test_the_campaign_total_and_an_area_total(week):
    assert campaign_metrics(campaign=week.campaign, start=START, end=END, now=LATER) == XF + HP + WY + LY
    assert campaign_metrics(campaign=week.campaign, start=START, end=END, now=LATER,
                            units=[week.street, week.community]) == XF + HP + WY  # fmt: skip
    assert campaign_metrics(campaign=week.campaign, start=START, end=END, now=LATER, units=[]) == Metrics()


def test_a_running_period_is_measured_now_with_the_deadline_then_in_force(week):
    """On Wednesday at noon: the late case is overdue; the returned one was submitted (late) and not yet returned;
    the extended one has its new deadline and is not overdue; the other HP case is not yet due."""
    now = at(3, 12)
    rows = by_code(unit_metrics(campaign=week.campaign, start=START, end=END, now=now))
    assert rows["XF"] == Metrics(due=3, handled=2, handled_on_time=1, closed=1, closed_on_time=1,
                                 overdue_unhandled=1, time_to_close=30 * HOURS)  # fmt: skip
    assert rows["HP"] == Metrics(due=3, extended=1)
    # Measuring a past week at a later moment changes nothing: the end of the week is the cut-off.
    assert unit_metrics(campaign=week.campaign, start=START, end=END, now=at(30)) == unit_metrics(
        campaign=week.campaign, start=START, end=END, now=LATER
    )


def test_period_boundaries_include_the_start_and_exclude_the_end(week):
    """The case dispatched at 00:00 on the 8th belongs to the next week, the one at 23:59 on 28 February to the
    last."""
    next_week = by_code(unit_metrics(campaign=week.campaign, start=END, end=at(15, 0), now=LATER))
    assert next_week["XF"] == Metrics(due=1, overdue_unhandled=1)
    last_week = by_code(unit_metrics(campaign=week.campaign, start=at(22, 0, month=2), end=START, now=LATER))
    assert last_week["XF"] == Metrics(due=1)  # due on 2 March: not yet overdue when that week ended
    assert sum((row.metrics for row in unit_metrics(campaign=week.campaign, start=at(1, 0, month=1), end=START,
                                                      now=LATER)), Metrics()).due == 1  # fmt: skip


def test_a_problem_found_again_where_the_same_one_was_closed_is_a_recurrence(city):
    m = Moves(city)
    category = ProblemCategory.objects.create(campaign=city.campaign, code="SJ01", name="暴露垃圾", deadline=24)
    first = m.case(city.community, assigned=at(1), deadline=at(2, 17, 30), category=category)
    m.verify(m.submit(first, at(2)), at(2, 10))
    m.case(city.community, assigned=at(4), deadline=at(5, 17, 30), category=category)  # 反弹
    m.case(city.community, assigned=at(4), deadline=at(5, 17, 30))  # same point, no category
    # Found before the first was closed: a repeat, not a recurrence.
    m.case(city.community, assigned=at(4), deadline=at(5, 17, 30), category=category, found=at(2, 9, 30))
    rows = by_code(unit_metrics(campaign=city.campaign, start=START, end=END, now=LATER))
    assert (rows["XF"].due, rows["XF"].recurrence, rows["XF"].recurrence_rate) == (4, 1, Decimal("0.25"))


def test_the_period_and_grouping_are_checked(city):
    with pytest.raises(ValueError, match="group_by"):
        unit_metrics(campaign=city.campaign, start=START, end=END, group_by="grid")
    with pytest.raises(ValueError, match="before"):
        campaign_metrics(campaign=city.campaign, start=END, end=START)
    with pytest.raises(ValueError, match="aware"):
        campaign_metrics(campaign=city.campaign, start=datetime.datetime(2027, 3, 1), end=END)


def many_cases(city, count):
    """`count` cases spread over the street's units and the unit outside it, in every kind of outcome."""
    m = Moves(city)
    units = [city.community, city.neighbour, city.company, city.elsewhere, city.street]
    for number in range(count):
        problem = m.case(units[number % len(units)], assigned=at(1 + number % 5), deadline=at(3, 17, 30))
        if number % 3:
            problem = m.submit(problem, at(2 + number % 4))
        if number % 3 == 2:
            m.verify(problem, at(6))


@pytest.mark.parametrize("group_by", ["unit", "area"])
def test_the_number_of_queries_does_not_grow_with_problems_or_units(city, group_by):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            rows = unit_metrics(campaign=city.campaign, start=START, end=END, now=LATER, group_by=group_by)
            total = campaign_metrics(campaign=city.campaign, start=START, end=END, now=LATER)
        return len(captured), rows, total

    many_cases(city, 3)
    small, rows, total = queries()
    assert total.due == 3
    many_cases(city, 27)
    large, rows, total = queries()
    listed = rows if group_by == "unit" else [row for row in rows if row.unit.parent_id is None]
    assert total.due == sum(row.metrics.due for row in listed) == 30
    assert small == large == 3  # the units, the grouped aggregate, the total


def metrics_api(client, city, who, **params):
    client.force_login(city.users[who])
    return client.get("/api/v1/problem-metrics/", {"campaign": city.campaign.pk, **params})


def test_the_office_reads_areas_and_the_campaign_total_through_the_api(client, week):
    with mock.patch("django.utils.timezone.now", return_value=LATER):
        response = metrics_api(client, week, "office", start="2027-03-01", end="2027-03-08", group_by="area",
                               unit_type="street")  # fmt: skip
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["start"], body["end"], body["group_by"]) == ("2027-03-01", "2027-03-08", "area")
    assert body["as_of"] == "2027-03-08T00:00:00+08:00"
    assert [row["unit"]["code"] for row in body["results"]] == ["ST"]
    street = body["results"][0]["metrics"]
    assert (street["due"], street["handled"], street["handled_on_time"], street["closed"]) == (7, 4, 2, 3)
    assert (street["handling_rate"], street["rework_rate"], street["mean_hours_to_close"]) == (
        "0.5714",
        "0.2500",
        "66.67",
    )
    assert (body["total"]["due"], body["total"]["overdue_unhandled"]) == (8, 2)


def test_a_leader_sees_only_the_units_they_oversee(client, week):
    with mock.patch("django.utils.timezone.now", return_value=LATER):
        response = metrics_api(client, week, "leader", start="2027-03-01", end="2027-03-08")
    body = response.json()
    assert sorted(row["unit"]["code"] for row in body["results"]) == ["HP", "ST", "WY", "XF"]
    assert (body["total"]["due"], body["total"]["overdue_unhandled"]) == (7, 1)
    assert "柳荫社区" not in response.content.decode()


def test_units_and_inspectors_may_not_read_the_metrics(client, week):
    for who in ("unit", "street", "inspector"):
        response = metrics_api(client, week, who, start="2027-03-01", end="2027-03-08")
        assert response.status_code == 403
        assert "due" not in response.content.decode()


def test_bad_questions_are_refused_with_reasons(client, week, other_campaign):
    response = metrics_api(client, week, "office", start="2027-03-32", end="2027-03-01", group_by="grid")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"start", "group_by"}
    response = metrics_api(client, week, "office", start="2027-03-08", end="2027-03-01")
    assert response.json()["error"]["fields"] == {"end": ["The end must be after the start."]}
    client.force_login(week.users["leader"])
    response = client.get("/api/v1/problem-metrics/", {"campaign": other_campaign.pk, "start": "2027-03-01",
                                                       "end": "2027-03-08"})  # fmt: skip
    assert response.status_code == 400 and set(response.json()["error"]["fields"]) == {"campaign"}


@pytest.fixture
def other_campaign(db):
    from tests.factories import CampaignFactory

    return CampaignFactory()
