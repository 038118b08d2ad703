"""Importing grids, unit groups and pairings: the plan, re-imports that change nothing, updates, located errors with
nothing written, members kept exactly as the file lists them, pairings removed when the file no longer has them, and
the commands, pages and templates that go with them."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import Workbook, load_workbook

from campaign.imports import GridImport, PairingImport, UnitGroupImport
from campaign.models import Grid, Pairing, Point, UnitGroup
from campaign.services import unit_update
from core.models import AuditEvent, Job
from tests.factories import CampaignFactory, UnitFactory

DATA = Path(__file__).resolve().parents[2] / "campaign" / "demo"
GRID_HEADER = ["code", "name", "unit_code"]
GROUP_HEADER = ["name", "kind", "members", "lead_unit_code", "commander", "deputies"]
PAIRING_HEADER = ["unit_code", "partner_code", "note"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def campaign(db):
    campaign = CampaignFactory()
    street = UnitFactory(campaign=campaign, code="S1", name="东华街道", type="street")
    for code, name in [("K1", "幸福社区"), ("K2", "和平社区")]:
        UnitFactory(campaign=campaign, parent=street, code=code, name=name, type="community")
    for code, name in [("B1", "市城市管理局"), ("B2", "市住房和城乡建设局"), ("B3", "市生态环境局")]:
        UnitFactory(campaign=campaign, code=code, name=name, type="bureau")
    return campaign


def csv_bytes(header, rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def xlsx(sheet, header, rows) -> bytes:
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    worksheet.append(header)
    for row in rows:
        worksheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def errors(plan):
    return [(i.row, i.column, i.message) for i in plan.issues if i.level == "error"]


def changes(plan):
    return [(c.action, c.code, c.fields) for c in plan.changes]


def grids(campaign, rows, header=GRID_HEADER):
    return GridImport(campaign=campaign, filename="grids.csv", data=csv_bytes(header, rows))


def groups(campaign, rows, header=GROUP_HEADER):
    return UnitGroupImport(campaign=campaign, filename="groups.csv", data=csv_bytes(header, rows))


def pairings(campaign, rows, header=PAIRING_HEADER):
    return PairingImport(campaign=campaign, filename="pairings.csv", data=csv_bytes(header, rows))


def members(campaign, name):
    return sorted(UnitGroup.objects.get(campaign=campaign, name=name).members.values_list("code", flat=True))


# Grids -----------------------------------------------------------------------------------------------------------

GRID_ROWS = [["G1", "东华第一网格", "K1"], ["G2", "东华第二网格", "K2"], ["G3", "无主网格", ""]]


def test_grids_are_created_and_importing_them_again_changes_nothing(campaign):
    plan = grids(campaign, GRID_ROWS)
    assert not plan.has_errors, plan.issues
    assert changes(plan) == [("create", "G1", []), ("create", "G2", []), ("create", "G3", [])]
    assert plan.apply(actor=None) == {"create": 3, "update": 0, "remove": 0}
    assert sorted(Grid.objects.filter(campaign=campaign).values_list("code", "name", "unit__code")) == [
        ("G1", "东华第一网格", "K1"), ("G2", "东华第二网格", "K2"), ("G3", "无主网格", None),
    ]  # fmt: skip
    assert AuditEvent.objects.filter(action="campaign.grids.import").count() == 1
    again = grids(campaign, GRID_ROWS)
    assert again.counts() == {"create": 0, "update": 0, "remove": 0}
    assert again.apply(actor=None) == {"create": 0, "update": 0, "remove": 0}
    assert AuditEvent.objects.filter(action="campaign.grids.import").count() == 1


def test_grids_are_updated_by_code_and_grids_missing_from_the_file_are_kept(campaign):
    grids(campaign, GRID_ROWS).apply(actor=None)
    plan = grids(campaign, [["G1", "东华一号网格", "K2"], ["G2", "东华第二网格", "K2"]])
    assert changes(plan) == [("update", "G1", ["name", "unit"])]
    assert plan.apply(actor=None) == {"create": 0, "update": 1, "remove": 0}
    g1 = Grid.objects.get(campaign=campaign, code="G1")
    assert (g1.name, g1.unit.code) == ("东华一号网格", "K2")
    assert Grid.objects.filter(campaign=campaign).count() == 3


def test_bad_grid_rows_are_located_and_nothing_is_written(campaign):
    plan = grids(campaign, [["G1", "甲", "K9"], ["G2", "", "K1"], ["G1", "乙", "K1"], ["", "丙", ""]])
    assert errors(plan) == [
        (2, "C", "Unknown unit “K9”."),
        (3, "B", "The name is empty."),
        (4, "A", "Code G1 appears again (first in row 2)."),
        (5, "A", "The code is empty."),
    ]
    assert plan.changes == []
    with pytest.raises(Exception, match="nothing was imported"):
        plan.apply(actor=None)
    assert not Grid.objects.filter(campaign=campaign).exists()


def test_the_grids_sheet_of_a_workbook_and_its_chinese_headers(campaign):
    data = xlsx("网格", ["网格编码", "网格名称", "责任单位"], [["G1", "东华第一网格", "K1"]])
    plan = GridImport(campaign=campaign, filename="grids.xlsx", data=data)
    assert not plan.has_errors, plan.issues
    assert plan.counts() == {"create": 1, "update": 0, "remove": 0}


# Unit groups -----------------------------------------------------------------------------------------------------

GROUP_ROWS = [
    ["各社区", "set", "K1|K2", "", "", ""],
    ["市容环境整治指挥部", "专项整治指挥部", "B1|B2|S1", "B1", "分管副市长 刘建", "石磊、田野"],
    ["东华街道捆绑考评组", "捆绑考评组", "S1|K1|K2|B1", "S1", "", ""],
    ["市直部门", "同类组（一起排名）", "B1、B2、B3", "", "", ""],
]


def test_groups_are_created_with_their_members_and_importing_them_again_changes_nothing(campaign):
    plan = groups(campaign, GROUP_ROWS)
    assert not plan.has_errors, plan.issues
    assert plan.counts() == {"create": 4, "update": 0, "remove": 0}
    assert plan.apply(actor=None) == {"create": 4, "update": 0, "remove": 0}
    command = UnitGroup.objects.get(campaign=campaign, name="市容环境整治指挥部")
    assert (command.kind, command.lead_unit.code, command.commander, command.deputies) == (
        "command", "B1", "分管副市长 刘建", "石磊、田野",
    )  # fmt: skip
    assert members(campaign, "市容环境整治指挥部") == ["B1", "B2", "S1"]
    assert UnitGroup.objects.get(campaign=campaign, name="东华街道捆绑考评组").kind == "bundle"
    assert UnitGroup.objects.get(campaign=campaign, name="市直部门").kind == "peer"
    assert members(campaign, "市直部门") == ["B1", "B2", "B3"]
    assert UnitGroup.objects.get(campaign=campaign, name="各社区").lead_unit is None
    again = groups(campaign, GROUP_ROWS)
    assert again.counts() == {"create": 0, "update": 0, "remove": 0}
    assert again.apply(actor=None) == {"create": 0, "update": 0, "remove": 0}


@pytest.mark.parametrize(
    "word, kind",
    [
        ("指挥部", "command"), ("专项整治指挥部", "command"), ("捆绑", "bundle"), ("同类组", "peer"),
        ("集合", "set"), ("单位集合（如“各区人民政府”）", "set"), ("Peer group (ranked together)", "peer"),
        ("BUNDLE", "bundle"), (" 捆绑考评组 ", "bundle"),
    ],
)  # fmt: skip
def test_the_kind_may_be_written_in_chinese_or_english(campaign, word, kind):
    plan = groups(campaign, [["甲组", word, "B1", "", "", ""]])
    assert not plan.has_errors, plan.issues
    plan.apply(actor=None)
    assert UnitGroup.objects.get(campaign=campaign, name="甲组").kind == kind


def test_a_reimport_sets_the_members_exactly_and_updates_the_fields(campaign):
    groups(campaign, GROUP_ROWS).apply(actor=None)
    changed = [row[:] for row in GROUP_ROWS]
    changed[0][2] = "K2|S1"  # K1 leaves, S1 joins
    changed[1][4] = "副市长 刘建"
    changed[1][3] = "B2"
    plan = groups(campaign, changed)
    assert changes(plan) == [
        ("update", "各社区", ["members"]),
        ("update", "市容环境整治指挥部", ["lead_unit", "commander"]),
    ]
    assert plan.apply(actor=None) == {"create": 0, "update": 2, "remove": 0}
    assert members(campaign, "各社区") == ["K2", "S1"]
    assert members(campaign, "市容环境整治指挥部") == ["B1", "B2", "S1"]  # untouched
    command = UnitGroup.objects.get(campaign=campaign, name="市容环境整治指挥部")
    assert (command.lead_unit.code, command.commander) == ("B2", "副市长 刘建")
    # An empty members cell empties the group; groups missing from the file stay as they are.
    plan = groups(campaign, [["各社区", "set", "", "", "", ""]])
    assert changes(plan) == [("update", "各社区", ["members"])]
    plan.apply(actor=None)
    assert members(campaign, "各社区") == []
    assert UnitGroup.objects.filter(campaign=campaign).count() == 4


def test_bad_group_rows_are_located_and_nothing_is_written(campaign):
    rows = [
        ["甲组", "军团", "B1", "", "", ""],
        ["乙组", "set", "B1|X9|K1", "", "", ""],
        ["丙组", "command", "B1", "Y9", "", ""],
        ["甲组", "set", "B1", "", "", ""],
        ["", "set", "B1", "", "", ""],
        ["长" * 101, "set", "B1", "", "", ""],
        ["丁组", "set", "B1", "", "", ""],
    ]
    plan = groups(campaign, rows)
    assert errors(plan) == [
        (
            2,
            "B",
            "Unknown group kind “军团”. Use: Peer group (ranked together)、Named set (e.g. 各区人民政府)、"
            "Command group (专项整治指挥部)、Bundle sharing reward and penalty (捆绑式考评).",
        ),
        (3, "C", "Unknown unit “X9”."),
        (4, "D", "Unknown unit “Y9”."),
        (5, "A", "Group 甲组 appears again (first in row 2)."),
        (6, "A", "The name is empty."),
        (7, "A", "The name is longer than 100 characters."),
    ]
    assert plan.changes == []
    with pytest.raises(Exception, match="nothing was imported"):
        plan.apply(actor=None)
    assert not UnitGroup.objects.filter(campaign=campaign).exists()


def test_groups_name_units_of_their_campaign_that_are_active(campaign):
    other = CampaignFactory()
    UnitFactory(campaign=other, code="OTHER")
    b3 = campaign.units.get(code="B3")
    unit_update(actor=None, unit=b3, is_active=False)
    plan = groups(campaign, [["甲组", "set", "OTHER|B3", "", "", ""]])
    assert errors(plan) == [
        (2, "C", "Unknown unit “OTHER”."),
        (2, "C", "Unit B3 (市生态环境局) is no longer active."),
    ]


def test_group_names_are_matched_without_regard_to_full_width_forms(campaign):
    groups(campaign, [["街道（乡镇）", "peer", "S1", "", "", ""]]).apply(actor=None)
    plan = groups(campaign, [["街道(乡镇)", "peer", "S1", "", "", ""]])
    assert changes(plan) == [("update", "街道(乡镇)", ["name"])]
    plan.apply(actor=None)
    assert list(UnitGroup.objects.filter(campaign=campaign).values_list("name", flat=True)) == ["街道(乡镇)"]


# Pairings --------------------------------------------------------------------------------------------------------

PAIRING_ROWS = [["B1", "K1", "市容环境结对共建"], ["B2", "K2", ""], ["B3", "K1", "生态共建"]]


def pairs(campaign):
    return sorted(Pairing.objects.filter(unit__campaign=campaign).values_list("unit__code", "partner__code", "note"))


def test_pairings_are_created_and_importing_them_again_changes_nothing(campaign):
    plan = pairings(campaign, PAIRING_ROWS)
    assert not plan.has_errors, plan.issues
    assert changes(plan) == [("create", "B1 ↔ K1", []), ("create", "B2 ↔ K2", []), ("create", "B3 ↔ K1", [])]
    assert plan.changes[0].name == "市城市管理局 ↔ 幸福社区"
    assert plan.apply(actor=None) == {"create": 3, "update": 0, "remove": 0}
    assert pairs(campaign) == [("B1", "K1", "市容环境结对共建"), ("B2", "K2", ""), ("B3", "K1", "生态共建")]
    again = pairings(campaign, PAIRING_ROWS)
    assert again.counts() == {"create": 0, "update": 0, "remove": 0}
    assert again.apply(actor=None) == {"create": 0, "update": 0, "remove": 0}


def test_the_file_is_the_whole_list_of_pairings(campaign):
    other = CampaignFactory()
    Pairing.objects.create(unit=UnitFactory(campaign=other), partner=UnitFactory(campaign=other))
    pairings(campaign, PAIRING_ROWS).apply(actor=None)
    plan = pairings(campaign, [["B1", "K1", "市容共建"], ["B2", "K2", ""], ["K2", "B2", "回访"]])
    assert changes(plan) == [
        ("update", "B1 ↔ K1", ["note"]),
        ("create", "K2 ↔ B2", []),
        ("remove", "B3 ↔ K1", []),
    ]
    assert plan.apply(actor=None) == {"create": 1, "update": 1, "remove": 1}
    assert pairs(campaign) == [("B1", "K1", "市容共建"), ("B2", "K2", ""), ("K2", "B2", "回访")]
    assert Pairing.objects.filter(unit__campaign=other).count() == 1  # another campaign's pairings are not touched


def test_bad_pairing_rows_are_located_and_nothing_is_written(campaign):
    pairings(campaign, PAIRING_ROWS[:1]).apply(actor=None)
    rows = [
        ["B1", "B1", "自己"],
        ["X9", "K1", ""],
        ["B2", "Y9", ""],
        ["B2", "K2", ""],
        ["B2", "k2", "again"],
        ["", "K2", ""],
        ["Ｂ３", "K1", ""],
    ]
    plan = pairings(campaign, rows)
    assert errors(plan) == [
        (2, "B", "A unit cannot be paired with itself."),
        (3, "A", "Unknown unit “X9”."),
        (4, "B", "Unknown unit “Y9”."),
        (6, "B", "Unknown unit “k2”."),
        (7, "A", "The code is empty."),
    ]
    assert [(i.row, i.column) for i in plan.issues if i.level == "notice"] == [(8, "A")]  # Ｂ３ read as B3
    plan = pairings(campaign, [*rows[3:4], ["B2", "K2", "again"]])
    assert errors(plan) == [(3, "B", "The pairing B2 ↔ K2 appears again (first in row 2).")]
    with pytest.raises(Exception, match="nothing was imported"):
        plan.apply(actor=None)
    assert pairs(campaign) == [("B1", "K1", "市容环境结对共建")]  # nothing created, nothing removed


# Columns, commands, pages and the demo --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "importer, header, missing",
    [
        (GridImport, ["code", "unit_code"], "name"),
        (UnitGroupImport, ["name", "members"], "kind"),
        (PairingImport, ["unit", "note"], "partner_code"),
    ],
)
def test_missing_columns_are_named_and_unknown_ones_ignored(campaign, importer, header, missing):
    plan = importer(campaign=campaign, filename="x.csv", data=csv_bytes([*header, "备注x"], [["B1", "K1", "x"]]))
    assert plan.has_errors
    assert [e for e in errors(plan) if f"missing: {missing}." in e[2]]
    assert plan.changes == []
    assert [i.message for i in plan.issues if i.level == "notice"] == ["Column “备注x” is not used and was ignored."]


def test_a_workbook_without_the_expected_sheet_is_refused(campaign):
    plan = PairingImport(campaign=campaign, filename="p.xlsx", data=xlsx("Sheet1", PAIRING_HEADER, PAIRING_ROWS))
    assert errors(plan) == [(None, "", "No sheet of this workbook has the expected name (结对共建).")]


@pytest.mark.parametrize(
    "command, header, good, bad, model",
    [
        ("import_grids", GRID_HEADER, [["G1", "甲网格", "K1"]], [["G1", "甲网格", "K9"]], Grid),
        ("import_groups", GROUP_HEADER, [["甲组", "集合", "B1|B2", "", "", ""]], [["甲组", "集合", "B9", "", "", ""]],
         UnitGroup),
        ("import_pairings", PAIRING_HEADER, [["B1", "K1", ""]], [["B1", "B1", ""]], Pairing),
    ],
)  # fmt: skip
def test_the_commands_exit_non_zero_with_the_errors_and_dry_runs_write_nothing(
    campaign, tmp_path, capsys, command, header, good, bad, model
):
    bad_path = tmp_path / "bad.csv"
    bad_path.write_bytes(csv_bytes(header, bad))
    with pytest.raises(CommandError, match="1 error"):
        call_command(command, str(bad_path), campaign=campaign.slug)
    err = capsys.readouterr().err
    assert err.startswith("ERROR: sheet ") and " row 2 column " in err
    good_path = tmp_path / "good.csv"
    good_path.write_bytes(csv_bytes(header, good))
    call_command(command, str(good_path), campaign=campaign.slug, dry_run=True)
    assert "Plan: 1 to create" in capsys.readouterr().out
    assert not model.objects.exists()
    call_command(command, str(good_path), campaign=campaign.slug)
    assert "Imported: 1 created, 0 updated, 0 removed." in capsys.readouterr().out
    assert model.objects.count() == 1
    with pytest.raises(CommandError, match="No campaign"):
        call_command(command, str(good_path), campaign="nowhere")


def test_the_demo_groups_pairings_and_grids_come_from_their_files_and_import_again_unchanged(demo):
    campaign = demo.campaign
    assert UnitGroup.objects.filter(campaign=campaign).count() == 10
    assert members(campaign, "各区人民政府") == ["SFS-DC", "SFS-GX", "SFS-XC"]
    bundle = UnitGroup.objects.get(campaign=campaign, name="东华街道捆绑考评组")
    assert (bundle.kind, bundle.lead_unit.code) == ("bundle", "SFS-DC-DH")
    assert Pairing.objects.filter(unit__campaign=campaign).count() == 3
    assert Grid.objects.filter(campaign=campaign).count() == 8
    for importer, filename in [(UnitGroupImport, "groups.csv"), (PairingImport, "pairings.csv"),
                               (GridImport, "grids.csv")]:  # fmt: skip
        plan = importer(campaign=campaign, filename=filename, data=(DATA / filename).read_bytes())
        assert not plan.has_errors, plan.issues
        assert plan.counts() == {"create": 0, "update": 0, "remove": 0}, filename


def test_the_import_page_offers_the_new_kinds_and_their_templates(client, demo_users):
    client.force_login(demo_users["office"])
    page = client.get("/imports/new/", {"kind": "import.pairings"})
    kinds = [value for value, _label in page.context["form"].fields["kind"].choices]
    assert {"import.grids", "import.groups", "import.pairings"} <= set(kinds)
    assert page.context["form"].initial["kind"] == "import.pairings"
    body = page.content.decode()
    for kind, sheet, columns in [
        ("import.grids", "网格", GRID_HEADER),
        ("import.groups", "单位分组", GROUP_HEADER),
        ("import.pairings", "结对共建", PAIRING_HEADER),
    ]:
        assert f"/imports/template/{kind}/" in body
        workbook = load_workbook(io.BytesIO(client.get(f"/imports/template/{kind}/").content))
        assert workbook.sheetnames == [sheet]
        assert [c.value for c in workbook[sheet][1]] == columns


def test_pairings_import_through_the_page_as_a_preview_then_a_job(
    client, demo_users, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client.force_login(demo_users["office"])
    upload = io.BytesIO(csv_bytes(PAIRING_HEADER, [["SFS-B-CGJ", "SFS-DC-DH-XF", "市容环境结对共建"]]))
    upload.name = "pairings.csv"
    response = client.post("/imports/new/", {"kind": "import.pairings", "file": upload})
    assert response.status_code == 302
    job = Job.objects.get()
    page = client.get(response["Location"])
    assert page.context["counts"] == {"create": 0, "update": 0, "remove": 2}
    assert Pairing.objects.count() == 3  # a preview writes nothing
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/jobs/{job.pk}/start/")
    job.refresh_from_db()
    assert job.status == "done"
    assert job.result["outcome"] == {"create": 0, "update": 0, "remove": 2}
    assert list(Pairing.objects.values_list("unit__code", "partner__code")) == [("SFS-B-CGJ", "SFS-DC-DH-XF")]
    assert Point.objects.exists()  # nothing else touched


def test_a_groups_workbook_with_chinese_headers(campaign):
    header = ["名称", "类型", "成员单位", "牵头单位", "指挥长", "副指挥长"]
    data = xlsx("单位分组", header, [["市容环境整治指挥部", "指挥部", "B1|B2", "B1", "刘建", "石磊"]])
    plan = UnitGroupImport(campaign=campaign, filename="groups.xlsx", data=data)
    assert not plan.has_errors, plan.issues
    plan.apply(actor=None)
    group = UnitGroup.objects.get(campaign=campaign)
    assert (group.kind, group.lead_unit.code, group.commander, group.deputies) == ("command", "B1", "刘建", "石磊")


@pytest.mark.parametrize("importer", [UnitGroupImport, PairingImport])
def test_planning_and_writing_cost_the_same_queries_for_any_number_of_rows(db, importer):
    counts = []
    for size in (2, 8):
        campaign = CampaignFactory()
        codes = [UnitFactory(campaign=campaign).code for _ in range(size + 1)]
        if importer is UnitGroupImport:
            data = csv_bytes(
                GROUP_HEADER, [[f"组{i}", "set", "|".join(codes[: i + 1]), codes[0], "", ""] for i in range(size)]
            )
        else:
            data = csv_bytes(PAIRING_HEADER, [[codes[0], code, ""] for code in codes[1:]])
        with CaptureQueriesContext(connection) as queries:
            assert importer(campaign=campaign, filename="x.csv", data=data).apply(actor=None)["create"] == size
        counts.append(len(queries))
    assert counts[0] == counts[1]
