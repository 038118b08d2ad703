"""The report to the leaders and the bulletins in the API: read them (every version), and the office publishes,
corrects and compiles; a named unit acknowledges. The figures are the document's `data`, as compiled."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from campaign.models import Campaign
from core.api.permissions import ScopedAccess
from core.choices import Role
from scoring.choices import Period
from scoring.documents import (
    document_compile,
    document_correct,
    document_edit,
    document_list,
    document_publish,
    mention_acknowledge,
)
from scoring.filters import BulletinFilterSet, LeaderReportFilterSet
from scoring.models import Bulletin, BulletinMention, LeaderReport


class BulletinMentionSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = BulletinMention
        fields = ["id", "unit", "unit_name", "reason", "detail", "acknowledged_at", "acknowledged_by"]


DOCUMENT_FIELDS = [
    "id", "campaign", "period", "period_start", "period_end", "version", "status", "cutoff_at", "compiled_at",
    "lead", "correction_note", "published_at", "published_by", "data",
]  # fmt: skip


class LeaderReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = LeaderReport
        fields = DOCUMENT_FIELDS


class BulletinSerializer(serializers.ModelSerializer):
    mentions = BulletinMentionSerializer(many=True, read_only=True)

    class Meta:
        model = Bulletin
        fields = [*DOCUMENT_FIELDS, "mentions"]


class CompileSerializer(serializers.Serializer):
    campaign = serializers.PrimaryKeyRelatedField(queryset=Campaign.objects.none())
    date = serializers.DateField(help_text=_("The day, or the last day of the week."))
    period = serializers.ChoiceField(choices=Period.choices, default=Period.DAILY)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["campaign"].queryset = Campaign.objects.visible_to(user)


class EditSerializer(serializers.Serializer):
    lead = serializers.CharField(allow_blank=True)
    correction_note = serializers.CharField(allow_blank=True, required=False)


class DocumentViewSet(viewsets.ReadOnlyModelViewSet):
    """Every version is its own document; filter by `period`, `status`, `date_after`, `date_before`. Others than
    the office see published versions only. POST `compile` (the office) compiles the draft now; a draft is edited
    (`edit`: the lead and, for a correction, what it corrects) and published (`publish`); a published version is
    corrected by a new draft (`correct`). Refusals are 400 with the reason; other roles get 403."""

    model = None
    permission_classes = [ScopedAccess]
    ordering_fields = ["period_end", "version", "id"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return document_list(user=self.request.user, model=self.model)

    def _office(self):
        if not self.request.user.is_office:
            raise PermissionDenied(_("Only the command office does this."))

    @extend_schema(request=CompileSerializer)
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def compile(self, request):
        self._office()
        serializer = CompileSerializer(data=request.data, user=request.user)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        document = document_compile(model=self.model, campaign=data["campaign"], period=data["period"],
                                    end_date=data["date"], actor=request.user)  # fmt: skip
        if document is None:
            raise serializers.ValidationError(
                {"date": [_("That period is published; start a corrected version from the published one.")]}
            )
        return Response(self.get_serializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EditSerializer)
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def edit(self, request, pk=None):
        self._office()
        document = self.get_object()
        serializer = EditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        document = document_edit(actor=request.user, document=document, **serializer.validated_data)
        return Response(self.get_serializer(document).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def publish(self, request, pk=None):
        self._office()
        document = document_publish(actor=request.user, document=self.get_object())
        return Response(self.get_serializer(document).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def correct(self, request, pk=None):
        self._office()
        draft = document_correct(actor=request.user, document=self.get_object())
        return Response(self.get_serializer(draft).data, status=status.HTTP_201_CREATED)


class LeaderReportViewSet(DocumentViewSet):
    """Reports to the leaders (日报告, 周报告), for the office, leaders and inspectors."""

    model = LeaderReport
    queryset = LeaderReport.objects.none()  # the schema's model; requests read `get_queryset`
    serializer_class = LeaderReportSerializer
    filterset_class = LeaderReportFilterSet


class BulletinViewSet(DocumentViewSet):
    """Bulletins (日通报, 周通报) with the units they name. A named unit's head or liaison acknowledges with
    `mentions/{mention id}/acknowledge`."""

    model = Bulletin
    queryset = Bulletin.objects.none()  # the schema's model; requests read `get_queryset`
    serializer_class = BulletinSerializer
    filterset_class = BulletinFilterSet
    write_roles = [Role.STAFF, Role.ADMIN, Role.UNIT_HEAD, Role.LIAISON]

    def get_queryset(self):
        return super().get_queryset().prefetch_related("mentions__unit")

    @extend_schema(request=None, responses=BulletinMentionSerializer)
    @action(detail=True, methods=["post"], url_path=r"mentions/(?P<mention_id>\d+)/acknowledge",
            filterset_class=None, pagination_class=None)  # fmt: skip
    def acknowledge(self, request, pk=None, mention_id=None):
        bulletin = self.get_object()
        mention = bulletin.mentions.filter(pk=mention_id).first()
        if mention is None:
            raise NotFound()
        mention = mention_acknowledge(actor=request.user, mention=mention)
        return Response(BulletinMentionSerializer(mention).data)
