from django.apps import apps
from django.core.management import call_command

from campaign.models import Campaign, LeaderAssignment, Unit, UnitMembership
from core.choices import Role
from core.models import AuditEvent, User

SNAPSHOT_MODELS = [Campaign, Unit, UnitMembership, LeaderAssignment, User, AuditEvent, apps.get_model("auth", "Group")]


def snapshot():
    return {model._meta.label: sorted(map(repr, model.objects.values())) for model in SNAPSHOT_MODELS}


def test_seed_demo_twice_gives_the_same_rows(db):
    call_command("seed_demo")
    first = snapshot()
    call_command("seed_demo")
    assert snapshot() == first


def test_the_demo_has_a_campaign_units_of_every_type_and_a_login_per_role(demo):
    campaign = demo.campaign
    assert campaign.target
    assert campaign.window_start < campaign.window_end
    assert campaign.days_to_window() == 150
    types = set(Unit.objects.filter(campaign=campaign).values_list("type", flat=True))
    assert types == {"city", "district", "street", "community", "bureau", "property", "school", "enterprise"}
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    root = Unit.objects.get(campaign=campaign, parent=None)
    assert Unit.objects.filter(campaign=campaign).count() == root.descendants().count() + 1
    for unit in Unit.objects.filter(campaign=campaign).select_related("parent"):
        expected = f"{unit.parent.path}{unit.pk}/" if unit.parent else f"/{unit.pk}/"
        assert unit.path == expected
