import pytest


@pytest.fixture
def city(db):
    """A small city for the daily dispatch, much lighter than the demo: a street with two communities, a community
    elsewhere, and the people around them (the community's liaison and head, the street's head, the other
    community's liaison, the street's leader, the office, an inspector and an administrator)."""
    from types import SimpleNamespace

    from campaign.choices import MembershipRole, UnitType
    from campaign.services import leader_assign, membership_set
    from core.choices import Role
    from tests.factories import CampaignFactory, UnitFactory, UserFactory

    campaign = CampaignFactory()
    street = UnitFactory(campaign=campaign, code="ST", name="东华街道", type=UnitType.STREET)
    community = UnitFactory(campaign=campaign, parent=street, code="XF", name="幸福社区", type=UnitType.COMMUNITY)
    neighbour = UnitFactory(campaign=campaign, parent=street, code="HP", name="和平社区", type=UnitType.COMMUNITY)
    elsewhere = UnitFactory(campaign=campaign, code="LY", name="柳荫社区", type=UnitType.COMMUNITY)
    users = {
        "office": UserFactory(username="office", full_name="王敏", role=Role.STAFF),
        "admin": UserFactory(username="admin", role=Role.ADMIN, is_superuser=True),
        "inspector": UserFactory(username="inspector", role=Role.INSPECTOR),
        "liaison": UserFactory(username="liaison", full_name="陈小雨", role=Role.LIAISON),
        "community_head": UserFactory(username="community_head", role=Role.UNIT_HEAD),
        "head": UserFactory(username="head", role=Role.UNIT_HEAD),
        "other": UserFactory(username="liaison_ly", role=Role.LIAISON),
        "leader": UserFactory(username="leader", role=Role.LEADER),
    }
    membership_set(actor=None, unit=community, user=users["liaison"], role=MembershipRole.LIAISON)
    membership_set(actor=None, unit=community, user=users["community_head"], role=MembershipRole.HEAD)
    membership_set(actor=None, unit=street, user=users["head"], role=MembershipRole.HEAD)
    membership_set(actor=None, unit=elsewhere, user=users["other"], role=MembershipRole.LIAISON)
    leader_assign(actor=None, unit=street, leader=users["leader"])
    return SimpleNamespace(campaign=campaign, street=street, community=community, neighbour=neighbour,
                           elsewhere=elsewhere, users=users)  # fmt: skip
