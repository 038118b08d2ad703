"""Staff write grids, points, manual rows, tasks, indicators and leader assignments through the API, via the same
services as the pages; bad input gets 400 with the field at fault and writes nothing."""

import pytest

from campaign.models import (
    Campaign,
    Grid,
    Indicator,
    IndicatorSystem,
    LeaderAssignment,
    Point,
    PointType,
    Responsibility,
    TaskAssignment,
    Unit,
    UnitGroup,
)
from campaign.selectors import campaign_coverage, indicator_tree
from core.models import AuditEvent

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def office(client, demo_users):
    client.force_login(demo_users["office"])
    return client


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def refused(response, field):
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert field in error.get("fields", {field: None}), error
    return error


def other_campaign():
    return Campaign.objects.get(slug="sfs-2025-review")


def test_grids_are_created_and_changed(office, demo):
    street = Unit.objects.get(code="SFS-DC-DH")
    response = post(office, "/api/v1/grids/", {"campaign": demo.campaign.pk, "code": "G-NEW", "name": "新网格",
                                                "unit": street.pk})  # fmt: skip
    assert response.status_code == 201, response.json()
    grid = Grid.objects.get(code="G-NEW")
    assert response.json() == {"id": grid.pk, "campaign": demo.campaign.pk, "code": "G-NEW", "name": "新网格",
                               "unit": street.pk}  # fmt: skip
    response = patch(office, f"/api/v1/grids/{grid.pk}/", {"name": "东华新网格"})
    assert response.json()["name"] == "东华新网格"
    actions = list(AuditEvent.objects.filter(object_id=str(grid.pk), action__startswith="campaign.grid")
                   .order_by("pk").values_list("action", flat=True))  # fmt: skip
    assert actions == ["campaign.grid.create", "campaign.grid.update"]


def test_bad_grids_are_refused(office, demo):
    before = Grid.objects.count()
    foreign = Unit.objects.create(campaign=other_campaign(), code="X1", name="外单位", type="bureau", path="/x/")
    refused(post(office, "/api/v1/grids/", {"campaign": demo.campaign.pk, "code": "G-X", "name": "甲",
                                            "unit": foreign.pk}), "unit")  # fmt: skip
    refused(post(office, "/api/v1/grids/", {"campaign": demo.campaign.pk, "code": "G-DC-DH-01", "name": "重复"}),
            "__all__")  # fmt: skip
    refused(post(office, "/api/v1/grids/", {"campaign": demo.campaign.pk, "name": "无编码"}), "code")
    assert Grid.objects.count() == before


def test_a_new_point_comes_with_an_empty_manual_row_the_coverage_check_lists(office, demo):
    grid = Grid.objects.get(code="G-DC-DH-01")
    road = PointType.objects.get(campaign=demo.campaign, code="PT03")
    gaps_before = campaign_coverage(campaign=demo.campaign).counts()["points_without_owner"]
    response = post(office, "/api/v1/points/", {
        "campaign": demo.campaign.pk, "grid": grid.pk, "point_type": road.pk, "code": "P9001", "name": "东华路",
        "address": "东华路全段", "longitude": "113.650100", "latitude": "34.756000",
    })  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["code"], body["grid"], body["point_type"]) == ("P9001", "G-DC-DH-01", "PT03")
    assert body["responsibility"]["gaps"] == ["leader", "unit", "post"]
    assert campaign_coverage(campaign=demo.campaign).counts()["points_without_owner"] == gaps_before + 1

    point = Point.objects.get(code="P9001")
    other_grid = Grid.objects.get(code="G-DC-DH-02")
    response = patch(office, f"/api/v1/points/{point.pk}/", {"grid": other_grid.pk, "is_active": False})
    assert (response.json()["grid"], response.json()["is_active"]) == ("G-DC-DH-02", False)


