"""The inspection pages: planning a round from a draw, the inspector's phone form (one problem per failing item,
the same form twice records once, errors with their reasons), the findings list with its filters, Excel export and
bulk approval, a review returned without a reason, and the projection page with its workbook."""

import io
import uuid

import pytest
from openpyxl import load_workbook

from campaign.models import Point
from campaign.services import sampling_draw
from rectification.models import Problem
from scoring.choices import ReviewStatus, RoundKind, RoundStatus
from scoring.inspections import inspection_criteria
from scoring.models import Inspection, InspectionItem, InspectionRound
from tests.scoring.builders import NOT_MET, a_round, tree, visit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def system(city):
    return tree(city.campaign, city.point.point_type)


def signed_in(client, user, campaign):
    client.force_login(user)
    assert client.post("/campaigns/switch/", {"campaign": campaign.pk}).status_code == 302
    return client


def visit_form(point, results: dict, *, key=None, notes=None):
    data = {"key": str(key or uuid.uuid4()), "latitude": "30.123456", "longitude": "120.654321", "note": "现场检查"}
    for criterion in inspection_criteria(point=point):
        data[f"result_{criterion.pk}"] = results.get(criterion.code, "met")
        data[f"note_{criterion.pk}"] = (notes or {}).get(criterion.code, "")
    return data


def test_staff_plan_a_round_from_a_draw_and_bad_input_is_explained(client, city, system):
    for n in range(2, 6):
        Point.objects.create(campaign=city.campaign, grid=city.grid, point_type=city.point.point_type, code=f"P{n}",
                             name=f"点位{n}")  # fmt: skip
    draw = sampling_draw(actor=city.users["office"], campaign=city.campaign, seed=3)
    office = signed_in(client, city.users["office"], city.campaign)
    assert office.get("/inspections/new/").status_code == 200

    refused = office.post("/inspections/new/", {"kind": "mock", "name": "模拟", "starts_on": "2026-12-03",
                                                "ends_on": "2026-12-01"})  # fmt: skip
    assert refused.status_code == 200
    assert "Choose the points to visit" in refused.content.decode()
    refused = office.post("/inspections/new/", {"kind": "mock", "name": "模拟", "starts_on": "2026-12-03",
                                                "ends_on": "2026-12-01", "sampling": draw.pk})  # fmt: skip
    assert "cannot end before it starts" in refused.content.decode()
    assert not InspectionRound.objects.exists()

    response = office.post("/inspections/new/", {"kind": "mock", "name": "第一次模拟测评", "starts_on": "2026-12-01",
                                                 "ends_on": "2026-12-03", "sampling": draw.pk,
                                                 "inspectors": [city.users["inspector"].pk]})  # fmt: skip
    round = InspectionRound.objects.get()
    assert response["Location"] == f"/inspections/{round.pk}/"
    page = office.get(response["Location"])
    assert page.context["round"].point_count == 5
    assert len(page.context["points"]) == 5


def test_the_inspector_records_a_visit_on_the_phone_form_once(client, city, system):
    round = a_round(city.users["office"], city.campaign, [city.point], inspectors=[city.users["inspector"]])
    inspector = signed_in(client, city.users["inspector"], city.campaign)
    url = f"/inspections/{round.pk}/points/{city.point.pk}/"
    page = inspector.get(url)
    assert page.status_code == 200
    assert [c.code for c in page.context["form"].criteria] == ["A1", "A2", "B1", "V"]

    missing_note = inspector.post(url, visit_form(city.point, {"A1": NOT_MET}))
    assert missing_note.status_code == 200
    assert "say what was found" in missing_note.content.decode()
    assert not Inspection.objects.exists()

    key = uuid.uuid4()
    data = visit_form(city.point, {"A1": NOT_MET}, key=key, notes={"A1": "宣传栏破损"})
    response = inspector.post(url, data)
    assert response.status_code == 302
    again = inspector.post(url, data)  # a second tap: the same key
    assert again.status_code == 302
    inspection = Inspection.objects.get()
    assert (str(inspection.latitude), inspection.unit) == ("30.123456", city.community)
    finding = InspectionItem.objects.get(result=NOT_MET)
    assert finding.problem.description.endswith("宣传栏破损")
    assert Problem.objects.count() == 1
    assert "Already inspected" in inspector.get(url).content.decode()


