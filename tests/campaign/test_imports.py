"""Importing the assessment system and point types: the sample files import, re-imports change nothing, and every
kind of bad input gets a located, readable error with nothing written."""

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook, load_workbook

from campaign.imports import IndicatorImport, PointTypeImport
from campaign.models import Indicator, IndicatorMethod, PointType, TaskAssignment, Unit
from campaign.selectors import indicator_tree
from core.models import AuditEvent, Job
from tests.factories import CampaignFactory

DATA = Path(__file__).resolve().parents[2] / "campaign" / "demo"
HEADER = ["code", "parent_code", "level", "name", "score", "method", "point_types", "veto"]
GOOD_ROWS = [
    ["A01", "", 1, "公共文明", 10, "实地考察", "PT01", 0],
    ["A01.01", "A01", 2, "环境卫生", 10, "实地考察", "PT01", 0],
    ["A01.01.01", "A01.01", 3, "无暴露垃圾", 6, "实地考察", "PT01", 0],
    ["A01.01.02", "A01.01", 3, "公厕整洁", 4, "材料审核|实地考察", "PT01", 0],
]


@pytest.fixture(autouse=True)
def english():
    """Messages are compared in English here; one test checks the Chinese ones."""
    with translation.override("en"):
        yield


@pytest.fixture
def campaign(db):
    campaign = CampaignFactory()
    PointType.objects.create(campaign=campaign, code="PT01", name="社区", sample_count=5)
    return campaign


