"""Importing the problem categories: the sample file imports, a re-import changes nothing, and every kind of bad
input gets a located, readable error with nothing written."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook, load_workbook

from core.models import AuditEvent, Job
from rectification.imports import CategoryImport
from rectification.models import ProblemCategory
from tests.factories import CampaignFactory

SAMPLE = Path(__file__).resolve().parents[2] / "rectification" / "demo" / "problem_categories.csv"
HEADER = ["code", "parent_code", "name", "default_deadline_hours"]
GOOD_ROWS = [
    ["SJ", "", "事件", ""],
    ["SJ01", "SJ", "市容环境", "24"],
    ["SJ0102", "SJ01", "暴露垃圾", "4"],
]


@pytest.fixture(autouse=True)
def english():
    """Messages are compared in English."""
    with translation.override("en"):
        yield


@pytest.fixture
def campaign(db):
    return CampaignFactory()


def csv_bytes(rows, header=HEADER) -> bytes:
    lines = [",".join(header)] + [",".join(str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def xlsx(rows, header, sheet="问题分类") -> bytes:
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    worksheet.append(header)
    for row in rows:
        worksheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def plan_for(campaign, data, filename="categories.csv"):
    return CategoryImport(campaign=campaign, filename=filename, data=data)


def errors(plan):
    return [(i.row, i.column, i.message) for i in plan.issues if i.level == "error"]


def test_the_sample_file_imports_as_a_three_level_tree(campaign):
    plan = plan_for(campaign, SAMPLE.read_bytes())
    assert errors(plan) == []
    assert plan.counts() == {"create": 45, "update": 0, "remove": 0}
    assert plan.apply(actor=None) == {"create": 45, "update": 0, "remove": 0}
    categories = {c.code: c for c in ProblemCategory.objects.filter(campaign=campaign).select_related("parent")}
    assert len(categories) == 45
    assert (categories["BJ"].level, categories["BJ"].parent, categories["BJ"].deadline) == (1, None, None)
    assert (categories["BJ01"].level, categories["BJ01"].parent.code, categories["BJ01"].deadline) == (2, "BJ", 72)
    manhole = categories["BJ0101"]
    assert (manhole.name, manhole.level, manhole.parent.code) == ("上水井盖", 3, "BJ01")
    assert (manhole.deadline, manhole.deadline_unit, manhole.urgent_deadline) == (4, "working_hours", None)
    assert manhole.deadline_amount() == {"hours": 4}
    assert categories["SJ0101"].deadline == 480
    assert sorted(c.code for c in categories.values() if c.level == 1) == ["BJ", "SJ"]
    event = AuditEvent.objects.get(action="rectification.categories.import")
    assert event.data == {"create": 45, "update": 0, "remove": 0}
    assert event.object_id == str(campaign.pk)


def test_importing_the_same_file_again_changes_nothing(campaign):
    plan_for(campaign, SAMPLE.read_bytes()).apply(actor=None)
    ids = sorted(ProblemCategory.objects.values_list("pk", flat=True))
    again = plan_for(campaign, SAMPLE.read_bytes())
    assert again.counts() == {"create": 0, "update": 0, "remove": 0}
    assert again.changes == []
    assert again.apply(actor=None) == {"create": 0, "update": 0, "remove": 0}
    assert sorted(ProblemCategory.objects.values_list("pk", flat=True)) == ids
    assert AuditEvent.objects.filter(action="rectification.categories.import").count() == 1


def test_a_changed_file_updates_moves_and_deactivates_by_code(campaign):
    plan_for(campaign, csv_bytes(GOOD_ROWS)).apply(actor=None)
    rows = [["SJ", "", "事件", ""], ["SJ0102", "SJ", "暴露垃圾", "2"]]
    plan = plan_for(campaign, csv_bytes(rows))
    assert [(c.action, c.code, c.fields) for c in plan.changes] == [
        ("update", "SJ0102", ["level", "deadline", "parent"]),
        ("remove", "SJ01", ["is_active"]),
    ]
    plan.apply(actor=None)
    moved = ProblemCategory.objects.get(campaign=campaign, code="SJ0102")
    assert (moved.parent.code, moved.level, moved.deadline) == ("SJ", 2, 2)
    assert ProblemCategory.objects.get(campaign=campaign, code="SJ01").is_active is False
    # Back in the file, it is active again.
    assert plan_for(campaign, csv_bytes(GOOD_ROWS)).counts() == {"create": 0, "update": 2, "remove": 0}


def test_a_workbook_with_chinese_headers_days_urgent_deadlines_conditions_and_unit_types(campaign):
    header = ["编码", "上级编码", "名称", "处置时限（工作日）", "紧急处置时限", "立案条件", "结案条件", "责任单位类型"]
    rows = [
        ["SJ", None, "事件", None, None, None, None, None],
        ["SJ0101", "SJ", "私搭乱建", 20, 5, "占用公共空间的违法建设", "拆除并清理现场", "街道"],
    ]
    plan = plan_for(campaign, xlsx(rows, header), filename="问题分类.xlsx")
    assert errors(plan) == []
    plan.apply(actor=None)
    category = ProblemCategory.objects.get(campaign=campaign, code="SJ0101")
    assert (category.deadline, category.deadline_unit, category.urgent_deadline) == (20, "working_days", 5)
    assert (category.open_condition, category.close_condition) == ("占用公共空间的违法建设", "拆除并清理现场")
    assert category.default_unit_type == "street"
    assert category.deadline_amount(urgent=True) == {"days": 5}


def test_conditions_typed_in_by_staff_survive_a_reimport_without_those_columns(campaign):
    plan_for(campaign, csv_bytes(GOOD_ROWS)).apply(actor=None)
    ProblemCategory.objects.filter(code="SJ0102").update(open_condition="垃圾暴露超过1平方米")
    assert plan_for(campaign, csv_bytes(GOOD_ROWS)).counts() == {"create": 0, "update": 0, "remove": 0}
    assert ProblemCategory.objects.get(code="SJ0102").open_condition == "垃圾暴露超过1平方米"


def test_an_unknown_parent_is_refused(campaign):
    rows = [*GOOD_ROWS, ["SJ0901", "SJ09", "其他", "24"]]
    plan = plan_for(campaign, csv_bytes(rows))
    assert errors(plan) == [(5, "B", "Parent code SJ09 is not in the sheet.")]
    with pytest.raises(Exception, match="The file has errors"):
        plan.apply(actor=None)
    assert not ProblemCategory.objects.exists()


def test_a_category_cannot_be_its_own_parent_or_its_own_ancestor(campaign):
    plan = plan_for(campaign, csv_bytes([["A", "A", "甲", "1"]]))
    assert errors(plan) == [(2, "B", "A category cannot be its own parent.")]
    plan = plan_for(campaign, csv_bytes([["A", "B", "甲", "1"], ["B", "A", "乙", "1"]]))
    assert errors(plan) == [
        (2, "B", "The parent codes go round in a circle: A → B → A."),
        (3, "B", "The parent codes go round in a circle: B → A → B."),
    ]


def test_a_duplicate_code_is_refused(campaign):
    rows = [*GOOD_ROWS, ["SJ01", "SJ", "市容环境（重复）", "24"]]
    assert errors(plan_for(campaign, csv_bytes(rows))) == [(5, "A", "Code SJ01 appears again (first in row 3).")]


@pytest.mark.parametrize("value", ["三天", "-4", "0", "2.5", "10000"])
def test_a_deadline_that_is_not_a_whole_number_from_1_to_9999_is_refused(campaign, value):
    rows = [*GOOD_ROWS[:2], ["SJ0102", "SJ01", "暴露垃圾", value]]
    assert errors(plan_for(campaign, csv_bytes(rows))) == [
        (4, "D", f"The deadline “{value}” is not a whole number from 1 to 9999.")
    ]


def test_an_urgent_deadline_must_be_shorter_and_needs_a_deadline_in_one_unit(campaign):
    header = ["code", "name", "deadline_hours", "deadline_days", "urgent_deadline"]
    rows = [["A", "甲", "4", "", "8"], ["B", "乙", "", "", "2"], ["C", "丙", "4", "1", ""], ["D", "丁", "4", "", "4"]]
    assert errors(plan_for(campaign, csv_bytes(rows, header=header))) == [
        (2, "E", "The urgent deadline 8 is longer than the deadline 4."),
        (3, "E", "An urgent deadline needs a deadline."),
        (4, "D", "Give the deadline in working hours or in working days, not both."),
    ]


def test_missing_columns_and_unknown_unit_types_are_refused(campaign):
    plan = plan_for(campaign, csv_bytes([["SJ", "事件"]], header=["code", "title"]))
    assert [message for _row, _column, message in errors(plan)] == [
        "Required columns are missing: name. The first row must hold the column names: code, name, parent_code, "
        "deadline_hours, deadline_days, urgent_deadline, open_condition, close_condition, default_unit_type."
    ]
    plan = plan_for(campaign, csv_bytes([["SJ", "事件", "城堡"]], header=["code", "name", "default_unit_type"]))
    assert errors(plan)[0][:2] == (2, "C")
    assert errors(plan)[0][2].startswith("Unknown unit type “城堡”.")
    plan = plan_for(campaign, csv_bytes([["SJ", ""]], header=["code", "name"]))
    assert errors(plan) == [(2, "B", "The name is empty.")]


def test_the_command_checks_and_imports(campaign, capsys):
    call_command("import_categories", str(SAMPLE), campaign=campaign.slug, dry_run=True)
    assert "Plan: 45 to create, 0 to update, 0 to remove." in capsys.readouterr().out
    assert not ProblemCategory.objects.exists()
    call_command("import_categories", str(SAMPLE), campaign=campaign.slug)
    assert ProblemCategory.objects.filter(campaign=campaign).count() == 45


def test_the_command_exits_with_the_errors_and_writes_nothing(campaign, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([["SJ", "", "事件", "很快"]]))
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_categories", str(bad), campaign=campaign.slug)
    assert not ProblemCategory.objects.exists()


def test_staff_import_categories_through_the_import_page_as_a_job(
    client, demo_users, demo, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client.force_login(demo_users["office"])
    page = client.get("/imports/new/")
    assert ("import.categories", "问题分类及其处置时限（问题分类）") in [
        (value, str(label)) for value, label in page.context["form"].fields["kind"].choices
    ]
    assert 'href="/imports/template/import.categories/"' in page.content.decode()
    template = load_workbook(io.BytesIO(client.get("/imports/template/import.categories/").content))
    assert template.sheetnames == ["问题分类"]
    assert next(template.active.values)[:3] == ("code", "name", "parent_code")

    rows = [["ZZ", "", "专项", ""], ["ZZ01", "ZZ", "占道经营", "4"]]
    upload = io.BytesIO(csv_bytes(rows))
    upload.name = "categories.csv"
    response = client.post("/imports/new/", {"kind": "import.categories", "file": upload})
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    # The demo's 45 categories are not in this file: they would be deactivated.
    assert client.get(response["Location"]).context["counts"] == {"create": 2, "update": 0, "remove": 45}
    assert job.result["next_url"] == "/categories/"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/jobs/{job.pk}/start/")
    job.refresh_from_db()
    assert (job.status, job.result["outcome"]) == ("done", {"create": 2, "update": 0, "remove": 45})
    assert ProblemCategory.objects.filter(campaign=demo.campaign, is_active=True).count() == 2