def test_findings_are_filtered_exported_and_approved_in_bulk(client, city, system):
    office_user = city.users["office"]
    points = [city.point, Point.objects.create(campaign=city.campaign, grid=city.grid,
                                               point_type=city.point.point_type, code="P2", name="点位2")]  # fmt: skip
    round = a_round(office_user, city.campaign, points)
    visit(city.users["inspector"], round, points[0], {"A1": NOT_MET, "A2": NOT_MET})
    visit(city.users["inspector"], round, points[1], {"B1": NOT_MET})
    office = signed_in(client, office_user, city.campaign)

    page = office.get("/findings/", {"unit": city.community.pk})
    assert [item.criterion.code for item in page.context["object_list"]] == ["A1", "A2"]
    sheet = load_workbook(io.BytesIO(office.get("/findings/", {"q": "B1", "export": "xlsx"}).content)).active
    rows = list(sheet.values)
    assert len(rows) == 2 and rows[1][1] == "点位2" and rows[1][2] == "B1"

    ids = list(InspectionItem.objects.filter(criterion__code__in=["A1", "B1"]).values_list("pk", flat=True))
    assert office.post("/findings/approve/", {"items": ids}).status_code == 302
    assert set(InspectionItem.objects.filter(result=NOT_MET).values_list("criterion__code", "review_status")) == {
        ("A1", ReviewStatus.APPROVED), ("B1", ReviewStatus.APPROVED), ("A2", ReviewStatus.PENDING),
    }  # fmt: skip

    a2 = InspectionItem.objects.get(criterion__code="A2", result=NOT_MET)
    response = office.post(f"/findings/{a2.pk}/review/", {"status": "returned", "note": ""}, follow=True)
    assert "Say why the finding is returned" in response.content.decode()
    office.post(f"/findings/{a2.pk}/review/", {"status": "returned", "note": "非本点位"})
    a2.refresh_from_db()
    assert a2.review_status == ReviewStatus.RETURNED


def test_the_projection_page_shows_the_total_and_exports_it(client, city, system):
    round = a_round(city.users["office"], city.campaign, [city.point])
    inspection = visit(city.users["inspector"], round, city.point, {"A1": NOT_MET})
    item = inspection.items.get(result=NOT_MET)
    item.review_status = ReviewStatus.APPROVED
    item.save()
    leader = signed_in(client, city.users["leader"], city.campaign)
    page = leader.get("/projection/")
    assert page.context["result"].total == 60  # A1 (40) lost at the only point checked
    assert [row["code"] for row in page.context["result"].shortfalls] == ["A1"]
    book = load_workbook(io.BytesIO(leader.get("/projection/", {"export": "xlsx"}).content))
    assert book.sheetnames == ["Summary", "Criteria", "Shortfalls", "Trend"]
    assert list(book["Summary"].values)[2][1] == 60  # after the header and the round


def test_the_round_list_is_filtered_and_exported_and_closing_keeps_the_projection(client, city, system):
    office_user = city.users["office"]
    mock = a_round(office_user, city.campaign, [city.point])
    a_round(office_user, city.campaign, [city.point], kind=RoundKind.ROUTINE, name="常规督查")
    office = signed_in(client, office_user, city.campaign)
    page = office.get("/inspections/", {"kind": "mock"})
    assert [r.name for r in page.context["object_list"]] == ["第一次模拟测评"]
    rows = list(load_workbook(io.BytesIO(office.get("/inspections/", {"export": "xlsx"}).content)).active.values)
    assert len(rows) == 3
    assert office.post(f"/inspections/{mock.pk}/close/").status_code == 302
    mock.refresh_from_db()
    assert mock.status == RoundStatus.CLOSED and mock.projection.total == 100
