from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from campaign.api.serializers import (
    CampaignSerializer,
    CampaignWriteSerializer,
    CommandGroupWriteSerializer,
    CoverageSerializer,
    GridSerializer,
    GridWriteSerializer,
    IndicatorSerializer,
    IndicatorWriteSerializer,
    LeaderAssignmentSerializer,
    MeSerializer,
    PairingSerializer,
    PointSerializer,
    PointTypeSerializer,
    PointWriteSerializer,
    ResponsibilityDetailSerializer,
    ResponsibilityWriteSerializer,
    SamplingSerializer,
    SamplingWriteSerializer,
    TaskAssignmentSerializer,
    TaskAssignmentWriteSerializer,
    UnitGroupSerializer,
    UnitGroupWriteSerializer,
    UnitSerializer,
    UnitWriteSerializer,
)
from campaign.choices import UnitGroupKind
from campaign.filters import (
    CampaignFilterSet,
    IndicatorFilterSet,
    PointTypeFilterSet,
    ResponsibilityFilterSet,
    UnitApiFilterSet,
)
from campaign.models import (
    Grid,
    IndicatorSystem,
    LeaderAssignment,
    Pairing,
    Point,
    PointType,
    SampledPoint,
    Sampling,
    TaskAssignment,
    UnitGroup,
)
from campaign.selectors import (
    Coverage,
    campaign_coverage,
    campaign_list_visible,
    indicator_list,
    responsibility_list,
    unit_list,
    unit_relations_of_user,
)
from campaign.services import (
    campaign_create,
    campaign_update,
    grid_create,
    grid_update,
    indicator_create,
    indicator_update,
    leader_assign,
    leader_unassign,
    point_create,
    point_update,
    responsibility_set,
    sampling_draw,
    task_assignment_create,
    task_assignment_update,
    unit_create,
    unit_group_create,
    unit_group_update,
    unit_move,
    unit_update,
)
from core.api.mixins import ServiceWriteMixin


def service_write_schema(write, read):
    """Document a ServiceWriteMixin view: the write serializer in, the read serializer out."""
    return extend_schema_view(
        create=extend_schema(request=write, responses={201: read}),
        partial_update=extend_schema(request=write, responses=read),
    )


WRITE_METHODS = ["get", "post", "patch", "head", "options"]


@service_write_schema(CampaignWriteSerializer, CampaignSerializer)
class CampaignViewSet(ServiceWriteMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                      viewsets.ReadOnlyModelViewSet):  # fmt: skip
    """Campaigns the user takes part in (every campaign for the command office and inspectors). Staff create and
    change them; the status moves through the coverage check."""

    serializer_class = CampaignSerializer
    write_serializer_class = CampaignWriteSerializer
    http_method_names = WRITE_METHODS

    def perform_service_create(self, data):
        return campaign_create(actor=self.request.user, **data)

    def perform_service_update(self, campaign, data):
        return campaign_update(actor=self.request.user, campaign=campaign, **data)

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


