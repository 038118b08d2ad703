"""Open311 GeoReport v2 for the hotline system: the services, creating a request with a key, reading back only its
own requests in public fields; every bad input is a 400 in the spec's error shape, never a server error."""

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from campaign.choices import UnitType
from core.models import AuditEvent
from rectification import open311, workflow
from rectification.choices import ProblemSource, ProblemStatus
from rectification.models import Open311Client, Problem, PublicReplyTemplate
from rectification.problems import problem_report_public
from rectification.services import open311_client_create
from tests.factories import ProblemCategoryFactory

pytestmark = pytest.mark.usefixtures("english", "memory_cache")
URL = "/open311/v2/requests.json"


@pytest.fixture
def memory_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "open311-tests"}}  # fmt: skip
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def hotline(city):
    city.point.latitude, city.point.longitude = Decimal("30.250000"), Decimal("120.160000")
    city.point.save(update_fields=["latitude", "longitude"])
    city.group = ProblemCategoryFactory(campaign=city.campaign, code="SJ01", name="市容环境", deadline=None)
    city.category = ProblemCategoryFactory(
        campaign=city.campaign, parent=city.group, code="SJ0101", name="暴露垃圾", open_condition="垃圾暴露堆放",
        default_unit_type=UnitType.COMMUNITY,
    )  # fmt: skip
    city.client, city.key = open311_client_create(actor=None, name="12345热线")
    PublicReplyTemplate.objects.create(campaign=city.campaign, status=ProblemStatus.NEW, text="{reference} 已受理")
    PublicReplyTemplate.objects.create(campaign=city.campaign, status=ProblemStatus.CLOSED, text="已办结")
    return city


def good(hotline, **changes):
    data = {
        "api_key": hotline.key,
        "service_code": "SJ0101",
        "lat": "30.2500004",
        "long": "120.16",
        "address_string": "东华路12号",
        "description": "市民来电：小区门口垃圾堆放",
        "first_name": "三",
        "last_name": "张",
        "phone": "13800138000",
        "email": "zhang@example.com",
        "media_url": "http://example.com/a.jpg",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_services_list_the_leaf_categories_of_the_public_campaign(client, hotline):
    response = client.get("/open311/v2/services.json")
    assert response.status_code == 200
    assert response.json() == [
        {"service_code": "SJ0101", "service_name": "暴露垃圾", "description": "垃圾暴露堆放", "metadata": False,
         "type": "realtime", "keywords": "", "group": "市容环境"},
    ]  # fmt: skip


def test_a_request_with_a_key_is_recorded_from_the_hotline_and_routed(client, hotline):
    response = client.post(URL, good(hotline))
    assert response.status_code == 200
    problem = Problem.objects.get()
    notice = f"{problem.reference} 已受理"
    assert response.json() == [{"service_request_id": problem.reference, "service_notice": notice,
                                "account_id": None, "tracking_code": problem.tracking_code}]  # fmt: skip
    assert problem.source == ProblemSource.HOTLINE
    assert problem.intake_client == hotline.client
    assert problem.responsible_unit == hotline.community
    assert (problem.reporter_name, problem.reporter_phone) == ("张三", "13800138000")
    assert (problem.latitude, problem.longitude) == (Decimal("30.250000"), Decimal("120.160000"))
    event = AuditEvent.objects.get(action="rectification.problem.open311_create")
    assert event.actor is None
    assert event.data == {"source": "hotline", "client": hotline.client.pk, "client_name": "12345热线"}
    hotline.client.refresh_from_db()
    assert hotline.client.last_used_at is not None


def test_a_json_body_is_accepted_too(client, hotline):
    response = client.post(URL, json.dumps(good(hotline, lat=None, long=None)), content_type="application/json")
    assert response.status_code == 200
    assert Problem.objects.get().address == "东华路12号"


@pytest.mark.parametrize("key", [None, "", "wrong-key", "inactive"])
def test_without_a_valid_key_nothing_is_created(client, hotline, key):
    if key == "inactive":
        Open311Client.objects.filter(pk=hotline.client.pk).update(is_active=False)
        key = hotline.key
    response = client.post(URL, good(hotline, api_key=key))
    assert response.status_code == 403
    assert response.json() == [{"code": 403, "description": "A valid api_key is required."}]
    assert not Problem.objects.exists()


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"service_code": None}, "service_code is required."),
        ({"service_code": "SJ01"}, "Unknown service_code."),  # a group, not a service
        ({"service_code": "NOPE"}, "Unknown service_code."),
        ({"lat": "north"}, "lat must be a number between -90 and 90."),
        ({"lat": "91"}, "lat must be a number between -90 and 90."),
        ({"lat": "NaN"}, "lat must be a number between -90 and 90."),
        ({"long": "1e999"}, "long must be a number between -180 and 180."),
        ({"long": None}, "Give both lat and long, or neither."),
        ({"lat": None, "long": None, "address_string": None}, "lat and long, or address_string, are required."),
        ({"address_string": "路" * 301}, "address_string is too long (at most 300 characters)."),
        ({"description": "  "}, "description is required."),
        ({"description": "x" * 4001}, "description is too long (at most 4000 characters)."),
        ({"phone": "call me"}, "phone is not a mobile or landline number."),
    ],
)
def test_bad_input_is_a_400_in_the_specs_shape(client, hotline, changes, message):
    response = client.post(URL, good(hotline, **changes))
    assert response.status_code == 400
    assert response.json() == [{"code": 400, "description": message}]
    assert not Problem.objects.exists()


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '"text"', "\xff"])
def test_a_broken_json_body_is_a_400(client, hotline, body):
    response = client.post(URL, body.encode("latin-1"), content_type="application/json")
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400


