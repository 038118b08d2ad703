"""The dashboard by hand: the rankings as published with each reader's scope (a leader's units, a unit's own standing
against its peer group), problems found, closed and overdue per day, daily reports on time, the cache cleared by a
publication, the page, the command hall, the Excel export, bad periods, and a fixed number of queries per panel."""

import datetime
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from campaign.choices import UnitType
from campaign.models import Unit
from core.errors import DomainError
from rectification.models import Problem
from rectification.problems import problem_create
from scoring.dashboard import PANELS, Period, dashboard_panel, period_check, period_default
from scoring.rankings import ranking_compute, ranking_publish
from tests.factories import UnitFactory
from tests.scoring.test_rankings import YESTERDAY, peers, week  # noqa: F401
from tests.scoring.test_scores import reports

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def published_week(city):
    """Community and neighbour 7 of 7 reports (100), company 4 of 7 (57.14), elsewhere none (0), published."""
    for unit in (city.community, city.neighbour):
        reports(unit, week(YESTERDAY))
    reports(city.company, week(YESTERDAY)[:4])
    for ranking in ranking_compute(campaign=city.campaign, period="weekly", period_end=YESTERDAY):
        ranking_publish(actor=city.users["office"], ranking=ranking)


def panel(name, city, user, period=None, now=None):
    period = period or Period(YESTERDAY - datetime.timedelta(days=6), YESTERDAY)
    return PANELS[name].selector(user=user, campaign=city.campaign, period=period, now=now or timezone.now()).as_data()


def test_the_rankings_as_published_for_the_office(city, peers):  # noqa: F811
    published_week(city)
    rows = panel("rankings", city, city.users["office"])["rows"]
    assert [(r["name"], r["rank"], r["of"], r["score"], r["list_kind"], r["evening_meeting"]) for r in rows] == [
        ("幸福社区", 1, 4, 100.0, "red", False),
        ("和平社区", 1, 4, 100.0, "red", False),
        ("安居物业", 3, 4, 57.14, "", True),
        ("柳荫社区", 4, 4, 0.0, "black", True),
    ]
    # (100 + 100 + 57.14 + 0) / 4
    assert {r["group_average"] for r in rows} == {64.29}
    lists = panel("lists", city, city.users["office"])["rows"]
    assert [(r["name"], r["list"]) for r in lists] == [("幸福社区", "Red list"), ("和平社区", "Red list"),
                                                       ("安居物业", ""), ("柳荫社区", "Black list")]  # fmt: skip
    assert lists[-1]["escalation"] != ""


def test_a_leader_sees_only_the_units_assigned_and_a_unit_its_own_standing(city, peers):  # noqa: F811
    published_week(city)
    leader = panel("rankings", city, city.users["leader"])["rows"]
    assert [r["name"] for r in leader] == ["幸福社区", "和平社区", "安居物业"]  # not 柳荫社区, outside the street
    own = panel("rankings", city, city.users["unit"])["rows"]
    assert [(r["name"], r["rank"], r["of"], r["group_average"]) for r in own] == [("幸福社区", 1, 4, 64.29)]
    assert panel("lists", city, city.users["other_unit"])["rows"][0]["name"] == "柳荫社区"
    assert [r["name"] for r in panel("lists", city, city.users["unit"])["rows"]] == ["幸福社区"]


