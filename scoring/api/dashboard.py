"""The dashboard's panels in the API (/api/v1/dashboard/<panel>/): the figures the dashboard page, the command-hall
screen and other screens draw, each as a table (columns, rows) with what its chart needs. Query: `campaign` (an id;
by default the reader's current one), `start` and `end` (dates; by default the last 30 days). Every panel is cut to
the reader's scope (`scoring.dashboard`); a bad query is answered 400 with the reasons."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from campaign.models import Campaign
from campaign.selectors import campaign_default_for
from core.errors import DomainError
from scoring.dashboard import PANELS, dashboard_panel, period_check


class PanelQuerySerializer(serializers.Serializer):
    campaign = serializers.IntegerField(required=False, min_value=1)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)

    def validate(self, data):
        user = self.context["request"].user
        if "campaign" in data:
            campaign = Campaign.objects.visible_to(user).filter(pk=data["campaign"]).first()
            if campaign is None:
                raise serializers.ValidationError({"campaign": [_("Choose a campaign you take part in.")]})
        else:
            campaign = campaign_default_for(user=user)
            if campaign is None:
                raise serializers.ValidationError({"campaign": [_("You take part in no campaign.")]})
        try:
            period = period_check(data.get("start"), data.get("end"))
        except DomainError as error:
            raise serializers.ValidationError({"start": [error.message]}) from error
        return {"campaign": campaign, "period": period}


class ColumnSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    numeric = serializers.BooleanField()


class PanelSerializer(serializers.Serializer):
    panel = serializers.CharField()
    title = serializers.CharField()
    columns = ColumnSerializer(many=True)
    rows = serializers.ListField(child=serializers.DictField(), help_text=_("One object per row, keyed by column; "
                                 "`url` and `urls` lead to the records behind a row or a cell."))  # fmt: skip
    chart = serializers.DictField()
    summary = serializers.DictField()
    empty = serializers.CharField(help_text=_("What to say when there are no rows."))


class DashboardPanelView(APIView):
    """One panel of the dashboard."""

    permission_classes = [IsAuthenticated]
    panel = ""

    @extend_schema(
        parameters=[
            OpenApiParameter("campaign", int, description=_("Campaign id; by default your current campaign.")),
            OpenApiParameter(
                "start", str, description=_("First day (YYYY-MM-DD); by default 29 days before the last.")),
            OpenApiParameter("end", str, description=_("Last day (YYYY-MM-DD); by default today.")),
        ],
        responses=PanelSerializer,
    )  # fmt: skip
    def get(self, request):
        query = PanelQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        data = dashboard_panel(name=self.panel, user=request.user, campaign=query.validated_data["campaign"],
                               period=query.validated_data["period"])  # fmt: skip
        return Response(data)


def panel_views():
    """One view class per panel, so each is its own documented endpoint."""
    views = {}
    for name, panel in PANELS.items():
        doc = f"{panel.selector.__name__.replace('_', ' ').capitalize()}: {DashboardPanelView.__doc__}"
        views[panel.slug] = type(
            f"Dashboard{name.title().replace('_', '')}View",
            (DashboardPanelView,),
            {"panel": name, "__doc__": doc},
        )
    return views
