"""Staff edit a point's manual row on its page: leader, unit, post, custom target criteria, road-section leaders."""

from campaign.models import Indicator, LeaderAssignment, Point, Responsibility, Unit
from core.models import AuditEvent


def criteria_of(campaign):
    return Indicator.objects.filter(system__campaign=campaign, system__is_current=True, children__isnull=True)


def test_the_page_lists_the_criteria_and_marks_the_defaults(client, demo_users, demo):
    point = Point.objects.get(code="P0003")  # 人民路, a trunk road
    client.force_login(demo_users["office"])
    response = client.get(f"/manual/points/{point.pk}/")
    assert response.status_code == 200
    form = response.context["form"]
    applicable = set(criteria_of(demo.campaign).filter(point_types=point.point_type).values_list("pk", flat=True))
    assert form.applicable_ids == applicable and applicable
    assert len(form.fields["target_criteria"].queryset) == criteria_of(demo.campaign).count()
    assert response.content.decode().count('<span class="badge text-bg-light">') == len(applicable)


def test_staff_set_custom_targets_and_road_leaders_then_go_back_to_the_default(client, demo_users, demo):
    point = Point.objects.get(code="P0003")
    row = Responsibility.objects.get(point=point)
    chosen = list(criteria_of(demo.campaign).order_by("position")[:3])
    client.force_login(demo_users["office"])
    data = {
        "leader_name": "分管副市长", "unit": Unit.objects.get(code="SFS-B-CGJ").pk, "post_person": "石磊",
        "post_position": "市城管局局长", "post_phone": "13900000003",
        "target_criteria": [c.pk for c in chosen], "road_leaders": [demo_users["leader_city"].pk],
    }  # fmt: skip
    response = client.post(f"/manual/points/{point.pk}/", data)
    assert response.status_code == 302
    assert set(row.target_criteria.values_list("pk", flat=True)) == {c.pk for c in chosen}
    assert list(LeaderAssignment.objects.filter(point=point).values_list("leader__username", flat=True)) == [
        "leader_city"
    ]
    manual = client.get("/manual/", {"q": "P0003"})
    (listed,) = [p for p in manual.context["object_list"] if p.code == "P0003"]
    assert listed.target_count == 3
    assert "text-bg-info" in manual.content.decode()

    response = client.post(f"/manual/points/{point.pk}/", {**data, "target_criteria": [], "road_leaders": []})
    assert response.status_code == 302
    assert row.target_criteria.count() == 0
    assert not LeaderAssignment.objects.filter(point=point).exists()
    actions = list(AuditEvent.objects.filter(action__in=["campaign.leader.assign", "campaign.leader.unassign",
                                                        "campaign.responsibility.targets"],
                                              actor=demo_users["office"])
                   .order_by("pk").values_list("action", flat=True))  # fmt: skip
    assert actions == ["campaign.responsibility.targets", "campaign.leader.assign",
                       "campaign.responsibility.targets", "campaign.leader.unassign"]  # fmt: skip


def test_a_unit_of_another_campaign_or_a_non_leader_is_refused_and_nothing_changes(client, demo_users, demo):
    point = Point.objects.get(code="P0003")
    row = Responsibility.objects.get(point=point)
    before = (row.leader_name, row.unit_id, row.post_person)
    client.force_login(demo_users["office"])
    foreign = Unit.objects.create(campaign=demo.campaign.__class__.objects.get(slug="sfs-2025-review"), code="X",
                                  name="外单位", type="bureau", path="/x/")  # fmt: skip
    bad = {"leader_name": "甲", "unit": foreign.pk, "road_leaders": [demo_users["liaison_west"].pk]}
    response = client.post(f"/manual/points/{point.pk}/", bad)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"unit", "road_leaders"}
    row.refresh_from_db()
    assert (row.leader_name, row.unit_id, row.post_person) == before


def test_only_staff_reach_the_page(client, demo_users):
    point = Point.objects.get(code="P0001")
    for username in ["liaison_community", "head_street", "leader_east", "inspector"]:
        client.force_login(demo_users[username])
        assert client.get(f"/manual/points/{point.pk}/").status_code == 404
        assert client.post(f"/manual/points/{point.pk}/", {"leader_name": "x"}).status_code == 404
    assert Responsibility.objects.get(point=point).leader_name != "x"
