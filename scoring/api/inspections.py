"""Inspections and the projected score in the API: rounds (the office plans and closes them), visits (the round's
inspectors and the office submit them, idempotent by `key`), findings (the office reviews them, one by one or in
bulk) and projections (kept per closed mock round; `current` computes the latest mock assessment's now). Refusals
are 400 with the reason; writes by other roles are 403; objects outside the user's scope are 404."""

import uuid
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from campaign.models import Campaign, Point, Sampling
from core.api.permissions import ScopedAccess
from core.choices import Role
from core.models import User
from scoring.choices import ItemResult, RoundKind
from scoring.filters import FindingApiFilterSet, InspectionApiFilterSet, RoundApiFilterSet
from scoring.inspections import (
    REVIEW_CHOICES,
    ItemInput,
    finding_list,
    finding_review,
    findings_approve,
    inspection_list,
    inspection_submit,
    round_close,
    round_create,
    round_list,
)
from scoring.models import Inspection, InspectionItem, InspectionRound, Projection
from scoring.projection import projection_current


class RoundSerializer(serializers.ModelSerializer):
    point_count = serializers.IntegerField(read_only=True)
    visit_count = serializers.IntegerField(read_only=True)
    finding_count = serializers.IntegerField(read_only=True)
    pending_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = InspectionRound
        fields = ["id", "campaign", "kind", "name", "starts_on", "ends_on", "status", "inspectors", "sampling",
                  "note", "created_at", "closed_at", "point_count", "visit_count", "finding_count",
                  "pending_count"]  # fmt: skip


class RoundWriteSerializer(serializers.Serializer):
    campaign = serializers.PrimaryKeyRelatedField(queryset=Campaign.objects.all())
    kind = serializers.ChoiceField(choices=RoundKind.choices)
    name = serializers.CharField(max_length=200)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    inspectors = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True), many=True,
                                                    required=False)  # fmt: skip
    points = serializers.PrimaryKeyRelatedField(queryset=Point.objects.all(), many=True, required=False)
    sampling = serializers.PrimaryKeyRelatedField(queryset=Sampling.objects.all(), required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class RoundViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Inspection rounds with their counts. Filter by `campaign`, `kind`, `status`, `date_after`, `date_before`.
    POST creates a round (the office; `points`, or a `sampling` draw to take them from); POST `close` closes it
    (closing a mock assessment keeps its projected score)."""

    queryset = InspectionRound.objects.none()  # the schema's model; requests read `get_queryset`
    serializer_class = RoundSerializer
    permission_classes = [ScopedAccess]
    filterset_class = RoundApiFilterSet
    ordering_fields = ["starts_on", "ends_on", "id"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return round_list(user=self.request.user).prefetch_related("inspectors")

    def get_serializer_class(self):
        return RoundWriteSerializer if self.action == "create" else RoundSerializer

    def create(self, request, *args, **kwargs):
        serializer = RoundWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        round = round_create(actor=request.user, **serializer.validated_data)
        return Response(RoundSerializer(self.get_queryset().get(pk=round.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def close(self, request, pk=None):
        round = round_close(actor=request.user, round=self.get_object())
        return Response(RoundSerializer(self.get_queryset().get(pk=round.pk)).data)


class ItemSerializer(serializers.ModelSerializer):
    criterion_code = serializers.CharField(source="criterion.code", read_only=True)
    problem_reference = serializers.SerializerMethodField()

    class Meta:
        model = InspectionItem
        fields = ["id", "criterion", "criterion_code", "result", "deduction", "note", "problem", "problem_reference",
                  "review_status", "reviewed_at", "review_note"]  # fmt: skip

    def get_problem_reference(self, item) -> str:
        return item.problem.reference if item.problem_id else ""


class InspectionSerializer(serializers.ModelSerializer):
    items = ItemSerializer(many=True, read_only=True)
    finding_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Inspection
        fields = ["id", "round", "point", "unit", "leader_name", "inspector", "status", "submitted_at", "latitude",
                  "longitude", "note", "finding_count", "items"]  # fmt: skip


class ItemInputSerializer(serializers.Serializer):
    criterion = serializers.IntegerField()
    result = serializers.ChoiceField(choices=ItemResult.choices)
    deduction = serializers.DecimalField(max_digits=6, decimal_places=2, required=False, allow_null=True,
                                         min_value=0)  # fmt: skip
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class InspectionWriteSerializer(serializers.Serializer):
    round = serializers.PrimaryKeyRelatedField(queryset=InspectionRound.objects.all())
    point = serializers.PrimaryKeyRelatedField(queryset=Point.objects.all())
    key = serializers.UUIDField(required=False, help_text=_("The same key again returns the visit recorded."))
    items = ItemInputSerializer(many=True, allow_empty=False)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True,
                                        min_value=-90, max_value=90)  # fmt: skip
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True,
                                         min_value=-180, max_value=180)  # fmt: skip
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["round"].queryset = round_list(user=user)


class InspectionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Visits with their items. Filter by `campaign`, `round`, `unit`, `point`. POST records a visit (the round's
    inspectors and the office): an item per criterion that applies at the point; each failing item opens a ledger
    problem. Send a `key`: the same key again returns the visit already recorded."""

    queryset = Inspection.objects.none()  # the schema's model; requests read `get_queryset`
    serializer_class = InspectionSerializer
    permission_classes = [ScopedAccess]
    filterset_class = InspectionApiFilterSet
    write_roles = [Role.STAFF, Role.ADMIN, Role.INSPECTOR]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return inspection_list(user=self.request.user).prefetch_related("items__criterion", "items__problem")

    def get_serializer_class(self):
        return InspectionWriteSerializer if self.action == "create" else InspectionSerializer

    def create(self, request, *args, **kwargs):
        serializer = InspectionWriteSerializer(data=request.data, user=request.user)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        items = [ItemInput(criterion_id=row["criterion"], result=row["result"], deduction=row.get("deduction"),
                           note=row.get("note", "")) for row in data["items"]]  # fmt: skip
        inspection = inspection_submit(
            actor=request.user, round=data["round"], point=data["point"], items=items,
            key=data.get("key") or uuid.uuid4(), latitude=data.get("latitude"), longitude=data.get("longitude"),
            note=data.get("note", ""),
        )  # fmt: skip
        return Response(InspectionSerializer(self.get_queryset().get(pk=inspection.pk)).data,
                        status=status.HTTP_201_CREATED)  # fmt: skip


class FindingSerializer(ItemSerializer):
    round = serializers.IntegerField(source="inspection.round_id", read_only=True)
    point = serializers.IntegerField(source="inspection.point_id", read_only=True)
    unit = serializers.IntegerField(source="inspection.unit_id", read_only=True, allow_null=True)
    leader_name = serializers.CharField(source="inspection.leader_name", read_only=True)

    class Meta(ItemSerializer.Meta):
        fields = [*ItemSerializer.Meta.fields, "inspection", "round", "point", "unit", "leader_name"]


class ReviewSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=list(REVIEW_CHOICES))
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class ApproveSerializer(serializers.Serializer):
    items = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), allow_empty=False,
                                  max_length=5000)  # fmt: skip


