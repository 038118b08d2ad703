"""The daily dispatch (日调度): who issues, who answers, what is refused, when an order is overdue, who is told,
and the pages: list with filters and Excel, the issue form, an order's page for the office and for a unit."""

import datetime
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from campaign.choices import DispatchPriority, DispatchSource, DispatchTargetStatus
from campaign.dispatch import (
    dispatch_acknowledge,
    dispatch_complete,
    dispatch_counters,
    dispatch_notify,
    dispatch_order_cancel,
    dispatch_order_issue,
    dispatch_order_list,
    dispatch_overdue_targets,
    dispatch_target_list,
    dispatch_targets_of_unit,
)
from campaign.models import DispatchEvidence, DispatchOrder, DispatchTarget
from core.errors import DomainError
from core.images import image_clean
from core.models import AuditEvent, Notification
from tests.factories import CampaignFactory, UnitFactory

S = DispatchTargetStatus
TZ = ZoneInfo("Asia/Shanghai")
# A fixed past morning: orders issued then are overdue by now, whatever day the tests run.
T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def community_head(city):
    """The community's head (一把手), beside its liaison."""
    from campaign.choices import MembershipRole
    from campaign.services import membership_set
    from core.choices import Role
    from tests.factories import UserFactory

    head = UserFactory(username="community_head", role=Role.UNIT_HEAD)
    membership_set(actor=None, unit=city.community, user=head, role=MembershipRole.HEAD)
    return head


def exactly(message):
    return f"^{re.escape(message)}"


def a_photo(color="red"):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, "JPEG")
    return image_clean(buffer.getvalue())