def test_problems_found_closed_and_overdue_per_day(city):
    inspector = city.users["inspector"]
    day1, day2 = TODAY - datetime.timedelta(days=2), TODAY - datetime.timedelta(days=1)

    def problem(description, **stamps):
        made = problem_create(actor=inspector, campaign=city.campaign, source="inspection", description=description,
                              point=city.point)  # fmt: skip
        Problem.objects.filter(pk=made.pk).update(**stamps)

    # Found on day 1, past its deadline that evening, closed the next morning.
    problem("A", created_at=at(day1, 10), deadline=at(day1, 12), closed_at=at(day2, 9), status="closed")
    # Found on day 2, handed in before its deadline passed: never overdue.
    problem("B", created_at=at(day2, 8), deadline=at(day2, 11), handled_at=at(day2, 10), status="submitted")
    # Found on day 2, still being rectified past that evening's deadline: overdue on day 2 and today.
    problem("C", created_at=at(day2, 8), deadline=at(day2, 20), status="rectifying")
    # Cancelled (a finding returned): never overdue.
    problem("D", created_at=at(day1, 9), deadline=at(day1, 10), status="cancelled")
    data = panel("problems_trend", city, city.users["office"], period=Period(day1, TODAY))
    assert [(r["date"], r["new"], r["closed"], r["overdue"]) for r in data["rows"]] == [
        (day1.isoformat(), 2, 0, 1),
        (day2.isoformat(), 2, 1, 1),
        (TODAY.isoformat(), 0, 0, 1),
    ]
    assert data["rows"][0]["urls"]["new"] == (
        f"{reverse('problem_list')}?created_after={day1.isoformat()}&created_before={day1.isoformat()}"
    )
    by_unit = panel("problems_by_unit", city, city.users["office"], period=Period(day1, TODAY))["rows"]
    assert [(r["unit"], r["overdue"], r["open"], r["found"], r["closed"]) for r in by_unit] == [
        ("幸福社区", 1, 2, 4, 1)
    ]
    # The community's neighbour sees none of it.
    assert panel("problems_by_unit", city, city.users["other_unit"], period=Period(day1, TODAY))["rows"] == []


def test_daily_reports_on_time_over_the_period(city, peers):  # noqa: F811
    reports(city.community, week(YESTERDAY))
    reports(city.company, week(YESTERDAY)[:5], late=[week(YESTERDAY)[4]])
    rows = {r["unit"]: r for r in panel("daily_reports", city, city.users["office"])["rows"]}
    assert {name: (r["due"], r["on_time"], r["late"], r["missing"], r["rate"]) for name, r in rows.items()} == {
        "东华街道": (7, 0, 0, 7, 0.0),
        "幸福社区": (7, 7, 0, 0, 100.0),
        "和平社区": (7, 0, 0, 7, 0.0),
        "安居物业": (7, 4, 1, 2, 57.1),
        "柳荫社区": (7, 0, 0, 7, 0.0),
    }
    assert list(rows)[-1] == "幸福社区"  # lowest first


def test_publishing_a_ranking_clears_the_cached_panels(city, peers, django_capture_on_commit_callbacks):  # noqa: F811
    office = city.users["office"]
    period = Period(YESTERDAY - datetime.timedelta(days=6), YESTERDAY)
    before = dashboard_panel(name="rankings", user=office, campaign=city.campaign, period=period)
    assert before["rows"] == []
    with django_capture_on_commit_callbacks(execute=True):
        published_week(city)
    after = dashboard_panel(name="rankings", user=office, campaign=city.campaign, period=period)
    assert len(after["rows"]) == 4


def queries_to_read_every_panel(user, city, period):
    with CaptureQueriesContext(connection) as queries:
        for name in PANELS:
            dashboard_panel(name=name, user=user, campaign=city.campaign, period=period)
    return len(queries)


def test_the_office_and_the_leaders_find_their_panels_warm(city, settings):
    from scoring.dashboard import dashboard_readers, dashboard_warm

    settings.LANGUAGE_CODE = "zh-hans"
    users = city.users
    # The superuser stands for the whole city (the office and the inspectors share its panels); then each leader.
    assert dashboard_readers(campaign=city.campaign) == [users["admin"], users["leader"]]
    assert dashboard_warm(campaign=city.campaign) == 2 * len(PANELS)
    period = period_default()
    for reader in ("office", "inspector", "leader"):
        assert queries_to_read_every_panel(users[reader], city, period) == 0, reader
    assert queries_to_read_every_panel(users["unit"], city, period) > 0  # a unit's own panels: read when asked
    # Warming is what a reader would compute: the same data.
    warmed = dashboard_panel(name="problems_by_unit", user=users["leader"], campaign=city.campaign, period=period)
    assert warmed == panel("problems_by_unit", city, users["leader"], period=period)


