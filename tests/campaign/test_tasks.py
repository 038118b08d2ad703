import io
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from campaign.imports import TaskAssignmentImport
from campaign.models import TaskAcknowledgement, TaskAssignment, Unit
from campaign.selectors import tasks_of_unit
from campaign.services import task_acknowledge
from core.errors import DomainError


def csv_file(rows):
    header = "criterion_code,lead_unit,support_units,responsible_leader,deadline"
    return ("\n".join([header, *rows]) + "\n").encode()


def test_the_sample_task_division_is_imported_with_named_sets(demo):
    assert TaskAssignment.objects.filter(indicator__system__campaign=demo.campaign).count() == 20
    by_district = TaskAssignment.objects.get(indicator__code="A07.01.02")
    assert by_district.lead_group.name == "各区人民政府"
    assert {u.name for u in by_district.cooperating_units.all()} == {"市城市管理局", "市住房和城乡建设局"}
    data = Path("campaign/demo/task_assignments.csv").read_bytes()
    again = TaskAssignmentImport(campaign=demo.campaign, filename="t.csv", data=data)
    assert again.counts() == {"create": 0, "update": 0, "remove": 0}


def test_bad_task_rows(demo):
    rows = [
        "A99.99.99,市委宣传部,,,2025-06-30",
        "A01,市委宣传部,,,2025-06-30",
        "A01.01.01,市委宣传部,不存在的局,,2025-06-30",
        "A01.01.02,火星办,,,2025-06-30",
        "A01.01.03,市委宣传部,,,明年",
        "A01.02.02,市委宣传部,,,2025-02-30",
        "A01.02.03,市委宣传部,,,2025/6/30",
        "A01.02.03,市文明办,,,2025-06-30",
    ]
    with translation.override("en"):
        plan = TaskAssignmentImport(campaign=demo.campaign, filename="t.csv", data=csv_file(rows))
    found = [(i.row, i.column, i.message) for i in plan.issues if i.level == "error"]
    assert found == [
        (2, "A", "A99.99.99 is not a criterion of the current assessment system."),
        (3, "A", "A01 is not a criterion of the current assessment system."),
        (4, "C", "Unknown unit “不存在的局”."),
        (5, "B", "Unknown unit “火星办”."),
        (6, "E", "“明年” is not a date; write it as 2025-06-30."),
        (7, "E", "“2025-02-30” is not a date; write it as 2025-06-30."),
        (9, "A", "Criterion A01.02.03 appears again (first in row 8): one lead per criterion."),
    ]


def test_a_street_head_sees_and_acknowledges_the_street_tasks(client, demo_users):
    street = Unit.objects.get(code="SFS-DC-DH")
    tasks = tasks_of_unit(unit=street)
    # 各街道办事处 cooperates on A07.03.01; 东华街道 is one of them.
    assert [(t.task.indicator.code, t.relation) for t in tasks] == [("A07.03.01", "cooperate")]
    client.force_login(demo_users["head_street"])
    page = client.get("/my-responsibilities/")
    assert "A07.03.01" in page.content.decode()
    task = tasks[0].task
    response = client.post(f"/tasks/{task.pk}/acknowledge/", {"unit": street.pk})
    assert response.status_code == 302
    assert TaskAcknowledgement.objects.filter(task=task, unit=street).count() == 1
    client.post(f"/tasks/{task.pk}/acknowledge/", {"unit": street.pk})
    assert TaskAcknowledgement.objects.filter(task=task, unit=street).count() == 1


def test_only_the_head_acknowledges_and_only_the_units_own_tasks(demo_users):
    street = Unit.objects.get(code="SFS-DC-DH")
    task = TaskAssignment.objects.get(indicator__code="A07.03.01")
    with pytest.raises(DomainError, match="一把手"):
        task_acknowledge(actor=demo_users["leader_east"], task=task, unit=street)
    other = TaskAssignment.objects.get(indicator__code="A01.02.01")
    with pytest.raises(DomainError):
        task_acknowledge(actor=demo_users["head_street"], task=other, unit=street)
    assert not TaskAcknowledgement.objects.exists()


def test_the_task_division_lists_criteria_without_a_lead(client, demo_users):
    client.force_login(demo_users["office"])
    response = client.get("/tasks/", {"state": "no_lead"})
    assert response.context["page_obj"].paginator.count == 116 - 20
    bureau = Unit.objects.get(code="SFS-B-CGJ")
    led = client.get("/tasks/", {"unit": bureau.pk}).context["page_obj"].paginator.count
    client.force_login(demo_users["liaison_bureau"])
    assert client.get("/tasks/").context["page_obj"].paginator.count == led == 11