def a_jpeg(name="after.jpg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "blue").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def issue(city, units=None, *, now=None, deadline=None, **fields):
    now = now or timezone.now()
    fields.setdefault("title", "背街小巷积存垃圾清运")
    return dispatch_order_issue(
        actor=city.users["office"], campaign=city.campaign, units=units or [city.community], now=now,
        deadline=deadline or now + datetime.timedelta(days=1), **fields,
    )  # fmt: skip


def target_of(order, unit):
    return DispatchTarget.objects.get(order=order, unit=unit)


def audit_count(action):
    return AuditEvent.objects.filter(action=action).count()


# Issuing ------------------------------------------------------------------------------------------------------


def test_the_office_issues_an_order_and_each_units_people_are_told_once(city, community_head):
    order = issue(city, [city.elsewhere, city.community, city.community], content="做到日产日清")
    assert sorted(order.targets.values_list("unit__code", flat=True)) == ["LY", "XF"]
    assert order.date == timezone.localdate()
    assert (order.issued_by, order.follow_up_by) == (city.users["office"], city.users["office"])
    told = Notification.objects.filter(kind="dispatch.issued")
    assert sorted(told.values_list("recipient__username", flat=True)) == ["community_head", "liaison", "liaison_ly"]
    notice = told.get(recipient=city.users["unit"])
    assert notice.title.endswith("背街小巷积存垃圾清运")
    assert notice.link == f"/dispatch/{order.pk}/"
    assert "幸福社区" in notice.body and "做到日产日清" in notice.body
    # Never twice: the same step again writes nothing.
    assert dispatch_notify(order=order, step="issued") == 0
    assert told.count() == 3
    event = AuditEvent.objects.get(action="campaign.dispatch.issue")
    assert sorted(event.data["units"]) == sorted([city.community.pk, city.elsewhere.pk])


@pytest.mark.parametrize("who", ["unit", "street", "leader", "inspector"])
def test_only_the_office_issues_orders(city, who):
    with pytest.raises(DomainError, match=exactly("Only the command office issues dispatch orders.")) as refused:
        dispatch_order_issue(actor=city.users[who], campaign=city.campaign, units=[city.community], title="x",
                             deadline=timezone.now() + datetime.timedelta(days=1))  # fmt: skip
    assert refused.value.code == "forbidden"
    assert not DispatchOrder.objects.exists() and not Notification.objects.exists()


def test_bad_orders_are_refused_with_reasons_and_create_nothing(city):
    other_campaign_unit = UnitFactory(campaign=CampaignFactory(), code="X", name="外市社区")
    closed = UnitFactory(campaign=city.campaign, code="OLD", name="撤并社区", is_active=False)
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    cases = [
        ({"units": []}, "units", "Name at least one unit."),
        ({"units": [other_campaign_unit]}, "units", "Choose units of this campaign."),
        ({"units": [closed]}, "units", "No longer active: 撤并社区."),
        ({"deadline": timezone.now() - datetime.timedelta(minutes=1)}, "deadline", "The deadline has passed already."),
        ({"date": timezone.localdate() + datetime.timedelta(days=5)}, "deadline",
         "The deadline comes before the dispatch date."),
        ({"source": DispatchSource.MEETING}, "meeting", "Name the meeting the commitment was made at."),
        ({"follow_up_by": city.users["leader"]}, "follow_up_by",
         "Orders are followed up by a member of the command office."),
        ({"title": ""}, "title", "This field cannot be blank."),
    ]  # fmt: skip
    for change, field, message in cases:
        arguments = {"units": [city.community], "title": "清运", "deadline": tomorrow, **change}
        with pytest.raises(ValidationError) as refused:
            dispatch_order_issue(actor=city.users["office"], campaign=city.campaign, **arguments)
        assert refused.value.message_dict[field] == [message], change
    assert not DispatchOrder.objects.exists() and not DispatchTarget.objects.exists()
    assert not Notification.objects.exists() and not audit_count("campaign.dispatch.issue")


def test_a_meeting_commitment_is_recorded_with_the_meeting_and_its_owner(city):
    office2 = city.users["office2"]
    order = issue(city, source=DispatchSource.MEETING, meeting="第12次创城调度会", follow_up_by=office2,
                  priority=DispatchPriority.URGENT)  # fmt: skip
    order.refresh_from_db()
    assert (order.source, order.meeting, order.follow_up_by, order.priority) == (
        "meeting", "第12次创城调度会", office2, "urgent",
    )  # fmt: skip


# Answering ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["street", "leader", "inspector", "office", "admin", "other_unit"])
def test_only_the_named_units_own_head_or_liaison_answers(city, who):
    """Not the street above the community, not its leader, not the office on its behalf."""
    target = target_of(issue(city), city.community)
    not_yours = exactly("Only the head or a liaison of 幸福社区 answers this order.")
    for answer in (lambda: dispatch_acknowledge(actor=city.users[who], target=target),
                   lambda: dispatch_complete(actor=city.users[who], target=target, note="已完成")):  # fmt: skip
        with pytest.raises(DomainError, match=not_yours) as refused:
            answer()
        assert refused.value.code == "forbidden"
    target.refresh_from_db()
    assert (target.acknowledged_at, target.completed_at) == (None, None)
    assert not audit_count("campaign.dispatch.acknowledge") and not audit_count("campaign.dispatch.complete")


def test_the_units_head_and_liaison_both_answer(city, community_head):
    order = issue(city)
    target = dispatch_acknowledge(actor=community_head, target=target_of(order, city.community))
    assert target.acknowledged_by == community_head
    target = dispatch_complete(actor=city.users["unit"], target=target, note="已清运3处")
    assert (target.completed_by, target.completion_note) == (city.users["unit"], "已清运3处")
    assert target.acknowledged_by == community_head


def test_acknowledging_and_reporting_done_twice_are_harmless(city, community_head):
    target = target_of(issue(city), city.community)
    first = dispatch_acknowledge(actor=city.users["unit"], target=target)
    again = dispatch_acknowledge(actor=community_head, target=target)
    assert (again.acknowledged_at, again.acknowledged_by) == (first.acknowledged_at, city.users["unit"])
    assert audit_count("campaign.dispatch.acknowledge") == 1
    done = dispatch_complete(actor=city.users["unit"], target=target, note="已清运", photos=[a_photo()])
    twice = dispatch_complete(actor=city.users["unit"], target=target, note="再报一次", photos=[a_photo("blue")])
    assert (twice.completed_at, twice.completion_note) == (done.completed_at, "已清运")
    assert DispatchEvidence.objects.filter(target=target).count() == 1
    assert audit_count("campaign.dispatch.complete") == 1


def test_reporting_done_acknowledges_needs_a_note_and_takes_photos_if_any(city):
    order = issue(city, [city.community, city.elsewhere])
    target = target_of(order, city.community)
    with pytest.raises(DomainError, match=exactly("Say what was done.")) as refused:
        dispatch_complete(actor=city.users["unit"], target=target, note="  ", photos=[a_photo()])
    assert refused.value.code == "note_required" and not DispatchEvidence.objects.exists()
    done = dispatch_complete(actor=city.users["unit"], target=target, note="已清运", photos=[a_photo(), a_photo()])
    assert done.acknowledged_at == done.completed_at and done.acknowledged_by == city.users["unit"]
    assert [p.uploaded_by for p in done.evidence.all()] == [city.users["unit"]] * 2
    # Photos are optional: an order with nothing to photograph is reported with a note.
    elsewhere = target_of(order, city.elsewhere)
    plain = dispatch_complete(actor=city.users["other_unit"], target=elsewhere, note="已召开专题会")
    assert plain.completed_at is not None and not plain.evidence.exists()
    event = AuditEvent.objects.filter(action="campaign.dispatch.complete").first()
    assert event.data["late"] is False


def test_a_cancelled_order_takes_no_answers_and_the_units_are_told(city, community_head):
    order = issue(city, [city.community, city.elsewhere])
    target = target_of(order, city.community)
    with pytest.raises(DomainError, match=exactly("Say why the order is cancelled.")):
        dispatch_order_cancel(actor=city.users["office"], order=order, reason=" ")
    with pytest.raises(DomainError, match=exactly("Only the command office cancels dispatch orders.")):
        dispatch_order_cancel(actor=city.users["unit"], order=order, reason="不需要了")
    cancelled = dispatch_order_cancel(actor=city.users["office"], order=order, reason="已并入第13次调度会部署")
    assert cancelled.is_cancelled and cancelled.cancel_reason == "已并入第13次调度会部署"
    again = dispatch_order_cancel(actor=city.users["office"], order=order, reason="另一个理由")
    assert (again.cancelled_at, again.cancel_reason) == (cancelled.cancelled_at, "已并入第13次调度会部署")
    assert audit_count("campaign.dispatch.cancel") == 1
    for answer in (lambda: dispatch_acknowledge(actor=city.users["unit"], target=target),
                   lambda: dispatch_complete(actor=city.users["unit"], target=target, note="已完成")):  # fmt: skip
        with pytest.raises(DomainError, match=exactly("The order was cancelled: 已并入第13次调度会部署")) as refused:
            answer()
        assert refused.value.code == "cancelled"
    assert target_of(order, city.community).status() == S.CANCELLED
    told = Notification.objects.filter(kind="dispatch.cancelled")
    assert sorted(told.values_list("recipient__username", flat=True)) == ["community_head", "liaison", "liaison_ly"]


def test_an_order_every_unit_has_done_cannot_be_cancelled(city):
    order = issue(city)
    dispatch_complete(actor=city.users["unit"], target=target_of(order, city.community), note="已完成")
    with pytest.raises(DomainError, match=exactly("Every unit has reported this order done")):
        dispatch_order_cancel(actor=city.users["office"], order=order, reason="撤回")
    assert not DispatchOrder.objects.get(pk=order.pk).is_cancelled


# Status and overdue -------------------------------------------------------------------------------------------


def states(city):
    """Five dispatched units, one in each state as of T0 + 2 days: issued, acknowledged, done, overdue, cancelled."""
    later = T0 + datetime.timedelta(days=3)
    open_order = issue(city, [city.community, city.neighbour, city.elsewhere], now=T0, deadline=later)
    dispatch_acknowledge(actor=city.users["unit"], target=target_of(open_order, city.community))
    dispatch_complete(actor=city.users["other_unit"], target=target_of(open_order, city.elsewhere), note="已完成")
    late_order = issue(city, [city.street], now=T0, deadline=T0 + datetime.timedelta(days=1), title="逾期")
    cancelled = issue(city, [city.neighbour], now=T0, deadline=later, title="撤销")
    dispatch_order_cancel(actor=city.users["office"], order=cancelled, reason="不再需要")
    return {
        S.ACKNOWLEDGED: target_of(open_order, city.community),
        S.ISSUED: target_of(open_order, city.neighbour),
        S.DONE: target_of(open_order, city.elsewhere),
        S.OVERDUE: target_of(late_order, city.street),
        S.CANCELLED: target_of(cancelled, city.neighbour),
    }


def test_each_status_is_the_same_for_one_row_and_in_sql(city):
    expected = states(city)
    now = T0 + datetime.timedelta(days=2)
    in_sql = dict(dispatch_target_list(user=city.users["office"], now=now).values_list("pk", "state"))
    for status, target in expected.items():
        assert target.status(now=now) == status
        assert in_sql[target.pk] == status
    # Once every deadline has passed, everything not done or cancelled is overdue.
    much_later = T0 + datetime.timedelta(days=10)
    assert sorted(dispatch_target_list(user=city.users["office"], now=much_later).values_list("state", flat=True)) == [
        S.CANCELLED, S.DONE, S.OVERDUE, S.OVERDUE, S.OVERDUE,
    ]  # fmt: skip
    assert list(DispatchTarget.objects.filter(DispatchTarget.overdue_q(now=now))) == [expected[S.OVERDUE]]


def test_the_bulletins_overdue_list_is_as_the_day_stood(city):
    expected = states(city)
    day_after = (T0 + datetime.timedelta(days=1)).date()  # the overdue order's deadline is 09:00 that day
    overdue = list(dispatch_overdue_targets(campaign=city.campaign, date=day_after))
    assert overdue == [expected[S.OVERDUE]]
    assert list(dispatch_overdue_targets(campaign=city.campaign, date=T0.date())) == []
    # Reported done today, it stays overdue on that past day's list, and leaves today's.
    dispatch_complete(actor=city.users["street"], target=expected[S.OVERDUE], note="已补办")
    assert list(dispatch_overdue_targets(campaign=city.campaign, date=day_after)) == [expected[S.OVERDUE]]
    today = timezone.localdate()
    remaining = set(dispatch_overdue_targets(campaign=city.campaign, date=today))
    assert remaining == {expected[S.ACKNOWLEDGED], expected[S.ISSUED]}
    assert AuditEvent.objects.filter(action="campaign.dispatch.complete").first().data["late"] is True


def test_counts_and_a_units_orders(city):
    states(city)
    now = T0 + datetime.timedelta(days=2)
    counts = {o.title: (o.target_count, o.acknowledged_count, o.done_count, o.overdue_count)
              for o in dispatch_order_list(user=city.users["office"], now=now)}  # fmt: skip
    assert counts == {"背街小巷积存垃圾清运": (3, 2, 1, 0), "逾期": (1, 0, 0, 1), "撤销": (1, 0, 0, 0)}
    # A community sees its own part of an order naming several.
    mine = {o.title: (o.target_count, [t.unit.code for t in o.shown_targets])
            for o in dispatch_order_list(user=city.users["unit"], now=now)}  # fmt: skip
    assert mine == {"背街小巷积存垃圾清运": (1, ["XF"])}
    assert [t.state for t in dispatch_targets_of_unit(unit=city.street, now=now)] == [S.OVERDUE]
    assert dispatch_counters(user=city.users["street"], campaign=city.campaign, now=now) == {
        "open": 1, "unacknowledged": 1, "due_today": 0, "overdue": 1,
    }  # fmt: skip
    # A leader counts the units they oversee: the street and its two communities.
    assert dispatch_counters(user=city.users["leader"], campaign=city.campaign, now=now) == {
        "open": 3, "unacknowledged": 2, "due_today": 0, "overdue": 1,
    }  # fmt: skip


# Pages --------------------------------------------------------------------------------------------------------


def test_the_office_issues_an_order_on_the_form(client, city):
    client.force_login(city.users["office"])
    assert client.get("/dispatch/new/").status_code == 200
    deadline = timezone.localtime(timezone.now() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    data = {"date": timezone.localdate().isoformat(), "priority": "important", "source": "meeting", "meeting": "",
            "title": "门前三包", "content": "三日内完成", "deadline": deadline,
            "units": [city.community.pk, city.neighbour.pk]}  # fmt: skip
    response = client.post("/dispatch/new/", data)
    assert response.status_code == 200
    assert response.context["form"].errors == {"meeting": ["Name the meeting the commitment was made at."]}
    response = client.post("/dispatch/new/", {**data, "meeting": "第12次调度会"})
    order = DispatchOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/dispatch/{order.pk}/"
    assert (order.follow_up_by, order.meeting, order.targets.count()) == (city.users["office"], "第12次调度会", 2)
    response = client.post("/dispatch/new/", {**data, "meeting": "x", "deadline": "2020-01-01T10:00",
                                              "date": "2020-01-01"})  # fmt: skip
    assert response.context["form"].errors == {"deadline": ["The deadline has passed already."]}
    client.force_login(city.users["unit"])
    assert client.get("/dispatch/new/").status_code == 404


def test_a_unit_acknowledges_and_reports_done_on_the_orders_page(client, city):
    order = issue(city, [city.community, city.elsewhere], content="清理楼道堆放杂物")
    target = target_of(order, city.community)
    client.force_login(city.users["unit"])
    page = client.get(f"/dispatch/{order.pk}/").content.decode()
    assert "清理楼道堆放杂物" in page and "幸福社区" in page and "柳荫社区" not in page
    assert f"/dispatch/targets/{target.pk}/acknowledge/" in page and "Cancel the order" not in page
    response = client.post(f"/dispatch/targets/{target.pk}/acknowledge/")
    assert response.status_code == 302 and response["Location"] == f"/dispatch/{order.pk}/"
    response = client.post(f"/dispatch/targets/{target.pk}/complete/", {"note": ""}, follow=True)
    assert "What was done: This field is required." in response.content.decode()
    client.post(f"/dispatch/targets/{target.pk}/complete/", {"note": "已清理", "photos": [a_jpeg(), a_jpeg("b.jpg")]})
    target.refresh_from_db()
    assert target.completion_note == "已清理" and target.evidence.count() == 2
    photo = target.evidence.first()
    page = client.get(f"/dispatch/{order.pk}/").content.decode()
    assert f"/dispatch/targets/{target.pk}/evidence/{photo.pk}/?size=thumb" in page
    response = client.get(f"/dispatch/targets/{target.pk}/evidence/{photo.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    # The street's head sees the answer but does not answer for the community.
    client.force_login(city.users["street"])
    assert client.get(f"/dispatch/targets/{target.pk}/evidence/{photo.pk}/?size=thumb").status_code == 200
    response = client.post(f"/dispatch/targets/{target.pk}/complete/", {"note": "x"}, follow=True)
    assert "Only the head or a liaison of 幸福社区 answers this order." in response.content.decode()
    # Another community sees neither the answer nor the photo.
    client.force_login(city.users["other_unit"])
    assert client.get(f"/dispatch/targets/{target.pk}/evidence/{photo.pk}/").status_code == 404
    assert client.post(f"/dispatch/targets/{target.pk}/acknowledge/").status_code == 404
    assert "已清理" not in client.get(f"/dispatch/{order.pk}/").content.decode()


def test_the_office_cancels_on_the_orders_page(client, city):
    order = issue(city)
    client.force_login(city.users["office"])
    page = client.get(f"/dispatch/{order.pk}/").content.decode()
    assert "Cancel the order" in page and "/acknowledge/" not in page
    response = client.post(f"/dispatch/{order.pk}/cancel/", {"reason": ""}, follow=True)
    assert "Say why the order is cancelled." in response.content.decode()
    client.post(f"/dispatch/{order.pk}/cancel/", {"reason": "任务调整"})
    assert DispatchOrder.objects.get(pk=order.pk).cancel_reason == "任务调整"
    assert "Cancelled at" in client.get(f"/dispatch/{order.pk}/").content.decode()
    client.force_login(city.users["unit"])
    assert client.post(f"/dispatch/{order.pk}/cancel/", {"reason": "x"}).status_code == 404


def test_the_list_renders_for_a_unit_and_for_the_office_and_home_shows_the_counts(client, city):
    states(city)
    client.force_login(city.users["street"])
    page = client.get("/dispatch/").content.decode()
    assert "逾期" in page and "My units only" in page and "Issue an order" not in page
    home = client.get("/my-units/").content.decode()
    assert '<div class="fs-4" data-testid="dispatch-open">1</div>' in home
    assert 'data-testid="dispatch-overdue">1</div>' in home and "/dispatch/?mine=true" in home
    client.force_login(city.users["office"])
    page = client.get("/dispatch/").content.decode()
    assert "Issue an order" in page and "My units only" not in page and "撤销" in page


def titles(response):
    return sorted(order.title for order in response.context["object_list"])


def test_the_list_filters(client, city):
    states(city)
    issue(city, [city.elsewhere], title="会议承诺", source=DispatchSource.MEETING, meeting="第5次调度会",
          priority=DispatchPriority.URGENT, now=T0 + datetime.timedelta(days=5),
          deadline=T0 + datetime.timedelta(days=6))  # fmt: skip
    client.force_login(city.users["office"])
    every = ["会议承诺", "撤销", "背街小巷积存垃圾清运", "逾期"]
    assert titles(client.get("/dispatch/")) == every
    assert titles(client.get("/dispatch/", {"overdue": "true"})) == ["会议承诺", "背街小巷积存垃圾清运", "逾期"]
    assert titles(client.get("/dispatch/", {"status": "done"})) == ["背街小巷积存垃圾清运"]
    assert titles(client.get("/dispatch/", {"status": "cancelled"})) == ["撤销"]
    assert titles(client.get("/dispatch/", {"unit": city.street.pk})) == ["撤销", "背街小巷积存垃圾清运", "逾期"]
    assert titles(client.get("/dispatch/", {"priority": "urgent"})) == ["会议承诺"]
    assert titles(client.get("/dispatch/", {"source": "meeting"})) == ["会议承诺"]
    assert titles(client.get("/dispatch/", {"q": "第5次"})) == ["会议承诺"]
    assert titles(client.get("/dispatch/", {"date_after": "2026-03-05"})) == ["会议承诺"]
    assert titles(client.get("/dispatch/", {"date_before": "2026-03-02"})) == ["撤销", "背街小巷积存垃圾清运", "逾期"]
    # The unit filters hold together: 柳荫社区 is done in the first order and overdue in the new one.
    assert titles(client.get("/dispatch/", {"unit": city.elsewhere.pk, "status": "done"})) == ["背街小巷积存垃圾清运"]
    assert titles(client.get("/dispatch/", {"unit": city.elsewhere.pk, "overdue": "true"})) == ["会议承诺"]
    not_overdue = client.get("/dispatch/", {"unit": city.elsewhere.pk, "overdue": "false"})
    assert titles(not_overdue) == ["背街小巷积存垃圾清运"]
    assert titles(client.get("/dispatch/", {"unit": city.community.pk, "overdue": "false"})) == []
    assert titles(client.get("/dispatch/", {"date_after": "not a date"})) == []
    # "My units only": the street's head has the street's own order, not its communities'.
    client.force_login(city.users["street"])
    assert titles(client.get("/dispatch/")) == ["撤销", "背街小巷积存垃圾清运", "逾期"]
    assert titles(client.get("/dispatch/", {"mine": "true"})) == ["逾期"]
    client.force_login(city.users["other_unit"])
    assert titles(client.get("/dispatch/", {"status": "overdue"})) == ["会议承诺"]


def test_the_list_exports_to_excel(client, city):
    states(city)
    client.force_login(city.users["office"])
    response = client.get("/dispatch/", {"q": "逾期", "export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:8] == ("Dispatch date", "Priority", "Source", "Meeting", "Title", "Orders", "Deadline",
                          "Units and status")  # fmt: skip
    assert len(rows) == 2
    row = dict(zip(header, rows[1], strict=True))
    assert (row["Title"], row["Units and status"]) == ("逾期", "东华街道（Overdue）")
    assert (row["Units"], row["Acknowledged"], row["Done"], row["Overdue"]) == (1, 0, 0, 1)
    office = str(city.users["office"])
    assert (row["Followed up by"], row["Issued by"], row["Source"]) == (office, office, "Daily dispatch (日调度)")
    assert AuditEvent.objects.filter(action="export.xlsx").exists()
    # A unit's export holds what it sees: its own part of each order.
    client.force_login(city.users["unit"])
    sheet = load_workbook(io.BytesIO(client.get("/dispatch/", {"export": "xlsx"}).content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [r[4] for r in rows[1:]] == ["背街小巷积存垃圾清运"]
    assert rows[1][7] == "幸福社区（Overdue）"  # acknowledged, but its deadline has passed


def test_the_list_page_costs_the_same_queries_at_two_sizes(client, city):
    def count(who):
        client.force_login(city.users[who])
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/dispatch/").status_code == 200
            assert client.get("/dispatch/", {"unit": city.community.pk, "status": "done"}).status_code == 200
        return len(queries)

    def add(number):
        for n in range(number):
            order = issue(city, [city.community, city.neighbour, city.elsewhere], title=f"调度{n}")
            dispatch_complete(actor=city.users["unit"], target=target_of(order, city.community), note="已完成",
                              photos=[a_photo()])  # fmt: skip

    add(2)
    small = {who: count(who) for who in ("office", "unit", "street")}
    add(12)
    assert {who: count(who) for who in ("office", "unit", "street")} == small


def test_the_orders_page_costs_the_same_queries_with_more_units_and_photos(client, city):
    client.force_login(city.users["office"])
    order = issue(city, [city.community])
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/dispatch/{order.pk}/").status_code == 200
    more = issue(city, [city.community, city.neighbour, city.elsewhere, city.street])
    dispatch_complete(actor=city.users["unit"], target=target_of(more, city.community), note="x",
                      photos=[a_photo(), a_photo()])  # fmt: skip
    dispatch_complete(actor=city.users["other_unit"], target=target_of(more, city.elsewhere), note="y",
                      photos=[a_photo()])  # fmt: skip
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"/dispatch/{more.pk}/").status_code == 200
    assert len(many) == len(few)


def test_the_demo_shows_a_commitment_an_overdue_order_and_one_done_and_seeds_them_once(demo, demo_users):
    from campaign.demo_seed import seed_demo

    targets = dispatch_target_list(user=demo_users["office"], campaign=demo.campaign)
    assert sorted(targets.values_list("unit__code", "state")) == [
        ("SFS-B-CGJ", S.ACKNOWLEDGED), ("SFS-DC-DH", S.ACKNOWLEDGED), ("SFS-DC-DH-HP", S.OVERDUE),
        ("SFS-DC-DH-XF", S.DONE), ("SFS-XC-XH-LY", S.OVERDUE),
    ]  # fmt: skip
    meeting = DispatchOrder.objects.get(campaign=demo.campaign, source=DispatchSource.MEETING)
    assert (meeting.meeting, meeting.follow_up_by) == ("第12次创城工作调度会", demo_users["office"])
    done = targets.get(unit__code="SFS-DC-DH-XF")
    assert done.completion_note and done.evidence.count() == 1
    rows = (DispatchOrder, DispatchTarget, DispatchEvidence, Notification, AuditEvent)
    before = [model.objects.count() for model in rows]
    seed_demo()
    assert [model.objects.count() for model in rows] == before
