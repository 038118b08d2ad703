from django.db import transaction
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from campaign.api.serializers import (
    CampaignSerializer,
    CampaignWriteSerializer,
    CoverageSerializer,
    GridSerializer,
    IndicatorSerializer,
    MeSerializer,
    PairingSerializer,
    PointSerializer,
    PointTypeSerializer,
    SamplingSerializer,
    TaskAssignmentSerializer,
    UnitGroupSerializer,
    UnitSerializer,
    UnitWriteSerializer,
)
from campaign.choices import UnitGroupKind
from campaign.filters import CampaignFilterSet, IndicatorFilterSet, PointTypeFilterSet, UnitApiFilterSet
from campaign.models import Grid, Pairing, Point, PointType, SampledPoint, Sampling, TaskAssignment, UnitGroup
from campaign.selectors import (
    Coverage,
    campaign_coverage,
    campaign_list_visible,
    indicator_list,
    unit_list,
    unit_relations_of_user,
)
from campaign.services import campaign_create, campaign_update, unit_create, unit_move, unit_update


class CampaignViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):  # fmt: skip
    """Campaigns the user takes part in (every campaign for the command office and inspectors). Staff create and
    change them; the status moves through the coverage check."""

    serializer_class = CampaignSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        return CampaignWriteSerializer if self.action in ("create", "partial_update") else CampaignSerializer

    @extend_schema(request=CampaignWriteSerializer, responses=CampaignSerializer)
    def create(self, request, *args, **kwargs):
        serializer = CampaignWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        campaign = campaign_create(actor=request.user, **serializer.validated_data)
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CampaignWriteSerializer, responses=CampaignSerializer)
    def partial_update(self, request, *args, **kwargs):
        campaign = self.get_object()
        serializer = CampaignWriteSerializer(campaign, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        campaign = campaign_update(actor=request.user, campaign=campaign, **serializer.validated_data)
        return Response(CampaignSerializer(campaign).data)

    filterset_class = CampaignFilterSet
    search_fields = ["name", "slug"]
    ordering_fields = ["window_start", "name", "id"]

    def get_queryset(self):
        return campaign_list_visible(user=self.request.user)

    @extend_schema(responses=CoverageSerializer, filters=False)
    @action(detail=True, filterset_class=None, pagination_class=None)
    def coverage(self, request, pk=None):
        """横到边、纵到底: the gaps that keep the campaign from "ready" (counts, and up to 500 items each). For the
        command office and inspectors."""
        campaign = self.get_object()
        if not request.user.sees_citywide:
            raise NotFound
        coverage = campaign_coverage(campaign=campaign)
        counts = coverage.counts()
        items = {kind: coverage_items(getattr(coverage, kind), kind) for kind in Coverage.KINDS}
        return Response(CoverageSerializer({"counts": counts, "total": sum(counts.values()), "items": items}).data)


class UnitViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Responsible units within the user's scope. Filter by `campaign`, `type`, `parent`, `within` (a unit and
    its subtree) or `q` (name or code). Staff create units and change them (a new `parent` moves the unit with its
    subtree); units are deactivated (`is_active`), never deleted, since records refer to them."""

    serializer_class = UnitSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        return UnitWriteSerializer if self.action in ("create", "partial_update") else UnitSerializer

    @extend_schema(request=UnitWriteSerializer, responses=UnitSerializer)
    def create(self, request, *args, **kwargs):
        serializer = UnitWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        unit = unit_create(actor=request.user, campaign=data.pop("campaign"), parent=data.pop("parent", None), **data)
        return Response(UnitSerializer(unit_list(user=request.user).get(pk=unit.pk)).data, status=201)

    @extend_schema(request=UnitWriteSerializer, responses=UnitSerializer)
    def partial_update(self, request, *args, **kwargs):
        unit = self.get_object()
        serializer = UnitWriteSerializer(unit, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("campaign", None)
        with transaction.atomic():
            if "parent" in data:
                unit = unit_move(actor=request.user, unit=unit, parent=data.pop("parent"))
            unit = unit_update(actor=request.user, unit=unit, **data)
        return Response(UnitSerializer(unit_list(user=request.user).get(pk=unit.pk)).data)

    filterset_class = UnitApiFilterSet
    ordering_fields = ["path", "code", "name"]

    def get_queryset(self):
        return unit_list(user=self.request.user)


class MeView(APIView):
    """The signed-in user, their role and the units they belong to or oversee."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        units = []
        for unit, relation in unit_relations_of_user(user=request.user):
            units.append(
                {
                    "id": unit.pk,
                    "campaign_id": unit.campaign_id,
                    "code": unit.code,
                    "name": unit.name,
                    "type": unit.type,
                    "relation": relation,
                }
            )
        return Response(MeSerializer(request.user, context={"units": units}).data)


