"""The ledger through the API: recording, filters, history and moves, with 4xx reasons and never a leak."""

import pytest

from rectification.choices import ProblemSource, ProblemStatus
from rectification.models import Problem
from rectification.problems import problem_create

pytestmark = pytest.mark.usefixtures("english")


def login(client, city, who):
    client.force_login(city.users[who])
    return client


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


@pytest.fixture
def public_report(city):
    return problem_create(actor=city.users["office"], campaign=city.campaign, source=ProblemSource.PUBLIC,
                          description="小区门口垃圾堆放", point=city.point, reporter_name="张先生",
                          reporter_phone="13700000000")  # fmt: skip


def test_an_inspector_records_a_problem_and_the_manual_routes_it(client, city):
    login(client, city, "inspector")
    response = post(client, "/api/v1/problems/", {"campaign": city.campaign.pk, "source": "inspection",
                                                  "point": city.point.pk, "description": "垃圾桶破损"})  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["responsible_unit"], body["responsible_leader"]) == (
        "new",
        city.community.pk,
        "副区长 孙丽",
    )
    assert body["reference"] == f"WT{body['id']:06d}"


def test_bad_problems_are_refused_with_reasons(client, city):
    login(client, city, "inspector")
    base = {"campaign": city.campaign.pk, "source": "inspection", "description": "无地点"}
    response = post(client, "/api/v1/problems/", base)
    assert response.status_code == 400 and "address" in response.json()["error"]["fields"]
    response = post(client, "/api/v1/problems/", {**base, "address": "x", "reporter_phone": "13700000000"})
    assert "reporter_phone" in response.json()["error"]["fields"]
    response = post(client, "/api/v1/problems/", {**base, "address": "x", "latitude": "91"})
    assert "latitude" in response.json()["error"]["fields"]
    login(client, city, "unit")
    response = post(client, "/api/v1/problems/", {**base, "address": "x"})
    assert response.status_code == 400 and "found itself" in response.json()["error"]["message"]
    assert not Problem.objects.exists()


def test_moves_through_the_api_and_their_errors(client, city, public_report):
    url = f"/api/v1/problems/{public_report.pk}/transitions/"
    login(client, city, "office")
    response = post(client, url, {"action": "assign"})
    assert response.status_code == 400 and "unit" in response.json()["error"]["fields"]
    response = post(client, url, {"action": "assign", "unit": city.community.pk})
    assert response.status_code == 201 and response.json()["status"] == "assigned"
    response = post(client, url, {"action": "verify"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "illegal_transition"
    login(client, city, "inspector")
    assert post(client, url, {"action": "accept"}).status_code == 403
    login(client, city, "unit")
    assert post(client, url, {"action": "accept"}).json()["status"] == "accepted"
    history = client.get(url).json()
    assert [entry["action"] for entry in history] == ["create", "assign", "accept"]
    assert Problem.objects.get(pk=public_report.pk).status == ProblemStatus.ACCEPTED


def test_a_reporters_contact_is_for_the_office_only(client, city, public_report):
    login(client, city, "office")
    assert client.get(f"/api/v1/problems/{public_report.pk}/").json()["reporter_phone"] == "13700000000"
    for who in ("unit", "street", "inspector", "leader"):
        login(client, city, who)
        body = client.get(f"/api/v1/problems/{public_report.pk}/").json()
        assert (body["reporter_name"], body["reporter_phone"]) == ("", ""), who
        assert "13700000000" not in client.get(f"/problems/{public_report.pk}/").content.decode()


def test_filters_and_scope(client, city, public_report):
    problem_create(actor=city.users["office"], campaign=city.campaign, source=ProblemSource.MEDIA,
                   description="媒体曝光", address="柳荫路", responsible_unit=city.elsewhere)  # fmt: skip
    login(client, city, "office")
    assert client.get("/api/v1/problems/", {"source": "media"}).json()["count"] == 1
    assert client.get("/api/v1/problems/", {"status": ["new", "assigned"]}).json()["count"] == 2
    assert client.get("/api/v1/problems/", {"unit": city.street.pk}).json()["count"] == 1
    assert client.get("/api/v1/problems/", {"overdue": "true"}).json()["count"] == 0
    login(client, city, "unit")
    assert [row["id"] for row in client.get("/api/v1/problems/").json()["results"]] == [public_report.pk]
    login(client, city, "other_unit")
    assert client.get(f"/api/v1/problems/{public_report.pk}/").status_code == 404


def test_the_ledger_list_costs_the_same_queries_at_two_sizes(client, city):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, city, "office")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/problems/").status_code == 200
            assert client.get("/problems/").status_code == 200
        return len(queries)

    for _ in range(2):
        problem_create(actor=city.users["office"], campaign=city.campaign, source="inspection",
                       description="甲", point=city.point)  # fmt: skip
    small = count()
    for _ in range(15):
        problem_create(actor=city.users["office"], campaign=city.campaign, source="inspection",
                       description="乙", point=city.point)  # fmt: skip
    assert count() == small
