"""The categories and calendars API: read by everyone in the campaign, filtered, and nothing of other campaigns."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rectification.models import CalendarException, ProblemCategory
from rectification.services import work_calendar_ensure
from tests.factories import CampaignFactory, ProblemCategoryFactory


@pytest.fixture
def other(demo):
    """A campaign the demo's units take no part in, with a category and a calendar of its own."""
    campaign = CampaignFactory(name="别的创城")
    ProblemCategoryFactory(campaign=campaign, code="BJ", name="别的部件")
    calendar = work_calendar_ensure(actor=None, campaign=campaign)
    CalendarException.objects.create(calendar=calendar, date=datetime.date(2027, 1, 1), kind="holiday", name="元旦")
    return campaign


def test_a_liaison_lists_the_categories_of_their_campaign_only(client, demo_users, demo, other):
    client.force_login(demo_users["liaison_community"])
    body = client.get("/api/v1/categories/", {"page_size": 100}).json()
    assert body["count"] == 45
    assert {row["campaign"] for row in body["results"]} == {demo.campaign.pk}
    manhole = next(row for row in body["results"] if row["code"] == "BJ0101")
    parent = ProblemCategory.objects.get(campaign=demo.campaign, code="BJ01")
    assert manhole == {
        "id": manhole["id"], "campaign": demo.campaign.pk, "parent": parent.pk, "parent_code": "BJ01",
        "code": "BJ0101", "name": "上水井盖", "level": 3, "open_condition": "", "deadline": 4,
        "deadline_unit": "working_hours", "urgent_deadline": None, "close_condition": "", "default_unit_type": "",
        "is_active": True, "child_count": 0,
    }  # fmt: skip
    other_category = ProblemCategory.objects.get(campaign=other)
    assert client.get(f"/api/v1/categories/{other_category.pk}/").status_code == 404


def test_the_office_sees_every_campaigns_categories_and_filters_them(client, demo_users, demo, other):
    client.force_login(demo_users["office"])
    assert client.get("/api/v1/categories/").json()["count"] == 46

    def codes(**params):
        return [row["code"] for row in client.get("/api/v1/categories/", params).json()["results"]]

    assert codes(campaign=other.pk) == ["BJ"]
    assert codes(campaign=demo.campaign.pk, code="BJ01") == ["BJ01", "BJ0101", "BJ0102", "BJ0103"]
    street = ProblemCategory.objects.get(campaign=demo.campaign, code="SJ04")
    assert codes(parent=street.pk) == ["SJ0401", "SJ0402"]
    assert codes(campaign=demo.campaign.pk, level=1) == ["BJ", "SJ"]


def test_a_parent_outside_the_scope_is_refused_as_a_filter(client, demo_users, demo, other):
    client.force_login(demo_users["liaison_community"])
    response = client.get("/api/v1/categories/", {"parent": ProblemCategory.objects.get(campaign=other).pk})
    assert response.status_code == 400
    assert "parent" in response.json()["error"]["fields"]


def test_the_calendar_of_the_campaign_with_periods_weekdays_and_exceptions(client, demo_users, demo, other):
    client.force_login(demo_users["liaison_community"])
    body = client.get("/api/v1/calendars/").json()
    assert body["count"] == 1
    calendar = body["results"][0]
    assert calendar["campaign"] == demo.campaign.pk
    assert calendar["time_zone"] == "Asia/Shanghai"
    assert calendar["weekdays"] == [1, 2, 3, 4, 5]
    assert calendar["periods"] == [{"start": "08:30", "end": "12:00"}, {"start": "14:00", "end": "17:30"}]
    assert calendar["day_minutes"] == 420
    assert len(calendar["exceptions"]) == 45
    assert {"date": "2026-09-20", "kind": "workday", "name": "国庆节调休上班"} in calendar["exceptions"]
    assert {"date": "2026-10-01", "kind": "holiday", "name": "国庆节"} in calendar["exceptions"]
    other_calendar = other.work_calendar
    assert client.get(f"/api/v1/calendars/{other_calendar.pk}/").status_code == 404


def test_the_office_filters_calendars_by_campaign_in_a_constant_number_of_queries(client, demo_users, demo, other):
    client.force_login(demo_users["office"])
    with CaptureQueriesContext(connection) as two:
        body = client.get("/api/v1/calendars/").json()
    assert body["count"] == 2
    work_calendar_ensure(actor=None, campaign=CampaignFactory())
    with CaptureQueriesContext(connection) as three:
        assert client.get("/api/v1/calendars/").json()["count"] == 3
    assert len(three) == len(two)
    assert [row["campaign"] for row in client.get("/api/v1/calendars/", {"campaign": other.pk}).json()["results"]] == [
        other.pk
    ]


def test_anonymous_callers_get_nothing(client, demo):
    assert client.get("/api/v1/categories/").status_code == 403
    assert client.get("/api/v1/calendars/").status_code == 403
