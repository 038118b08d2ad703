"""The API's ground rules: authentication, one error shape, pagination, filters, the schema and its docs."""

import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaign.models import Unit
from campaign.services import membership_set, unit_create
from tests.factories import UserFactory


def test_the_api_needs_authentication(client, db):
    response = client.get("/api/v1/units/")
    assert response.status_code in (401, 403)
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == "not_authenticated"
    assert body["error"]["message"]


def test_token_authentication(client, demo):
    from campaign.demo_seed import DEMO_PASSWORD

    response = client.post("/api/v1/auth/token/", {"username": "liaison_community", "password": DEMO_PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    client.logout()
    me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert me.status_code == 200
    assert me.json()["username"] == "liaison_community"
    assert me.json()["units"] == [
        {"id": me.json()["units"][0]["id"], "campaign": demo.campaign.pk, "code": "SFS-DC-DH-XF", "name": "幸福社区",
         "type": "community", "relation": "liaison"}
    ]  # fmt: skip


def test_a_wrong_token_password_is_a_validation_error_in_the_common_shape(client, demo):
    response = client.post("/api/v1/auth/token/", {"username": "office", "password": "nope"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["message"]
    assert "non_field_errors" in error["fields"]


def test_bad_filter_values_answer_400_with_reasons(client, demo_users):
    client.force_login(demo_users["office"])
    response = client.get("/api/v1/units/", {"type": "castle"})
    assert response.status_code == 400
    assert "type" in response.json()["error"]["fields"]


def test_writes_are_refused_for_read_only_resources(client, demo_users):
    client.force_login(demo_users["liaison_community"])
    response = client.post("/api/v1/units/", {"name": "x"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    client.force_login(demo_users["office"])
    response = client.delete(f"/api/v1/units/{Unit.objects.get(code='SFS-DC').pk}/")
    assert response.status_code == 405


def test_lists_are_paginated_and_filterable(client, demo_users, demo):
    client.force_login(demo_users["office"])
    body = client.get("/api/v1/units/", {"campaign": demo.campaign.pk, "type": "street", "page_size": 2}).json()
    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert body["next"]
    assert {row["type"] for row in body["results"]} == {"street"}
    within = client.get("/api/v1/units/", {"within": body["results"][0]["id"], "page_size": 100}).json()
    assert within["count"] >= 1


def test_the_openapi_schema_describes_the_api(client, demo_users):
    client.force_login(demo_users["office"])
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/units/" in schema["paths"]
    assert "/api/v1/me/" in schema["paths"]


def test_the_english_error_message_when_switched(client, db):
    response = client.get("/api/v1/units/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["error"]["message"] == "Authentication credentials were not provided."
    response = client.get("/api/v1/units/")
    assert response.json()["error"]["message"] == "身份认证信息未提供。"


def test_the_query_count_of_the_unit_list_does_not_grow_with_the_units(client, demo_users, demo):
    client.force_login(demo_users["liaison_bureau"])
    before = count_queries(client, "/api/v1/units/", {"page_size": 500})
    bureau = Unit.objects.get(code="SFS-B-CGJ")
    for n in range(20):
        unit = unit_create(
            actor=None, campaign=demo.campaign, parent=bureau, code=f"X{n}", name=f"新增{n}", type="other"
        )
        membership_set(actor=None, unit=unit, user=UserFactory(), role="liaison")
    assert client.get("/api/v1/units/", {"page_size": 500}).json()["count"] == 21
    assert count_queries(client, "/api/v1/units/", {"page_size": 500}) == before


def count_queries(client, url, params):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


def test_the_schema_generates_without_warnings_and_validates(tmp_path, db):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/v1/units/" in (tmp_path / "schema.yaml").read_text()
