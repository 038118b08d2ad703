"""Notifications leaving the app: e-mail once per notice, one group-chat message per event in the robots' own JSON,
received by a real HTTP server; retries with growing pauses, then failed; filters by kind; the person's own
notifications in the API; the office's list of deliveries with its export and retry."""

import base64
import hashlib
import hmac
import io
import json
import socket
import threading
import urllib.parse
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.choices import DeliveryChannel, DeliveryStatus, Role, WebhookKind
from core.delivery import deliveries_plan, deliveries_send_due
from core.models import AuditEvent, Delivery, Notification, WebhookChannel
from core.notifications import Draft, notify
from core.tasks import deliver_notifications
from tests.factories import UserFactory

T0 = timezone.now().replace(microsecond=0)


@dataclass
class Received:
    path: str
    query: dict
    headers: object
    raw: bytes

    @property
    def json(self):
        return json.loads(self.raw)


@dataclass
class Robot:
    """A group-chat robot on 127.0.0.1: records every POST and answers with `status` and `answer`."""

    url: str = ""
    status: int = 200
    answer: dict = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    received: list = field(default_factory=list)


@pytest.fixture
def robot(monkeypatch):
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    state = Robot()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            parsed = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(parsed.query))
            state.received.append(Received(path=parsed.path, query=query, headers=self.headers, raw=raw))
            payload = json.dumps(state.answer).encode()
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/cgi-bin/webhook/send?key=abc"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def refused_url():
    """An address where nothing listens: the connection is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/robot/send"


@pytest.fixture(autouse=True)
def delivery_settings(settings):
    settings.NOTIFICATION_EMAIL = True
    settings.SITE_URL = "https://cc.example.gov.cn"
    settings.LANGUAGE_CODE = "en"
    settings.NOTIFICATION_MAX_ATTEMPTS = 4
    settings.NOTIFICATION_RETRY_CAP_MINUTES = 60
    return settings


def draft(user, key="problem.overdue:42:20261120T1730", kind="problem.overdue", **fields):
    fields = {"title": "Overdue: WT000042", "body": "垃圾满溢 — the deadline was 2026-11-20 17:30.",
              "link": "/problems/42/", **fields}  # fmt: skip
    return Draft(recipient_id=user.pk, kind=kind, key=key, **fields)


def webhook(url, kind=WebhookKind.WECOM, **fields):
    return WebhookChannel.objects.create(name=fields.pop("name", "创城办督查群"), kind=kind, url=url, **fields)


def run(now=T0):
    deliveries_plan(now=now)
    return deliveries_send_due(now=now)


def test_notify_keeps_the_event_apart_from_the_person(db):
    one, two = UserFactory(), UserFactory()
    notify([draft(one), draft(two)])
    assert sorted(Notification.objects.values_list("key", "event_key")) == sorted([
        (f"problem.overdue:42:20261120T1730:{one.pk}", "problem.overdue:42:20261120T1730"),
        (f"problem.overdue:42:20261120T1730:{two.pk}", "problem.overdue:42:20261120T1730"),
    ])  # fmt: skip


def test_an_email_goes_once_even_when_the_job_runs_twice(db, mailoutbox):
    head = UserFactory(email="head@example.gov.cn", full_name="吴立新")
    liaison = UserFactory(email="liaison@example.gov.cn")
    no_address = UserFactory(email="")
    notify([draft(head), draft(liaison), draft(no_address)])

    deliver_notifications.run()
    deliver_notifications.run()
    notify([draft(head), draft(liaison)])  # the sweep runs again: nothing new
    deliver_notifications.run()

    assert sorted(message.to[0] for message in mailoutbox) == ["head@example.gov.cn", "liaison@example.gov.cn"]
    message = next(m for m in mailoutbox if m.to == ["head@example.gov.cn"])
    assert message.subject == "Overdue: WT000042"
    assert message.body == (
        "垃圾满溢 — the deadline was 2026-11-20 17:30.\n\n"
        "https://cc.example.gov.cn/problems/42/\n\n"
        "-- \nCampaign Command"
    )
    deliveries = Delivery.objects.all()
    assert [(d.channel, d.status, d.attempts) for d in deliveries] == [("email", "sent", 1)] * 2
    assert Notification.objects.get(recipient=head).sent_at is not None
    assert Notification.objects.get(recipient=no_address).sent_at is None
    assert Notification.objects.filter(deliveries_planned_at__isnull=True).count() == 0


def test_no_email_when_email_is_off(db, mailoutbox, delivery_settings):
    delivery_settings.NOTIFICATION_EMAIL = False
    notify([draft(UserFactory(email="head@example.gov.cn"))])
    run()
    assert mailoutbox == []
    assert Delivery.objects.count() == 0


def test_a_wecom_robot_hears_once_per_event_not_once_per_recipient(db, robot):
    webhook(robot.url)
    head, liaison, leader = UserFactory(), UserFactory(), UserFactory()
    notify([draft(head), draft(liaison)])
    notify([draft(leader, key="problem.escalated:42:20261120T1730", kind="problem.escalated",
                  title="Escalated, overdue: WT000042", body="第一行\n[点此](http://evil.example)")])  # fmt: skip
    run()
    run(T0 + timedelta(minutes=5))
    # A person added to the event later gets the notice; the chat is not told again.
    notify([draft(UserFactory())])
    run(T0 + timedelta(minutes=10))

    assert [r.json for r in robot.received] == [
        {"msgtype": "markdown", "markdown": {"content": (
            "**Overdue: WT000042**\n> 垃圾满溢 — the deadline was 2026-11-20 17:30.\n"
            "[Open](https://cc.example.gov.cn/problems/42/)"
        )}},
        {"msgtype": "markdown", "markdown": {"content": (
            "**Escalated, overdue: WT000042**\n> 第一行\n> ［点此］(http://evil.example)\n"
            "[Open](https://cc.example.gov.cn/problems/42/)"
        )}},
    ]  # fmt: skip
    assert robot.received[0].path == "/cgi-bin/webhook/send"
    assert robot.received[0].query == {"key": "abc"}
    assert robot.received[0].headers["Content-Type"] == "application/json; charset=utf-8"
    assert Delivery.objects.filter(channel=DeliveryChannel.WEBHOOK, status=DeliveryStatus.SENT).count() == 2
    # Told to the chat: every notice of both events has left the app, except the one written after.
    assert Notification.objects.filter(sent_at__isnull=False).count() == 3


def test_a_notice_for_the_recipient_alone_is_e_mailed_and_never_told_to_a_chat(db, robot, mailoutbox):
    webhook(robot.url)
    user = UserFactory(email="liaison@example.gov.cn")
    notify([draft(user, key="export.list:1", kind="export.list", title="Your export is ready", to_groups=False)])
    run()
    assert Notification.objects.get().event_key == ""
    assert [m.subject for m in mailoutbox] == ["Your export is ready"]
    assert robot.received == []
    assert list(Delivery.objects.values_list("channel", flat=True)) == ["email"]


def test_a_dingtalk_robot_gets_markdown_signed_with_its_secret(db, robot):
    secret = "SEC0123456789abcdef"
    webhook(robot.url, kind=WebhookKind.DINGTALK, secret=secret)
    notify([draft(UserFactory()), draft(UserFactory())])
    before_ms = int(timezone.now().timestamp() * 1000)
    run()

    (request,) = robot.received
    assert request.json == {"msgtype": "markdown", "markdown": {
        "title": "Overdue: WT000042",
        "text": "#### Overdue: WT000042\n\n垃圾满溢 — the deadline was 2026-11-20 17:30.\n\n"
                "[Open](https://cc.example.gov.cn/problems/42/)",
    }}  # fmt: skip
    timestamp = request.query["timestamp"]
    assert abs(int(timestamp) - before_ms) < 60_000
    expected = base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest())
    assert request.query["sign"] == expected.decode()
    assert request.query["key"] == "abc"


def test_a_generic_receiver_gets_the_notice_as_json_signed_in_a_header(db, robot):
    webhook(robot.url, kind=WebhookKind.GENERIC, secret="s3cret")
    notify([draft(UserFactory())])
    run()

    (request,) = robot.received
    created_at = Notification.objects.get().created_at.isoformat()
    assert request.json == {"title": "Overdue: WT000042", "body": "垃圾满溢 — the deadline was 2026-11-20 17:30.",
                            "link": "https://cc.example.gov.cn/problems/42/", "kind": "problem.overdue",
                            "created_at": created_at}  # fmt: skip
    signature = hmac.new(b"s3cret", request.raw, hashlib.sha256).hexdigest()
    assert request.headers["X-Signature"] == f"sha256={signature}"


def test_a_failing_robot_is_tried_again_after_growing_pauses_then_marked_failed(db, robot):
    robot.status = 500
    webhook(robot.url)
    notify([draft(UserFactory())])
    deliveries_plan(now=T0)
    now, pauses = T0, []
    for _ in range(4):
        result = deliveries_send_due(now=now)
        assert result.claimed == 1
        delivery = Delivery.objects.get()
        if delivery.status == DeliveryStatus.PENDING:
            pauses.append(delivery.next_attempt_at - now)
            # Not due yet: a run a second before the pause ends sends nothing.
            assert deliveries_send_due(now=delivery.next_attempt_at - timedelta(seconds=1)).claimed == 0
            now = delivery.next_attempt_at
    assert pauses == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("failed", 4, "HTTP 500 Internal Server Error")
    assert len(robot.received) == 4
    assert deliveries_send_due(now=now + timedelta(days=1)).claimed == 0
    assert Notification.objects.get().sent_at is None


def test_the_pause_is_capped(db, refused_url, delivery_settings):
    delivery_settings.NOTIFICATION_MAX_ATTEMPTS = 10
    delivery_settings.NOTIFICATION_RETRY_CAP_MINUTES = 5
    webhook(refused_url)
    notify([draft(UserFactory())])
    deliveries_plan(now=T0)
    now, pauses = T0, []
    for _ in range(5):
        deliveries_send_due(now=now)
        delivery = Delivery.objects.get()
        pauses.append((delivery.next_attempt_at - now).total_seconds() / 60)
        now = delivery.next_attempt_at
    assert pauses == [1, 2, 4, 5, 5]


def test_a_refused_connection_is_retried_and_the_rest_of_that_robot_waits(db, refused_url, robot):
    down = webhook(refused_url, name="断线群")
    webhook(robot.url, name="正常群")
    notify([draft(UserFactory())])
    notify([draft(UserFactory(), key="problem.overdue:43:20261120T1730")])
    result = run()

    assert (result.claimed, result.sent, result.retrying, result.failed) == (4, 2, 1, 0)
    assert len(robot.received) == 2
    tried, waiting = Delivery.objects.filter(webhook=down).order_by("pk")
    assert (tried.status, tried.attempts, tried.next_attempt_at) == ("pending", 1, T0 + timedelta(minutes=1))
    assert "refused" in tried.last_error.lower()
    # Not tried behind a robot that just failed: no attempt spent, due with it.
    assert (waiting.status, waiting.attempts, waiting.next_attempt_at) == ("pending", 0, T0 + timedelta(minutes=1))


def test_a_robot_refusing_for_good_fails_at_once_and_too_fast_waits(db, robot):
    webhook(robot.url, kind=WebhookKind.DINGTALK)
    notify([draft(UserFactory())])
    robot.answer = {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}
    run()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    robot.answer = {"errcode": 310000, "errmsg": "sign not match"}
    deliveries_send_due(now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("failed", 2, "errcode 310000: sign not match")


def test_channels_carry_only_their_kinds_and_inactive_ones_nothing(db, robot, refused_url):
    escalations = webhook(f"{robot.url}&chat=escalations", kind_prefixes="problem.escalated, daily_report.")
    everything = webhook(f"{robot.url}&chat=all")
    webhook(refused_url, is_active=False)
    user = UserFactory()
    notify([
        draft(user),
        draft(user, key="problem.escalated:42:20261120T1730", kind="problem.escalated"),
        draft(user, key="daily_report.remind:7:20261120", kind="daily_report.remind"),
    ])  # fmt: skip
    run()

    assert sorted(r.query["chat"] for r in robot.received) == ["all", "all", "all", "escalations", "escalations"]
    assert sorted(Delivery.objects.filter(webhook=escalations).values_list("notification__kind", flat=True)) == [
        "daily_report.remind", "problem.escalated",
    ]  # fmt: skip
    assert Delivery.objects.filter(webhook=everything).count() == 3
    assert Delivery.objects.filter(webhook__is_active=False).count() == 0
    assert escalations.carries("problem.escalated") is True
    assert escalations.carries("problem.overdue") is False


def test_an_inactive_channel_is_skipped_and_one_added_later_carries_new_notices_only(db, robot):
    notify([draft(UserFactory())])
    run()
    channel = webhook(robot.url)
    run(T0 + timedelta(minutes=1))
    assert robot.received == []
    channel.is_active = False
    channel.save()
    notify([draft(UserFactory(), key="problem.overdue:43:20261120T1730")])
    run(T0 + timedelta(minutes=2))
    assert robot.received == []
    assert Delivery.objects.count() == 0


def test_a_chat_deactivated_after_planning_is_not_sent_and_shows_failed(db, robot):
    channel = webhook(robot.url)
    notify([draft(UserFactory())])
    deliveries_plan(now=T0)
    channel.is_active = False
    channel.save()
    result = deliveries_send_due(now=T0)
    assert (result.claimed, result.failed) == (1, 1)
    assert robot.received == []
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.last_error) == ("failed", "The group chat was deactivated before this was sent.")


def test_the_delivery_batch_takes_the_same_queries_for_more_notices(db, robot, refused_url):
    webhook(robot.url)
    webhook(refused_url, name="断线群")

    def queries(size, offset):
        users = [UserFactory(email=f"u{offset + n}@example.gov.cn") for n in range(size)]
        notify([draft(user, key=f"problem.overdue:{offset + n}:20261120T1730") for n, user in enumerate(users)])
        with CaptureQueriesContext(connection) as captured:
            planned = deliveries_plan(now=T0)
            result = deliveries_send_due(now=T0)
        assert planned == size
        assert (result.sent, result.retrying) == (2 * size, 1)
        return len([q for q in captured if "SAVEPOINT" not in q["sql"]])

    small = queries(3, 0)
    assert queries(30, 100) == small
    # Planning: notices, webhooks, insert, stamp. Sending: claim, lease, sent, notices stamped, failures.
    assert small == 9


def test_staff_retry_a_failed_delivery_and_it_is_audited(client, db, robot):
    office = UserFactory(role=Role.STAFF)
    robot.status = 404
    webhook(robot.url)
    notify([draft(UserFactory())])
    run()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 1)

    client.force_login(UserFactory(role=Role.LIAISON))
    assert client.post(f"/notifications/deliveries/{delivery.pk}/retry/").status_code == 404
    delivery.refresh_from_db()
    assert delivery.status == "failed"

    client.force_login(office)
    response = client.post(f"/notifications/deliveries/{delivery.pk}/retry/", {"next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/notifications/deliveries/"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    event = AuditEvent.objects.get(action="notification.delivery_retry")
    assert event.actor == office
    assert event.data == {"channel": "webhook", "last_error": "HTTP 404 Not Found"}

    robot.status = 200
    deliveries_send_due(now=timezone.now())
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 1, "")
    # Sent deliveries are not retried.
    client.post(f"/notifications/deliveries/{delivery.pk}/retry/")
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert AuditEvent.objects.filter(action="notification.delivery_retry").count() == 1


@pytest.mark.usefixtures("english")
def test_the_office_lists_filters_and_exports_deliveries(client, db, robot, refused_url, mailoutbox):
    webhook(robot.url, name="创城办督查群")
    webhook(refused_url, name="断线群")
    notify([draft(UserFactory(email="head@example.gov.cn", full_name="吴立新"))])
    for minutes in (0, 1, 3, 7):
        deliveries_plan(now=T0)
        deliveries_send_due(now=T0 + timedelta(minutes=minutes))
    client.force_login(UserFactory(role=Role.STAFF))

    response = client.get("/notifications/deliveries/")
    listed = [(d.target, d.status, d.attempts) for d in response.context["object_list"]]
    assert sorted(listed) == [
        ("创城办督查群", "sent", 1),
        ("吴立新 <head@example.gov.cn>", "sent", 1),
        ("断线群", "failed", 4),
    ]
    page = response.content.decode()
    assert "吴立新 &lt;head@example.gov.cn&gt;" in page
    assert "Connection refused" in page
    assert page.count("Try again") == 1
    failed = client.get("/notifications/deliveries/", {"status": "failed"})
    assert [d.target for d in failed.context["object_list"]] == ["断线群"]
    by_kind = client.get("/notifications/deliveries/", {"kind": "daily_report."})
    assert list(by_kind.context["object_list"]) == []

    response = client.get("/notifications/deliveries/", {"channel": "webhook", "export": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Created at", "Channel", "To", "Kind", "Title", "Status", "Attempts", "Next attempt at",
                       "Sent at", "Last error")  # fmt: skip
    by_target = {row[2]: row for row in rows[1:]}
    assert sorted(by_target) == ["创城办督查群", "断线群"]
    assert by_target["创城办督查群"][5:7] == ("Sent", 1)
    assert by_target["断线群"][1] == "Group chat"
    assert by_target["断线群"][5:7] == ("Failed", 4)
    assert "refused" in by_target["断线群"][9].lower()

    client.force_login(UserFactory(role=Role.LEADER))
    assert client.get("/notifications/deliveries/").status_code == 404


@pytest.mark.usefixtures("english")
def test_each_notice_shows_how_it_went_out(client, db, robot, refused_url):
    user = UserFactory(email="head@example.gov.cn")
    webhook(robot.url, name="创城办督查群")
    webhook(refused_url, name="断线群")
    notify([draft(user)])
    run()
    client.force_login(user)
    page = client.get("/notifications/").content.decode()
    assert "E-mail: Sent" in page
    assert "创城办督查群: Sent" in page
    assert "断线群: Pending" in page


def test_the_api_lists_only_ones_own_notifications_and_marks_them_read(client, db):
    me, other = UserFactory(), UserFactory()
    reminder = draft(me, key="daily_report.remind:7:20261120", kind="daily_report.remind", title="Daily report due")
    notify([draft(me), draft(other), reminder])
    mine = {n.kind: n for n in Notification.objects.filter(recipient=me)}
    others = Notification.objects.get(recipient=other)
    client.force_login(me)

    listed = client.get("/api/v1/notifications/").json()
    assert [row["id"] for row in listed["results"]] == sorted((n.pk for n in mine.values()), reverse=True)
    assert listed["results"][0] == {
        "id": mine["daily_report.remind"].pk, "kind": "daily_report.remind", "title": "Daily report due",
        "body": "垃圾满溢 — the deadline was 2026-11-20 17:30.", "link": "/problems/42/",
        "created_at": listed["results"][0]["created_at"], "read_at": None, "is_read": False, "sent_at": None,
    }  # fmt: skip
    assert [r["kind"] for r in client.get("/api/v1/notifications/", {"kind": "problem."}).json()["results"]] == [
        "problem.overdue"
    ]
    assert client.get(f"/api/v1/notifications/{others.pk}/").status_code == 404
    assert client.get(f"/api/v1/notifications/{mine['problem.overdue'].pk}/").json()["title"] == "Overdue: WT000042"

    response = client.post(
        "/api/v1/notifications/read/",
        {"ids": [mine["problem.overdue"].pk, others.pk]},
        content_type="application/json",
    )
    assert response.json() == {"marked": 1}
    others.refresh_from_db()
    assert others.read_at is None
    unread = client.get("/api/v1/notifications/", {"read": "false"}).json()["results"]
    assert [r["kind"] for r in unread] == ["daily_report.remind"]
    assert client.post("/api/v1/notifications/read/", {"all": True}, content_type="application/json").json() == {
        "marked": 1
    }
    assert client.get("/api/v1/notifications/", {"read": "false"}).json()["count"] == 0
    assert client.get("/api/v1/notifications/", {"read": "true"}).json()["count"] == 2

    refused = client.post("/api/v1/notifications/read/", {}, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "validation_error"
    client.logout()
    assert client.get("/api/v1/notifications/").status_code == 403


def test_a_channel_refuses_an_address_that_is_not_http(db):
    from django.core.exceptions import ValidationError

    channel = WebhookChannel(name="x", kind=WebhookKind.WECOM, url="ftp://example.com/x", kind_prefixes="problem. a/b")
    with pytest.raises(ValidationError) as caught:
        channel.full_clean()
    assert set(caught.value.message_dict) == {"url", "kind_prefixes"}


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_send_each_message_once(robot):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race is real on PostgreSQL (CI's second pass)")
    from django.db import connections

    webhook(robot.url)
    for number in range(40):
        notify([draft(UserFactory(), key=f"problem.overdue:{number}:20261120T1730")])
    errors, barrier = [], threading.Barrier(4)

    def deliver():
        try:
            barrier.wait()
            deliver_notifications.run()
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(robot.received) == 40
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 40


def test_staff_add_a_group_chat_in_the_configuration_and_it_is_audited(client, db):
    admin = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    form = client.get("/admin/core/webhookchannel/add/")
    assert form.status_code == 200
    assert 'type="password"' in form.content.decode()
    response = client.post("/admin/core/webhookchannel/add/", {
        "name": "创城办督查群", "kind": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=T",
        "secret": "SECabc", "kind_prefixes": "problem.escalated", "is_active": "on",
    })  # fmt: skip
    assert response.status_code == 302
    channel = WebhookChannel.objects.get()
    assert (channel.kind, channel.secret, channel.prefixes) == ("dingtalk", "SECabc", ["problem.escalated"])
    event = AuditEvent.objects.get(action="admin.core.webhookchannel.add")
    assert event.actor == admin
    assert "SECabc" not in json.dumps(event.data)
