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


def queries_for_sweep(**kwargs) -> int:
    """The queries of a first sweep over the problems there are (their notices and stamps cleared)."""
    Notification.objects.all().delete()
    Problem.objects.update(overdue_at=None, escalated_at=None)
    with CaptureQueriesContext(connection) as queries:
        overdue_sweep(now=DEADLINE + datetime.timedelta(days=2), **kwargs)
    return len(queries)


def test_the_sweep_costs_the_same_queries_for_few_and_many_problems(city, head):
    assigned_problem(city)
    few = queries_for_sweep()
    for _ in range(12):
        assigned_problem(city)
    assert queries_for_sweep() == few
    assert Notification.objects.filter(kind="problem.overdue").count() == 13
    assert Notification.objects.filter(kind="problem.escalated").count() == 13


def test_each_batch_costs_the_same_queries(city, head):
    for _ in range(12):
        assigned_problem(city)
    one, two, three = (queries_for_sweep(batch_size=size) for size in (12, 6, 4))
    assert two - one == three - two > 0


def test_a_run_stops_at_its_limit_and_the_next_takes_up_the_rest(city, head):
    problems = [assigned_problem(city) for _ in range(5)]
    now = DEADLINE + datetime.timedelta(hours=1)
    runs = [overdue_sweep(now=now, limit=2, batch_size=1) for _ in range(3)]
    assert [(run.marked, run.notified, run.more) for run in runs] == [(2, 2, True), (2, 2, True), (1, 1, False)]
    assert sorted(Notification.objects.values_list("key", flat=True)) == sorted(
        f"problem.overdue:{problem.pk}:20261116T0900:{head.pk}" for problem in problems
    )
    assert overdue_sweep(now=now, limit=2).notified == 0


@pytest.mark.django_db(transaction=True)
def test_a_sweep_waits_for_a_notice_another_has_not_committed_and_does_not_write_it_again(city, head):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one transaction write at a time")
    import threading
    import time

    from django.db import connections, transaction

    problem = assigned_problem(city)
    key = f"problem.overdue:{problem.pk}:20261116T0900:{head.pk}"
    written, release = threading.Event(), threading.Event()

    def other_sweep():
        with transaction.atomic():
            Notification.objects.create(recipient=head, kind="problem.overdue", key=key, title="已超期")
            written.set()
            release.wait(timeout=10)
        connections.close_all()

    other = threading.Thread(target=other_sweep)
    other.start()
    assert written.wait(timeout=10)
    threading.Timer(0.5, release.set).start()
    start = time.monotonic()
    result = overdue_sweep(now=DEADLINE + datetime.timedelta(hours=1))
    waited = time.monotonic() - start
    other.join()
    assert (result.marked, result.notified) == (1, 0)
    assert waited >= 0.4  # held up by the other transaction's key until it committed
    assert list(Notification.objects.values_list("key", flat=True)) == [key]


def test_notify_writes_a_key_once_and_counts_only_the_new(city, head):
    from core.notifications import Draft, notify

    drafts = [Draft(recipient_id=head.pk, kind="test", key=f"test:{n}", title=f"第{n}条") for n in range(3)]
    assert notify(drafts[:2]) == 2
    assert notify([*drafts, drafts[2]]) == 1
    assert sorted(Notification.objects.values_list("title", flat=True)) == ["第0条", "第1条", "第2条"]


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


def test_a_task_stopped_at_its_limit_queues_the_next_run(city, head, monkeypatch):
    from rectification import sweeps
    from rectification.tasks import overdue_sweep as task

    for _ in range(3):
        assigned_problem(city, deadline=datetime.datetime(2026, 1, 5, 9, 0, tzinfo=TZ))
    sweep = sweeps.overdue_sweep
    monkeypatch.setattr(sweeps, "overdue_sweep", lambda: sweep(limit=2))
    queued = []
    monkeypatch.setattr(task, "delay", lambda *args, **kwargs: queued.append((args, kwargs)))
    task.apply()
    assert (len(notices("problem.overdue")), queued) == (2, [((), {})])
    task.apply()
    assert (len(notices("problem.overdue")), queued) == (3, [((), {})])