def test_a_publication_has_the_panels_computed_again_at_once(
    city,
    peers,  # noqa: F811
    settings,
    django_capture_on_commit_callbacks,
):
    settings.LANGUAGE_CODE = "zh-hans"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    period = period_default()
    assert (
        dashboard_panel(name="rankings", user=city.users["office"], campaign=city.campaign, period=period)["rows"]
        == []
    )
    with django_capture_on_commit_callbacks(execute=True):
        published_week(city)
    assert queries_to_read_every_panel(city.users["office"], city, period) == 0
    rows = dashboard_panel(name="rankings", user=city.users["office"], campaign=city.campaign, period=period)["rows"]
    assert len(rows) == 4


def test_one_warm_up_of_a_campaign_at_a_time(city):
    from django.core.cache import cache

    from scoring.dashboard import dashboard_warm, dashboard_warm_all

    cache.add(f"dashboard:warming:{city.campaign.pk}", 1, 60)
    assert dashboard_warm(campaign=city.campaign) == 0
    cache.delete(f"dashboard:warming:{city.campaign.pk}")
    assert dashboard_warm_all() == 2 * len(PANELS)
    city.campaign.status = "closed"
    city.campaign.save(update_fields=["status"])
    assert dashboard_warm_all() == 0  # a closed campaign is left alone


def test_a_period_must_be_in_order_and_at_most_a_year():
    with pytest.raises(DomainError, match="start before it ends"):
        period_check(TODAY, TODAY - datetime.timedelta(days=1))
    with pytest.raises(DomainError, match="at most 366 days"):
        period_check(TODAY - datetime.timedelta(days=366), TODAY)
    assert period_check(TODAY - datetime.timedelta(days=365), TODAY).start == TODAY - datetime.timedelta(days=365)
    # Without bounds, the 30 days ending on the last day asked for, or today.
    assert period_check(None, None) == Period(TODAY - datetime.timedelta(days=29), TODAY)
    day = datetime.date(2026, 6, 30)
    assert period_check(None, day) == Period(datetime.date(2026, 6, 1), day)
    assert period_check(day, None) == Period(day, TODAY)


def test_a_long_period_is_counted_by_week(city):
    data = panel("problems_trend", city, city.users["office"], period=Period(datetime.date(2026, 1, 1),
                                                                             datetime.date(2026, 6, 30)))  # fmt: skip
    assert data["rows"][0]["date"] == "2026-01-01–2026-01-04"  # Thursday to Sunday
    assert data["rows"][1]["date"] == "2026-01-05–2026-01-11"
    assert len(data["rows"]) == 27


def test_every_panel_reads_a_fixed_number_of_queries(city, peers):  # noqa: F811
    published_week(city)
    office, leader = city.users["office"], city.users["leader"]

    def counts():
        result = {}
        for name in PANELS:
            for user in (office, leader):
                user = type(user).objects.get(pk=user.pk)  # a fresh request's user
                with CaptureQueriesContext(connection) as queries:
                    panel(name, city, user)
                result[(name, user.username)] = len(queries)
        return result

    few = counts()
    # Ten more units below the street, each with problems and reports; another ranking published.
    for n in range(10):
        unit = UnitFactory(campaign=city.campaign, parent=city.street, code=f"N{n}", name=f"新社区{n}",
                           type=UnitType.COMMUNITY)  # fmt: skip
        peers.members.add(unit)
        reports(unit, week(YESTERDAY)[: n % 7])
        problem_create(actor=city.users["inspector"], campaign=city.campaign, source="inspection",
                       description=f"问题{n}", point=city.point)  # fmt: skip
    for ranking in ranking_compute(campaign=city.campaign, period="weekly", period_end=TODAY):
        ranking_publish(actor=office, ranking=ranking)
    assert Unit.objects.filter(campaign=city.campaign).count() == 15
    assert counts() == few
    assert max(few.values()) <= 8


# --- pages, exports and the API -------------------------------------------------------------------------------------


def test_a_leader_lands_on_the_dashboard(demo, client, login):
    login("leader_east")
    assert client.get("/").url == reverse("dashboard")


