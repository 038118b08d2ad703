import io

import pytest
from django.utils import translation
from openpyxl import Workbook

from campaign.imports import UnitImport
from campaign.models import Unit
from tests.factories import CampaignFactory

HEADER = ["code", "parent_code", "name", "type", "head_name"]


def xlsx(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "责任单位"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def errors(plan):
    return [(i.row, i.column, i.message) for i in plan.issues if i.level == "error"]


def test_units_import_as_a_tree_with_paths(db):
    campaign = CampaignFactory()
    rows = [
        ["C", "", "示范市", "市", "市委书记"],
        ["D1", "C", "东城区", "区", ""],
        ["S1", "D1", "东华街道", "街道", ""],
        ["K1", "S1", "幸福社区", "社区", ""],
        ["B1", "C", "市城市管理局", "bureau", ""],
    ]
    plan = UnitImport(campaign=campaign, filename="units.xlsx", data=xlsx(rows))
    assert not plan.has_errors, plan.issues
    assert plan.apply(actor=None) == {"create": 5, "update": 0, "remove": 0}
    units = {u.code: u for u in Unit.objects.filter(campaign=campaign)}
    assert units["K1"].path == f"/{units['C'].pk}/{units['D1'].pk}/{units['S1'].pk}/{units['K1'].pk}/"
    assert units["K1"].depth == 3
    assert units["B1"].type == "bureau"
    assert {u.code for u in units["D1"].descendants()} == {"S1", "K1"}
    again = UnitImport(campaign=campaign, filename="units.xlsx", data=xlsx(rows))
    assert again.counts() == {"create": 0, "update": 0, "remove": 0}


def test_moving_a_street_moves_its_communities_and_missing_units_are_deactivated(db):
    campaign = CampaignFactory()
    rows = [["C", "", "市", "市", ""], ["D1", "C", "甲区", "区", ""], ["D2", "C", "乙区", "区", ""],
            ["S1", "D1", "街道", "街道", ""], ["K1", "S1", "社区", "社区", ""]]  # fmt: skip
    UnitImport(campaign=campaign, filename="u.xlsx", data=xlsx(rows)).apply(actor=None)
    moved = [row[:] for row in rows if row[0] != "D1"]
    moved[2][1] = "D2"
    plan = UnitImport(campaign=campaign, filename="u.xlsx", data=xlsx(moved))
    assert [(c.action, c.code, c.fields) for c in plan.changes] == [
        ("update", "S1", ["parent"]), ("remove", "D1", ["is_active"])
    ]  # fmt: skip
    plan.apply(actor=None)
    units = {u.code: u for u in Unit.objects.filter(campaign=campaign)}
    assert units["K1"].path.startswith(units["D2"].path)
    assert units["D1"].is_active is False
    assert Unit.objects.filter(campaign=campaign).count() == 5


def test_bad_unit_rows(db):
    campaign = CampaignFactory()
    rows = [
        ["C", "", "市", "城堡", ""],
        ["D1", "X9", "甲区", "区", ""],
        ["D1", "", "重复", "区", ""],
        ["A", "B", "甲", "区", ""],
        ["B", "A", "乙", "区", ""],
    ]
    plan = UnitImport(campaign=campaign, filename="u.xlsx", data=xlsx(rows))
    assert errors(plan) == [
        (
            2,
            "D",
            "Unknown unit type “城堡”. Use: City、District or county、Street or town、Community、"
            "Bureau or department、Property company、School、Enterprise、Other.",
        ),
        (4, "A", "Code D1 appears again (first in row 3)."),
        (3, "B", "Parent code X9 is neither in the sheet nor in the system."),
    ]
    assert not Unit.objects.filter(campaign=campaign).exists()
    cycle = UnitImport(campaign=campaign, filename="u.xlsx", data=xlsx(rows[3:]))
    assert next(e[2] for e in errors(cycle)).startswith("The parent codes go round in a circle: A → B → A")


def test_the_unit_list_export_imports_back_unchanged(client, demo_users, demo):
    client.force_login(demo_users["office"])
    with translation.override("zh-hans"):
        exported = client.get("/units/", {"export": "xlsx"}, HTTP_ACCEPT_LANGUAGE="zh-hans").content
    plan = UnitImport(campaign=demo.campaign, filename="export.xlsx", data=exported)
    assert not plan.has_errors, plan.issues
    assert plan.counts() == {"create": 0, "update": 0, "remove": 0}