def test_the_task_division_exports_and_keeps_its_query_count(client, demo_users, demo):
    from openpyxl import load_workbook

    client.force_login(demo_users["office"])
    rows = list(load_workbook(io.BytesIO(client.get("/tasks/", {"export": "xlsx"}).content)).active.values)
    assert len(rows) == 117
    a07 = next(row for row in rows if row[0] == "A07.01.02")
    assert a07[4] == "各区人民政府"

    def count():
        with CaptureQueriesContext(connection) as queries:
            client.get("/tasks/")
        return len(queries)

    before = count()
    system = demo.campaign.indicator_systems.get()
    for code in ["A01.01.01", "A01.01.02", "A01.01.03"]:
        task = TaskAssignment.objects.create(
            indicator=system.indicators.get(code=code), lead_unit=Unit.objects.get(code="SFS-B-XCB")
        )
        task.cooperating_units.add(Unit.objects.get(code="SFS-B-WMB"))
    assert count() == before


def test_command_groups_bundles_and_pairings_show_on_the_unit_page_and_api(client, demo_users):
    bureau = Unit.objects.get(code="SFS-B-CGJ")
    client.force_login(demo_users["liaison_bureau"])
    response = client.get(f"/units/{bureau.pk}/")
    assert sorted(g.name for g in response.context["groups"]) == [
        "东华街道捆绑考评组",
        "市容环境整治指挥部",
        "市直部门",
    ]
    html = response.content.decode()
    assert "分管副市长 刘建" in html and "幸福社区" in html
    body = client.get("/api/v1/command-groups/").json()
    assert {row["name"] for row in body["results"]} == {"市容环境整治指挥部", "交通秩序整治指挥部"}
    command = next(row for row in body["results"] if row["name"] == "市容环境整治指挥部")
    assert bureau.pk in command["members"] and command["lead_unit"] == bureau.pk
    pairings = client.get("/api/v1/pairings/").json()["results"]
    assert [(p["unit"], p["partner"]) for p in pairings] == [(bureau.pk, Unit.objects.get(code="SFS-DC-DH-XF").pk)]


def test_operations_manual_standards_import_and_show_on_the_responsibility_list(client, demo_users, demo):
    from campaign.imports import StandardImport
    from campaign.models import OperationStandard

    assert OperationStandard.objects.count() == 6
    data = (
        "criterion_code,point_type,standard\n"
        "A07.03.01,居民小区,楼道内无堆物。\n"
        "A07.03.01,网吧,不适用的类型\n"
        "A99,社区,x\n"
        "A07.03.01,社区,\n"
    ).encode()
    with translation.override("en"):
        plan = StandardImport(campaign=demo.campaign, filename="s.csv", data=data)
    assert [(i.row, i.level) for i in plan.issues] == [(3, "notice"), (4, "error"), (5, "notice"), (5, "error")]
    client.force_login(demo_users["head_street"])
    html = client.get("/my-responsibilities/").content.decode()
    assert "楼道内无堆物、无小广告、无乱拉线" in html


def test_overdue_means_not_acknowledged_by_the_lead_everywhere(client, demo_users, demo):
    from campaign.models import UnitMembership
    from campaign.selectors import campaign_coverage
    from tests.factories import UserFactory

    task = TaskAssignment.objects.get(indicator__code="A07.03.01")  # led by 市住房和城乡建设局, deadline 2025
    client.force_login(demo_users["office"])
    overdue_before = client.get("/tasks/", {"state": "overdue"}).context["page_obj"].paginator.count
    assert campaign_coverage(campaign=demo.campaign).counts()["tasks_unacknowledged_past_deadline"] == 20
    # A cooperating street acknowledging does not count for the lead.
    task_acknowledge(actor=demo_users["head_street"], task=task, unit=Unit.objects.get(code="SFS-DC-DH"))
    assert client.get("/tasks/", {"state": "overdue"}).context["page_obj"].paginator.count == overdue_before
    head = UserFactory(role="unit_head")
    lead = Unit.objects.get(code="SFS-B-ZJJ")
    UnitMembership.objects.create(unit=lead, user=head, role="head")
    task_acknowledge(actor=head, task=task, unit=lead)
    response = client.get("/tasks/", {"state": "overdue"})
    assert response.context["page_obj"].paginator.count == overdue_before - 1
    assert campaign_coverage(campaign=demo.campaign).counts()["tasks_unacknowledged_past_deadline"] == 19
    row = next(c for c in client.get("/tasks/", {"q": "A07.03.01"}).context["object_list"])
    assert row.lead_acknowledged is True
