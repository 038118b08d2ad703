"""The staff pages: the problem categories with their export, and the working-time calendar with its forms. Every
change is audited; anyone but the command office gets 404 and changes nothing."""

import datetime
import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from campaign.demo_seed import seed_demo
from core.models import AuditEvent
from rectification.models import CalendarException, ProblemCategory, WorkCalendar
from rectification.selectors import worktime_calendar
from rectification.services import work_calendar_ensure
from rectification.worktime import add_working_time
from tests.factories import CampaignFactory

HOURS = {
    "weekdays": ["0", "1", "2", "3", "4", "5"],
    "period_1_start": "09:00",
    "period_1_end": "12:00",
    "period_2_start": "13:30",
    "period_2_end": "18:00",
}


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def work_in(client, campaign):
    """Choose the campaign in the switcher, as staff do when there are several."""
    assert client.post("/campaigns/switch/", {"campaign": campaign.pk}).status_code == 302


def changes():
    return AuditEvent.objects.exclude(action__startswith="auth.").count()


# The demo seed -----------------------------------------------------------------------------------------------------


def test_the_demo_campaign_gets_the_categories_and_the_2026_calendar_and_a_second_seed_changes_nothing(demo):
    calendar = WorkCalendar.objects.get(campaign=demo.campaign)
    assert ProblemCategory.objects.filter(campaign=demo.campaign).count() == 45
    assert CalendarException.objects.filter(calendar=calendar, date__year=2026).count() == 39
    assert list(
        CalendarException.objects.filter(calendar=calendar, kind="workday").values_list("date", flat=True)
    ) == [datetime.date(2026, 1, 4), datetime.date(2026, 2, 14), datetime.date(2026, 2, 28),
          datetime.date(2026, 5, 9), datetime.date(2026, 9, 20), datetime.date(2026, 10, 10)]  # fmt: skip
    CalendarException.objects.filter(date=datetime.date(2027, 5, 2)).delete()  # staff removed one
    ProblemCategory.objects.filter(code="BJ0101").update(deadline=6)  # and changed another
    events = AuditEvent.objects.count()
    seed_demo()
    assert not CalendarException.objects.filter(date=datetime.date(2027, 5, 2)).exists()
    assert ProblemCategory.objects.get(campaign=demo.campaign, code="BJ0101").deadline == 6
    assert WorkCalendar.objects.count() == 1
    assert AuditEvent.objects.count() == events


def test_the_demo_calendar_is_loaded_in_three_queries_and_counts_the_national_day(demo, django_assert_num_queries):
    with django_assert_num_queries(3):
        calendar = worktime_calendar(campaign=demo.campaign)
    start = datetime.datetime(2026, 9, 30, 16, tzinfo=calendar.tz)
    assert add_working_time(calendar, start, hours=8) == datetime.datetime(2026, 10, 8, 17, tzinfo=calendar.tz)


# Problem categories ------------------------------------------------------------------------------------------------


def test_staff_list_filter_and_export_the_categories(client, demo_users, demo):
    client.force_login(demo_users["office"])
    response = client.get("/categories/")
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 45
    body = response.content.decode()
    assert "上水井盖" in body and "4 working hours" in body
    parent = ProblemCategory.objects.get(campaign=demo.campaign, code="SJ05")
    listed = client.get("/categories/", {"parent": parent.pk}).context["object_list"]
    assert [c.code for c in listed] == ["SJ0501", "SJ0502", "SJ0503", "SJ0504", "SJ0505", "SJ0598"]
    assert [c.code for c in client.get("/categories/", {"q": "井盖"}).context["object_list"]] == ["BJ0101"]
    rows = list(
        load_workbook(io.BytesIO(client.get("/categories/", {"q": "积水", "export": "xlsx"}).content)).active.values
    )
    assert rows[0][:5] == ("Code", "Parent code", "Name", "Level", "Deadline")
    assert rows[1][:7] == ("SJ0402", "SJ04", "道路积水", 3, 2, "working hours", None)
    assert AuditEvent.objects.filter(action="export.xlsx", data__list="Problem categories").count() == 1


def test_the_category_list_shows_only_the_current_campaigns(client, demo_users, demo):
    other = CampaignFactory()
    ProblemCategory.objects.create(campaign=other, code="BJ", name="另一个创城的部件")
    client.force_login(demo_users["office"])
    work_in(client, demo.campaign)
    assert "另一个创城的部件" not in client.get("/categories/", {"page": 1}).content.decode()


