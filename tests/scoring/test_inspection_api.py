"""The inspection API: plan and close a round, submit a visit (idempotent by key, refusals as 400 with reasons),
review and approve findings, and read the projection now and as kept."""

import uuid
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from scoring.choices import ReviewStatus
from scoring.inspections import inspection_criteria
from scoring.models import Inspection, InspectionItem
from tests.scoring.builders import a_round, tree

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def system(city):
    return tree(city.campaign, city.point.point_type)


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def items(point, failing=()):
    return [{"criterion": c.pk, "result": "not_met" if c.code in failing else "met",
             "note": "不达标" if c.code in failing else ""} for c in inspection_criteria(point=point)]  # fmt: skip


def test_the_office_plans_and_closes_a_round_through_the_api(city, system):
    office = api(city.users["office"])
    bad = office.post("/api/v1/inspection-rounds/", {"campaign": city.campaign.pk, "kind": "mock", "name": "模拟",
                                                     "starts_on": "2026-12-01", "ends_on": "2026-12-02"},
                      format="json")  # fmt: skip
    assert bad.status_code == 400 and "Choose the points" in str(bad.json())
    made = office.post("/api/v1/inspection-rounds/", {"campaign": city.campaign.pk, "kind": "mock", "name": "模拟",
                                                      "starts_on": "2026-12-01", "ends_on": "2026-12-02",
                                                      "points": [city.point.pk]}, format="json")  # fmt: skip
    assert made.status_code == 201 and made.json()["point_count"] == 1
    round_id = made.json()["id"]
    assert api(city.users["inspector"]).post(f"/api/v1/inspection-rounds/{round_id}/close/").status_code == 403
    closed = office.post(f"/api/v1/inspection-rounds/{round_id}/close/")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    kept = office.get("/api/v1/projections/", {"campaign": city.campaign.pk}).json()["results"]
    assert [(row["round"], row["total"]) for row in kept] == [(round_id, "100.00")]


def test_an_inspector_submits_a_visit_once_and_refusals_say_why(city, system):
    round = a_round(city.users["office"], city.campaign, [city.point], inspectors=[city.users["inspector"]])
    inspector = api(city.users["inspector"])
    body = {"round": round.pk, "point": city.point.pk, "key": str(uuid.uuid4()), "latitude": "30.1",
            "longitude": "120.2", "items": items(city.point, failing={"A1"})}  # fmt: skip

    missing = inspector.post("/api/v1/inspections/", {**body, "items": body["items"][:-1]}, format="json")
    assert missing.status_code == 400 and "not yet answered: V" in str(missing.json())
    half = inspector.post("/api/v1/inspections/", {**body, "latitude": None}, format="json")
    assert half.status_code == 400 and "latitude" in str(half.json())
    assert api(city.users["unit"]).post("/api/v1/inspections/", body, format="json").status_code == 403

    first = inspector.post("/api/v1/inspections/", body, format="json")
    assert first.status_code == 201
    again = inspector.post("/api/v1/inspections/", body, format="json")
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert Inspection.objects.count() == 1
    finding = [item for item in first.json()["items"] if item["result"] == "not_met"]
    assert finding[0]["criterion_code"] == "A1" and finding[0]["problem_reference"].startswith("WT")
    other = inspector.post("/api/v1/inspections/", {**body, "key": str(uuid.uuid4())}, format="json")
    assert other.status_code == 400 and "already inspected" in str(other.json())

    # The unit sees the visit at its point; another unit does not.
    assert api(city.users["unit"]).get(f"/api/v1/inspections/{first.json()['id']}/").status_code == 200
    assert api(city.users["other_unit"]).get(f"/api/v1/inspections/{first.json()['id']}/").status_code == 404


def test_the_office_reviews_findings_and_the_projection_follows(city, system):
    round = a_round(city.users["office"], city.campaign, [city.point])
    api(city.users["inspector"]).post("/api/v1/inspections/", {"round": round.pk, "point": city.point.pk,
                                                               "items": items(city.point, failing={"A1", "A2"})},
                                      format="json")  # fmt: skip
    office = api(city.users["office"])
    findings = office.get("/api/v1/findings/", {"round": round.pk, "review_status": "pending"}).json()["results"]
    assert sorted(row["criterion_code"] for row in findings) == ["A1", "A2"]
    a1 = next(row["id"] for row in findings if row["criterion_code"] == "A1")
    a2 = next(row["id"] for row in findings if row["criterion_code"] == "A2")

    no_reason = office.post(f"/api/v1/findings/{a2}/review/", {"status": "returned"}, format="json")
    assert no_reason.status_code == 400 and "Say why" in str(no_reason.json())
    assert office.post(f"/api/v1/findings/{a2}/review/", {"status": "returned", "note": "误判"},
                       format="json").status_code == 200  # fmt: skip
    assert (
        api(city.users["leader"]).post("/api/v1/findings/approve/", {"items": [a1]}, format="json").status_code == 403
    )
    approved = office.post("/api/v1/findings/approve/", {"items": [a1, a2]}, format="json")
    assert approved.json() == {"approved": 1}
    assert InspectionItem.objects.get(pk=a1).review_status == ReviewStatus.APPROVED

    current = api(city.users["leader"]).get("/api/v1/projections/current/", {"campaign": city.campaign.pk})
    assert current.status_code == 200
    # A1 (40) lost at the only point; A2's finding was returned: met.
    assert Decimal(current.json()["total"]) == Decimal("60.00")
    assert current.json()["shortfalls"][0]["code"] == "A1"
    assert api(city.users["leader"]).get("/api/v1/projections/current/", {"campaign": "x"}).status_code == 400
