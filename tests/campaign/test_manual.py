import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import Workbook, load_workbook

from campaign.imports import PointImport
from campaign.models import Campaign, Grid, Point, Responsibility, Unit, UnitMembership
from campaign.selectors import campaign_coverage
from campaign.services import campaign_set_status
from core.errors import DomainError
from core.models import AuditEvent

POINT_HEADER = ["code", "name", "point_type", "grid", "address", "longitude", "latitude", "unit", "leader",
                "post_person", "post_position", "post_phone"]  # fmt: skip


def workbook(points, grids=None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "点位"
    sheet.append(POINT_HEADER)
    for row in points:
        sheet.append(row)
    if grids is not None:
        grid_sheet = book.create_sheet("网格")
        grid_sheet.append(["code", "name", "unit"])
        for row in grids:
            grid_sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_demo_manual_has_points_with_their_posts_and_deliberate_gaps(demo):
    assert Point.objects.filter(campaign=demo.campaign).count() == 23
    gaps = campaign_coverage(campaign=demo.campaign).counts()
    assert gaps["points_without_owner"] == 2
    assert gaps["grids_without_points"] == 1
    assert gaps["criteria_without_lead"] == 96
    assert gaps["tasks_unacknowledged_past_deadline"] == 20
    assert gaps["units_without_liaison"] == 43 - 3


def test_points_import_with_grids_and_responsibilities_and_again_changes_nothing(demo):
    rows = [
        [
            "N1",
            "新华路",
            "主次干道",
            "G-NEW",
            "新华路",
            113.6,
            34.7,
            "市城市管理局",
            "分管副市长",
            "石磊",
            "局长",
            "139",
        ],
        ["N2", "新华社区", "PT01", "G-NEW", "", None, None, "", "", "", "", ""],
    ]
    data = workbook(rows, grids=[["G-NEW", "新华网格", "东华街道"]])
    plan = PointImport(campaign=demo.campaign, filename="m.xlsx", data=data)
    assert not plan.has_errors, plan.issues
    assert plan.counts() == {"create": 3, "update": 0, "remove": 23}
    plan.apply(actor=None)
    point = Point.objects.get(code="N1")
    assert (point.grid.code, point.point_type.code, point.responsibility.unit.code) == ("G-NEW", "PT03", "SFS-B-CGJ")
    assert Responsibility.objects.get(point__code="N2").gaps == ["leader", "unit", "post"]
    assert Point.objects.filter(campaign=demo.campaign, is_active=True).count() == 2
    assert PointImport(campaign=demo.campaign, filename="m.xlsx", data=data).counts() == {
        "create": 0, "update": 0, "remove": 0
    }  # fmt: skip


def test_bad_point_rows(demo):
    rows = [
        ["X1", "甲", "飞机场", "G-DC-DH-01", "", None, None, "", "", "", "", ""],
        ["X2", "乙", "PT01", "G-NOPE", "", None, None, "", "", "", "", ""],
        ["X3", "丙", "PT01", "G-DC-DH-01", "", 200, 34.7, "", "", "", "", ""],
        ["X4", "丁", "PT01", "G-DC-DH-01", "", None, None, "火星办", "", "", "", ""],
        ["X4", "戊", "PT01", "G-DC-DH-01", "", None, None, "", "", "", "", ""],
    ]
    with translation.override("en"):
        plan = PointImport(campaign=demo.campaign, filename="m.xlsx", data=workbook(rows))
    assert [(i.row, i.column) for i in plan.issues if i.level == "error"] == [
        (2, "C"), (3, "D"), (4, "F"), (5, "H"), (6, "A")
    ]  # fmt: skip
    assert not Point.objects.filter(code__startswith="X").exists()


def test_the_manual_page_groups_by_grid_filters_gaps_and_exports(client, demo_users):
    client.force_login(demo_users["office"])
    response = client.get("/manual/")
    html = response.content.decode()
    assert html.count('class="manual-grid') == 7
    assert "@page { size: A4" in html
    gaps = client.get("/manual/", {"gaps": "true"}).context["object_list"]
    assert sorted(p.code for p in gaps) == ["P0006", "P0007"]
    rows = list(load_workbook(io.BytesIO(client.get("/manual/", {"export": "xlsx"}).content)).active.values)
    assert len(rows) == 24
    first = next(row for row in rows if row[1] == "P0001")
    assert first[5:9] == ("副区长 孙丽", "幸福社区", "陈红梅", "幸福社区书记")
    assert first[10] > 0  # every criterion applicable to 社区


def test_a_liaison_sees_the_points_of_the_unit_in_the_manual(client, demo_users):
    client.force_login(demo_users["liaison_community"])
    codes = {p.code for p in client.get("/manual/").context["object_list"]}
    # 幸福社区 answers for P0001 and keeps grid G-DC-DH-01 with its other points.
    assert codes == {"P0001", "P0002", "P0003", "P0004"}
    html = client.get("/my-responsibilities/").content.decode()
    assert "幸福社区" in html and "陈红梅" in html


def test_the_manual_and_coverage_cost_the_same_queries_at_two_sizes(client, demo_users, demo):
    client.force_login(demo_users["office"])

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    before = (count("/manual/"), count("/coverage/"))
    grid = Grid.objects.get(code="G-GX-KC-02")
    unit = Unit.objects.get(code="SFS-GX-KC-CX")
    for n in range(30):
        point_type = demo.campaign.point_types.first()
        point = Point.objects.create(campaign=demo.campaign, grid=grid, point_type=point_type, code=f"Q{n}", name="新")
        Responsibility.objects.create(point=point, unit=unit)
    assert (count("/manual/"), count("/coverage/")) == before


def test_ready_needs_full_coverage_or_a_recorded_override(demo_users, demo):
    office = demo_users["office"]
    with pytest.raises(DomainError):
        campaign_set_status(actor=office, campaign=demo.campaign, status="ready")
    assert Campaign.objects.get(pk=demo.campaign.pk).status == "preparing"
    campaign_set_status(actor=office, campaign=demo.campaign, status="ready", override_reason="指挥长同意先行启动")
    assert Campaign.objects.get(pk=demo.campaign.pk).status == "ready"
    event = AuditEvent.objects.get(action="campaign.status.override")
    assert event.data["override_reason"] == "指挥长同意先行启动"
    assert event.data["gaps"]["points_without_owner"] == 2


def test_ready_without_gaps_needs_no_reason(db):
    from tests.factories import CampaignFactory, UserFactory

    campaign = CampaignFactory()
    unit = Unit.objects.create(campaign=campaign, code="U", name="单位", type="bureau", path="/x/")
    UnitMembership.objects.create(unit=unit, user=UserFactory(), role="liaison")
    campaign_set_status(actor=None, campaign=campaign, status="ready")
    assert Campaign.objects.get(pk=campaign.pk).status == "ready"


def test_the_coverage_api_lists_the_gaps(client, demo_users, demo):
    client.force_login(demo_users["inspector"])
    body = client.get(f"/api/v1/campaigns/{demo.campaign.pk}/coverage/").json()
    assert body["counts"]["grids_without_points"] == 1
    assert body["items"]["grids_without_points"] == [
        {"id": Grid.objects.get(code="G-GX-KC-02").pk, "code": "G-GX-KC-02", "name": "科创街道第二网格"}
    ]
    client.force_login(demo_users["liaison_community"])
    assert client.get(f"/api/v1/campaigns/{demo.campaign.pk}/coverage/").status_code == 404


def test_the_commands_import_points_and_export_the_manual(demo, tmp_path, capsys):
    from django.core.management import CommandError, call_command

    path = tmp_path / "points.csv"
    path.write_text(
        "code,name,point_type,grid,unit,leader,post_person,post_position\n"
        "C1,新建社区,PT01,G-GX-KC-02,创新社区,管委会副主任 魏东,范伟,社区书记\n",
        encoding="utf-8",
    )
    call_command("import_points", str(path), campaign=demo.campaign.slug, dry_run=True)
    assert not Point.objects.filter(code="C1").exists()
    with pytest.raises(CommandError):
        bad = tmp_path / "bad.csv"
        bad.write_text("code,name,point_type,grid\nC2,x,PT99,G-GX-KC-02\n", encoding="utf-8")
        call_command("import_points", str(bad), campaign=demo.campaign.slug)
    out = tmp_path / "manual.xlsx"
    call_command("export_manual", str(out), campaign=demo.campaign.slug)
    rows = list(load_workbook(out, read_only=True).active.values)
    assert len(rows) == 24
    with pytest.raises(CommandError):
        call_command("export_manual", str(tmp_path / "manual.pdf"), campaign=demo.campaign.slug)


def test_the_point_type_table_counts_criteria_not_every_level(client, demo_users):
    client.force_login(demo_users["office"])
    point_types = {pt.code: pt.criteria_count for pt in client.get("/indicators/").context["point_types"]}
    assert point_types["PT01"] == 5
    manual = client.get("/manual/", {"q": "P0001"}).context["object_list"]
    assert manual[0].target_count == 5


def test_a_street_head_sees_the_points_of_the_street_and_overdue_tasks(client, demo_users):
    client.force_login(demo_users["head_street"])
    response = client.get("/my-responsibilities/")
    points = {p.code for section in response.context["sections"] for p in section["points"]}
    assert points == {"P0001", "P0002", "P0003", "P0004", "P0005", "P0006", "P0007"}
    # The demo task deadlines (2025) are past and unacknowledged: flagged.
    assert "已逾期" in response.content.decode()