# The calendar page -------------------------------------------------------------------------------------------------


def test_the_calendar_page_shows_the_hours_and_a_years_holidays(client, demo_users, demo):
    client.force_login(demo_users["office"])
    response = client.get("/calendar/", {"year": 2026})
    assert response.status_code == 200
    assert [e.name for e in response.context["exceptions"]][:4] == ["元旦", "元旦", "元旦", "元旦调休上班"]
    assert response.context["summary"] == {"working_days": 248, "holidays": 33, "workdays": 6}
    body = response.content.decode()
    assert "08:30–12:00" in body and "14:00–17:30" in body and "国庆节调休上班" in body
    assert response.context["hours_form"]["period_2_end"].value() == datetime.time(17, 30)
    assert 2027 in response.context["years"]


def test_staff_change_the_working_hours_and_it_is_audited(client, demo_users, demo):
    client.force_login(demo_users["office"])
    response = client.post("/calendar/hours/", HOURS)
    assert response.status_code == 302 and response["Location"] == "/calendar/"
    rules = worktime_calendar(campaign=demo.campaign)
    assert rules.weekdays == frozenset({0, 1, 2, 3, 4, 5})
    assert rules.periods == ((datetime.time(9), datetime.time(12)), (datetime.time(13, 30), datetime.time(18)))
    event = AuditEvent.objects.get(action="rectification.calendar.update")
    assert event.actor == demo_users["office"]
    assert event.data == {
        "periods": {"from": ["08:30-12:00", "14:00-17:30"], "to": ["09:00-12:00", "13:30-18:00"]},
        "weekdays": {"from": [0, 1, 2, 3, 4], "to": [0, 1, 2, 3, 4, 5]},
    }
    # Saving the same again records nothing.
    client.post("/calendar/hours/", HOURS)
    assert AuditEvent.objects.filter(action="rectification.calendar.update").count() == 1


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"weekdays": []}, "weekdays", "Choose at least one working weekday."),
        ({"period_2_start": "11:00"}, None, "The periods 09:00–12:00 and 11:00–18:00 overlap."),
        ({"period_2_end": "13:00"}, "period_2_end", "A period must end after it starts."),
        ({"period_2_end": ""}, "period_2_end", "Give both the start and the end."),
        ({"period_1_start": "", "period_1_end": "", "period_2_start": "", "period_2_end": ""}, None,
         "Give at least one working period."),
        ({"period_1_start": "8点半"}, "period_1_start", "Enter a valid time."),
    ],
)  # fmt: skip
def test_bad_working_hours_are_refused_with_the_reason_and_change_nothing(client, demo_users, demo, change, field,
                                                                          message):  # fmt: skip
    client.force_login(demo_users["office"])
    before = changes()
    response = client.post("/calendar/hours/", {**HOURS, **change})
    assert response.status_code == 200
    assert response.context["hours_form"].errors[field or "__all__"] == [message]
    assert message in response.content.decode()
    assert worktime_calendar(campaign=demo.campaign).weekdays == frozenset(range(5))
    assert changes() == before


def test_staff_add_and_remove_a_holiday_and_both_are_audited(client, demo_users, demo):
    client.force_login(demo_users["office"])
    response = client.post("/calendar/exceptions/", {"date": "2027-02-05", "kind": "holiday", "name": "春节"})
    assert response["Location"] == "/calendar/?year=2027"
    exception = CalendarException.objects.get(date=datetime.date(2027, 2, 5))
    assert (exception.kind, exception.name, exception.calendar.campaign) == ("holiday", "春节", demo.campaign)
    added = AuditEvent.objects.get(action="rectification.calendar.exception.add", actor=demo_users["office"])
    assert added.data == {"date": "2027-02-05", "kind": "holiday", "name": "春节"}
    response = client.post(f"/calendar/exceptions/{exception.pk}/remove/")
    assert response["Location"] == "/calendar/?year=2027"
    assert not CalendarException.objects.filter(pk=exception.pk).exists()
    removed = AuditEvent.objects.get(action="rectification.calendar.exception.remove", actor=demo_users["office"])
    assert removed.data == {"date": "2027-02-05", "kind": "holiday", "name": "春节"}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"date": "2026-10-01", "kind": "holiday", "name": "国庆节"}, None,
         "2026-10-01 is already marked in the calendar."),
        ({"date": "2027-03-03", "kind": "workday", "name": "调休上班"}, None,
         "2027-03-03 is a working weekday already; a make-up working day falls on a day off."),
        ({"date": "2027-13-01", "kind": "holiday", "name": "春节"}, "date", "Enter a valid date."),
        ({"date": "2027-02-05", "kind": "festival", "name": "春节"}, "kind",
         "Select a valid choice. festival is not one of the available choices."),
        ({"date": "2027-02-05", "kind": "holiday", "name": "  "}, "name", "This field is required."),
    ],
)  # fmt: skip
def test_bad_dates_are_refused_with_the_reason_and_change_nothing(client, demo_users, demo, data, field, message):
    client.force_login(demo_users["office"])
    before, count = changes(), CalendarException.objects.count()
    response = client.post("/calendar/exceptions/", data)
    assert response.status_code == 200
    assert response.context["exception_form"].errors[field or "__all__"] == [message]
    assert CalendarException.objects.count() == count
    assert changes() == before


