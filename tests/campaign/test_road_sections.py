"""Leaders answering for single points such as road sections (路段包保), beyond the units they oversee."""

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from campaign.models import Campaign, Grid, LeaderAssignment, Point, PointType, Responsibility, Unit
from campaign.services import leader_assign, leader_unassign
from core.choices import Role
from core.errors import DomainError
from core.models import AuditEvent
from tests.factories import UnitFactory, UserFactory

ROAD = "P0021"  # 科学大道, in 高新区, kept by 市城管局

pytestmark = pytest.mark.usefixtures("english")


def test_a_road_section_leader_sees_the_point_and_its_manual_row_but_not_its_unit(demo_users):
    leader = demo_users["leader_east"]
    points = set(Point.objects.visible_to(leader).values_list("code", flat=True))
    assert ROAD in points
    assert Responsibility.objects.visible_to(leader).filter(point__code=ROAD).exists()
    # The unit answering for the road and the district around it stay outside her scope.
    assert not Unit.objects.visible_to(leader).filter(code__in=["SFS-B-CGJ", "SFS-GX"]).exists()
    assert not Point.objects.visible_to(leader).filter(code="P0022").exists()


def test_other_users_do_not_gain_the_road(demo_users):
    assert not Point.objects.visible_to(demo_users["liaison_community"]).filter(code=ROAD).exists()
    assert not Point.objects.visible_to(demo_users["head_street"]).filter(code=ROAD).exists()


def test_the_api_lists_the_road_once_for_its_leader(demo_users, client):
    client.force_login(demo_users["leader_east"])
    rows = client.get("/api/v1/points/", {"page_size": 500}).json()["results"]
    codes = [row["code"] for row in rows]
    assert codes.count(ROAD) == 1
    road = Point.objects.get(code=ROAD)
    assert client.get(f"/api/v1/points/{road.pk}/").json()["code"] == ROAD


def test_the_leaders_home_lists_the_road(demo_users, client):
    client.force_login(demo_users["leader_east"])
    page = client.get("/my-units/").content.decode()
    assert "科学大道" in page
    assert "石磊" in page  # the person on the post


def test_a_point_assignment_brings_its_campaign_into_scope(db):
    leader = UserFactory(role=Role.LEADER)
    unit = UnitFactory()
    grid = Grid.objects.create(campaign=unit.campaign, code="G1", name="网格一", unit=unit)
    point_type = PointType.objects.create(campaign=unit.campaign, code="PT03", name="主次干道", sample_count=5)
    point = Point.objects.create(campaign=unit.campaign, grid=grid, point_type=point_type, code="R1", name="人民路")
    assert not Campaign.objects.visible_to(leader).exists()
    leader_assign(actor=None, leader=leader, point=point)
    leader = type(leader).objects.get(pk=leader.pk)  # the scope is cached per user object
    assert list(Campaign.objects.visible_to(leader)) == [unit.campaign]
    assert list(Point.objects.visible_to(leader)) == [point]
    assert not Unit.objects.visible_to(leader).exists()


def test_assigning_is_idempotent_audited_and_reversible(demo_users):
    office = demo_users["office"]
    leader = demo_users["leader_city"]
    road = Point.objects.get(code=ROAD)
    first = leader_assign(actor=office, leader=leader, point=road, note="全线")
    again = leader_assign(actor=office, leader=leader, point=road)
    assert first.pk == again.pk
    assert AuditEvent.objects.filter(action="campaign.leader.assign", object_id=str(first.pk)).count() == 1
    leader_unassign(actor=office, assignment=first)
    assert not LeaderAssignment.objects.filter(pk=first.pk).exists()
    assert AuditEvent.objects.filter(action="campaign.leader.unassign").count() == 1


def test_only_leaders_are_assigned_and_to_exactly_one_target(demo_users):
    road = Point.objects.get(code=ROAD)
    unit = Unit.objects.get(code="SFS-GX")
    with pytest.raises(DomainError, match="leader role"):
        leader_assign(actor=None, leader=demo_users["liaison_west"], point=road)
    with pytest.raises(DomainError, match="either to a unit or to a point"):
        leader_assign(actor=None, leader=demo_users["leader_city"], point=road, unit=unit)
    with pytest.raises(DomainError, match="either to a unit or to a point"):
        leader_assign(actor=None, leader=demo_users["leader_city"])


def test_the_database_refuses_an_assignment_to_both_or_neither(demo_users):
    road = Point.objects.get(code=ROAD)
    unit = Unit.objects.get(code="SFS-GX")
    with pytest.raises(IntegrityError):
        LeaderAssignment.objects.create(leader=demo_users["leader_city"], unit=unit, point=road)


def test_the_scope_of_a_leader_costs_one_query_cached(demo_users):
    leader = type(demo_users["leader_east"]).objects.get(username="leader_east")
    with CaptureQueriesContext(connection) as queries:
        list(Point.objects.visible_to(leader))
        list(Point.objects.visible_to(leader))
    assert len(queries) == 3  # the unit paths and the point ids in one, then one per list