def test_the_dashboard_page_shows_every_panel_with_its_numbers(demo, client, login):
    login("leader_east")
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    body = response.content.decode()
    for data in PANELS.values():
        assert f'id="panel-{data.slug}"' in body
    data = json.loads(json.dumps(response.context["chart_data"], default=str))
    assert set(data["panels"]) == {p.slug for p in PANELS.values()}
    assert data["api"]["rankings"].startswith(reverse("api:dashboard-rankings"))
    # The leader of 东城区 never sees 西城区's community, on the page or in the data behind the charts.
    assert "柳荫社区" not in body
    # The numbers on the page are the API's.
    api = client.get(reverse("api:dashboard-overview")).json()
    tiles = response.context["panels"][0]
    assert [row["value"] for row in tiles["rows"]] == [row["value"] for row in api["rows"]]


def test_the_page_sends_its_charts_the_rows_they_draw(demo, client, login):
    from scoring.dashboard_views import CHART_ROWS, PAGE_ROWS

    login("office")
    response = client.get(reverse("dashboard"))
    sent = response.context["chart_data"]["panels"]
    cut = 0
    for panel in response.context["panels"]:
        rows, chart = panel["rows"], panel["chart"]
        if chart.get("kind") in ("lines", "gauge_trend"):
            expected = rows  # a line over the whole period, the trend over every round
        elif chart.get("kind") == "ranking_bars":
            expected = [row for row in rows if row["score"] is not None][: max(CHART_ROWS, PAGE_ROWS)]
        else:
            expected = rows[: max(chart.get("top", CHART_ROWS), PAGE_ROWS)]
        assert sent[panel["slug"]]["rows"] == expected, panel["slug"]
        cut += len(expected) < len(rows)
    assert cut >= 2  # the demo city has more units than a chart draws: the rest stays in the export and the API


def test_the_command_hall_refreshes_from_the_api(demo, client, login):
    login("office")
    response = client.get(reverse("dashboard_hall"))
    assert response.status_code == 200
    data = response.context["chart_data"]
    assert data["hall"] is True and data["refresh"] == 60
    campaign = response.context["campaign"]
    trend = reverse("api:dashboard-problems-trend")
    assert data["api"]["problems-trend"].startswith(f"{trend}?campaign={campaign.pk}")
    assert client.get(data["api"]["problems-trend"]).status_code == 200


