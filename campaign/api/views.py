from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from campaign.api.serializers import (
    CampaignSerializer,
    IndicatorSerializer,
    MeSerializer,
    PointTypeSerializer,
    UnitSerializer,
)
from campaign.filters import CampaignFilterSet, IndicatorFilterSet, PointTypeFilterSet, UnitApiFilterSet
from campaign.models import PointType
from campaign.selectors import campaign_list_visible, indicator_list, unit_list, unit_relations_of_user


class CampaignViewSet(viewsets.ReadOnlyModelViewSet):
    """Campaigns the user takes part in (every campaign for the command office and inspectors)."""

    serializer_class = CampaignSerializer
    filterset_class = CampaignFilterSet
    search_fields = ["name", "slug"]
    ordering_fields = ["window_start", "name", "id"]

    def get_queryset(self):
        return campaign_list_visible(user=self.request.user)


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """Responsible units within the user's scope. Filter by `campaign`, `type`, `parent`, `within` (a unit and
    its subtree) or `q` (name or code)."""

    serializer_class = UnitSerializer
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