def test_a_campaign_without_a_calendar_shows_the_defaults_and_the_first_change_creates_it(client, demo_users, demo):
    WorkCalendar.objects.all().delete()
    client.force_login(demo_users["office"])
    response = client.get("/calendar/")
    assert response.context["calendar"] is None
    assert response.context["rules"].periods == ((datetime.time(8, 30), datetime.time(12)),
                                                 (datetime.time(14), datetime.time(17, 30)))  # fmt: skip
    assert not WorkCalendar.objects.exists()
    # A refused date leaves no calendar behind either.
    client.post("/calendar/exceptions/", {"date": "2027-03-03", "kind": "workday", "name": "调休上班"})
    assert not WorkCalendar.objects.exists()
    client.post("/calendar/exceptions/", {"date": "2027-02-05", "kind": "holiday", "name": "春节"})
    calendar = WorkCalendar.objects.get(campaign=demo.campaign)
    assert calendar.periods.count() == 2
    actions = AuditEvent.objects.filter(actor=demo_users["office"], action__startswith="rectification.calendar")
    assert list(actions.order_by("pk").values_list("action", flat=True)) == [
        "rectification.calendar.create",
        "rectification.calendar.exception.add",
    ]


@pytest.mark.parametrize("username", ["liaison_community", "head_street", "inspector", "leader_city"])
def test_others_get_404_on_every_page_and_change_nothing(client, demo_users, demo, username):
    exception = CalendarException.objects.get(date=datetime.date(2026, 10, 1))
    client.force_login(demo_users[username])
    before = changes()
    assert client.get("/categories/").status_code == 404
    assert client.get("/categories/", {"export": "xlsx"}).status_code == 404
    assert client.get("/calendar/").status_code == 404
    assert client.post("/calendar/hours/", HOURS).status_code == 404
    assert (
        client.post("/calendar/exceptions/", {"date": "2027-02-05", "kind": "holiday", "name": "春节"}).status_code
        == 404
    )
    assert client.post(f"/calendar/exceptions/{exception.pk}/remove/").status_code == 404
    assert CalendarException.objects.filter(pk=exception.pk).exists()
    assert not CalendarException.objects.filter(date=datetime.date(2027, 2, 5)).exists()
    assert worktime_calendar(campaign=demo.campaign).weekdays == frozenset(range(5))
    assert changes() == before


def test_an_exception_of_another_campaign_cannot_be_removed_from_this_page(client, demo_users, demo):
    other = work_calendar_ensure(actor=None, campaign=CampaignFactory())
    exception = CalendarException.objects.create(calendar=other, date=datetime.date(2027, 1, 1), kind="holiday",
                                                 name="元旦")  # fmt: skip
    client.force_login(demo_users["office"])
    work_in(client, demo.campaign)
    assert client.post(f"/calendar/exceptions/{exception.pk}/remove/").status_code == 404
    assert CalendarException.objects.filter(pk=exception.pk).exists()


def test_the_office_menu_links_to_both_pages(client, demo_users, demo):
    client.force_login(demo_users["office"])
    body = client.get("/office/").content.decode()
    assert 'href="/categories/"' in body and 'href="/calendar/"' in body
    client.force_login(demo_users["liaison_community"])
    body = client.get("/my-units/").content.decode()
    assert 'href="/categories/"' not in body and 'href="/calendar/"' not in body
