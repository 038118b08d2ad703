"""Each role sees exactly its scope, through the one scoping layer, in the UI and the API alike."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaign.models import Campaign, LeaderAssignment, Unit, UnitMembership
from core.models import User
from tests.factories import UnitFactory, UserFactory

ALL_DEMO_UNITS = 43
EAST_DISTRICT = {
    "SFS-DC", "SFS-DC-DH", "SFS-DC-DH-XF", "SFS-DC-DH-HP", "SFS-DC-DH-WY1", "SFS-DC-XS", "SFS-DC-XS-CY",
    "SFS-DC-XS-JM", "SFS-DC-SCH1",
}  # fmt: skip
DONGHUA_STREET = {"SFS-DC-DH", "SFS-DC-DH-XF", "SFS-DC-DH-HP", "SFS-DC-DH-WY1"}

EXPECTED_UNIT_CODES = {
    "admin": "all",
    "office": "all",
    "inspector": "all",
    "leader_city": "all",
    "leader_east": EAST_DISTRICT,
    "head_street": DONGHUA_STREET,
    "liaison_community": {"SFS-DC-DH-XF"},
    "liaison_bureau": {"SFS-B-CGJ"},
    "liaison_west": {"SFS-XC-XH-LY"},
}


def visible_codes(user):
    return set(Unit.objects.visible_to(user).values_list("code", flat=True))


@pytest.mark.parametrize(("username", "expected"), EXPECTED_UNIT_CODES.items())
def test_each_role_sees_exactly_its_units(demo_users, username, expected):
    codes = visible_codes(demo_users[username])
    if expected == "all":
        assert len(codes) == ALL_DEMO_UNITS
        assert codes == set(Unit.objects.values_list("code", flat=True))
    else:
        assert codes == expected


@pytest.mark.parametrize(("username", "expected"), EXPECTED_UNIT_CODES.items())
def test_the_api_returns_the_same_scope(demo_users, client, username, expected):
    client.force_login(demo_users[username])
    response = client.get("/api/v1/units/", {"page_size": 500})
    assert response.status_code == 200
    codes = {row["code"] for row in response.json()["results"]}
    assert codes == (set(Unit.objects.values_list("code", flat=True)) if expected == "all" else expected)


def test_campaigns_follow_the_units(demo_users):
    liaison = demo_users["liaison_community"]
    office = demo_users["office"]
    assert set(Campaign.objects.visible_to(liaison).values_list("slug", flat=True)) == {"sfs-2027"}
    assert set(Campaign.objects.visible_to(office).values_list("slug", flat=True)) == {"sfs-2027", "sfs-2025-review"}


def test_memberships_and_assignments_are_scoped_too(demo_users):
    head = demo_users["head_street"]
    members = UnitMembership.objects.visible_to(head)
    assert {m.unit.code for m in members} == {"SFS-DC-DH", "SFS-DC-DH-XF"}
    assert not LeaderAssignment.objects.visible_to(head).exists()


def test_anonymous_and_inactive_users_see_nothing(demo_users):
    from django.contrib.auth.models import AnonymousUser

    assert not Unit.objects.visible_to(AnonymousUser()).exists()
    office = demo_users["office"]
    office.is_active = False
    office.save(update_fields=["is_active"])
    assert not Unit.objects.visible_to(User.objects.get(pk=office.pk)).exists()


def test_a_user_without_units_sees_nothing(db):
    UnitFactory()
    assert not Unit.objects.visible_to(UserFactory()).exists()


def test_the_scope_costs_one_query_however_many_units_a_user_has(db):
    user = UserFactory()
    root = UnitFactory()
    for _ in range(5):
        LeaderAssignment.objects.create(unit=UnitFactory(campaign=root.campaign, parent=root), leader=user)
    with CaptureQueriesContext(connection) as queries:
        list(Unit.objects.visible_to(user))
        list(Unit.objects.visible_to(user))
    assert len(queries) == 3  # one for the scope (cached on the user), one per list


def test_a_unit_outside_the_scope_is_not_found_in_page_and_api(demo_users, client):
    client.force_login(demo_users["liaison_community"])
    other = Unit.objects.get(code="SFS-XC-XH-LY")
    own = Unit.objects.get(code="SFS-DC-DH-XF")
    assert client.get(f"/units/{own.pk}/").status_code == 200
    assert client.get(f"/units/{other.pk}/").status_code == 404
    assert client.get(f"/api/v1/units/{own.pk}/").status_code == 200
    response = client.get(f"/api/v1/units/{other.pk}/")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": response.json()["error"]["message"]}}
    assert other.name not in response.content.decode()
