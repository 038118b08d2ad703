import pytest


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Photos written by these tests go to a temporary folder, never into var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def city(db):
    """A small city for the problem workflow, much lighter than the demo: a street with two communities and a
    property company, a point the first community answers for, and one user per role."""
    from types import SimpleNamespace

    from campaign.choices import MembershipRole, UnitType
    from campaign.models import Grid, Point, PointType, Responsibility
    from campaign.services import leader_assign, membership_set
    from core.choices import Role
    from tests.factories import CampaignFactory, UnitFactory, UserFactory

    campaign = CampaignFactory()
    street = UnitFactory(campaign=campaign, code="ST", name="东华街道", type=UnitType.STREET)
    community = UnitFactory(campaign=campaign, parent=street, code="XF", name="幸福社区", type=UnitType.COMMUNITY)
    neighbour = UnitFactory(campaign=campaign, parent=street, code="HP", name="和平社区", type=UnitType.COMMUNITY)
    company = UnitFactory(campaign=campaign, parent=street, code="WY", name="安居物业", type=UnitType.PROPERTY)
    elsewhere = UnitFactory(campaign=campaign, code="LY", name="柳荫社区", type=UnitType.COMMUNITY)
    grid = Grid.objects.create(campaign=campaign, code="G1", name="东华第一网格", unit=community)
    point_type = PointType.objects.create(campaign=campaign, code="PT01", name="社区", sample_count=5)
    point = Point.objects.create(campaign=campaign, grid=grid, point_type=point_type, code="P1", name="幸福社区",
                                 address="东华路12号")  # fmt: skip
    Responsibility.objects.create(point=point, unit=community, leader_name="副区长 孙丽", post_person="陈红梅",
                                  post_position="社区书记")  # fmt: skip
    users = {
        "office": UserFactory(username="office", role=Role.STAFF),
        "office2": UserFactory(username="office2", role=Role.STAFF),
        "admin": UserFactory(username="admin", role=Role.ADMIN, is_superuser=True),
        "inspector": UserFactory(username="inspector", role=Role.INSPECTOR),
        "unit": UserFactory(username="liaison", role=Role.LIAISON),
        "street": UserFactory(username="head", role=Role.UNIT_HEAD),
        "other_unit": UserFactory(username="liaison_ly", role=Role.LIAISON),
        "leader": UserFactory(username="leader", role=Role.LEADER),
    }
    membership_set(actor=None, unit=community, user=users["unit"], role=MembershipRole.LIAISON)
    membership_set(actor=None, unit=street, user=users["street"], role=MembershipRole.HEAD)
    membership_set(actor=None, unit=elsewhere, user=users["other_unit"], role=MembershipRole.LIAISON)
    leader_assign(actor=None, unit=street, leader=users["leader"])
    return SimpleNamespace(campaign=campaign, street=street, community=community, neighbour=neighbour,
                           company=company, elsewhere=elsewhere, grid=grid, point=point, users=users)  # fmt: skip
