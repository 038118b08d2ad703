"""The projected score against hand-computed examples: rates from approved findings only, returned findings as
met, pending ones left out, unchecked criteria at full score, deduction items, the veto, the roll-up, the target,
the previous mock assessment, the shortfalls and their owners, and a fixed number of queries."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaign.choices import IndicatorKind
from campaign.models import Point, Responsibility, TaskAssignment
from core.errors import DomainError
from scoring.choices import ReviewStatus, RoundKind
from scoring.inspections import finding_review, round_close
from scoring.models import InspectionItem, Projection
from scoring.projection import projection_compute, projection_current, projection_snapshot, projection_trend
from tests.scoring.builders import NA, NOT_MET, a_round, criterion, tree, visit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def system(city):
    return tree(city.campaign, city.point.point_type)


@pytest.fixture
def points(city):
    others = [
        Point.objects.create(
            campaign=city.campaign, grid=city.grid, point_type=city.point.point_type, code=f"P{n}", name=f"点位{n}"
        )
        for n in (2, 3, 4)
    ]
    Responsibility.objects.create(point=others[1], unit=city.neighbour, leader_name="街道副主任 王强")
    return [city.point, *others]


def review(city, inspection, code, status, note="核实"):
    item = InspectionItem.objects.get(inspection=inspection, criterion__code=code)
    return finding_review(actor=city.users["office"], item=item, status=status, note=note)


def first_mock(city, points):
    """P1 fails A1 (approved); P2 fails A1 (returned: counts as met) and A2 (still pending: left out); P3 fails A2
    (approved) and B1 does not apply there; P4 meets everything."""
    round = a_round(city.users["office"], city.campaign, points, days_ago=40)
    inspector = city.users["inspector"]
    p1 = visit(inspector, round, points[0], {"A1": NOT_MET})
    p2 = visit(inspector, round, points[1], {"A1": NOT_MET, "A2": NOT_MET})
    p3 = visit(inspector, round, points[2], {"A2": NOT_MET, "B1": NA})
    visit(inspector, round, points[3], {})
    review(city, p1, "A1", ReviewStatus.APPROVED)
    review(city, p2, "A1", ReviewStatus.RETURNED, note="拍错点位")
    review(city, p3, "A2", ReviewStatus.APPROVED)
    return round


def test_the_projection_by_hand(city, system, points):
    city.campaign.target_score = Decimal("90")
    city.campaign.save()
    TaskAssignment.objects.create(indicator=system["A1"], lead_unit=city.street, responsible_leader="副区长 李明")
    result = projection_compute(round=first_mock(city, points))
    nodes = {node.code: node for node in result.nodes}

    # A1: met at P2 (returned), P3, P4; failed at P1 → 3/4 of 40 = 30.
    assert (nodes["A1"].met, nodes["A1"].failed, nodes["A1"].rate, nodes["A1"].projected) == (
        3, 1, Decimal("0.75"), Decimal("30.00"),
    )  # fmt: skip
    # A2: met at P1, P4; failed at P3; P2 pending, left out → 2/3 of 20 = 13.33.
    assert (nodes["A2"].met, nodes["A2"].failed, nodes["A2"].pending, nodes["A2"].projected) == (
        2, 1, 1, Decimal("13.33"),
    )  # fmt: skip
    # B1: met at P1, P2, P4 (not applicable at P3) → 30. B2 (material review, nothing handed in): unchecked → 10.
    assert (nodes["B1"].rate, nodes["B1"].projected) == (Decimal("1.0000"), Decimal("30.00"))
    assert (nodes["B2"].checked, nodes["B2"].rate, nodes["B2"].projected) == (False, None, Decimal("10.00"))
    # Roll-up and total: A = 43.33, B = 40, V = 0.
    assert (nodes["A"].projected, nodes["B"].projected) == (Decimal("43.33"), Decimal("40.00"))
    assert (result.total, result.full_score, result.target, result.gap) == (
        Decimal("83.33"), Decimal("100.00"), Decimal("90.00"), Decimal("6.67"),
    )  # fmt: skip
    assert (result.vetoed, result.unchecked, result.previous_total) == (False, 1, None)

    # The criteria losing the most, with who owns the losses.
    assert [(row["code"], row["lost"]) for row in result.shortfalls] == [("A1", Decimal("10.00")),
                                                                         ("A2", Decimal("6.67"))]  # fmt: skip
    a1, a2 = result.shortfalls
    assert (a1["lead"], a1["leader"]) == ("东华街道", "副区长 李明")
    assert [(o["unit"], o["leader"], o["findings"], o["deducted"]) for o in a1["owners"]] == [
        ("幸福社区", "副区长 孙丽", 1, Decimal("40.00"))
    ]
    assert [(o["unit"], o["leader"]) for o in a2["owners"]] == [("和平社区", "街道副主任 王强")]


def test_material_review_lowers_a_criterion_once_reviewed(city, system, points):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from scoring.choices import MaterialStatus
    from scoring.materials import material_review, material_upload

    TaskAssignment.objects.create(indicator=system["B2"], lead_unit=city.community)
    round = first_mock(city, points)
    upload = SimpleUploadedFile("a.pdf", b"%PDF-1.4 x")
    material = material_upload(actor=city.users["unit"], campaign=city.campaign, criterion=system["B2"],
                               unit=city.community, file=upload, title="台账")  # fmt: skip
    assert projection_compute(round=round).total == Decimal("83.33")  # handed in, not reviewed: still unchecked
    material_review(actor=city.users["office"], material=material, status=MaterialStatus.INCOMPLETE, note="缺签字")
    result = projection_compute(round=round)
    # B2 (10) at a material rate of 0: 83.33 − 10.
    assert ({node.code: node.material_rate for node in result.nodes}["B2"], result.total) == (
        Decimal("0.0000"), Decimal("73.33"),
    )  # fmt: skip
    assert result.unchecked == 0


def test_a_deduction_item_deducts_in_proportion_to_what_failed(city, system, points):
    criterion(system["system"], None, "D", -8, point_types=[city.point.point_type], kind=IndicatorKind.DEDUCTION,
              position=9)  # fmt: skip
    round = a_round(city.users["office"], city.campaign, points)
    for point, results in zip(points, [{"D": NOT_MET}, {}, {}, {}], strict=True):
        inspection = visit(city.users["inspector"], round, point, results)
    assert projection_compute(round=round).total == Decimal("100.00")  # the finding is not approved yet
    failing = InspectionItem.objects.get(criterion__code="D", result=NOT_MET)
    review(city, failing.inspection, "D", ReviewStatus.APPROVED)
    result = projection_compute(round=round)
    # 1 of 4 checks failed: −8 × 1/4 = −2; the full score counts base items only.
    assert {node.code: node.projected for node in result.nodes}["D"] == Decimal("-2.00")
    assert (result.total, result.full_score) == (Decimal("98.00"), Decimal("100.00"))
    assert inspection.round == round


def test_an_approved_veto_finding_zeroes_the_total(city, system, points):
    round = a_round(city.users["office"], city.campaign, points)
    inspection = visit(city.users["inspector"], round, points[0], {"V": NOT_MET})
    assert projection_compute(round=round).vetoed is False
    review(city, inspection, "V", ReviewStatus.APPROVED)
    result = projection_compute(round=round)
    assert (result.vetoed, result.total) == (True, Decimal("0.00"))
    assert {node.code: node.vetoed for node in result.nodes if node.is_veto} == {"V": True}


def test_closing_a_mock_round_keeps_its_projection_and_the_next_reads_it_as_the_previous(city, system, points):
    office = city.users["office"]
    first = first_mock(city, points)
    round_close(actor=office, round=first)
    kept = Projection.objects.get(round=first)
    assert (kept.total, kept.vetoed, kept.data["total"]) == (Decimal("83.33"), False, "83.33")
    round_close(actor=office, round=first)  # again: nothing new
    assert Projection.objects.count() == 1

    second = a_round(office, city.campaign, points, name="第二次模拟测评", days_ago=5)
    for point in points:
        visit(city.users["inspector"], second, point, {})
    current = projection_current(campaign=city.campaign)
    assert (current.round_id, current.total, current.previous_total, current.change) == (
        second.pk, Decimal("100.00"), Decimal("83.33"), Decimal("16.67"),
    )  # fmt: skip
    round_close(actor=office, round=second)
    assert [(p.round.name, p.total) for p in projection_trend(campaign=city.campaign)] == [
        ("第一次模拟测评", Decimal("83.33")), ("第二次模拟测评", Decimal("100.00")),
    ]  # fmt: skip


def test_only_the_office_keeps_a_projection_and_only_of_a_mock_round(city, system, points):
    routine = a_round(city.users["office"], city.campaign, points, kind=RoundKind.ROUTINE)
    with pytest.raises(DomainError, match="mock"):
        projection_snapshot(actor=city.users["office"], round=routine)
    mock = a_round(city.users["office"], city.campaign, points)
    with pytest.raises(DomainError) as refused:
        projection_snapshot(actor=city.users["leader"], round=mock)
    assert refused.value.code == "forbidden"


def test_the_projection_reads_in_a_fixed_number_of_queries(city, system, points, django_assert_num_queries):
    round = first_mock(city, points)
    with CaptureQueriesContext(connection) as few:
        projection_compute(round=round)
    assert len(few.captured_queries) <= 12
    more = [
        Point.objects.create(
            campaign=city.campaign, grid=city.grid, point_type=city.point.point_type, code=f"Q{n}", name=f"点位Q{n}"
        )
        for n in range(6)
    ]
    for code in ("E1", "E2", "E3"):
        criterion(system["system"], system["B"], code, 0, point_types=[city.point.point_type])
    second = a_round(city.users["office"], city.campaign, more, name="大")
    for point in more:
        inspection = visit(city.users["inspector"], second, point, {"A1": NOT_MET, "E2": NOT_MET})
        review(city, inspection, "A1", ReviewStatus.APPROVED)
    with django_assert_num_queries(len(few.captured_queries)):
        projection_compute(round=second)
