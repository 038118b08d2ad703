"""The API of rankings, scores, rules, materials and accountability: the office computes and publishes, units read
published rankings and scores within their scope, bad input is a 400 with the reason."""

import copy
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from campaign.models import TaskAssignment
from scoring.rules import DEFAULT_RULES
from tests.scoring.builders import tree
from tests.scoring.test_rankings import YESTERDAY, peers, week  # noqa: F401 - the fixture
from tests.scoring.test_scores import reports

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_rankings_are_computed_published_and_read(city, peers):  # noqa: F811
    reports(city.community, week(YESTERDAY))
    office, liaison = api(city.users["office"]), api(city.users["unit"])
    bad = office.post("/api/v1/rankings/compute/", {"campaign": city.campaign.pk, "period": "yearly",
                                                    "date": YESTERDAY.isoformat()}, format="json")  # fmt: skip
    assert bad.status_code == 400 and "period" in bad.json()["error"]["fields"]
    made = office.post("/api/v1/rankings/compute/", {"campaign": city.campaign.pk, "date": YESTERDAY.isoformat()},
                       format="json")  # fmt: skip
    assert made.status_code == 201
    ranking = made.json()[0]
    assert liaison.get(f"/api/v1/rankings/{ranking['id']}/").status_code == 404  # a draft
    assert liaison.post(f"/api/v1/rankings/{ranking['id']}/publish/").status_code == 403
    assert office.post(f"/api/v1/rankings/{ranking['id']}/publish/").json()["status"] == "published"
    read = liaison.get("/api/v1/rankings/", {"campaign": city.campaign.pk}).json()["results"][0]
    first = read["entries"][0]
    assert (first["name"], first["rank"], first["list_kind"], Decimal(first["score"])) == ("幸福社区", 1, "red", 100)


def test_scores_for_a_period_within_the_users_scope(city, peers):  # noqa: F811
    reports(city.community, week(YESTERDAY))
    reports(city.elsewhere, week(YESTERDAY)[:1])
    office = api(city.users["office"])
    body = office.get("/api/v1/scores/", {"campaign": city.campaign.pk, "date": YESTERDAY.isoformat()}).json()
    scores = {row["name"]: row["score"] for row in body["results"]}
    assert (scores["幸福社区"], scores["柳荫社区"]) == ("100.00", "14.29")
    assert body["rule_set"]["version"] == 1
    mine = api(city.users["unit"]).get("/api/v1/scores/", {"campaign": city.campaign.pk,
                                                           "date": YESTERDAY.isoformat()}).json()  # fmt: skip
    assert [row["name"] for row in mine["results"]] == ["幸福社区"]
    assert office.get("/api/v1/scores/", {"campaign": city.campaign.pk, "date": "soon"}).status_code == 400


def test_rules_materials_and_accountability_through_the_api(city):
    office = api(city.users["office"])
    rules = copy.deepcopy(DEFAULT_RULES)
    rules["components"]["materials"]["weight"] = 15
    bad = office.post("/api/v1/score-rules/", {"campaign": city.campaign.pk, "name": "新", "note": "x",
                                               "rules": rules}, format="json")  # fmt: skip
    assert bad.status_code == 400 and "add up to 110" in str(bad.json())
    assert api(city.users["unit"]).post("/api/v1/score-rules/", {}, format="json").status_code == 403

    system = tree(city.campaign, city.point.point_type)
    TaskAssignment.objects.create(indicator=system["B2"], lead_unit=city.community)
    liaison = api(city.users["unit"])
    upload = {"campaign": city.campaign.pk, "criterion": system["B2"].pk, "unit": city.community.pk, "title": "台账"}
    refused = liaison.post("/api/v1/materials/", {**upload, "file": SimpleUploadedFile("a.pdf", b"not a pdf")},
                           format="multipart")  # fmt: skip
    assert refused.status_code == 400 and "Only PDF" in str(refused.json())
    made = liaison.post("/api/v1/materials/", {**upload, "file": SimpleUploadedFile("a.pdf", b"%PDF-1.4 x")},
                        format="multipart")  # fmt: skip
    assert made.status_code == 201 and made.json()["filename"] == "a.pdf"
    material = made.json()["id"]
    assert liaison.post(f"/api/v1/materials/{material}/review/", {"status": "complete"}).status_code == 403
    assert office.post(f"/api/v1/materials/{material}/review/", {"status": "complete"},
                       format="json").json()["status"] == "complete"  # fmt: skip

    record = office.post("/api/v1/accountability/", {"campaign": city.campaign.pk, "unit": city.community.pk,
                                                     "kind": "criticism", "reason": "通报批评",
                                                     "decided_on": "2026-12-01"}, format="json")  # fmt: skip
    assert record.status_code == 201
    no_reason = office.post(f"/api/v1/accountability/{record.json()['id']}/withdraw/", {}, format="json")
    assert no_reason.status_code == 400
    done = office.post(f"/api/v1/accountability/{record.json()['id']}/withdraw/", {"reason": "有误"}, format="json")
    assert done.json()["withdraw_reason"] == "有误"
    assert [row["id"] for row in liaison.get("/api/v1/accountability/").json()["results"]] == [record.json()["id"]]
