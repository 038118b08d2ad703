from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from campaign.models import (
    Campaign,
    Grid,
    Indicator,
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
    parent_code = serializers.CharField(source="parent.code", default=None, read_only=True)
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
