"""The problem workflow: every legal move lands where the table says, every illegal one is refused and changes
nothing, the verifier is never the submitter, and the history is append-only."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from PIL import Image

from campaign.models import Point, Unit
from core.errors import DomainError
from core.images import image_clean
from core.models import AuditEvent
from rectification import workflow
from rectification.choices import ProblemSource, ProblemStatus
from rectification.models import HistoryImmutableError, Problem, ProblemCategory, ProblemTransition
from rectification.problems import problem_create

S = ProblemStatus

pytestmark = pytest.mark.usefixtures("english")


def a_photo(color="red"):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, "JPEG")
    return image_clean(buffer.getvalue())


TZ = ZoneInfo("Asia/Shanghai")
TABLE = ProblemTransition._meta.db_table


@pytest.fixture
def people(city):
    return city.users


def new_problem(city, people, **fields):
    return problem_create(
        actor=people["inspector"], campaign=city.campaign, source=ProblemSource.INSPECTION,
        description="垃圾桶满溢未及时清运", point=city.point, **fields,
    )  # fmt: skip


def in_status(problem, status, *, submitted_by=None, resume=""):
    """Put a problem in a state for a test of the moves out of it (setup only; the app never does this)."""
    Problem.objects.filter(pk=problem.pk).update(
        status=status, resume_status=resume or (S.RECTIFYING if status in (S.DISPUTED, S.EXTENSION_REQUESTED,
                                                                          S.SUSPENDED) else ""),
        submitted_by=submitted_by, deadline=datetime.datetime(2027, 1, 8, 17, 30, tzinfo=TZ),
    )  # fmt: skip
    return Problem.objects.get(pk=problem.pk)


def run(name, problem, people):
    """Make one move with the arguments it needs, as the office (or the inspector, for verification)."""
    unit = Unit.objects.get(code="XF")
    other = Unit.objects.get(code="HP")
    actor = people["inspector"] if name in ("verify", "return") else people["office"]
    note = "说明"
    calls = {
        "assign": lambda: workflow.problem_assign(actor=actor, problem=problem, unit=unit),
        "accept": lambda: workflow.problem_accept(actor=actor, problem=problem),
        "start": lambda: workflow.problem_start(actor=actor, problem=problem),
        "submit": lambda: workflow.problem_submit(actor=actor, problem=problem, note=note, photos=[a_photo()]),
        "verify": lambda: workflow.problem_verify(actor=actor, problem=problem),
        "return": lambda: workflow.problem_return(actor=actor, problem=problem, note=note),
        "dispute": lambda: workflow.problem_dispute(actor=actor, problem=problem, note=note),
        "decide_dispute": lambda: workflow.problem_decide_dispute(actor=actor, problem=problem, unit=other, note=note),
        "transfer": lambda: workflow.problem_transfer(actor=actor, problem=problem, unit=other, note=note),
        "request_extension": lambda: workflow.problem_request_extension(
            actor=actor, problem=problem, until=datetime.datetime(2027, 2, 1, 17, 30, tzinfo=TZ), note=note
        ),
        "approve_extension": lambda: workflow.problem_approve_extension(actor=actor, problem=problem),
        "reject_extension": lambda: workflow.problem_reject_extension(actor=actor, problem=problem, note=note),
        "suspend": lambda: workflow.problem_suspend(actor=actor, problem=problem, note=note),
        "resume": lambda: workflow.problem_resume(actor=actor, problem=problem),
        "cancel": lambda: workflow.problem_cancel(actor=actor, problem=problem, note=note),
    }
    assert set(calls) == set(workflow.TRANSITIONS)
    return calls[name]()


LEGAL = [(name, source) for name, t in workflow.TRANSITIONS.items() for source in sorted(t.sources)]
ILLEGAL = [(name, status) for name, t in workflow.TRANSITIONS.items() for status in S.values
           if status not in t.sources]  # fmt: skip


@pytest.mark.parametrize(("name", "source"), LEGAL)
def test_every_legal_move_lands_where_the_table_says(city, people, name, source):
    problem = in_status(new_problem(city, people), source)
    problem = run(name, problem, people)
    expected = workflow.TRANSITIONS[name].target or S.RECTIFYING  # interruptions resume where they were
    assert problem.status == expected
    assert Problem.objects.get(pk=problem.pk).status == expected
    last = problem.transitions.order_by("-id").first()
    assert (last.action, last.from_status, last.to_status) == (name, source, expected)
    assert AuditEvent.objects.filter(action=f"rectification.problem.{name}", object_id=str(problem.pk)).count() == 1


def test_the_table_covers_every_state_and_closed_problems_stay_closed():
    reachable = {t.target for t in workflow.TRANSITIONS.values() if t.target} | {S.NEW}
    assert reachable == set(S.values)
    assert not any(S.CLOSED in t.sources or S.CANCELLED in t.sources for t in workflow.TRANSITIONS.values())


@pytest.mark.parametrize(("name", "status"), ILLEGAL)
def test_every_illegal_move_is_refused_and_changes_nothing(city, people, name, status):
    problem = in_status(new_problem(city, people), status)
    history = problem.transitions.count()
    with pytest.raises(DomainError) as caught:
        run(name, problem, people)
    assert caught.value.code == "illegal_transition"
    assert "not possible while the problem is" in str(caught.value.message)
    assert Problem.objects.get(pk=problem.pk).status == status
    assert problem.transitions.count() == history


def test_a_problem_flows_from_finding_to_closing(city, people):
    problem = new_problem(city, people)
    assert (problem.status, problem.responsible_unit, problem.responsible_leader) == (
        S.NEW,
        city.community,
        "副区长 孙丽",
    )
    problem = workflow.problem_assign(actor=people["office"], problem=problem, unit=problem.responsible_unit)
    assert problem.deadline is not None and problem.deadline > problem.assigned_at
    problem = workflow.problem_accept(actor=people["unit"], problem=problem)
    problem = workflow.problem_start(actor=people["unit"], problem=problem)
    problem = workflow.problem_submit(
        actor=people["unit"], problem=problem, note="已清运并增设垃圾桶", photos=[a_photo()]
    )
    assert problem.submitted_by == people["unit"]
    problem = workflow.problem_verify(actor=people["inspector"], problem=problem)
    assert problem.status == S.CLOSED and problem.closed_at is not None
    steps = list(problem.transitions.values_list("action", "from_status", "to_status", "actor__username"))
    assert steps == [
        ("create", "", S.NEW, "inspector"),
        ("assign", S.NEW, S.ASSIGNED, "office"),
        ("accept", S.ASSIGNED, S.ACCEPTED, "liaison"),
        ("start", S.ACCEPTED, S.RECTIFYING, "liaison"),
        ("submit", S.RECTIFYING, S.SUBMITTED, "liaison"),
        ("verify", S.SUBMITTED, S.CLOSED, "inspector"),
    ]


def test_the_verifier_can_never_be_the_submitter(city, people):
    problem = in_status(new_problem(city, people), S.RECTIFYING)
    problem = workflow.problem_submit(
        actor=people["office"], problem=problem, note="电话确认已整改", photos=[a_photo()]
    )
    for move in (workflow.problem_verify, workflow.problem_return):
        with pytest.raises(DomainError, match="submitted the rectification cannot verify"):
            move(actor=people["office"], problem=problem, note="x")
    assert workflow.problem_verify(actor=people["office2"], problem=problem).status == S.CLOSED


def test_units_cannot_verify_and_other_units_cannot_act(city, people):
    problem = in_status(new_problem(city, people), S.ASSIGNED)
    Problem.objects.filter(pk=problem.pk).update(responsible_unit=city.community)
    with pytest.raises(DomainError, match="You may not"):
        workflow.problem_accept(actor=people["other_unit"], problem=problem)
    with pytest.raises(DomainError, match="You may not"):
        workflow.problem_accept(actor=people["leader"], problem=problem)
    # The head of the street above the community acts for it.
    problem = workflow.problem_accept(actor=people["street"], problem=problem)
    problem = workflow.problem_submit(actor=people["unit"], problem=problem, note="已整改", photos=[a_photo()])
    with pytest.raises(DomainError, match="You may not"):
        workflow.problem_verify(actor=people["street"], problem=problem)
    with pytest.raises(DomainError, match="You may not"):
        workflow.problem_cancel(actor=people["unit"], problem=problem, note="不是问题")


def test_moves_that_need_a_reason_refuse_an_empty_note(city, people):
    problem = in_status(new_problem(city, people), S.SUBMITTED, submitted_by=people["unit"])
    with pytest.raises(DomainError, match="needs a note"):
        workflow.problem_return(actor=people["inspector"], problem=problem, note="  ")
    with pytest.raises(DomainError, match="needs a note"):
        workflow.problem_cancel(actor=people["office"], problem=problem, note="")
    assert Problem.objects.get(pk=problem.pk).status == S.SUBMITTED


def test_rework_is_counted_and_the_unit_fixes_it_again(city, people):
    problem = in_status(new_problem(city, people), S.SUBMITTED, submitted_by=people["unit"])
    problem = workflow.problem_return(actor=people["inspector"], problem=problem, note="仍有积存垃圾")
    assert (problem.status, problem.rework_count) == (S.RETURNED, 1)
    problem = workflow.problem_submit(actor=people["unit"], problem=problem, note="已彻底清理", photos=[a_photo()])
    problem = workflow.problem_return(actor=people["inspector"], problem=problem, note="反弹")
    assert problem.rework_count == 2


def test_a_dispute_is_decided_and_the_problem_goes_to_the_unit_decided(city, people):
    problem = in_status(new_problem(city, people), S.ACCEPTED)
    Problem.objects.filter(pk=problem.pk).update(responsible_unit=city.community)
    problem = workflow.problem_dispute(actor=people["unit"], problem=problem, note="该路段属物业管理区域")
    assert (problem.status, problem.resume_status) == (S.DISPUTED, S.ACCEPTED)
    property_company = city.company
    problem = workflow.problem_decide_dispute(actor=people["office"], problem=problem, unit=property_company,
                                              note="经核实属物业责任")  # fmt: skip
    assert (problem.status, problem.responsible_unit, problem.resume_status) == (S.ASSIGNED, property_company, "")
    decision = problem.transitions.get(action="decide_dispute")
    assert decision.data["decision"] == "moved" and decision.note == "经核实属物业责任"


def test_an_extension_moves_the_deadline_and_is_counted_a_refusal_does_not(city, people):
    problem = in_status(new_problem(city, people), S.RECTIFYING)
    until = datetime.datetime(2027, 1, 15, 17, 30, tzinfo=TZ)
    with pytest.raises(DomainError, match="after the current deadline"):
        workflow.problem_request_extension(actor=people["unit"], problem=problem, note="需采购",
                                           until=datetime.datetime(2027, 1, 1, tzinfo=TZ))  # fmt: skip
    problem = workflow.problem_request_extension(actor=people["unit"], problem=problem, until=until, note="需采购")
    problem = workflow.problem_approve_extension(actor=people["office"], problem=problem)
    assert (problem.status, problem.deadline, problem.extension_count) == (S.RECTIFYING, until, 1)
    problem = workflow.problem_request_extension(actor=people["unit"], problem=problem, note="再延",
                                                 until=until + datetime.timedelta(days=7))  # fmt: skip
    problem = workflow.problem_reject_extension(actor=people["office"], problem=problem, note="不予延期")
    assert (problem.status, problem.deadline, problem.extension_count) == (S.RECTIFYING, until, 1)


def test_a_suspension_resumes_where_it_was(city, people):
    problem = in_status(new_problem(city, people), S.RETURNED)
    problem = workflow.problem_suspend(actor=people["office"], problem=problem, note="需立项改造")
    assert problem.status == S.SUSPENDED
    assert workflow.problem_resume(actor=people["office"], problem=problem).status == S.RETURNED


def test_the_history_cannot_be_edited_or_deleted(city, people):
    problem = new_problem(city, people)
    entry = problem.transitions.get()
    entry.note = "改写"
    with pytest.raises(HistoryImmutableError):
        entry.save()
    with pytest.raises(HistoryImmutableError):
        entry.delete()
    with pytest.raises(HistoryImmutableError):
        ProblemTransition.objects.filter(pk=entry.pk).update(note="改写")
    with pytest.raises(HistoryImmutableError):
        ProblemTransition.objects.all().delete()


def test_the_database_refuses_to_rewrite_the_history(city, people):
    from django.db import DatabaseError, transaction

    problem = new_problem(city, people)
    entry = problem.transitions.get()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET note = 'x' WHERE id = %s", [entry.pk])  # noqa: S608 (a constant name)
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [entry.pk])  # noqa: S608 (a constant name)


def test_the_deadline_is_counted_in_working_time_from_the_category(demo, demo_users):
    category = ProblemCategory.objects.get(campaign=demo.campaign, code="BJ0101")  # 上水井盖: 4 working hours
    problem = problem_create(
        actor=demo_users["inspector"],
        campaign=demo.campaign,
        source=ProblemSource.INSPECTION,
        description="井盖缺失",
        point=Point.objects.get(code="P0001"),
        category=category,
    )
    opened = datetime.datetime(2026, 9, 30, 16, 0, tzinfo=TZ)  # the eve of the National Day holiday
    from rectification.problems import problem_deadline

    # 1.5 hours on 30 September, then the holiday (1–7 October); the other 2.5 on Thursday 8 October.
    assert problem_deadline(problem=problem, start=opened) == datetime.datetime(2026, 10, 8, 11, 0, tzinfo=TZ)
    problem.severity = "urgent"
    assert problem_deadline(problem=problem, start=opened) <= datetime.datetime(2026, 10, 8, 11, 0, tzinfo=TZ)


def test_a_rectification_is_submitted_with_a_photo_of_the_result(city, people):
    problem = in_status(new_problem(city, people, photos=[a_photo("blue")]), S.RECTIFYING)
    with pytest.raises(DomainError, match="photo of the result"):
        workflow.problem_submit(actor=people["unit"], problem=problem, note="已整改")
    problem = workflow.problem_submit(actor=people["unit"], problem=problem, note="已整改", photos=[a_photo()])
    kinds = list(problem.photos.values_list("kind", "transition__action"))
    assert kinds == [("before", "create"), ("after", "submit")]
