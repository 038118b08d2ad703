"""Responsibility disputes: queued with the campaign's ladder, taken up step by step, decided with a record."""

import io

import pytest
from openpyxl import load_workbook

from core.errors import DomainError
from rectification.models import Dispute, RectificationSettings
from rectification.problems import problem_create
from rectification.workflow import (
    dispute_can_escalate,
    dispute_escalate,
    dispute_step_name,
    problem_accept,
    problem_assign,
    problem_decide_dispute,
    problem_dispute,
)

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def disputed(city):
    users = city.users
    problem = problem_create(actor=users["inspector"], campaign=city.campaign, source="inspection",
                             description="楼道杂物", point=city.point)  # fmt: skip
    problem = problem_assign(actor=users["office"], problem=problem, unit=city.community)
    problem = problem_accept(actor=users["unit"], problem=problem)
    return problem_dispute(actor=users["unit"], problem=problem, note="属物业管理区域")


def test_a_dispute_is_queued_taken_up_the_ladder_and_decided(city, disputed):
    RectificationSettings.objects.create(campaign=city.campaign, dispute_ladder=["街道分管领导", "区文明办"])
    dispute = Dispute.objects.get(problem=disputed)
    assert (dispute.unit, dispute.reason, dispute.level, dispute.is_open) == (
        city.community,
        "属物业管理区域",
        0,
        True,
    )
    dispute = dispute_escalate(actor=city.users["office"], dispute=dispute)
    assert dispute.level == 1
    with pytest.raises(DomainError, match="top of the ladder"):
        dispute_escalate(actor=city.users["office"], dispute=dispute)
    problem_decide_dispute(actor=city.users["office"], problem=disputed, unit=city.company, note="经核实属物业")
    dispute.refresh_from_db()
    assert (dispute.decided_unit, dispute.decision, dispute.decided_by) == (city.company, "经核实属物业",
                                                                           city.users["office"])  # fmt: skip
    with pytest.raises(DomainError, match="already decided"):
        dispute_escalate(actor=city.users["office"], dispute=dispute)


def test_only_the_office_moves_a_dispute_and_a_ladder_must_have_steps(city, disputed):
    with pytest.raises(DomainError, match="Only the command office"):
        dispute_escalate(actor=city.users["unit"], dispute=Dispute.objects.get())
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        RectificationSettings(campaign=city.campaign, dispute_ladder=[]).full_clean()


def test_the_queue_page(client, city, disputed):
    client.force_login(city.users["office"])
    session = client.session
    session["campaign_id"] = city.campaign.pk
    session.save()
    page = client.get("/disputes/", {"decided": "false"})
    (row,) = page.context["object_list"]
    assert (row.step_name, row.can_escalate) == ("分管领导", True)
    assert "先干后议" in page.content.decode()
    assert client.post(f"/disputes/{row.pk}/escalate/").status_code == 302
    assert Dispute.objects.get().level == 1
    header, exported = load_workbook(io.BytesIO(client.get("/disputes/", {"export": "xlsx"}).content)).active.values
    assert (header[5], exported[5]) == ("Arbitration step", "文明办")
    assert client.post(f"/disputes/{row.pk}/escalate/").status_code == 302
    (row,) = client.get("/disputes/").context["object_list"]
    assert (row.step_name, row.can_escalate) == ("编办", False)
    client.force_login(city.users["unit"])
    assert client.get("/disputes/").status_code == 404


def test_the_step_of_a_dispute_on_its_ladder(city, disputed):
    dispute = Dispute.objects.get()
    assert dispute_step_name(dispute=dispute, ladder=["分管领导", "文明办"]) == "分管领导"
    assert dispute_can_escalate(dispute=dispute, ladder=["分管领导", "文明办"]) is True
    dispute.level = 2  # the ladder was shortened since: the dispute stands at its top
    assert dispute_step_name(dispute=dispute, ladder=["分管领导", "文明办"]) == "文明办"
    assert dispute_can_escalate(dispute=dispute, ladder=["分管领导", "文明办"]) is False
    assert dispute_step_name(dispute=dispute, ladder=[]) == ""


def test_the_disputes_api_shows_the_step_and_keeps_to_the_scope(client, city, disputed):
    client.force_login(city.users["office"])
    (row,) = client.get("/api/v1/disputes/", {"decided": "false"}).json()["results"]
    assert (row["problem_reference"], row["step"], row["reason"]) == (disputed.reference, "分管领导", "属物业管理区域")
    client.force_login(city.users["other_unit"])
    assert client.get("/api/v1/disputes/").json()["count"] == 0
    assert client.get(f"/api/v1/disputes/{row['id']}/").status_code == 404
