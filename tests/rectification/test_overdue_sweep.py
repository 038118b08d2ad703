"""The overdue sweep: marks, notifies the unit's head once per deadline, escalates to the leaders after the
configured working time, and never writes a notice twice."""

import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaign.choices import MembershipRole
from campaign.services import leader_assign, membership_set
from core.models import Notification
from rectification.choices import ProblemSource
from rectification.models import Problem, RectificationSettings
from rectification.problems import problem_create
from rectification.sweeps import overdue_sweep
from rectification.workflow import (
    problem_accept,
    problem_approve_extension,
    problem_assign,
    problem_request_extension,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("english")
TZ = ZoneInfo("Asia/Shanghai")
# Monday 2026-11-16 09:00; the default calendar works 08:30–12:00 and 14:00–17:30, Monday to Friday.
DEADLINE = datetime.datetime(2026, 11, 16, 9, 0, tzinfo=TZ)


def assigned_problem(city, *, deadline=DEADLINE, point=True):
    problem = problem_create(actor=city.users["inspector"], campaign=city.campaign, source=ProblemSource.INSPECTION,
                             description="垃圾桶满溢", point=city.point if point else None,
                             address="" if point else "东华路")  # fmt: skip
    return problem_assign(actor=city.users["office"], problem=problem, unit=city.community, deadline=deadline)


@pytest.fixture
def head(city):
    user = UserFactory(username="head_xf", role="unit_head")
    membership_set(actor=None, unit=city.community, user=user, role=MembershipRole.HEAD)
    return user


def notices(kind):
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_an_overdue_problem_is_marked_and_its_head_notified_once(city, head):
    problem = assigned_problem(city)
    before = overdue_sweep(now=DEADLINE - datetime.timedelta(minutes=1))
    assert (before.marked, before.notified) == (0, 0)
    now = DEADLINE + datetime.timedelta(minutes=5)
    result = overdue_sweep(now=now)
    assert (result.marked, result.overdue, result.notified) == (1, 1, 1)
    assert Problem.objects.get(pk=problem.pk).overdue_at == now
    assert notices("problem.overdue") == ["head_xf"]  # the head, not the liaison
    again = overdue_sweep(now=now + datetime.timedelta(minutes=10))
    assert (again.marked, again.notified) == (0, 0)
    assert Notification.objects.count() == 1
    notice = Notification.objects.get()
    # In the office's language whatever language the sweep runs in, as bulletins are.
    assert notice.title == f"已超期：{problem.reference}"
    assert notice.body == "垃圾桶满溢——处置时限为 2026-11-16 09:00。"
    assert notice.link == f"/problems/{problem.pk}/"
    assert notice.key == f"problem.overdue:{problem.pk}:20261116T0900:{head.pk}"


def test_without_a_head_the_liaisons_are_told(city):
    assigned_problem(city)
    overdue_sweep(now=DEADLINE + datetime.timedelta(hours=1))
    assert notices("problem.overdue") == ["liaison"]


def test_escalation_waits_for_the_configured_working_hours_and_reaches_every_leader_once(city, head):
    RectificationSettings.objects.create(campaign=city.campaign, escalate_after_hours=4)
    road_leader = UserFactory(username="road_leader", role="leader")
    leader_assign(actor=None, leader=road_leader, point=city.point)
    assigned_problem(city)
    # Monday 09:00 + 4 working hours = 15:00: three hours to noon, the lunch break does not count, one after 14:00.
    overdue_sweep(now=datetime.datetime(2026, 11, 16, 14, 59, tzinfo=TZ))
    assert notices("problem.escalated") == []
    result = overdue_sweep(now=datetime.datetime(2026, 11, 16, 15, 1, tzinfo=TZ))
    # The street's leader (the street is above the community) and the point's leader.
    assert notices("problem.escalated") == ["leader", "road_leader"]
    assert result.escalated == 2
    assert overdue_sweep(now=datetime.datetime(2026, 11, 17, 9, 0, tzinfo=TZ)).escalated == 0


def test_a_new_deadline_is_a_new_step(city, head):
    problem = assigned_problem(city)
    overdue_sweep(now=DEADLINE + datetime.timedelta(hours=1))
    until = datetime.datetime(2026, 11, 18, 17, 30, tzinfo=TZ)
    with mock.patch("django.utils.timezone.now", return_value=DEADLINE + datetime.timedelta(hours=2)):
        problem = problem_accept(actor=city.users["unit"], problem=problem)
        problem = problem_request_extension(actor=city.users["unit"], problem=problem, until=until, note="需采购")
        problem = problem_approve_extension(actor=city.users["office"], problem=problem)
    assert problem.overdue_at is None
    assert overdue_sweep(now=DEADLINE + datetime.timedelta(hours=3)).notified == 0
    assert overdue_sweep(now=until + datetime.timedelta(minutes=1)).notified == 1
    assert Notification.objects.filter(kind="problem.overdue").count() == 2


def test_submitted_suspended_and_closed_problems_are_not_overdue(city, head):
    problem = assigned_problem(city)
    Problem.objects.filter(pk=problem.pk).update(status="submitted")
    assert overdue_sweep(now=DEADLINE + datetime.timedelta(days=3)).overdue == 0


def test_the_sweep_costs_the_same_queries_for_few_and_many_problems(city, head):
    def queries_for(count):
        Notification.objects.all().delete()
        Problem.objects.update(overdue_at=None)
        with CaptureQueriesContext(connection) as queries:
            overdue_sweep(now=DEADLINE + datetime.timedelta(days=2))
        return len(queries)

    assigned_problem(city)
    few = queries_for(1)
    for _ in range(12):
        assigned_problem(city)
    assert queries_for(13) == few


def test_notifications_page_and_marking_read(client, city, head):
    problem = assigned_problem(city)
    overdue_sweep(now=DEADLINE + datetime.timedelta(hours=1))
    client.force_login(head)
    page = client.get("/notifications/", {"read": "false"})
    assert page.context["unread_notifications"] == 1
    (notice,) = page.context["object_list"]
    response = client.post("/notifications/read/", {"id": notice.pk})
    assert response["Location"] == f"/problems/{problem.pk}/"
    assert Notification.objects.get().read_at is not None
    assert list(client.get("/notifications/", {"read": "false"}).context["object_list"]) == []
    client.force_login(city.users["office"])
    assert client.post("/notifications/read/", {"id": notice.pk}).status_code == 404


def test_the_sweep_is_a_scheduled_celery_task(city, head):
    from django.core.management import call_command
    from django_celery_beat.models import PeriodicTask

    from rectification.tasks import overdue_sweep as task

    call_command("sync_schedules")
    scheduled = PeriodicTask.objects.get(name="rectification.overdue_sweep")
    assert (scheduled.task, scheduled.interval.every, scheduled.enabled) == ("rectification.overdue_sweep", 600, True)
    assigned_problem(city, deadline=datetime.datetime(2026, 1, 5, 9, 0, tzinfo=TZ))
    task.apply()
    assert notices("problem.overdue") == ["head_xf"]
