from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from campaign.api.serializers import CampaignSerializer, MeSerializer, UnitSerializer
from campaign.filters import CampaignFilterSet, UnitApiFilterSet
from campaign.selectors import campaign_list_visible, unit_list, unit_relations_of_user


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
