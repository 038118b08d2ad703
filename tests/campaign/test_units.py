import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from campaign.models import Unit
from campaign.services import membership_set, unit_create, unit_move
from core.models import AuditEvent
from tests.factories import CampaignFactory, UnitFactory, UserFactory


def test_moving_a_unit_moves_its_subtree(db):
    campaign = CampaignFactory()
    a = UnitFactory(campaign=campaign)
    b = UnitFactory(campaign=campaign)
    child = UnitFactory(campaign=campaign, parent=a)
    grandchild = UnitFactory(campaign=campaign, parent=child)
    unit_move(actor=None, unit=child, parent=b)
    child.refresh_from_db()
    grandchild.refresh_from_db()
    assert child.path == f"{b.path}{child.pk}/"
    assert grandchild.path == f"{b.path}{child.pk}/{grandchild.pk}/"
    assert (child.depth, grandchild.depth) == (1, 2)
    assert AuditEvent.objects.filter(action="campaign.unit.move", object_id=str(child.pk)).count() == 1


def test_a_unit_cannot_move_below_itself_or_into_another_campaign(db):
    parent = UnitFactory()
    child = UnitFactory(campaign=parent.campaign, parent=parent)
    with pytest.raises(ValidationError):
        unit_move(actor=None, unit=parent, parent=child)
    with pytest.raises(ValidationError):
        unit_move(actor=None, unit=child, parent=UnitFactory())
    parent.refresh_from_db()
    assert parent.parent_id is None


def test_unit_codes_are_unique_per_campaign(db):
    unit = UnitFactory(code="DUP")
    with pytest.raises(ValidationError):
        unit_create(actor=None, campaign=unit.campaign, code="DUP", name="重复", type="bureau")
    assert UnitFactory(code="DUP").code == "DUP"  # another campaign may reuse it


def test_the_unit_list_filters_and_exports_what_it_shows(client, demo_users):
    client.force_login(demo_users["leader_east"])
    html = client.get("/units/", {"type": "community"}).content.decode()
    assert "幸福社区" in html
    assert "柳荫社区" not in html  # another district: outside the leader's scope
    response = client.get("/units/", {"type": "community", "export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("编码", "名称", "类型")
    assert sorted(row[1] for row in rows[1:]) == sorted(["幸福社区", "和平社区", "朝阳社区", "建民社区"])
    assert {row[2] for row in rows[1:]} == {"社区"}


def test_export_neutralises_formulas(client, demo_users, demo):
    unit_create(actor=None, campaign=demo.campaign, code="F1", name='=HYPERLINK("http://x","y")', type="other")
    client.force_login(demo_users["office"])
    response = client.get("/units/", {"q": "HYPERLINK", "export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][1] == '\'=HYPERLINK("http://x","y")'


def test_an_invalid_filter_shows_no_rows_rather_than_failing(client, demo_users):
    client.force_login(demo_users["office"])
    response = client.get("/units/", {"type": "castle"})
    assert response.status_code == 200
    assert "幸福社区" not in response.content.decode()


def test_the_unit_list_page_query_count_does_not_grow(client, demo_users, demo):
    client.force_login(demo_users["office"])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/units/").status_code == 200
        return len(queries)

    before = count()
    for n in range(10):
        unit = unit_create(actor=None, campaign=demo.campaign, code=f"N{n}", name=f"新单位{n}", type="bureau")
        membership_set(actor=None, unit=unit, user=UserFactory(), role="liaison")
    assert count() == before


def test_switching_campaign_keeps_to_visible_campaigns(client, demo_users, demo):
    from campaign.models import Campaign

    closed = Campaign.objects.get(slug="sfs-2025-review")
    client.force_login(demo_users["liaison_community"])
    assert client.post("/campaigns/switch/", {"campaign": closed.pk}).status_code == 404
    client.force_login(demo_users["office"])
    response = client.post("/campaigns/switch/", {"campaign": closed.pk, "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/units/").context["current_campaign"].pk == closed.pk
    assert Unit.objects.filter(campaign=closed).count() == 0


def test_a_unit_page_names_the_leaders_assigned_above_it_and_links_only_visible_ancestors(client, demo_users):
    community = Unit.objects.get(code="SFS-DC-DH-XF")
    client.force_login(demo_users["liaison_community"])
    response = client.get(f"/units/{community.pk}/")
    html = response.content.decode()
    # 孙丽 is assigned to 东城区 and 赵卫东 to the city: both answer for the community, nearest first.
    assert [a.leader.username for a in response.context["leaders"]] == ["leader_east", "leader_city"]
    assert "（分包东城区）" in html
    # The liaison sees the street's name in the breadcrumb but cannot open it.
    street = Unit.objects.get(code="SFS-DC-DH")
    assert [(a.code, linked) for a, linked in response.context["ancestors"]] == [
        ("SFS", False), ("SFS-DC", False), ("SFS-DC-DH", False)
    ]  # fmt: skip
    assert f'href="/units/{street.pk}/"' not in html
    client.force_login(demo_users["head_street"])
    response = client.get(f"/units/{community.pk}/")
    assert [(a.code, linked) for a, linked in response.context["ancestors"]][-1] == ("SFS-DC-DH", True)


def test_the_unit_filter_offers_only_visible_parent_units(client, demo_users):
    client.force_login(demo_users["leader_east"])
    response = client.get("/units/")
    choices = {unit.code for unit in response.context["filterset"].form.fields["within"].queryset}
    assert choices == {"SFS-DC", "SFS-DC-DH", "SFS-DC-XS"}
    street = Unit.objects.get(code="SFS-DC-XS")
    names = {unit.name for unit in client.get("/units/", {"within": street.pk}).context["object_list"]}
    assert names == {"向阳街道", "朝阳社区", "建民社区"}


def test_the_api_refuses_a_parent_outside_the_scope_like_a_missing_one(client, demo_users):
    client.force_login(demo_users["leader_east"])
    west = Unit.objects.get(code="SFS-XC")
    outside = client.get("/api/v1/units/", {"within": west.pk})
    missing = client.get("/api/v1/units/", {"within": 999999})
    assert outside.status_code == missing.status_code == 400
    assert outside.json()["error"]["fields"]["within"] == missing.json()["error"]["fields"]["within"]