@service_write_schema(UnitWriteSerializer, UnitSerializer)
class UnitViewSet(ServiceWriteMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Responsible units within the user's scope. Filter by `campaign`, `type`, `parent`, `within` (a unit and
    its subtree) or `q` (name or code). Staff create units and change them (a new `parent` moves the unit with its
    subtree); units are deactivated (`is_active`), never deleted, since records refer to them."""

    serializer_class = UnitSerializer
    write_serializer_class = UnitWriteSerializer
    http_method_names = WRITE_METHODS

    def perform_service_create(self, data):
        return unit_create(actor=self.request.user, campaign=data.pop("campaign"), parent=data.pop("parent", None),
                           **data)  # fmt: skip

    @transaction.atomic
    def perform_service_update(self, unit, data):
        data.pop("campaign", None)
        if "parent" in data:
            unit = unit_move(actor=self.request.user, unit=unit, parent=data.pop("parent"))
        return unit_update(actor=self.request.user, unit=unit, **data)

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


@service_write_schema(IndicatorWriteSerializer, IndicatorSerializer)
class IndicatorViewSet(ServiceWriteMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                       viewsets.ReadOnlyModelViewSet):  # fmt: skip
    """The current assessment system of each campaign the user takes part in, item → content → criterion. Filter
    by `campaign`, `code` (prefix), `level`, `kind`, `method`, `point_type` or `leaf=true` for criteria only.
    Staff add a node (`campaign`, optional `parent`) or change its name, score, kind, veto flag, methods and point
    types; whole versions come through the Excel import (preview, then apply)."""

    serializer_class = IndicatorSerializer
    write_serializer_class = IndicatorWriteSerializer
    http_method_names = WRITE_METHODS

    def perform_service_create(self, data):
        campaign = data.pop("campaign")
        system = IndicatorSystem.objects.filter(campaign=campaign, is_current=True).first()
        if system is None:
            raise ValidationError({"campaign": [_("The campaign has no assessment system yet; import one first.")]})
        parent = data.get("parent")
        if parent is not None and parent.system_id != system.pk:
            raise ValidationError({"parent": [_("The parent is not in the campaign's current assessment system.")]})
        return indicator_create(actor=self.request.user, system=system, **data)

    def perform_service_update(self, indicator, data):
        return indicator_update(actor=self.request.user, indicator=indicator, **data)

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


@service_write_schema(GridWriteSerializer, GridSerializer)
class GridViewSet(ServiceWriteMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Grids (网格) kept by the units in the user's scope (every grid for the office). Staff create and change
    them."""

    serializer_class = GridSerializer
    write_serializer_class = GridWriteSerializer
    http_method_names = WRITE_METHODS

    def perform_service_create(self, data):
        return grid_create(actor=self.request.user, **data)

    def perform_service_update(self, grid, data):
        if "campaign" in data and data.pop("campaign") != grid.campaign:
            raise ValidationError({"campaign": [_("A grid cannot move to another campaign.")]})
        return grid_update(actor=self.request.user, grid=grid, **data)

    filterset_fields = ["campaign", "unit"]
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return Grid.objects.visible_to(self.request.user).order_by("campaign_id", "code")


