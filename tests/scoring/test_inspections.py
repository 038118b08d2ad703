"""Inspection rounds, visits and the review of findings: a failing item becomes a routed problem, linked both ways;
the same submission twice records once; a returned finding cancels its problem; covert visits stay hidden from
units until the round closes."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.utils import translation

from campaign.models import Point, PointType, Sampling
from campaign.services import sampling_draw
from core.choices import Role
from core.errors import DomainError
from rectification.choices import ProblemSource, ProblemStatus
from rectification.models import Problem
from scoring.choices import InspectionStatus, ReviewStatus, RoundKind, RoundStatus
from scoring.inspections import (
    ItemInput,
    finding_list,
    finding_review,
    findings_approve,
    inspection_criteria,
    inspection_list,
    inspection_submit,
    round_close,
    round_create,
    round_list,
    round_points,
)
from scoring.models import Inspection, InspectionItem
from tests.factories import CampaignFactory, UserFactory
from tests.scoring.builders import MET, NA, NOT_MET, a_round, tree, visit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def system(city):
    return tree(city.campaign, city.point.point_type)


def more_points(city, count, *, start=2):
    return [
        Point.objects.create(
            campaign=city.campaign, grid=city.grid, point_type=city.point.point_type, code=f"P{n}", name=f"点位{n}"
        )
        for n in range(start, start + count)
    ]


def test_a_round_takes_its_points_from_a_sampling_draw_in_the_order_drawn(city):
    more_points(city, 6)
    draw = sampling_draw(actor=city.users["office"], campaign=city.campaign, seed=7)
    drawn = list(draw.sampled_points.order_by("position").values_list("point_id", flat=True))
    assert len(drawn) == 5  # the point type's sample count

    round = round_create(actor=city.users["office"], campaign=city.campaign, kind=RoundKind.MOCK, name="模拟测评",
                         starts_on=datetime.date(2026, 12, 1), ends_on=datetime.date(2026, 12, 3), sampling=draw,
                         inspectors=[city.users["inspector"]])  # fmt: skip
    assert round.sampling == draw
    assert [row.point_id for row in round_points(round=round)] == drawn
    assert list(round.inspectors.all()) == [city.users["inspector"]]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ends_on": datetime.date(2026, 11, 30)}, "cannot end before"),
        ({"points": []}, "Choose the points"),
        ({"name": "  "}, "name"),
        ({"kind": "audit"}, "kind"),
    ],
)
def test_a_round_needs_sound_dates_points_a_name_and_a_kind(city, change, message):
    fields = {"kind": RoundKind.ROUTINE, "name": "督查", "starts_on": datetime.date(2026, 12, 1),
              "ends_on": datetime.date(2026, 12, 1), "points": [city.point], **change}  # fmt: skip
    with pytest.raises(DomainError, match=message):
        round_create(actor=city.users["office"], campaign=city.campaign, **fields)


def test_only_the_office_plans_a_round_and_sends_only_inspectors_and_staff(city):
    fields = {"campaign": city.campaign, "kind": RoundKind.ROUTINE, "name": "督查", "points": [city.point],
              "starts_on": datetime.date(2026, 12, 1), "ends_on": datetime.date(2026, 12, 1)}  # fmt: skip
    for who in ("inspector", "unit", "leader"):
        with pytest.raises(DomainError) as refused:
            round_create(actor=city.users[who], **fields)
        assert refused.value.code == "forbidden"
    with pytest.raises(DomainError, match=str(city.users["unit"])):
        round_create(actor=city.users["office"], inspectors=[city.users["unit"]], **fields)
    other = Point.objects.create(
        campaign=CampaignFactory(),
        grid=city.grid, point_type=city.point.point_type, code="X1", name="别处",
    )  # fmt: skip
    with pytest.raises(DomainError, match="another campaign"):
        round_create(actor=city.users["office"], **{**fields, "points": [other]})


def test_the_criteria_at_a_point_are_the_current_field_checked_leaves_of_its_type(city, system):
    other_type = PointType.objects.create(campaign=city.campaign, code="PT02", name="农贸市场")
    market = Point.objects.create(campaign=city.campaign, grid=city.grid, point_type=other_type, code="M1",
                                  name="东华农贸市场")  # fmt: skip
    assert [c.code for c in inspection_criteria(point=city.point)] == ["A1", "A2", "B1", "V"]
    assert list(inspection_criteria(point=market)) == []
    system["system"].is_current = False
    system["system"].save()
    assert list(inspection_criteria(point=city.point)) == []


def test_a_failing_item_becomes_a_problem_routed_by_the_manual_and_linked_both_ways(city, system):
    inspector = city.users["inspector"]
    round = a_round(city.users["office"], city.campaign, [city.point], inspectors=[inspector])
    inspection = visit(inspector, round, city.point, {"A1": NOT_MET, "B1": NA}, latitude=Decimal("30.1"),
                       longitude=Decimal("120.2"))  # fmt: skip

    assert inspection.status == InspectionStatus.SUBMITTED
    assert (inspection.unit, inspection.leader_name) == (city.community, "副区长 孙丽")
    assert inspection.located_at == inspection.submitted_at
    items = {item.criterion.code: item for item in inspection.items.select_related("criterion", "problem")}
    assert {code: item.result for code, item in items.items()} == {"A1": NOT_MET, "A2": MET, "B1": NA, "V": MET}
    finding = items["A1"]
    assert finding.deduction == Decimal("40.00")  # the criterion's score when the inspector gives none
    assert finding.review_status == ReviewStatus.PENDING
    problem = finding.problem
    assert problem.source == ProblemSource.MOCK_ASSESSMENT
    assert (problem.point, problem.responsible_unit, problem.responsible_leader) == (
        city.point, city.community, "副区长 孙丽",
    )  # fmt: skip
    assert "A1" in problem.description and "A1不达标" in problem.description
    assert problem.inspection_item == finding
    assert [item.problem_id for code, item in items.items() if code != "A1"] == [None, None, None]


def test_the_deduction_is_the_inspectors_within_the_criterions_score(city, system):
    round = a_round(city.users["office"], city.campaign, [city.point], kind=RoundKind.ROUTINE)
    with pytest.raises(DomainError, match="between 0 and 20"):
        visit(city.users["inspector"], round, city.point, {"A2": NOT_MET}, deductions={"A2": "25"})
    with pytest.raises(DomainError, match="must be a number"):
        visit(city.users["inspector"], round, city.point, {"A2": NOT_MET}, deductions={"A2": "两分"})
    inspection = visit(city.users["inspector"], round, city.point, {"A2": NOT_MET}, deductions={"A2": "2.5"})
    item = inspection.items.get(criterion=system["A2"])
    assert item.deduction == Decimal("2.50")
    assert item.problem.source == ProblemSource.INSPECTION


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ("missing", "not yet answered: V"),
        ("twice", "answered twice"),
        ("foreign", "not checked at this point"),
        ("no note", "say what was found"),
        ("bad result", "choose met, not met"),
    ],
)
def test_a_visit_answers_each_applicable_criterion_once_and_says_what_failed(city, system, items, message):
    round = a_round(city.users["office"], city.campaign, [city.point])
    criteria = list(inspection_criteria(point=city.point))
    answers = [ItemInput(criterion_id=c.pk, result=MET) for c in criteria]
    if items == "missing":
        answers = answers[:-1]
    elif items == "twice":
        answers.append(answers[0])
    elif items == "foreign":
        answers.append(ItemInput(criterion_id=system["B2"].pk, result=MET))
    elif items == "no note":
        answers[0] = ItemInput(criterion_id=criteria[0].pk, result=NOT_MET, note="  ")
    else:
        answers[0] = ItemInput(criterion_id=criteria[0].pk, result="maybe")
    with pytest.raises(DomainError, match=message):
        inspection_submit(actor=city.users["inspector"], round=round, point=city.point, items=answers)
    assert not Inspection.objects.exists() and not InspectionItem.objects.exists()


def test_the_same_submission_twice_records_once_and_another_is_refused(city, system):
    round = a_round(city.users["office"], city.campaign, [city.point])
    key = uuid.uuid4()
    first = visit(city.users["inspector"], round, city.point, {"A1": NOT_MET}, key=key)
    again = visit(city.users["inspector"], round, city.point, {"A1": NOT_MET, "A2": NOT_MET}, key=key)
    assert again.pk == first.pk
    assert InspectionItem.objects.filter(result=NOT_MET).count() == 1
    assert Problem.objects.filter(campaign=city.campaign).count() == 1
    with pytest.raises(DomainError) as refused:
        visit(city.users["office"], round, city.point, {}, key=uuid.uuid4())
    assert refused.value.code == "conflict"


def test_visits_are_recorded_by_the_rounds_inspectors_at_its_points_while_it_is_open(city, system):
    other_inspector = UserFactory(role=Role.INSPECTOR)
    elsewhere = more_points(city, 1)[0]
    round = a_round(city.users["office"], city.campaign, [city.point], inspectors=[city.users["inspector"]])
    for who in (other_inspector, city.users["unit"], city.users["leader"]):
        with pytest.raises(DomainError) as refused:
            visit(who, round, city.point, {})
        assert refused.value.code == "forbidden"
    with pytest.raises(DomainError, match="not on the round's list"):
        visit(city.users["inspector"], round, elsewhere, {})
    with pytest.raises(DomainError, match="latitude"):
        visit(city.users["inspector"], round, city.point, {}, latitude=Decimal("30"))
    round_close(actor=city.users["office"], round=round)
    with pytest.raises(DomainError, match="closed"):
        visit(city.users["inspector"], round, city.point, {})


def test_a_returned_finding_cancels_its_problem_and_stays_returned(city, system):
    round = a_round(city.users["office"], city.campaign, [city.point])
    inspection = visit(city.users["inspector"], round, city.point, {"A1": NOT_MET, "A2": NOT_MET})
    a1, a2 = inspection.items.get(criterion=system["A1"]), inspection.items.get(criterion=system["A2"])
    office = city.users["office"]

    with pytest.raises(DomainError) as refused:
        finding_review(actor=city.users["inspector"], item=a1, status=ReviewStatus.APPROVED)
    assert refused.value.code == "forbidden"
    with pytest.raises(DomainError, match="why"):
        finding_review(actor=office, item=a1, status=ReviewStatus.RETURNED)
    with pytest.raises(DomainError, match="Only failing items"):
        finding_review(actor=office, item=inspection.items.get(criterion=system["B1"]), status=ReviewStatus.APPROVED)

    returned = finding_review(actor=office, item=a1, status=ReviewStatus.RETURNED, note="照片不是该点位")
    assert (returned.review_status, returned.reviewed_by, returned.review_note) == (
        ReviewStatus.RETURNED, office, "照片不是该点位",
    )  # fmt: skip
    returned.problem.refresh_from_db()
    assert returned.problem.status == ProblemStatus.CANCELLED
    with pytest.raises(DomainError, match="stays returned"):
        finding_review(actor=office, item=a1, status=ReviewStatus.APPROVED)

    held = finding_review(actor=office, item=a2, status=ReviewStatus.ON_HOLD, note="待补充照片")
    assert held.review_status == ReviewStatus.ON_HOLD
    assert findings_approve(actor=office, items=[a1, a2]) == 1
    a1.refresh_from_db()
    a2.refresh_from_db()
    assert (a1.review_status, a2.review_status) == (ReviewStatus.RETURNED, ReviewStatus.APPROVED)
    a2.problem.refresh_from_db()
    assert a2.problem.status != ProblemStatus.CANCELLED


def test_covert_visits_are_hidden_from_units_until_the_round_closes(city, system):
    round = a_round(city.users["office"], city.campaign, [city.point], kind=RoundKind.COVERT, name="暗访")
    visit(city.users["inspector"], round, city.point, {"A1": NOT_MET})
    liaison, leader = city.users["unit"], city.users["leader"]
    for user in (liaison, leader):
        assert not round_list(user=user).exists()
        assert not inspection_list(user=user).exists()
        assert not finding_list(user=user).exists()
    assert finding_list(user=city.users["inspector"]).count() == 1

    round_close(actor=city.users["office"], round=round)
    for user in (liaison, leader):
        assert round_list(user=user).count() == 1
        assert inspection_list(user=user).count() == 1
        assert finding_list(user=user).count() == 1
    assert not inspection_list(user=city.users["other_unit"]).exists()
    assert not finding_list(user=city.users["other_unit"]).exists()


def test_closing_a_round_is_for_the_office_and_closing_again_changes_nothing(city, system):
    round = a_round(city.users["office"], city.campaign, [city.point], kind=RoundKind.ROUTINE)
    with pytest.raises(DomainError):
        round_close(actor=city.users["inspector"], round=round)
    closed = round_close(actor=city.users["office"], round=round)
    assert closed.status == RoundStatus.CLOSED
    again = round_close(actor=city.users["office"], round=round)
    assert again.closed_at == closed.closed_at


def test_the_round_list_counts_in_one_query_whatever_the_number_of_rounds(city, system, django_assert_num_queries):
    points = [city.point, *more_points(city, 3)]
    office, inspector = city.users["office"], city.users["inspector"]
    first = a_round(office, city.campaign, points, name="一")
    visit(inspector, first, points[0], {"A1": NOT_MET, "A2": NOT_MET})
    visit(inspector, first, points[1], {"B1": NOT_MET})
    finding_review(actor=office, item=InspectionItem.objects.filter(result=NOT_MET).first(),
                   status=ReviewStatus.APPROVED)  # fmt: skip
    with django_assert_num_queries(1):
        rows = list(round_list(user=office))
    assert [(r.point_count, r.visit_count, r.finding_count, r.pending_count) for r in rows] == [(4, 2, 3, 2)]

    for n in range(3):
        second = a_round(office, city.campaign, points[:2], name=f"二{n}", kind=RoundKind.ROUTINE)
        visit(inspector, second, points[0], {})
    with django_assert_num_queries(1):
        assert len(list(round_list(user=office))) == 4


def test_lists_of_visits_and_findings_read_in_one_query(city, system, django_assert_num_queries):
    points = [city.point, *more_points(city, 2)]
    round = a_round(city.users["office"], city.campaign, points)
    for point in points:
        visit(city.users["inspector"], round, point, {"A1": NOT_MET})
    with django_assert_num_queries(1):
        visits = list(inspection_list(user=city.users["office"], round=round))
    assert [v.finding_count for v in visits] == [1, 1, 1]
    with django_assert_num_queries(1):
        findings = [(f.criterion.code, f.inspection.point.code, f.problem.reference) for f in
                    finding_list(user=city.users["office"], review_status=ReviewStatus.PENDING)]  # fmt: skip
    assert len(findings) == 3


def test_sampling_is_kept_for_the_round(city):
    draw = sampling_draw(actor=city.users["office"], campaign=city.campaign, seed=1)
    round_create(actor=city.users["office"], campaign=city.campaign, kind=RoundKind.MOCK, name="模拟",
                 starts_on=datetime.date(2026, 12, 1), ends_on=datetime.date(2026, 12, 1), sampling=draw)  # fmt: skip
    with pytest.raises(Exception):  # noqa: B017 - the database refuses deleting a draw a round was taken from
        Sampling.objects.filter(pk=draw.pk).delete()


def test_refusals_are_in_chinese_by_default(city, system):
    round = a_round(city.users["office"], city.campaign, [city.point])
    inspection = visit(city.users["inspector"], round, city.point, {"A1": NOT_MET})
    with translation.override("zh-hans"), pytest.raises(DomainError, match="请说明退回原因"):
        finding_review(actor=city.users["office"], item=inspection.items.get(result=NOT_MET),
                       status=ReviewStatus.RETURNED)  # fmt: skip