def xlsx(rows, *, sheet="测评体系", header=HEADER, extra=None) -> bytes:
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    worksheet.append(header)
    for row in rows:
        worksheet.append(row)
    if extra:
        extra(worksheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, header=HEADER) -> bytes:
    lines = [",".join(header)] + [",".join(str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def plan_for(campaign, data, filename="indicators.xlsx"):
    return IndicatorImport(campaign=campaign, filename=filename, data=data)


def errors(plan):
    return [(i.sheet, i.row, i.column, i.message) for i in plan.issues if i.level == "error"]


def notices(plan):
    return [(i.row, i.column, i.message) for i in plan.issues if i.level == "notice"]


# The sample data ------------------------------------------------------------------------------------------------


def test_the_sample_csv_files_import_and_add_up(db):
    campaign = CampaignFactory()
    call_command("import_point_types", str(DATA / "point_types.csv"), campaign=campaign.slug)
    call_command("import_indicators", str(DATA / "indicators.csv"), campaign=campaign.slug)
    assert PointType.objects.filter(campaign=campaign).count() == 27
    assert Indicator.objects.filter(system__campaign=campaign).count() == 165
    tree = indicator_tree(campaign=campaign)
    assert tree.totals == {"base": Decimal("100.00"), "bonus": Decimal("5.00"), "deduction": Decimal("-8.00")}
    assert tree.mismatches == []
    leaves = [node for node in tree.nodes if node.is_leaf]
    assert len(leaves) == 116
    assert sum(1 for node in leaves if node.indicator.is_veto) == 4
    field = Indicator.objects.get(system__campaign=campaign, code="A01.01.01")
    assert field.level == 3 and field.parent.code == "A01.01"
    assert list(IndicatorMethod.objects.filter(indicator__code="A01").values_list("method", flat=True)) == [
        "field_inspection", "material_review", "online_submission", "questionnaire"
    ]  # fmt: skip


def test_the_sample_workbook_imports_as_it_is_and_matches_the_csv_files(db):
    from_workbook, from_csv = CampaignFactory(), CampaignFactory()
    call_command("import_indicators", str(DATA / "demo_city.xlsx"), campaign=from_workbook.slug)
    call_command("import_point_types", str(DATA / "point_types.csv"), campaign=from_csv.slug)
    call_command("import_indicators", str(DATA / "indicators.csv"), campaign=from_csv.slug)

    def snapshot(campaign):
        return sorted(
            (i.code, i.parent.code if i.parent else "", i.level, i.name, i.score, i.kind, i.is_veto,
             tuple(sorted(m.method for m in i.methods.all())), tuple(sorted(p.code for p in i.point_types.all())))
            for i in Indicator.objects.filter(system__campaign=campaign).prefetch_related("methods", "point_types")
        )  # fmt: skip

    assert snapshot(from_workbook) == snapshot(from_csv)
    assert len(snapshot(from_workbook)) == 165


def test_importing_the_same_file_again_changes_nothing(db):
    campaign = CampaignFactory()
    data = (DATA / "demo_city.xlsx").read_bytes()
    first = plan_for(campaign, data)
    assert first.counts() == {"create": 27 + 165, "update": 0, "remove": 0}
    first.apply(actor=None)
    events = AuditEvent.objects.count()
    ids = sorted(Indicator.objects.values_list("pk", flat=True))
    again = plan_for(campaign, data)
    assert again.counts() == {"create": 0, "update": 0, "remove": 0}
    assert again.apply(actor=None) == {"create": 0, "update": 0, "remove": 0}
    assert sorted(Indicator.objects.values_list("pk", flat=True)) == ids
    assert AuditEvent.objects.count() == events


def test_a_changed_file_updates_and_removes_by_code(campaign):
    plan_for(campaign, xlsx(GOOD_ROWS)).apply(actor=None)
    rows = [list(row) for row in GOOD_ROWS[:3]]
    rows[1][3] = "环境卫生整治"
    rows[1][4] = 6
    rows[0][4] = 6
    plan = plan_for(campaign, xlsx(rows))
    assert [(c.action, c.code, c.fields) for c in plan.changes] == [
        ("update", "A01", ["score"]), ("update", "A01.01", ["name", "score"]), ("remove", "A01.01.02", []),
    ]  # fmt: skip
    plan.apply(actor=None)
    assert list(Indicator.objects.order_by("code").values_list("code", "name", "score")) == [
        ("A01", "公共文明", Decimal("6.00")), ("A01.01", "环境卫生整治", Decimal("6.00")),
        ("A01.01.01", "无暴露垃圾", Decimal("6.00")),
    ]  # fmt: skip


def test_dry_run_writes_nothing(db, capsys):
    campaign = CampaignFactory()
    call_command("import_indicators", str(DATA / "demo_city.xlsx"), campaign=campaign.slug, dry_run=True)
    assert "192 to create" in capsys.readouterr().out
    assert not Indicator.objects.exists()
    assert not PointType.objects.exists()


def test_the_command_exits_non_zero_with_the_error_list(campaign, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([["A01", "", 1, "公共文明", "十分", "实地考察", "", 0]]))
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_indicators", str(path), campaign=campaign.slug)
    assert "row 2 column E" in capsys.readouterr().err
    assert not Indicator.objects.exists()


# Bad input ---------------------------------------------------------------------------------------------------------


def test_missing_columns_are_named(campaign):
    header = ["code", "parent_code", "level", "name", "method"]
    plan = plan_for(campaign, xlsx([["A01", "", 1, "公共文明", "实地考察"]], header=header))
    assert plan.has_errors
    assert "score" in errors(plan)[0][3]
    assert plan.changes == []


def test_unknown_columns_are_ignored_with_a_notice(campaign):
    plan = plan_for(campaign, xlsx([[*row, "x"] for row in GOOD_ROWS], header=[*HEADER, "备注"]))
    assert not plan.has_errors
    assert notices(plan) == [(1, "I", "Column “备注” is not used and was ignored.")]


def test_unknown_parent_codes(campaign):
    plan = plan_for(campaign, xlsx([*GOOD_ROWS, ["A09.01", "A09", 2, "无上级", 1, "实地考察", "", 0]]))
    assert errors(plan) == [("测评体系", 6, "B", "Parent code A09 is not in the sheet.")]


def test_duplicate_codes(campaign):
    plan = plan_for(campaign, xlsx([*GOOD_ROWS, ["A01.01.01", "A01.01", 3, "重复", 1, "实地考察", "", 0]]))
    assert errors(plan) == [("测评体系", 6, "A", "Code A01.01.01 appears again (first in row 4).")]


def test_cycles(campaign):
    rows = [["X1", "X2", 1, "甲", 1, "实地考察", "", 0], ["X2", "X1", 2, "乙", 1, "实地考察", "", 0]]
    plan = plan_for(campaign, xlsx(rows))
    assert errors(plan)[0][3] == "The parent codes go round in a circle: X1 → X2 → X1."
    assert not Indicator.objects.exists()


def test_levels_must_follow_the_tree(campaign):
    rows = [list(row) for row in GOOD_ROWS]
    rows[2][2] = 2
    assert errors(plan_for(campaign, xlsx(rows))) == [
        ("测评体系", 4, "C", "The level is 2 but should be 3, one below its parent.")
    ]


@pytest.mark.parametrize(
    ("score", "message"),
    [
        ("十分", "The score “十分” is not a number."),
        ("", "The score “” is not a number."),
        (-2, "The score -2.00 is negative; only deduction items (扣分) may be negative."),
        ("1e9", "The score 1000000000.00 is out of range (at most 9999)."),
    ],
)
def test_bad_scores(campaign, score, message):
    rows = [list(row) for row in GOOD_ROWS]
    rows[3][4] = score
    assert [e[3] for e in errors(plan_for(campaign, xlsx(rows)))] == [message]


def test_negative_scores_are_fine_for_deductions(campaign):
    rows = [["N01", "", 1, "负面清单", -3, "材料审核", "", 0], ["N01.01", "N01", 2, "弄虚作假", -3, "材料审核", "", 0]]
    plan = plan_for(campaign, xlsx(rows))
    assert not plan.has_errors
    plan.apply(actor=None)
    assert set(Indicator.objects.values_list("kind", flat=True)) == {"deduction"}


def test_unknown_methods_point_types_and_veto_values(campaign):
    rows = [list(row) for row in GOOD_ROWS]
    rows[3][5] = "电话抽查"
    rows[3][6] = "PT99"
    rows[3][7] = "可能"
    found = errors(plan_for(campaign, xlsx(rows)))
    assert [e[2] for e in found] == ["F", "G", "H"]
    assert found[0][3].startswith("Unknown method “电话抽查”. Use: 实地考察、")
    assert found[1][3].startswith("Unknown point type PT99")
    assert found[2][3] == "Veto must be 1 or 0 (是 or 否), not “可能”."


def test_formulas_are_refused(campaign):
    rows = [list(row) for row in GOOD_ROWS]
    rows[0][4] = "=E3+E4"
    plan = plan_for(campaign, xlsx(rows))
    assert ("测评体系", 2, "E", "Cell E2 holds a formula. Copy the column and paste it as values.") in errors(plan)


def test_merged_cells_are_refused(campaign):
    plan = plan_for(campaign, xlsx(GOOD_ROWS, extra=lambda ws: ws.merge_cells("D2:E2")))
    assert ("测评体系", 2, "", "Cells D2:E2 are merged. Unmerge them and fill every cell.") in errors(plan)
    assert not Indicator.objects.exists()


def test_blank_rows_in_the_middle_are_skipped_with_a_notice(campaign):
    plan = plan_for(campaign, xlsx([GOOD_ROWS[0], GOOD_ROWS[1], [None] * 8, GOOD_ROWS[2], GOOD_ROWS[3], [None] * 8]))
    assert not plan.has_errors
    assert notices(plan) == [(4, "", "Blank row skipped.")]
    assert plan.counts()["create"] == 4


def test_codes_with_spaces_and_full_width_characters_are_normalised_and_reported(campaign):
    rows = [list(row) for row in GOOD_ROWS]
    rows[1][0] = " Ａ０１．０１ "
    plan = plan_for(campaign, xlsx(rows))
    assert not plan.has_errors
    assert notices(plan) == [
        (3, "A", "Code “ Ａ０１．０１ ” was read as “A01.01” (spaces and full-width characters removed).")
    ]
    plan.apply(actor=None)
    assert Indicator.objects.get(code="A01.01.01").parent.code == "A01.01"


def test_a_parent_whose_children_do_not_add_up_is_reported_not_fixed(campaign):
    rows = [list(row) for row in GOOD_ROWS]
    rows[1][4] = 9
    plan = plan_for(campaign, xlsx(rows))
    assert not plan.has_errors
    assert (3, "E", "The children of A01.01 add up to 10.00, but its score is 9.00. Kept as written.") in notices(plan)
    plan.apply(actor=None)
    tree = indicator_tree(campaign=campaign)
    assert [(n.indicator.code, n.indicator.score, n.children_total) for n in tree.mismatches] == [
        ("A01", Decimal("10.00"), Decimal("9.00")), ("A01.01", Decimal("9.00"), Decimal("10.00")),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("old.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old Excel 97-2003 (.xls) file"),
        ("text.xlsx", "code,name\nPT01,社区\n".encode(), "named .xlsx but is a text (CSV) file"),
        ("book.csv", None, "named .csv but is an Excel workbook"),
        ("broken.xlsx", b"PK\x03\x04" + b"\x00garbage" * 100, "damaged or not an Excel file"),
        ("empty.xlsx", b"", "The file is empty."),
        ("image.xlsx", bytes(range(256)) * 8, "neither an Excel workbook (.xlsx) nor a text (.csv) file"),
        ("other.xlsx", None, "No sheet of this workbook has the expected name"),
    ],
)
def test_files_that_are_not_what_they_say(campaign, filename, data, message):
    if data is None:
        data = xlsx(GOOD_ROWS, sheet="Sheet1" if filename == "other.xlsx" else "测评体系")
    plan = plan_for(campaign, data, filename=filename)
    assert plan.has_errors
    assert len(plan.issues) == 1
    assert message in plan.issues[0].message
    assert not Indicator.objects.exists()


def test_a_file_over_the_size_limit(campaign, settings):
    settings.IMPORT_MAX_BYTES = 50 * 1024 * 1024
    data = xlsx(GOOD_ROWS) + b"\0" * (50 * 1024 * 1024)
    plan = plan_for(campaign, data)
    assert "the limit is 50 MB" in plan.issues[0].message


def test_errors_are_in_chinese_by_default_and_english_when_switched(campaign):
    rows = [list(row) for row in GOOD_ROWS]
    rows[3][4] = "十分"
    with translation.override("zh-hans"):
        chinese = errors(plan_for(campaign, xlsx(rows)))[0]
    with translation.override("en"):
        english = errors(plan_for(campaign, xlsx(rows)))[0]
    assert english[3] == "The score “十分” is not a number."
    assert chinese[3] != english[3]
    assert "分值" in chinese[3]
    assert str(chinese) and chinese[1:3] == english[1:3] == (5, "E")


def test_point_types_import_reports_bad_counts(db):
    campaign = CampaignFactory()
    rows = [["PT01", "社区", 5], ["PT02", "小区", "很多"], ["PT01", "重复", 1]]
    data = csv_bytes(rows, header=["code", "name", "sample_count"])
    plan = PointTypeImport(campaign=campaign, filename="pt.csv", data=data)
    assert [(e[1], e[2]) for e in errors(plan)] == [(3, "C"), (4, "A")]


# The pages -------------------------------------------------------------------------------------------------------


def test_staff_import_through_the_pages_with_a_preview_then_a_job(
    client, demo_users, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from campaign.models import Campaign
    from scoring.models import InspectionRound

    campaign = Campaign.objects.get(slug="sfs-2027")
    # The demo's inspections name its criteria; start from a campaign without a system.
    InspectionRound.objects.filter(campaign=campaign).delete()
    TaskAssignment.objects.all().delete()
    Indicator.objects.filter(system__campaign=campaign).delete()
    client.force_login(demo_users["office"])
    with open(DATA / "indicators.csv", "rb") as handle:
        response = client.post("/imports/new/", {"kind": "import.indicators", "file": handle})
    assert response.status_code == 302
    job = Job.objects.get()
    page = client.get(response["Location"])
    assert page.context["counts"] == {"create": 165, "update": 0, "remove": 0}
    assert not Indicator.objects.filter(system__campaign=campaign).exists()  # a preview writes nothing
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/jobs/{job.pk}/start/")
    job.refresh_from_db()
    assert job.status == "done"
    assert job.result["outcome"] == {"create": 165, "update": 0, "remove": 0}
    assert Indicator.objects.filter(system__campaign=campaign).count() == 165
    assert client.get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true").templates[0].name == "core/_job_status.html"
    # Starting it again does nothing twice.
    client.post(f"/jobs/{job.pk}/start/")
    assert Indicator.objects.filter(system__campaign=campaign).count() == 165
    assert AuditEvent.objects.filter(action="job.queue").count() == 1


def test_a_preview_with_errors_cannot_be_started(client, demo_users):
    client.force_login(demo_users["office"])
    upload = io.BytesIO(csv_bytes([["A01", "", 1, "公共文明", "十分", "实地考察", "", 0]]))
    upload.name = "bad.csv"
    response = client.post("/imports/new/", {"kind": "import.indicators", "file": upload}, follow=True)
    assert len(response.context["errors"]) == 1
    job = Job.objects.get()
    client.post(f"/jobs/{job.pk}/start/")
    job.refresh_from_db()
    assert job.status == "preview"


def test_the_indicator_tree_page_and_its_export(client, demo_users):
    client.force_login(demo_users["liaison_community"])
    response = client.get("/indicators/")
    html = response.content.decode()
    assert "思想引领与道德建设" in html
    assert response.context["tree"].totals["base"] == Decimal("100.00")
    export = client.get("/indicators/", {"export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(export.content), read_only=True).active.iter_rows(values_only=True))
    assert len(rows) == 166
    assert rows[1][:5] == ("A01", None, 1, "思想引领与道德建设", 10)


def test_the_indicator_tree_costs_the_same_queries_at_any_size(db, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small, large = CampaignFactory(), CampaignFactory()
    PointType.objects.create(campaign=small, code="PT01", name="社区")
    plan_for(small, xlsx(GOOD_ROWS)).apply(actor=None)
    plan_for(large, (DATA / "demo_city.xlsx").read_bytes()).apply(actor=None)
    counts = []
    for campaign in (small, large):
        with CaptureQueriesContext(connection) as queries:
            indicator_tree(campaign=campaign)
        counts.append(len(queries))
    assert counts[0] == counts[1] == 4


def test_the_templates_have_the_expected_sheets_and_columns(client, demo_users):
    client.force_login(demo_users["office"])
    workbook = load_workbook(io.BytesIO(client.get("/imports/template/import.indicators/").content))
    assert workbook.sheetnames == ["点位类型", "测评体系"]
    assert [c.value for c in workbook["测评体系"][1]] == [*HEADER, "kind"]
    assert client.get("/imports/template/nothing/").status_code == 404


def test_the_indicator_api_filters_criteria_by_method_and_point_type(client, demo_users, demo):
    client.force_login(demo_users["liaison_community"])
    body = client.get(
        "/api/v1/indicators/", {"leaf": "true", "method": "field_inspection", "point_type": "PT10", "page_size": 500}
    ).json()
    assert body["count"] > 0
    for row in body["results"]:
        assert row["is_leaf"] is True
        assert "field_inspection" in row["methods"]
        assert "PT10" in row["point_types"]
    one = client.get("/api/v1/indicators/", {"code": "A01.01.01"}).json()["results"][0]
    assert one == {
        "id": one["id"], "campaign": demo.campaign.pk, "system_version": 1, "code": "A01.01.01",
        "parent_code": "A01.01", "level": 3, "score": "1.00", "kind": "base",
        "name": "党委（党组）理论学习中心组有年度计划并按计划学习",
        "is_veto": False, "methods": ["material_review"], "point_types": [], "is_leaf": True,
    }  # fmt: skip
    assert client.get("/api/v1/point-types/", {"page_size": 100}).json()["count"] == 27


def test_a_new_version_copies_the_system_tasks_and_standards_and_keeps_the_old_one(client, demo_users, demo):
    from campaign.models import IndicatorSystem, OperationStandard

    old = IndicatorSystem.objects.get(campaign=demo.campaign)
    client.force_login(demo_users["office"])
    response = client.post("/indicators/new-version/", {"name": "2027年版测评体系"})
    assert response.status_code == 302
    new = IndicatorSystem.objects.get(campaign=demo.campaign, is_current=True)
    assert (new.version, new.name) == (2, "2027年版测评体系")
    assert not IndicatorSystem.objects.get(pk=old.pk).is_current
    assert Indicator.objects.filter(system=new).count() == Indicator.objects.filter(system=old).count() == 165
    copy = Indicator.objects.get(system=new, code="A01.01.01")
    assert copy.parent.system_id == new.pk and copy.parent.code == "A01.01"
    assert TaskAssignment.objects.filter(indicator__system=new).count() == 20
    assert OperationStandard.objects.filter(indicator__system=new).count() == 6
    assert indicator_tree(campaign=demo.campaign).totals["base"] == Decimal("100.00")
    # Imports now change the new version only.
    assert IndicatorImport(
        campaign=demo.campaign, filename="i.xlsx", data=(DATA / "demo_city.xlsx").read_bytes()
    ).counts() == {"create": 0, "update": 0, "remove": 0}
    client.force_login(demo_users["liaison_community"])
    assert client.post("/indicators/new-version/").status_code == 404


def test_codes_too_long_to_store_are_refused(campaign):
    rows = [list(row) for row in GOOD_ROWS]
    rows[3][0] = "A01.01." + "9" * 40
    found = errors(plan_for(campaign, xlsx(rows)))
    assert [(e[2], e[3]) for e in found] == [("A", f"The code “{rows[3][0]}” is longer than 40 characters.")]
    data = csv_bytes([["PT01", "社区", 99999]], header=["code", "name", "sample_count"])
    plan = PointTypeImport(campaign=campaign, filename="pt.csv", data=data)
    assert errors(plan)[0][3] == "“99999” is not a whole number from 0 to 10000."


def test_a_job_whose_file_went_bad_since_the_preview_fails_with_a_reason_and_writes_nothing(demo_users, demo):
    from django.core.files.base import ContentFile

    from core.jobs import job_run

    job = Job.objects.create(kind="import.units", created_by=demo_users["office"], campaign_id=demo.campaign.pk,
                             filename="u.csv", status="queued")  # fmt: skip
    job.file.save("u.csv", ContentFile(b"code,name,type\nX1,,castle\n"))
    before = Unit.objects.count()
    job = job_run(job_id=str(job.pk))
    assert job.status == "failed"
    assert job.result["error"].startswith("The file has errors now")
    assert Unit.objects.count() == before
    assert job_run(job_id=str(job.pk)).status == "failed"  # a finished job is not run again


def test_an_unexpected_error_marks_the_job_failed_and_is_raised_for_the_worker_log(demo_users, monkeypatch):
    from core import jobs

    def broken(job, progress):
        raise RuntimeError("disk full")

    monkeypatch.setitem(jobs.RUNNERS, "test.broken", broken)
    job = Job.objects.create(kind="test.broken", created_by=demo_users["office"], status="queued")
    with pytest.raises(RuntimeError):
        jobs.job_run(job_id=str(job.pk))
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.result["error"] == "An unexpected error stopped the job; it was logged."