def test_bad_points_are_refused(office, demo):
    before = Point.objects.count()
    grid = Grid.objects.get(code="G-DC-DH-01")
    road = PointType.objects.get(campaign=demo.campaign, code="PT03")
    foreign_type = PointType.objects.create(campaign=other_campaign(), code="PT03", name="主次干道")
    base = {"campaign": demo.campaign.pk, "grid": grid.pk, "point_type": road.pk, "code": "P9002", "name": "甲"}
    refused(post(office, "/api/v1/points/", {**base, "point_type": foreign_type.pk}), "point_type")
    refused(post(office, "/api/v1/points/", {**base, "longitude": "200"}), "longitude")
    refused(post(office, "/api/v1/points/", {**base, "code": "P0001"}), "__all__")
    refused(post(office, "/api/v1/points/", {**base, "grid": 999999}), "grid")
    assert Point.objects.count() == before
    point = Point.objects.get(code="P0001")
    refused(patch(office, f"/api/v1/points/{point.pk}/", {"campaign": other_campaign().pk}), "campaign")


def test_a_manual_row_is_written_with_custom_targets_and_reset_to_the_default(office, demo):
    point = Point.objects.get(code="P0006")  # 和平巷: no post yet
    row = Responsibility.objects.get(point=point)
    unit = Unit.objects.get(code="SFS-DC-DH-HP")
    criteria = list(Indicator.objects.filter(system__campaign=demo.campaign, system__is_current=True,
                                             children__isnull=True).order_by("position")[:2])  # fmt: skip
    response = patch(office, f"/api/v1/responsibilities/{row.pk}/", {
        "leader_name": "副区长 孙丽", "unit": unit.pk, "post_person": "赵巷长", "post_position": "巷长",
        "post_phone": "13900009999", "target_criteria": [c.pk for c in criteria],
    })  # fmt: skip
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["gaps"] == []
    assert body["target_criteria"] == [c.code for c in criteria]
    assert body["point_code"] == "P0006"
    page = office.get("/manual/", {"q": "和平巷"}).content.decode()
    assert "赵巷长" in page
    actions = set(AuditEvent.objects.filter(object_id=str(row.pk), action__startswith="campaign.responsibility")
                  .values_list("action", flat=True))  # fmt: skip
    assert actions == {"campaign.responsibility.update", "campaign.responsibility.targets"}

    response = patch(office, f"/api/v1/responsibilities/{row.pk}/", {"target_criteria": []})
    assert response.json()["target_criteria"] == []
    assert (
        office.get("/api/v1/responsibilities/", {"gaps": "true", "campaign": demo.campaign.pk}).json()["count"]
        == campaign_coverage(campaign=demo.campaign).counts()["points_without_owner"]
    )


def test_bad_manual_rows_are_refused(office, demo):
    row = Responsibility.objects.get(point__code="P0006")
    other_system = IndicatorSystem.objects.create(campaign=other_campaign(), version=1, name="复审")
    foreign = Indicator.objects.create(system=other_system, code="Z1", name="外指标", level=1, score=1)
    parent = Indicator.objects.filter(system__campaign=demo.campaign, children__isnull=False).first()
    foreign_unit = Unit.objects.create(campaign=other_campaign(), code="X1", name="外单位", type="bureau", path="/x/")
    for targets in ([foreign.pk], [parent.pk]):
        response = patch(office, f"/api/v1/responsibilities/{row.pk}/", {"target_criteria": targets})
        assert response.status_code == 400
        assert "current assessment system" in response.json()["error"]["message"]
    refused(patch(office, f"/api/v1/responsibilities/{row.pk}/", {"unit": foreign_unit.pk}), "unit")
    row.refresh_from_db()
    assert row.target_criteria.count() == 0
    assert row.unit is None or row.unit.campaign_id == demo.campaign.pk