class IndicatorViewSet(viewsets.ReadOnlyModelViewSet):
    """The current assessment system of each campaign the user takes part in, item → content → criterion. Filter
    by `campaign`, `code` (prefix), `level`, `kind`, `method`, `point_type` or `leaf=true` for criteria only.
    Changes come through the Excel import (preview, then apply), which keeps the tree whole."""

    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilterSet
    search_fields = ["code", "name"]
    ordering_fields = ["position", "code", "score"]

    def get_queryset(self):
        return indicator_list(user=self.request.user).distinct()


class PointTypeViewSet(viewsets.ReadOnlyModelViewSet):
    """The kinds of site the assessors visit, with how many of each they sample."""

    serializer_class = PointTypeSerializer
    filterset_class = PointTypeFilterSet
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return PointType.objects.visible_to(self.request.user).order_by("campaign_id", "code")


class GridViewSet(viewsets.ReadOnlyModelViewSet):
    """Grids (网格) kept by the units in the user's scope (every grid for the office)."""

    serializer_class = GridSerializer
    filterset_fields = ["campaign", "unit"]
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return Grid.objects.visible_to(self.request.user).order_by("campaign_id", "code")


class PointViewSet(viewsets.ReadOnlyModelViewSet):
    """Points with their responsibility manual row (责任手册): leader, unit, post and what is missing."""

    serializer_class = PointSerializer
    filterset_fields = ["campaign", "grid", "point_type", "is_active"]
    search_fields = ["code", "name", "address"]
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return (
            Point.objects.visible_to(self.request.user)
            .select_related("grid", "point_type", "responsibility")
            .order_by("campaign_id", "code")
            .distinct()
        )


def coverage_items(queryset, kind) -> list[dict]:
    rows = []
    for obj in queryset[:500]:
        if kind == "tasks_unacknowledged_past_deadline":
            rows.append({"id": obj.pk, "code": obj.indicator.code, "name": obj.indicator.name})
        else:
            rows.append({"id": obj.pk, "code": obj.code, "name": obj.name})
    return rows


class SamplingViewSet(viewsets.ReadOnlyModelViewSet):
    """Random draws of points (for the office and inspectors), each with its seed and the points drawn."""

    serializer_class = SamplingSerializer
    filterset_fields = ["campaign"]

    def get_queryset(self):
        if not getattr(self.request.user, "sees_citywide", False):
            return Sampling.objects.none()
        return (
            Sampling.objects.visible_to(self.request.user)
            .prefetch_related(Prefetch("sampled_points", queryset=SampledPoint.objects.select_related("point")))
            .order_by("-drawn_at")
        )


class TaskAssignmentViewSet(viewsets.ReadOnlyModelViewSet):
    """The task division: each criterion's lead (a unit or a named set), cooperating units, responsible leader,
    deadline, standard and which units acknowledged it. Units see the tasks they lead or cooperate on."""

    serializer_class = TaskAssignmentSerializer
    filterset_fields = ["lead_unit", "lead_group", "deadline"]
    search_fields = ["indicator__code", "indicator__name"]
    ordering_fields = ["deadline", "indicator__position"]

    def get_queryset(self):
        return (
            TaskAssignment.objects.visible_to(self.request.user)
            .select_related("indicator", "lead_unit", "lead_group")
            .prefetch_related("cooperating_units", "cooperating_groups", "acknowledgements")
            .order_by("indicator__system__campaign_id", "indicator__position")
        )


class UnitGroupViewSet(viewsets.ReadOnlyModelViewSet):
    """Groups of units: peer groups, named sets, command groups (专项整治指挥部) and bundles (捆绑式考评)."""

    serializer_class = UnitGroupSerializer
    filterset_fields = ["campaign", "kind"]
    search_fields = ["name"]

    def get_queryset(self):
        return UnitGroup.objects.visible_to(self.request.user).prefetch_related("members").order_by("kind", "name")


class CommandGroupViewSet(UnitGroupViewSet):
    """The special command groups (专项整治指挥部): commander, deputies and member units."""

    filterset_fields = ["campaign"]

    def get_queryset(self):
        return super().get_queryset().filter(kind=UnitGroupKind.COMMAND)


class PairingViewSet(viewsets.ReadOnlyModelViewSet):
    """结对共建: units paired to help each other; a unit sees the pairings it is part of."""

    serializer_class = PairingSerializer
    filterset_fields = ["unit", "partner"]

    def get_queryset(self):
        return Pairing.objects.visible_to(self.request.user).order_by("pk")
