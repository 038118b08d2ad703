from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from campaign.choices import Method
from campaign.models import (
    Campaign,
    Grid,
    Indicator,
    LeaderAssignment,
    Pairing,
    Point,
    PointType,
    Responsibility,
    Sampling,
    TaskAssignment,
    Unit,
    UnitGroup,
    UnitMembership,
)
from core.models import User


class CampaignSerializer(serializers.ModelSerializer):
    days_to_window = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id", "name", "slug", "title_level", "city_level", "target", "target_rank", "target_score",
            "window_start", "window_end", "status", "days_to_window",
        ]  # fmt: skip

    def get_days_to_window(self, campaign) -> int | None:
        return campaign.days_to_window()


class MemberSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.get_full_name")
    phone = serializers.CharField(source="user.phone")

    class Meta:
        model = UnitMembership
        fields = ["user", "role", "phone"]


class UnitSerializer(serializers.ModelSerializer):
    child_count = serializers.IntegerField(read_only=True)
    liaisons = MemberSerializer(source="liaison_memberships", many=True, read_only=True)

    class Meta:
        model = Unit
        fields = [
            "id", "campaign", "parent", "code", "name", "short_name", "type", "depth", "head_name",
            "leader_in_charge", "phone", "is_active", "child_count", "liaisons",
        ]  # fmt: skip


class MeUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    campaign = serializers.IntegerField(source="campaign_id")
    code = serializers.CharField()
    name = serializers.CharField()
    type = serializers.CharField()
    relation = serializers.CharField()


class MeSerializer(serializers.ModelSerializer):
    units = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "role", "position", "phone", "email", "units"]

    def get_units(self, user) -> list[dict]:
        return MeUnitSerializer(self.context["units"], many=True).data


class PointTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = PointType
        fields = ["id", "campaign", "code", "name", "sample_count"]


class IndicatorSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", default=None, allow_null=True, read_only=True)
    campaign = serializers.IntegerField(source="system.campaign_id", read_only=True)
    system_version = serializers.IntegerField(source="system.version", read_only=True)
    methods = serializers.SerializerMethodField()
    point_types = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    is_leaf = serializers.BooleanField(read_only=True)

    class Meta:
        model = Indicator
        fields = [
            "id", "campaign", "system_version", "code", "parent_code", "level", "name", "score", "kind", "is_veto",
            "methods", "point_types", "is_leaf",
        ]  # fmt: skip

    def get_methods(self, indicator) -> list[str]:
        return [m.method for m in indicator.methods.all()]


class GridSerializer(serializers.ModelSerializer):
    class Meta:
        model = Grid
        fields = ["id", "campaign", "code", "name", "unit"]


class ResponsibilitySerializer(serializers.ModelSerializer):
    gaps = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Responsibility
        fields = ["leader_name", "unit", "post_person", "post_position", "post_phone", "gaps"]


class ResponsibilityDetailSerializer(ResponsibilitySerializer):
    """A manual row as its own resource: the point it belongs to and its target criteria (empty: every criterion
    applicable to the point type)."""

    point_code = serializers.CharField(source="point.code", read_only=True)
    campaign = serializers.IntegerField(source="point.campaign_id", read_only=True)
    target_criteria = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta(ResponsibilitySerializer.Meta):
        fields = ["id", "campaign", "point", "point_code", *ResponsibilitySerializer.Meta.fields, "target_criteria"]


class PointSerializer(serializers.ModelSerializer):
    point_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    grid = serializers.SlugRelatedField(slug_field="code", read_only=True)
    responsibility = ResponsibilitySerializer(read_only=True, default=None)

    class Meta:
        model = Point
        fields = [
            "id", "campaign", "code", "name", "point_type", "grid", "address", "longitude", "latitude", "is_active",
            "responsibility",
        ]  # fmt: skip


class CoverageItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class CoverageSerializer(serializers.Serializer):
    counts = serializers.DictField(child=serializers.IntegerField())
    total = serializers.IntegerField()
    items = serializers.DictField(child=CoverageItemSerializer(many=True))


class SamplingSerializer(serializers.ModelSerializer):
    points = serializers.SerializerMethodField()

    class Meta:
        model = Sampling
        fields = ["id", "campaign", "seed", "drawn_at", "note", "shortfall", "points"]

    def get_points(self, sampling) -> list[str]:
        return [sampled.point.code for sampled in sampling.sampled_points.all()]


class TaskAssignmentSerializer(serializers.ModelSerializer):
    criterion = serializers.CharField(source="indicator.code", read_only=True)
    criterion_name = serializers.CharField(source="indicator.name", read_only=True)
    lead = serializers.CharField(source="lead_name", read_only=True)
    acknowledged_by_units = serializers.SerializerMethodField()

    class Meta:
        model = TaskAssignment
        fields = [
            "id", "criterion", "criterion_name", "lead_unit", "lead_group", "lead", "cooperating_units",
            "cooperating_groups", "responsible_leader", "deadline", "standard", "acknowledged_by_units",
        ]  # fmt: skip

    def get_acknowledged_by_units(self, task) -> list[int]:
        return [acknowledgement.unit_id for acknowledgement in task.acknowledgements.all()]


class UnitGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = UnitGroup
        fields = ["id", "campaign", "name", "kind", "commander", "deputies", "lead_unit", "members"]


class PairingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Pairing
        fields = ["id", "unit", "partner", "note"]


class CampaignWriteSerializer(serializers.ModelSerializer):
    """What staff may set on a campaign; the status changes through the coverage check, not here."""

    class Meta:
        model = Campaign
        fields = [
            "name", "slug", "title_level", "city_level", "target", "target_rank", "target_score", "window_start",
            "window_end",
        ]  # fmt: skip


class UnitWriteSerializer(serializers.ModelSerializer):
    parent = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), allow_null=True, required=False)

    class Meta:
        model = Unit
        fields = ["campaign", "parent", "code", "name", "short_name", "type", "head_name", "leader_in_charge",
                  "phone", "is_active"]  # fmt: skip
        validators = []  # uniqueness is checked by the service's full_clean, with the same message as the forms

    def validate(self, attrs):
        campaign = attrs.get("campaign") or getattr(self.instance, "campaign", None)
        parent = attrs.get("parent")
        if parent is not None and campaign is not None and parent.campaign_id != campaign.pk:
            raise serializers.ValidationError({"parent": _("The parent unit belongs to another campaign.")})
        if self.instance is not None and "campaign" in attrs and attrs["campaign"] != self.instance.campaign:
            raise serializers.ValidationError({"campaign": _("A unit cannot move to another campaign.")})
        return attrs


class GridWriteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Grid
        fields = ["campaign", "code", "name", "unit"]
        validators = []  # uniqueness and campaign consistency are checked by the service's full_clean


class PointWriteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Point
        fields = ["campaign", "grid", "point_type", "code", "name", "address", "longitude", "latitude", "is_active"]
        validators = []


class ResponsibilityWriteSerializer(serializers.ModelSerializer):
    target_criteria = serializers.PrimaryKeyRelatedField(
        queryset=Indicator.objects.all(), many=True, required=False,
        help_text=_("Criteria ids; an empty list means every criterion applicable to the point type."),
    )  # fmt: skip

    class Meta:
        model = Responsibility
        fields = ["leader_name", "unit", "post_person", "post_position", "post_phone", "target_criteria"]


class TaskAssignmentWriteSerializer(serializers.ModelSerializer):
    class Meta:
        model = TaskAssignment
        fields = [
            "indicator", "lead_unit", "lead_group", "cooperating_units", "cooperating_groups", "responsible_leader",
            "deadline", "standard",
        ]  # fmt: skip
        validators = []
        extra_kwargs = {"cooperating_units": {"required": False}, "cooperating_groups": {"required": False}}


class IndicatorWriteSerializer(serializers.ModelSerializer):
    """A node of the current assessment system: `campaign` picks the system on creation; code and parent are fixed
    once created."""

    campaign = serializers.PrimaryKeyRelatedField(queryset=Campaign.objects.all(), write_only=True)
    methods = serializers.ListField(child=serializers.ChoiceField(choices=Method.choices), required=False)
    point_types = serializers.PrimaryKeyRelatedField(queryset=PointType.objects.all(), many=True, required=False)

    class Meta:
        model = Indicator
        fields = ["campaign", "parent", "code", "name", "score", "kind", "is_veto", "methods", "point_types"]
        validators = []

    def validate(self, attrs):
        if self.instance is not None:
            for field in ("campaign", "parent", "code"):
                if field in attrs and attrs[field] != (
                    self.instance.system.campaign if field == "campaign" else getattr(self.instance, field)
                ):
                    raise serializers.ValidationError(
                        {field: _("The code and the place in the tree change through the Excel import.")}
                    )
                attrs.pop(field, None)
        return attrs


class LeaderAssignmentSerializer(serializers.ModelSerializer):
    """分包: a leader answers for a unit (and its subtree) or for one point such as a road section."""

    leader_name = serializers.CharField(source="leader.get_full_name", read_only=True)
    leader = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))

    class Meta:
        model = LeaderAssignment
        fields = ["id", "leader", "leader_name", "unit", "point", "note"]
        validators = []  # assigning twice returns the existing assignment (the service is idempotent)


class SamplingWriteSerializer(serializers.Serializer):
    """A new random draw: the campaign, and a seed to reproduce an earlier draw (a new one if left out)."""

    campaign = serializers.PrimaryKeyRelatedField(queryset=Campaign.objects.all())
    seed = serializers.IntegerField(required=False, min_value=0, max_value=10**18)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class UnitGroupWriteSerializer(serializers.ModelSerializer):
    class Meta:
        model = UnitGroup
        fields = ["campaign", "name", "kind", "commander", "deputies", "lead_unit", "members"]
        validators = []  # uniqueness is checked by the service's full_clean
        extra_kwargs = {"members": {"required": False}}


class CommandGroupWriteSerializer(UnitGroupWriteSerializer):
    class Meta(UnitGroupWriteSerializer.Meta):
        fields = ["campaign", "name", "commander", "deputies", "lead_unit", "members"]
