"""The daily dispatch through the API: issuing, cancelling, answering, filters and scope, with 4xx reasons and
never a leak."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from campaign.dispatch import dispatch_complete, dispatch_order_cancel, dispatch_order_issue
from campaign.models import DispatchEvidence, DispatchOrder, DispatchTarget
from core.models import AuditEvent, Notification

pytestmark = pytest.mark.usefixtures("english")

ORDERS, TARGETS = "/api/v1/dispatch-orders/", "/api/v1/dispatch-targets/"


def login(client, city, who):
    client.force_login(city.users[who])
    return client


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def a_jpeg(name="after.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "blue").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def in_two_days():
    return (timezone.now() + datetime.timedelta(days=2)).isoformat()


def issue(city, units, **fields):
    fields.setdefault("title", "背街小巷积存垃圾清运")
    fields.setdefault("deadline", timezone.now() + datetime.timedelta(days=1))
    return dispatch_order_issue(actor=city.users["office"], campaign=city.campaign, units=units, **fields)


def target_of(order, unit):
    return DispatchTarget.objects.get(order=order, unit=unit)


def test_the_office_issues_through_the_api(client, city):
    login(client, city, "office")
    response = post(client, ORDERS, {
        "campaign": city.campaign.pk, "units": [city.community.pk, city.elsewhere.pk], "title": "门前三包",
        "deadline": in_two_days(), "source": "meeting", "meeting": "第12次调度会", "priority": "urgent",
    })  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["title"], body["source"], body["priority"], body["follow_up_by"]) == (
        "门前三包", "meeting", "urgent", city.users["office"].pk,
    )  # fmt: skip
    assert (body["target_count"], body["done_count"], body["overdue_count"]) == (2, 0, 0)
    assert sorted((t["unit_name"], t["status"]) for t in body["targets"]) == [("幸福社区", "issued"),
                                                                               ("柳荫社区", "issued")]  # fmt: skip
    assert body["date"] == timezone.localdate().isoformat()
    # The liaisons of the two communities are told.
    told = Notification.objects.filter(kind="dispatch.issued").values_list("recipient__username", flat=True)
    assert sorted(told) == ["liaison", "liaison_ly"]


def test_bad_orders_are_refused_with_reasons(client, city):
    login(client, city, "office")
    base = {"campaign": city.campaign.pk, "units": [city.community.pk], "title": "清运", "deadline": in_two_days()}
    cases = [
        ({"units": []}, "units"),
        ({"units": [999999]}, "units"),
        ({"deadline": "tomorrow"}, "deadline"),
        ({"deadline": (timezone.now() - datetime.timedelta(hours=1)).isoformat()}, "deadline"),
        ({"source": "meeting"}, "meeting"),
        ({"priority": "whenever"}, "priority"),
        ({"follow_up_by": city.users["leader"].pk}, "follow_up_by"),
    ]
    for change, field in cases:
        response = post(client, ORDERS, {**base, **change})
        assert response.status_code == 400, (change, response.json())
        error = response.json()["error"]
        assert error["code"] == "validation_error" and field in error["fields"], (change, error)
    response = post(client, ORDERS, {**base, "source": "meeting"})
    assert response.json()["error"]["fields"]["meeting"] == ["Name the meeting the commitment was made at."]
    assert not DispatchOrder.objects.exists()


@pytest.mark.parametrize("who", ["unit", "street", "leader", "inspector"])
def test_only_the_office_issues_and_cancels(client, city, who):
    order = issue(city, [city.community])
    login(client, city, who)
    body = {"campaign": city.campaign.pk, "units": [city.community.pk], "title": "x", "deadline": in_two_days()}
    assert post(client, ORDERS, body).status_code == 403
    assert post(client, f"{ORDERS}{order.pk}/cancel/", {"reason": "x"}).status_code == 403
    assert DispatchOrder.objects.count() == 1 and not DispatchOrder.objects.get().is_cancelled


def test_the_office_cancels_through_the_api(client, city):
    order = issue(city, [city.community])
    login(client, city, "office")
    url = f"{ORDERS}{order.pk}/cancel/"
    response = post(client, url)
    assert response.status_code == 400 and "reason" in response.json()["error"]["fields"]
    response = post(client, url, {"reason": "  "})
    assert response.status_code == 400
    response = post(client, url, {"reason": "任务调整"})
    assert response.status_code == 200
    assert (response.json()["cancel_reason"], response.json()["targets"][0]["status"]) == ("任务调整", "cancelled")
    assert post(client, url, {"reason": "again"}).json()["cancel_reason"] == "任务调整"
    assert post(client, f"{ORDERS}999999/cancel/", {"reason": "x"}).status_code == 404
    done = issue(city, [city.community], title="已完成")
    dispatch_complete(actor=city.users["unit"], target=target_of(done, city.community), note="已完成")
    response = post(client, f"{ORDERS}{done.pk}/cancel/", {"reason": "x"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"


def test_a_unit_acknowledges_and_reports_done_through_the_api(client, city):
    order = issue(city, [city.community, city.elsewhere])
    target = target_of(order, city.community)
    url = f"{TARGETS}{target.pk}/"
    login(client, city, "unit")
    response = post(client, f"{url}acknowledge/")
    assert response.status_code == 200 and response.json()["status"] == "acknowledged"
    assert post(client, f"{url}acknowledge/").status_code == 200  # again: harmless
    response = client.post(f"{url}complete/", {"note": ""})
    assert response.status_code == 400 and "note" in response.json()["error"]["fields"]
    bad = SimpleUploadedFile("x.jpg", b"not a picture", content_type="image/jpeg")
    response = client.post(f"{url}complete/", {"note": "已清运", "photos": [bad]})
    assert response.status_code == 400 and response.json()["error"]["fields"]["photos"][0].startswith("x.jpg: ")
    response = client.post(f"{url}complete/", {"note": "已清运", "photos": [a_jpeg(), a_jpeg("b.jpg")]})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["completion_note"]) == ("done", "已清运")
    assert body["completed_by"] == body["acknowledged_by"] == city.users["unit"].pk
    assert len(body["evidence"]) == 2
    assert body["evidence"][0]["url"].startswith(f"/dispatch/targets/{target.pk}/evidence/")
    assert client.get(body["evidence"][0]["thumbnail_url"]).status_code == 200
    again = post(client, f"{url}complete/", {"note": "再报"})
    assert again.status_code == 200 and again.json()["completion_note"] == "已清运"
    assert DispatchEvidence.objects.count() == 2


def test_who_may_answer_through_the_api(client, city):
    order = issue(city, [city.community])
    target = target_of(order, city.community)
    url = f"{TARGETS}{target.pk}/"
    # The street's head sees the community's part but does not answer for it: 403 before the body is read.
    login(client, city, "street")
    assert client.get(url).status_code == 200
    response = post(client, f"{url}acknowledge/")
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert post(client, f"{url}complete/").status_code == 403
    for who in ("office", "leader", "inspector"):
        login(client, city, who)
        assert post(client, f"{url}acknowledge/").status_code == 403, who
    login(client, city, "admin")
    assert post(client, f"{url}complete/", {"note": "代报"}).status_code == 403
    # Another community does not learn it exists.
    login(client, city, "other_unit")
    assert client.get(url).status_code == 404
    assert post(client, f"{url}acknowledge/").status_code == 404
    assert post(client, f"{url}complete/", {"note": "x"}).status_code == 404
    target.refresh_from_db()
    assert (target.acknowledged_at, target.completed_at) == (None, None)
    assert not AuditEvent.objects.filter(action__startswith="campaign.dispatch.a").exists()
    # A cancelled order takes no answer: 400 with the reason.
    dispatch_order_cancel(actor=city.users["office"], order=order, reason="任务调整")
    login(client, city, "unit")
    response = post(client, f"{url}acknowledge/")
    assert response.status_code == 400 and response.json()["error"] == {
        "code": "cancelled", "message": "The order was cancelled: 任务调整",
    }  # fmt: skip


def test_filters_and_scope(client, city):
    late = issue(city, [city.street], title="逾期", now=timezone.now() - datetime.timedelta(days=3),
                 deadline=timezone.now() - datetime.timedelta(days=1))  # fmt: skip
    both = issue(city, [city.community, city.elsewhere], title="两个社区", priority="urgent")
    dispatch_complete(actor=city.users["other_unit"], target=target_of(both, city.elsewhere), note="已完成")
    login(client, city, "office")

    def ids(url, **params):
        response = client.get(url, params)
        assert response.status_code == 200, response.json()
        return sorted(row["id"] for row in response.json()["results"])

    assert ids(ORDERS) == sorted([late.pk, both.pk])
    assert ids(ORDERS, overdue="true") == [late.pk]
    assert ids(ORDERS, status="done") == [both.pk]
    assert ids(ORDERS, unit=city.street.pk) == sorted([late.pk, both.pk])
    assert ids(ORDERS, unit=city.community.pk, status="done") == []
    assert ids(ORDERS, date=late.date.isoformat()) == [late.pk]
    assert ids(ORDERS, date_after=timezone.localdate().isoformat(), date_before=timezone.localdate().isoformat()) == [
        both.pk
    ]
    assert ids(ORDERS, priority="urgent", campaign=city.campaign.pk) == [both.pk]
    assert ids(TARGETS, status="done") == [target_of(both, city.elsewhere).pk]
    assert ids(TARGETS, overdue="true") == [target_of(late, city.street).pk]
    assert ids(TARGETS, unit=city.street.pk) == sorted(
        [target_of(late, city.street).pk, target_of(both, city.community).pk]
    )
    assert client.get(ORDERS, {"status": "whatever"}).status_code == 400
    assert client.get(ORDERS, {"date": "yesterday"}).status_code == 400
    # A unit sees its own part of an order naming several, and nothing of the others'.
    login(client, city, "unit")
    orders = client.get(ORDERS).json()["results"]
    assert [(o["id"], o["target_count"], [t["unit_name"] for t in o["targets"]]) for o in orders] == [
        (both.pk, 1, ["幸福社区"])
    ]
    assert ids(TARGETS) == [target_of(both, city.community).pk]
    assert client.get(f"{ORDERS}{late.pk}/").status_code == 404
    login(client, city, "street")
    assert ids(ORDERS, mine="true") == [late.pk]
    assert ids(TARGETS, mine="true") == [target_of(late, city.street).pk]


def test_the_api_lists_cost_the_same_queries_at_two_sizes(client, city):
    def count(who):
        login(client, city, who)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(ORDERS).status_code == 200
            assert client.get(TARGETS).status_code == 200
            assert client.get(ORDERS, {"unit": city.community.pk, "overdue": "false"}).status_code == 200
        return len(queries)

    def add(number):
        for n in range(number):
            order = issue(city, [city.community, city.neighbour, city.elsewhere], title=f"调度{n}")
            response = login(client, city, "unit").post(
                f"{TARGETS}{target_of(order, city.community).pk}/complete/", {"note": "已完成", "photos": [a_jpeg()]}
            )
            assert response.status_code == 200

    add(2)
    small = {who: count(who) for who in ("office", "unit", "leader")}
    add(10)
    assert {who: count(who) for who in ("office", "unit", "leader")} == small