class FindingViewSet(viewsets.ReadOnlyModelViewSet):
    """Failing items (findings) with their ledger problems. Filter by `campaign`, `round`, `review_status`, `unit`,
    `q`. The office reviews one (`review`: approved, returned with a reason, on hold) or approves many
    (`approve`)."""

    queryset = InspectionItem.objects.none()  # the schema's model; requests read `get_queryset`
    serializer_class = FindingSerializer
    permission_classes = [ScopedAccess]
    filterset_class = FindingApiFilterSet

    def get_queryset(self):
        return finding_list(user=self.request.user)

    @extend_schema(request=ReviewSerializer)
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def review(self, request, pk=None):
        item = self.get_object()
        serializer = ReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        finding_review(actor=request.user, item=item, **serializer.validated_data)
        return Response(FindingSerializer(self.get_queryset().get(pk=item.pk)).data)

    @extend_schema(request=ApproveSerializer, responses={200: {"type": "object", "properties": {
        "approved": {"type": "integer"}}}})  # fmt: skip
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def approve(self, request):
        if not request.user.is_office:
            raise PermissionDenied(_("Only the command office reviews inspection findings."))
        serializer = ApproveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        items = self.get_queryset().filter(pk__in=serializer.validated_data["items"])
        return Response({"approved": findings_approve(actor=request.user, items=list(items))})


class ProjectionSerializer(serializers.ModelSerializer):
    round_name = serializers.CharField(source="round.name", read_only=True)
    ends_on = serializers.DateField(source="round.ends_on", read_only=True)

    class Meta:
        model = Projection
        fields = ["id", "round", "round_name", "ends_on", "computed_at", "total", "full_score", "target", "vetoed",
                  "data"]  # fmt: skip


class ProjectionViewSet(viewsets.ReadOnlyModelViewSet):
    """Projected scores kept when mock assessments closed (the trend), oldest first; filter by `campaign`.
    `current?campaign=` computes the latest mock assessment's projection now, with every criterion and the
    shortfalls with their owners."""

    queryset = Projection.objects.none()  # the schema's model; requests read `get_queryset`
    serializer_class = ProjectionSerializer
    permission_classes = [ScopedAccess]
    filterset_class = None

    def get_queryset(self):
        projections = Projection.objects.visible_to(self.request.user).select_related("round")
        campaign = self.request.query_params.get("campaign")
        if campaign:
            if not campaign.isdigit():
                raise serializers.ValidationError({"campaign": [_("A campaign number is expected.")]})
            projections = projections.filter(round__campaign_id=campaign)
        return projections.order_by("round__ends_on", "round__pk")

    @extend_schema(parameters=[OpenApiParameter("campaign", int, required=True)],
                   responses={200: {"type": "object"}})  # fmt: skip
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def current(self, request):
        value = request.query_params.get("campaign", "")
        campaign = Campaign.objects.visible_to(request.user).filter(pk=value).first() if value.isdigit() else None
        if campaign is None:
            raise serializers.ValidationError({"campaign": [_("Choose a campaign you take part in.")]})
        result = projection_current(campaign=campaign)
        if result is None:
            return Response({"detail": _("No mock assessment yet.")}, status=status.HTTP_404_NOT_FOUND)
        return Response(serializers.JSONField().to_representation(_json(result.as_data())))


def _json(value):
    """Decimals as strings, as the kept projections store them."""
    if isinstance(value, dict):
        return {key: _json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json(item) for item in value]
    return str(value) if isinstance(value, Decimal) else value