def test_a_criterion_without_a_lead_gets_its_task(office, demo):
    coverage_before = campaign_coverage(campaign=demo.campaign).counts()["criteria_without_lead"]
    criterion = campaign_coverage(campaign=demo.campaign).criteria_without_lead.first()
    bureau = Unit.objects.get(code="SFS-B-CGJ")
    helpers = [Unit.objects.get(code="SFS-DC"), Unit.objects.get(code="SFS-XC")]
    response = post(office, "/api/v1/task-assignments/", {
        "indicator": criterion.pk, "lead_unit": bureau.pk, "cooperating_units": [u.pk for u in helpers],
        "responsible_leader": "分管副市长", "deadline": "2027-03-31", "standard": "全覆盖、无死角",
    })  # fmt: skip
    assert response.status_code == 201, response.json()
    assert response.json()["lead"] == bureau.name
    assert sorted(response.json()["cooperating_units"]) == sorted(u.pk for u in helpers)
    assert campaign_coverage(campaign=demo.campaign).counts()["criteria_without_lead"] == coverage_before - 1
    task = TaskAssignment.objects.get(indicator=criterion)
    response = patch(office, f"/api/v1/task-assignments/{task.pk}/", {"cooperating_units": [helpers[0].pk],
                                                                       "deadline": "2027-04-30"})  # fmt: skip
    assert (response.json()["cooperating_units"], response.json()["deadline"]) == ([helpers[0].pk], "2027-04-30")


def test_bad_tasks_are_refused(office, demo):
    before = TaskAssignment.objects.count()
    free = campaign_coverage(campaign=demo.campaign).criteria_without_lead.first()
    taken = TaskAssignment.objects.filter(indicator__system__campaign=demo.campaign).first()
    content = Indicator.objects.filter(system__campaign=demo.campaign, children__isnull=False).first()
    bureau = Unit.objects.get(code="SFS-B-CGJ")
    group = UnitGroup.objects.filter(campaign=demo.campaign).first()
    response = post(office, "/api/v1/task-assignments/", {"indicator": content.pk, "lead_unit": bureau.pk})
    assert response.status_code == 400 and "criteria" in response.json()["error"]["message"]
    refused(post(office, "/api/v1/task-assignments/", {"indicator": taken.indicator_id, "lead_unit": bureau.pk}),
            "indicator")  # fmt: skip
    refused(post(office, "/api/v1/task-assignments/", {"indicator": free.pk, "lead_unit": bureau.pk,
                                                       "lead_group": group.pk}), "__all__")  # fmt: skip
    own_helper = {"indicator": free.pk, "lead_unit": bureau.pk, "cooperating_units": [bureau.pk]}
    refused(post(office, "/api/v1/task-assignments/", own_helper), "cooperating_units")
    assert TaskAssignment.objects.count() == before


def test_indicators_are_added_and_changed_and_the_tree_reports_the_mismatch(office, demo):
    content = Indicator.objects.get(system__campaign=demo.campaign, system__is_current=True, code="A01.01")
    response = post(office, "/api/v1/indicators/", {
        "campaign": demo.campaign.pk, "parent": content.pk, "code": "A01.01.99", "name": "新增测评标准",
        "score": "0.5", "methods": ["field_inspection"],
        "point_types": [PointType.objects.get(campaign=demo.campaign, code="PT01").pk],
    })  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["level"], body["parent_code"], body["methods"], body["point_types"]) == (
        content.level + 1,
        "A01.01",
        ["field_inspection"],
        ["PT01"],
    )
    tree = indicator_tree(campaign=demo.campaign)
    assert "A01.01" in {node.indicator.code for node in tree.mismatches}
    new = Indicator.objects.get(code="A01.01.99", system__is_current=True)
    response = patch(office, f"/api/v1/indicators/{new.pk}/", {"score": "0.8", "name": "新增标准（修订）"})
    assert (response.json()["score"], response.json()["name"]) == ("0.80", "新增标准（修订）")
    refused(patch(office, f"/api/v1/indicators/{new.pk}/", {"code": "A01.01.98"}), "code")
    refused(post(office, "/api/v1/indicators/", {"campaign": demo.campaign.pk, "code": "A99", "name": "负分",
                                                 "score": "-1"}), "score")  # fmt: skip


def test_an_old_version_of_the_assessment_system_is_not_changed(office, demo):
    from campaign.services import indicator_system_new_version

    old = Indicator.objects.get(system__campaign=demo.campaign, system__is_current=True, code="A01.01.01")
    indicator_system_new_version(actor=None, campaign=demo.campaign)
    response = patch(office, f"/api/v1/indicators/{old.pk}/", {"name": "改旧版"})
    # The old version is no longer listed (the API shows current systems), so it is not found at all.
    assert response.status_code in (400, 404)
    assert Indicator.objects.get(pk=old.pk).name != "改旧版"


