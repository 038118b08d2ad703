"""Staff write campaigns and units through the API; everyone else is refused; bad input gets 400 with reasons."""

from campaign.models import Campaign, Unit
from core.models import AuditEvent


def test_staff_create_and_change_a_unit_and_move_it(client, demo_users, demo):
    client.force_login(demo_users["office"])
    street = Unit.objects.get(code="SFS-DC-DH")
    response = client.post(
        "/api/v1/units/",
        {"campaign": demo.campaign.pk, "parent": street.pk, "code": "SFS-DC-DH-NEW", "name": "新建社区",
         "type": "community"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    unit = Unit.objects.get(code="SFS-DC-DH-NEW")
    assert unit.path == f"{street.path}{unit.pk}/"
    other_street = Unit.objects.get(code="SFS-DC-XS")
    response = client.patch(
        f"/api/v1/units/{unit.pk}/",
        {"name": "新建社区（筹）", "parent": other_street.pk},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    unit.refresh_from_db()
    assert (unit.name, unit.path) == ("新建社区（筹）", f"{other_street.path}{unit.pk}/")
    # Other kinds of objects may share the number; the unit's own events are these.
    events = AuditEvent.objects.filter(object_id=str(unit.pk), action__startswith="campaign.unit")
    actions = set(events.values_list("action", flat=True))
    assert actions == {"campaign.unit.create", "campaign.unit.move", "campaign.unit.update"}


def test_bad_unit_input_gets_reasons_and_writes_nothing(client, demo_users, demo):
    client.force_login(demo_users["office"])
    before = Unit.objects.count()
    other = Campaign.objects.get(slug="sfs-2025-review")
    cases = [
        ({"campaign": demo.campaign.pk, "code": "X", "name": "甲"}, "type"),
        ({"campaign": demo.campaign.pk, "code": "X", "name": "甲", "type": "castle"}, "type"),
        ({"campaign": demo.campaign.pk, "code": "SFS-DC", "name": "重复", "type": "district"}, "__all__"),
        (
            {
                "campaign": other.pk,
                "parent": Unit.objects.get(code="SFS").pk,
                "code": "X",
                "name": "甲",
                "type": "bureau",
            },
            "parent",
        ),
        ({"campaign": demo.campaign.pk, "parent": 999999, "code": "X", "name": "甲", "type": "bureau"}, "parent"),
    ]
    for payload, field in cases:
        response = client.post("/api/v1/units/", payload, content_type="application/json")
        assert response.status_code == 400, (payload, response.status_code)
        error = response.json()["error"]
        assert error["code"] == "validation_error"
        assert field in error["fields"], (payload, error)
    assert Unit.objects.count() == before
    unit = Unit.objects.get(code="SFS-DC")
    child = Unit.objects.get(code="SFS-DC-DH")
    response = client.patch(f"/api/v1/units/{unit.pk}/", {"parent": child.pk}, content_type="application/json")
    assert response.status_code == 400
    unit.refresh_from_db()
    assert unit.parent.code == "SFS"


def test_only_staff_write(client, demo_users, demo):
    unit = Unit.objects.get(code="SFS-DC-DH-XF")
    for username in ["liaison_community", "head_street", "leader_east", "inspector"]:
        client.force_login(demo_users[username])
        assert (
            client.patch(f"/api/v1/units/{unit.pk}/", {"name": "x"}, content_type="application/json").status_code
            == 403
        )
        assert (
            client.post("/api/v1/campaigns/", {"name": "x", "slug": "x"}, content_type="application/json").status_code
            == 403
        )
    assert Unit.objects.get(pk=unit.pk).name == "幸福社区"


def test_staff_create_a_campaign_and_bad_windows_are_refused(client, demo_users):
    client.force_login(demo_users["office"])
    response = client.post(
        "/api/v1/campaigns/",
        {"name": "示范市2028年复审", "slug": "sfs-2028", "window_start": "2028-05-10", "window_end": "2028-05-01"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "window_end" in response.json()["error"]["fields"]
    response = client.post(
        "/api/v1/campaigns/", {"name": "示范市2028年复审", "slug": "sfs-2028"}, content_type="application/json"
    )
    assert response.status_code == 201
    campaign = Campaign.objects.get(slug="sfs-2028")
    response = client.patch(
        f"/api/v1/campaigns/{campaign.pk}/", {"target": "复审通过"}, content_type="application/json"
    )
    assert response.json()["target"] == "复审通过"
    assert client.delete(f"/api/v1/campaigns/{campaign.pk}/").status_code == 405