@service_write_schema(PointWriteSerializer, PointSerializer)
class PointViewSet(ServiceWriteMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Points with their responsibility manual row (责任手册): leader, unit, post and what is missing. Staff
    create points (with an empty manual row, filled through `responsibilities`), change, move or deactivate
    them; points are never deleted."""

    serializer_class = PointSerializer
    write_serializer_class = PointWriteSerializer
    http_method_names = WRITE_METHODS

    def perform_service_create(self, data):
        return point_create(actor=self.request.user, **data)

    def perform_service_update(self, point, data):
        if "campaign" in data and data.pop("campaign") != point.campaign:
            raise ValidationError({"campaign": [_("A point cannot move to another campaign.")]})
        return point_update(actor=self.request.user, point=point, **data)

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


@service_write_schema(SamplingWriteSerializer, SamplingSerializer)
class SamplingViewSet(ServiceWriteMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Random draws of points (for the office and inspectors), each with its seed and the points drawn. Staff draw
    anew (`campaign`, optional `seed` to reproduce a draw, `note`)."""

    serializer_class = SamplingSerializer
    write_serializer_class = SamplingWriteSerializer
    filterset_fields = ["campaign"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        if not getattr(self.request.user, "sees_citywide", False):
            return Sampling.objects.none()
        return (
            Sampling.objects.visible_to(self.request.user)
            .prefetch_related(Prefetch("sampled_points", queryset=SampledPoint.objects.select_related("point")))
            .order_by("-drawn_at")
        )

    def perform_service_create(self, data):
        return sampling_draw(actor=self.request.user, **data)


class TaskAssignmentViewSet(ServiceWriteMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                            viewsets.ReadOnlyModelViewSet):  # fmt: skip
    """The task division: each criterion's lead (a unit or a named set), cooperating units, responsible leader,
    deadline, standard and which units acknowledged it. Units see the tasks they lead or cooperate on; staff
    assign a criterion (one task per criterion) and change its task."""

    serializer_class = TaskAssignmentSerializer
    write_serializer_class = TaskAssignmentWriteSerializer
    http_method_names = WRITE_METHODS

    def perform_service_create(self, data):
        return task_assignment_create(actor=self.request.user, **data)

    def perform_service_update(self, task, data):
        return task_assignment_update(actor=self.request.user, task=task, **data)

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


@service_write_schema(UnitGroupWriteSerializer, UnitGroupSerializer)
class UnitGroupViewSet(ServiceWriteMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                       viewsets.ReadOnlyModelViewSet):  # fmt: skip
    """Groups of units: peer groups, named sets, command groups (专项整治指挥部) and bundles (捆绑式考评). Staff create
    and change them (`members` is the whole list)."""

    serializer_class = UnitGroupSerializer
    write_serializer_class = UnitGroupWriteSerializer
    filterset_fields = ["campaign", "kind"]
    search_fields = ["name"]
    http_method_names = WRITE_METHODS

    def get_queryset(self):
        return UnitGroup.objects.visible_to(self.request.user).prefetch_related("members").order_by("kind", "name")

    def perform_service_create(self, data):
        return unit_group_create(actor=self.request.user, **data)

    def perform_service_update(self, group, data):
        return unit_group_update(actor=self.request.user, group=group, **data)


@service_write_schema(CommandGroupWriteSerializer, UnitGroupSerializer)
class CommandGroupViewSet(UnitGroupViewSet):
    """The special command groups (专项整治指挥部): commander, deputies, the unit that runs it and member units."""

    write_serializer_class = CommandGroupWriteSerializer
    filterset_fields = ["campaign"]

    def get_queryset(self):
        return super().get_queryset().filter(kind=UnitGroupKind.COMMAND)

    def perform_service_create(self, data):
        return unit_group_create(actor=self.request.user, kind=UnitGroupKind.COMMAND, **data)


class PairingViewSet(viewsets.ReadOnlyModelViewSet):
    """结对共建: units paired to help each other; a unit sees the pairings it is part of."""

    serializer_class = PairingSerializer
    filterset_fields = ["unit", "partner"]

    def get_queryset(self):
        return Pairing.objects.visible_to(self.request.user).order_by("pk")


@extend_schema_view(partial_update=extend_schema(request=ResponsibilityWriteSerializer,
                                                 responses=ResponsibilityDetailSerializer))  # fmt: skip
class ResponsibilityViewSet(ServiceWriteMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The responsibility manual's rows (责任手册): for each point its responsible leader, unit, post and target
    criteria. Filter by `campaign`, `unit`, `point` or `gaps=true` for rows still missing leader, unit or post.
    Staff change a row (rows come with their point)."""

    serializer_class = ResponsibilityDetailSerializer
    write_serializer_class = ResponsibilityWriteSerializer
    filterset_class = ResponsibilityFilterSet
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return responsibility_list(user=self.request.user)

    def perform_service_update(self, responsibility, data):
        return responsibility_set(actor=self.request.user, point=responsibility.point, **data)


class LeaderAssignmentViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet):
    """分包: which leader answers for which unit (with its subtree) or point (a road section). Staff assign and
    remove; leaders see their own assignments, units the assignments over them."""

    serializer_class = LeaderAssignmentSerializer
    filterset_fields = ["leader", "unit", "point"]
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self):
        return (
            LeaderAssignment.objects.visible_to(self.request.user)
            .select_related("leader")
            .order_by("leader_id", "unit_id", "point_id")
        )

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = leader_assign(
            actor=self.request.user, leader=data["leader"], unit=data.get("unit"), point=data.get("point"),
            note=data.get("note", ""),
        )  # fmt: skip

    def perform_destroy(self, assignment):
        leader_unassign(actor=self.request.user, assignment=assignment)