def test_each_panel_exports_its_whole_table_to_excel(demo, client, login):
    login("office")
    api = client.get(reverse("api:dashboard-rankings")).json()
    response = client.get(reverse("dashboard_export", args=["rankings"]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [column["label"] for column in api["columns"]]
    assert len(rows) == len(api["rows"]) + 1
    assert rows[1][3] == api["rows"][0]["name"] and rows[1][4] == api["rows"][0]["score"]
    assert client.get(reverse("dashboard_export", args=["nothing"])).status_code == 404


def test_a_bad_period_is_refused_with_the_reason(demo, client, login, english):
    login("office")
    response = client.get(reverse("api:dashboard-overview"), {"start": "2026-12-01", "end": "2026-11-01"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["start"] == ["The period must start before it ends."]
    response = client.get(reverse("api:dashboard-overview"), {"campaign": 999999})
    assert response.status_code == 400 and "campaign" in response.json()["error"]["fields"]
    response = client.get(reverse("api:dashboard-overview"), {"start": "yesterday"})
    assert response.status_code == 400
    page = client.get(reverse("dashboard"), {"start": "2026-12-01", "end": "2026-11-01"})
    assert page.status_code == 200
    assert "The period must start before it ends." in page.content.decode()


def test_the_page_says_so_in_chinese(demo, client, login, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    login("leader_east")
    body = client.get(reverse("dashboard"), {"start": "2026-12-01", "end": "2026-11-01"}).content.decode()
    assert "驾驶舱" in body and "周期的开始日期须早于结束日期。" in body


def test_no_leader_sees_a_unit_outside_the_assignment_in_any_panel(demo, client, login):
    from campaign.models import Responsibility
    from core.models import User

    user = User.objects.get(username="leader_east")
    # Her units, and the unit answering for her road section (科学大道), whose problems she follows.
    road = Responsibility.objects.get(point__leader_assignments__leader=user).unit
    visible = set(Unit.objects.visible_to(user).values_list("pk", flat=True)) | {road.pk}
    outside = set(Unit.objects.exclude(pk__in=visible).values_list("name", flat=True))
    login("leader_east")
    for name, data in PANELS.items():
        response = client.get(reverse(f"api:dashboard-{data.slug}"))
        assert response.status_code == 200, name
        rows = response.json()["rows"]
        assert {row["unit_id"] for row in rows if row.get("unit_id")} <= visible, name
        text = response.content.decode()
        assert not [unit for unit in outside if f'"{unit}"' in text], name


def test_the_shortfalls_are_the_latest_kept_projections(demo, django_user_model):
    from scoring.models import Projection

    office = django_user_model.objects.get(username="office")
    latest = Projection.objects.filter(round__status="closed", round__kind="mock").order_by("round__ends_on").last()
    campaign = latest.round.campaign
    data = PANELS["shortfalls"].selector(user=office, campaign=campaign, period=Period(TODAY, TODAY),
                                         now=timezone.now()).as_data()  # fmt: skip
    expected = latest.data["shortfalls"]
    assert [row["criterion"] for row in data["rows"]] == [f"{item['code']} {item['name']}" for item in expected]
    assert [row["lost"] for row in data["rows"]] == [float(item["lost"]) for item in expected]
    assert data["summary"]["round"] == latest.round.name


def test_the_ledger_filters_the_dashboard_links_to(city, client):
    from campaign.models import Grid, Point, PointType

    inspector = city.users["inspector"]
    other_type = PointType.objects.create(campaign=city.campaign, code="PT02", name="背街小巷")
    other_grid = Grid.objects.create(campaign=city.campaign, code="G2", name="东华第二网格", unit=city.community)
    lane = Point.objects.create(campaign=city.campaign, grid=other_grid, point_type=other_type, code="P2",
                                name="东华小巷", address="东华巷1号")  # fmt: skip
    at_point = problem_create(actor=inspector, campaign=city.campaign, source="inspection", description="垃圾满溢",
                              point=city.point)  # fmt: skip
    in_lane = problem_create(actor=inspector, campaign=city.campaign, source="inspection", description="乱堆放",
                             point=lane)  # fmt: skip
    Problem.objects.filter(pk=at_point.pk).update(status="closed", closed_at=at(TODAY - datetime.timedelta(days=3), 9))
    client.force_login(city.users["office"])

    def listed(**query):
        return {problem.pk for problem in client.get(reverse("problem_list"), query).context["object_list"]}

    assert listed(grid=other_grid.pk) == {in_lane.pk}
    assert listed(point_type=city.point.point_type_id) == {at_point.pk}
    day = (TODAY - datetime.timedelta(days=3)).isoformat()
    assert listed(closed_after=day, closed_before=day) == {at_point.pk}
    # The grid panel's row and cell lead to the ledger listing what they count.
    panel = PANELS["grid_point_types"].selector(user=city.users["office"], campaign=city.campaign,
                                                period=period_default(), now=timezone.now())  # fmt: skip
    (row,) = [row for row in panel.rows if row["grid"].startswith("G2 ")]
    cell = f"t{other_type.pk}"
    assert (row["total"], row[cell]) == (1, 1)
    assert set(row["urls"]) == {cell}
    for url in (row["url"], row["urls"][cell]):
        assert {problem.pk for problem in client.get(url).context["object_list"]} == {in_lane.pk}


def test_a_units_page_leads_to_its_records(demo, client, login):
    login("office")
    unit = Unit.objects.get(code="SFS-DC-DH-XF")
    body = client.get(reverse("unit_detail", args=[unit.pk])).content.decode()
    for name in ("problem_list", "daily_report_list", "dispatch_list", "finding_list", "ranking_list",
                 "accountability_list"):  # fmt: skip
        assert f'href="{reverse(name)}?unit={unit.pk}"' in body
    # The rankings it is in: every published weekly ranking of its peer group, none of another group.
    rankings = client.get(reverse("ranking_list"), {"unit": unit.pk}).context["object_list"]
    assert rankings and all(ranking.entries.filter(unit=unit).exists() for ranking in rankings)
