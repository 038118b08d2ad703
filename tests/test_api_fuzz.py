"""API fuzzing: schemathesis generates requests for every operation of the API's own OpenAPI schema (/api/schema/)
and sends them, signed in as the command office (who may write), to the application in this process. Whatever the
input, the API never answers 5xx, and what it answers conforms to the schema. A bounded, reproducible number of
examples (`EXAMPLES` per operation, derandomised: the same requests every run), over a thousand in all."""

import json

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from tests.conftest import demo_for_module

EXAMPLES = 8


def api_schema() -> dict:
    """The schema /api/schema/ serves, generated in process (translated strings made plain)."""
    return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))


schema = schemathesis.openapi.from_dict(api_schema())
schema.app = get_wsgi_application()


@pytest.fixture(scope="module")
def office_token(django_db_setup, django_db_blocker, tmp_path_factory):
    from rest_framework.authtoken.models import Token

    from core.models import User

    with demo_for_module(django_db_blocker, tmp_path_factory.mktemp("media")):
        yield Token.objects.create(user=User.objects.get(username="office")).key


@pytest.fixture
def connection_kept():
    """The application in process closes the database connection after each request; the test's transaction
    lives on that connection, so it is kept open (as Django's test client does)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_schema_has_enough_operations_for_a_thousand_examples():
    assert len(OPERATIONS) * EXAMPLES >= 1000


OPERATIONS = {operation.label: operation for operation in (result.ok() for result in schema.get_all_operations())}


# One test per operation, named by it (schemathesis' own parametrisation gives every operation the same test id,
# which the parallel runner takes for one test and runs once).
@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_the_api_never_answers_a_server_error(label, office_token, db, connection_kept):
    @given(case=OPERATIONS[label].as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def answer(case):
        case.call_and_validate(
            headers={"Authorization": f"Token {office_token}"},
            checks=[not_a_server_error, response_schema_conformance],
        )

    answer()


def test_an_id_beyond_the_databases_range_is_refused_with_the_reason(demo, client, login, english):
    login("office")
    response = client.get("/api/v1/dispatch-orders/", {"campaign": "-5.988769068457878e+32"})
    assert response.status_code == 400
    assert "campaign" in response.json()["error"]["fields"]
    response = client.get("/api/v1/inspection-rounds/", {"campaign": str(2**63)})
    assert response.status_code == 400
    assert client.get("/api/v1/inspection-rounds/", {"campaign": "1"}).status_code == 200


def test_a_related_id_beyond_the_databases_range_is_refused_with_the_reason(demo, client, login, english):
    login("office")
    response = client.post("/api/v1/notifications/read/", {"ids": [2**70]}, content_type="application/json")
    assert response.status_code == 400
    campaign = client.get("/api/v1/campaigns/").json()["results"][0]["id"]
    body = {"campaign": campaign, "unit": 2**70, "kind": "criticism", "reason": "x", "decided_on": "2026-12-01"}
    response = client.post("/api/v1/accountability/", body, content_type="application/json")
    # SQLite cannot take the number (out of range); PostgreSQL compares it and finds nothing: 400 either way.
    assert response.status_code == 400
    assert response.json()["error"]["message"] in ("A value in the request is out of the range the database holds.",
                                                   f'Invalid pk "{2**70}" - object does not exist.')  # fmt: skip