def test_leaders_are_assigned_to_road_sections_through_the_api(office, demo, demo_users):
    road = Point.objects.get(code="P0003")
    leader = demo_users["leader_city"]
    response = post(office, "/api/v1/leader-assignments/", {"leader": leader.pk, "point": road.pk, "note": "人民路"})
    assert response.status_code == 201, response.json()
    assert response.json()["leader_name"] == leader.get_full_name()
    assignment = LeaderAssignment.objects.get(leader=leader, point=road)
    assert post(office, "/api/v1/leader-assignments/", {"leader": leader.pk, "point": road.pk}).json()["id"] == (
        assignment.pk
    )
    response = post(office, "/api/v1/leader-assignments/", {"leader": demo_users["liaison_west"].pk,
                                                            "point": road.pk})  # fmt: skip
    assert response.status_code == 400 and "leader role" in response.json()["error"]["message"]
    response = post(office, "/api/v1/leader-assignments/", {"leader": leader.pk})
    assert response.status_code == 400
    assert office.delete(f"/api/v1/leader-assignments/{assignment.pk}/").status_code == 204
    assert not LeaderAssignment.objects.filter(pk=assignment.pk).exists()


def test_a_road_section_leader_reads_the_manual_row_but_cannot_write_it(client, demo_users):
    row = Responsibility.objects.get(point__code="P0021")
    client.force_login(demo_users["leader_east"])
    assert client.get(f"/api/v1/responsibilities/{row.pk}/").json()["point_code"] == "P0021"
    assert patch(client, f"/api/v1/responsibilities/{row.pk}/", {"post_person": "x"}).status_code == 403


def test_staff_draw_a_sample_and_reproduce_it_through_the_api(office, demo):
    response = post(office, "/api/v1/samplings/", {"campaign": demo.campaign.pk, "seed": 2027, "note": "模拟测评"})
    assert response.status_code == 201, response.json()
    again = post(office, "/api/v1/samplings/", {"campaign": demo.campaign.pk, "seed": 2027})
    assert again.json()["points"] == response.json()["points"] and response.json()["points"]
    refused(post(office, "/api/v1/samplings/", {"campaign": demo.campaign.pk, "seed": -1}), "seed")


def test_staff_create_and_change_command_groups_and_unit_groups(office, demo):
    bureau, street = Unit.objects.get(code="SFS-B-CGJ"), Unit.objects.get(code="SFS-DC-DH")
    response = post(office, "/api/v1/command-groups/", {
        "campaign": demo.campaign.pk, "name": "背街小巷整治指挥部", "commander": "副市长 甲", "lead_unit": bureau.pk,
        "members": [bureau.pk, street.pk],
    })  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], sorted(body["members"])) == ("command", sorted([bureau.pk, street.pk]))
    response = patch(office, f"/api/v1/command-groups/{body['id']}/", {"members": [street.pk], "deputies": "乙、丙"})
    assert (response.json()["members"], response.json()["deputies"]) == ([street.pk], "乙、丙")
    group = UnitGroup.objects.get(pk=body["id"])
    assert set(AuditEvent.objects.filter(object_id=str(group.pk), action__startswith="campaign.group")
               .values_list("action", flat=True)) == {"campaign.group.create", "campaign.group.update"}  # fmt: skip
    foreign = Unit.objects.create(campaign=other_campaign(), code="X1", name="外单位", type="bureau", path="/x/")
    refused(post(office, "/api/v1/unit-groups/", {"campaign": demo.campaign.pk, "name": "同类组", "kind": "peer",
                                                  "members": [foreign.pk]}), "members")  # fmt: skip
    refused(post(office, "/api/v1/unit-groups/", {"campaign": demo.campaign.pk, "name": "背街小巷整治指挥部",
                                                  "kind": "set"}), "__all__")  # fmt: skip
    assert not UnitGroup.objects.filter(name="同类组").exists()