def test_other_methods_are_refused_in_the_specs_shape(client, hotline):
    assert client.put(URL).json() == [{"code": 405, "description": "Use GET or POST."}]
    assert client.post("/open311/v2/services.json").status_code == 405


def test_posts_are_limited_per_client(client, hotline, monkeypatch):
    monkeypatch.setattr(open311, "WRITES", open311.RateLimit("open311.write", limit=2, seconds=3600))
    assert [client.post(URL, good(hotline)).status_code for _ in range(3)] == [200, 200, 429]
    assert Problem.objects.count() == 2
    _other, key = open311_client_create(actor=None, name="数字城管")
    assert client.post(URL, good(hotline, api_key=key)).status_code == 200


def test_wrong_keys_from_one_address_are_limited(client, hotline):
    for _number in range(20):
        assert client.get(URL, {"api_key": "guess"}).status_code == 403
    assert client.get(URL, {"api_key": hotline.key}).status_code == 429


def created(client, hotline, **changes):
    response = client.post(URL, good(hotline, **changes))
    assert response.status_code == 200, response.content
    return Problem.objects.get(tracking_code=response.json()[0]["tracking_code"])


def test_a_client_reads_its_own_requests_in_public_fields(client, hotline):
    problem = created(client, hotline)
    problem_report_public(campaign=hotline.campaign, category=hotline.category, description="网页上报的问题",
                          address="东华路", reporter_phone="13911112222")  # fmt: skip
    _other, other_key = open311_client_create(actor=None, name="数字城管")
    created(client, hotline, api_key=other_key, description="另一系统的问题")

    rows = client.get(URL, {"api_key": hotline.key}).json()
    assert [row["service_request_id"] for row in rows] == [problem.reference]
    row = rows[0]
    assert row == {
        "service_request_id": problem.reference,
        "status": "open",
        "status_notes": f"{problem.reference} 已受理",
        "service_name": "暴露垃圾",
        "service_code": "SJ0101",
        "description": "市民来电：小区门口垃圾堆放",
        "agency_responsible": "创城办",
        "service_notice": "",
        "requested_datetime": timezone.localtime(problem.created_at).isoformat(timespec="seconds"),
        "updated_datetime": row["updated_datetime"],
        "expected_datetime": None,
        "address": "东华路12号",
        "address_id": "",
        "zipcode": "",
        "lat": 30.25,
        "long": 120.16,
        "media_url": "",
    }
    body = json.dumps(rows, ensure_ascii=False)
    for hidden in ("13800138000", "张三", hotline.community.name, problem.tracking_code):
        assert hidden not in body

    one = client.get(f"/open311/v2/requests/{problem.reference}.json", {"api_key": hotline.key})
    assert one.status_code == 200 and one.json() == rows
    assert client.get(f"/open311/v2/requests/{problem.reference}.json").status_code == 403
    web = Problem.objects.get(source=ProblemSource.PUBLIC)
    for other in (web.reference, "WT999999", "nonsense"):
        response = client.get(f"/open311/v2/requests/{other}.json", {"api_key": hotline.key})
        assert response.status_code == 404
        assert response.json() == [{"code": 404, "description": "No such service request."}]


