"""Problems found offline come in from Excel: checked with row and column, routed, idempotent, all or nothing."""

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.utils import timezone

from rectification.imports import ProblemImport
from rectification.models import Problem
from tests.factories import ProblemCategoryFactory

pytestmark = pytest.mark.usefixtures("english")
HEADER = ["编号", "问题描述", "来源", "发现时间", "点位编码", "地址", "问题分类编码", "紧急程度", "责任单位编码"]


def workbook(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "问题台账"
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def category(city):
    parent = ProblemCategoryFactory(campaign=city.campaign, code="SJ05", name="街面秩序")
    return ProblemCategoryFactory(campaign=city.campaign, parent=parent, code="SJ0503", name="占道经营")


def plan(city, rows):
    return ProblemImport(campaign=city.campaign, filename="督查.xlsx", data=workbook(rows))


def test_an_offline_sheet_is_recorded_routed_and_not_twice(city, category):
    rows = [
        ["DC-001", "流动摊贩占道经营", "暗访", "2026-11-20 10:30", "P1", "", "SJ0503", "紧急", ""],
        ["DC-002", "路口垃圾堆放", "督查", "2026-11-20", "", "东华路口", "", "一般", "HP"],
    ]
    first = plan(city, rows)
    assert not first.has_errors, [str(i) for i in first.issues]
    assert first.counts() == {"create": 2, "update": 0, "remove": 0}
    first.apply(actor=city.users["office"])
    one, two = Problem.objects.order_by("external_ref")
    assert (one.source, one.severity, one.responsible_unit, one.category, one.status) == (
        "covert",
        "urgent",
        city.community,
        category,
        "new",
    )
    assert timezone.localtime(one.created_at).isoformat().startswith("2026-11-20T10:30")
    assert (two.source, two.responsible_unit, two.address) == ("inspection", city.neighbour, "东华路口")
    assert one.transitions.get().data["imported"] == "DC-001"
    again = plan(city, rows)
    assert again.counts()["create"] == 0
    assert len([i for i in again.issues if "imported before" in str(i.message)]) == 2
    again.apply(actor=city.users["office"])
    assert Problem.objects.count() == 2


def test_bad_rows_are_reported_with_row_and_column_and_nothing_is_written(city, category):
    rows = [
        ["DC-1", "", "督查", "", "P1", "", "", "", ""],
        ["DC-2", "甲", "外星人", "", "P1", "", "", "", ""],
        ["DC-3", "乙", "", "", "P404", "", "", "", ""],
        ["DC-4", "丙", "", "", "", "", "SJ05", "", ""],
        ["DC-5", "丁", "", "不是日期", "", "", "", "", ""],
        ["DC-5", "戊", "", "", "P1", "", "", "", ""],
        ["DC-6", "己", "", "", "P1", "", "", "特急", "NOPE"],
    ]
    result = plan(city, rows)
    messages = {(i.row, str(i.message)) for i in result.issues}
    assert (2, "The description is empty.") in messages
    assert (3, "Unknown source “外星人”.") in messages
    assert (4, "Unknown point “P404”.") in messages
    assert (5, "Choose a category without subcategories.") in messages
    assert (6, "“不是日期” is not a date.") in messages
    assert (6, "Give a point, an address or a GPS position.") in messages
    assert any(row == 7 and "appears again" in message for row, message in messages)
    assert (8, "Unknown severity “特急”.") in messages
    assert (8, "Unknown unit “NOPE”.") in messages
    with pytest.raises(Exception, match="errors"):
        result.apply(actor=city.users["office"])
    assert not Problem.objects.exists()


def test_the_command(city, category, tmp_path, capsys):
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(workbook([["DC-9", "占道", "", "", "P1", "", "SJ0503", "", ""]]))
    call_command("import_problems", str(path), "--campaign", city.campaign.slug)
    assert Problem.objects.get().external_ref == "DC-9"