def test_the_status_is_open_or_closed_with_the_offices_reply(client, hotline):
    users = hotline.users
    problem = created(client, hotline)
    problem = workflow.problem_assign(actor=users["office"], problem=problem, unit=hotline.community)
    row = client.get(f"/open311/v2/requests/{problem.reference}.json", {"api_key": hotline.key}).json()[0]
    assert (row["status"], row["status_notes"]) == ("open", "")
    assert row["expected_datetime"] == timezone.localtime(problem.deadline).isoformat(timespec="seconds")
    workflow.problem_cancel(actor=users["office"], problem=problem, note="重复")
    row = client.get(f"/open311/v2/requests/{problem.reference}.json", {"api_key": hotline.key}).json()[0]
    assert row["status"] == "closed"


def test_request_filters(client, hotline):
    users = hotline.users
    first = created(client, hotline)
    second = created(client, hotline)
    workflow.problem_cancel(actor=users["office"], problem=second, note="重复")
    old = created(client, hotline)
    Problem.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=120))

    def ids(**params):
        response = client.get(URL, {"api_key": hotline.key, **params})
        assert response.status_code == 200, response.content
        return [row["service_request_id"] for row in response.json()]

    assert ids() == [second.reference, first.reference]  # the last 90 days, newest first
    assert ids(status="open") == [first.reference]
    assert ids(status="closed") == [second.reference]
    assert ids(status="open,closed") == [second.reference, first.reference]
    assert ids(service_code="SJ0101,OTHER") == [second.reference, first.reference]
    assert ids(service_code="OTHER") == []
    # With ids, the other filters are ignored (the old one is found too).
    assert ids(service_request_id=f"{old.reference}, {first.reference}", status="closed") == [
        first.reference, old.reference,
    ]  # fmt: skip
    start = (timezone.now() - datetime.timedelta(days=130)).isoformat()
    end = (timezone.now() - datetime.timedelta(days=100)).isoformat()
    assert ids(start_date=start, end_date=end) == [old.reference]
    assert ids(start_date=start) == [old.reference]  # 90 days from the start
    assert ids(end_date=end) == [old.reference]


@pytest.mark.parametrize(
    "params,message",
    [
        ({"status": "pending"}, "status must be open, closed or both."),
        ({"start_date": "yesterday"}, "start_date must be a date and time such as 2026-05-01T08:00:00+08:00."),
        ({"end_date": "2026-13-45T00:00:00"}, "end_date must be a date and time such as 2026-05-01T08:00:00+08:00."),
        ({"start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-06-01T00:00:00+08:00"},
         "start_date and end_date may span at most 90 days."),
        ({"start_date": "2026-02-01T00:00:00+08:00", "end_date": "2026-01-01T00:00:00+08:00"},
         "end_date must not be before start_date."),
    ],
)  # fmt: skip
def test_bad_filters_are_a_400(client, hotline, params, message):
    response = client.get(URL, {"api_key": hotline.key, **params})
    assert response.status_code == 400
    assert response.json() == [{"code": 400, "description": message}]


def test_the_command_prints_a_key_that_works(client, hotline):
    out, err = io.StringIO(), io.StringIO()
    call_command("open311_client_create", "城管热线", stdout=out, stderr=err)
    key = out.getvalue().strip()
    assert len(key) >= 40
    client_row = Open311Client.objects.get(name="城管热线")
    assert key not in client_row.key_hash and client_row.key_hash == Open311Client.hash_key(key)
    assert AuditEvent.objects.filter(action="rectification.open311_client.create", object_id=str(client_row.pk))
    assert client.post(URL, good(hotline, api_key=key)).status_code == 200
    assert Problem.objects.get().intake_client == client_row
