"""Rankings, scores, scoring rules, materials and accountability in the API. Rankings: published ones for everyone
in the campaign, drafts for the office, who computes (`compute`) and publishes (`publish`) them. Scores: every unit's
score for a period computed now, with its components. Rules: the versions, and the office saves a new one.
Materials: a unit's people hand in files (multipart), the office reviews them. Accountability: the office records
and withdraws. Refusals are 400 with the reason; writes by other roles are 403; objects outside the scope are 404."""

import datetime
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from campaign.models import Campaign, Indicator, Unit
from core.api.permissions import ScopedAccess
from core.choices import Role
from rectification.models import Problem
from scoring.accountability import accountability_list, accountability_record, accountability_withdraw
from scoring.choices import AccountabilityKind, MaterialStatus, RankingPeriod
from scoring.filters import RankingApiFilterSet
from scoring.materials import REVIEW_VERDICTS, material_list, material_review, material_upload
from scoring.models import AccountabilityRecord, MaterialSubmission, Ranking, RankingEntry, ScoreRuleSet
from scoring.rankings import period_bounds, ranking_compute, ranking_list, ranking_publish
from scoring.rules import rule_set_create, rule_set_current
from scoring.scores import unit_scores_for_period


def _campaign(request, value) -> Campaign:
    campaign = Campaign.objects.visible_to(request.user).filter(pk=value).first() if str(value).isdigit() else None
    if campaign is None:
        raise serializers.ValidationError({"campaign": [_("Choose a campaign you take part in.")]})
    return campaign


# --- rankings -----------------------------------------------------------------------------------------------------


class EntrySerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    rank_change = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = RankingEntry
        fields = ["id", "unit", "group", "name", "bundle", "score", "rank", "previous_rank", "rank_change",
                  "list_kind", "evening_meeting", "black_list_count", "escalation", "components"]  # fmt: skip

    def get_name(self, entry) -> str:
        return entry.unit.name if entry.unit_id else entry.group.name


class RankingSerializer(serializers.ModelSerializer):
    entries = serializers.SerializerMethodField()

    class Meta:
        model = Ranking
        fields = ["id", "campaign", "period", "period_start", "period_end", "ranked", "peer_group", "rule_set",
                  "status", "computed_at", "cutoff_at", "red_list_size", "black_list_size", "meeting_below",
                  "published_at", "entries"]  # fmt: skip

    @extend_schema(responses=EntrySerializer(many=True))
    def get_entries(self, ranking) -> list:
        entries = sorted(ranking.entries.all(), key=lambda e: (e.rank is None, e.rank or 0, e.pk))
        return EntrySerializer(entries, many=True).data


class ComputeSerializer(serializers.Serializer):
    campaign = serializers.IntegerField()
    period = serializers.ChoiceField(choices=RankingPeriod.choices, default=RankingPeriod.WEEKLY)
    date = serializers.DateField(help_text=_("The last day of the period."))


class RankingViewSet(viewsets.ReadOnlyModelViewSet):
    """Rankings with their entries (score, components, rank, rank change, red or black list, evening meeting,
    escalation). Filter by `campaign`, `period`, `ranked`, `status`, `date_after`, `date_before`."""

    queryset = Ranking.objects.none()  # the schema's model; requests read `get_queryset`
    serializer_class = RankingSerializer
    permission_classes = [ScopedAccess]
    filterset_class = RankingApiFilterSet
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return ranking_list(user=self.request.user).prefetch_related("entries__unit", "entries__group")

    @extend_schema(request=ComputeSerializer, responses=RankingSerializer(many=True))
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def compute(self, request):
        serializer = ComputeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        rankings = ranking_compute(actor=request.user, campaign=_campaign(request, data["campaign"]),
                                   period=data["period"], period_end=data["date"])  # fmt: skip
        fresh = self.get_queryset().filter(pk__in=[r.pk for r in rankings])
        return Response(RankingSerializer(fresh, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def publish(self, request, pk=None):
        ranking = ranking_publish(actor=request.user, ranking=self.get_object())
        return Response(RankingSerializer(self.get_queryset().get(pk=ranking.pk)).data)


# --- scores -------------------------------------------------------------------------------------------------------


class ScoresViewSet(viewsets.GenericViewSet):
    """Every unit's score for a period (`campaign`, `period` weekly or monthly, `date` its last day), computed now
    with the rules in force, with the components behind it; units outside the user's scope are left out."""

    queryset = Unit.objects.none()
    permission_classes = [ScopedAccess]
    filterset_class = None
    pagination_class = None

    @extend_schema(parameters=[OpenApiParameter("campaign", int, required=True),
                               OpenApiParameter("period", str, enum=RankingPeriod.values),
                               OpenApiParameter("date", datetime.date, required=True)],
                   responses={200: {"type": "object"}})  # fmt: skip
    def list(self, request):
        campaign = _campaign(request, request.query_params.get("campaign", ""))
        period = request.query_params.get("period") or RankingPeriod.WEEKLY
        field = serializers.DateField()
        try:
            day = field.to_internal_value(request.query_params.get("date", ""))
        except serializers.ValidationError:
            raise serializers.ValidationError({"date": [_("Give the period's last day as YYYY-MM-DD.")]}) from None
        if period not in RankingPeriod.values:
            raise serializers.ValidationError({"period": [_("Choose weekly or monthly.")]})
        start, end = period_bounds(period=period, period_end=day)
        rule_set = rule_set_current(campaign=campaign)
        units = Unit.objects.visible_to(request.user).filter(campaign=campaign)
        scores = unit_scores_for_period(campaign=campaign, start=start, end=end, rule_set=rule_set)
        visible = dict(units.filter(pk__in=list(scores)).values_list("pk", "name"))
        rows = [{"unit": pk, "name": visible[pk], "score": score.score, "bundle": score.bundle_id,
                 "components": score.components} for pk, score in scores.items() if pk in visible]  # fmt: skip
        rows.sort(key=lambda row: (row["score"] is None, -(row["score"] or 0), row["name"]))
        body = {"campaign": campaign.pk, "period": period, "start": start, "end": end,
                "rule_set": {"id": rule_set.pk, "version": rule_set.version, "name": rule_set.name},
                "results": rows}  # fmt: skip
        return Response(serializers.JSONField().to_representation(_plain(body)))


def _plain(value):
    """Decimals and dates as strings, for a JSON answer built by hand."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal | datetime.date):
        return str(value)
    return value


# --- rules --------------------------------------------------------------------------------------------------------


class RuleSetSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScoreRuleSet
        fields = ["id", "campaign", "version", "name", "rules", "note", "created_by", "created_at"]
        read_only_fields = ["version", "created_by", "created_at"]


class RuleSetViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The scoring rules' versions, newest first (filter by `campaign`). POST (the office) saves changed rules as
    the next version; they are checked first (weights add up to 100, known components, no negatives)."""

    queryset = ScoreRuleSet.objects.none()  # the schema's model; requests read `get_queryset`
    serializer_class = RuleSetSerializer
    permission_classes = [ScopedAccess]
    filterset_class = None
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        rule_sets = ScoreRuleSet.objects.visible_to(self.request.user).order_by("campaign", "-version")
        campaign = self.request.query_params.get("campaign")
        return rule_sets.filter(campaign_id=campaign) if campaign and campaign.isdigit() else rule_sets

    def create(self, request, *args, **kwargs):
        serializer = RuleSetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if not request.user.is_office:
            raise PermissionDenied(_("Only the command office changes the scoring rules."))
        campaign = _campaign(request, data["campaign"].pk)
        rule_set = rule_set_create(actor=request.user, campaign=campaign, rules=data["rules"], name=data["name"],
                                   note=data.get("note", ""))  # fmt: skip
        return Response(RuleSetSerializer(rule_set).data, status=status.HTTP_201_CREATED)


# --- materials ----------------------------------------------------------------------------------------------------


class MaterialSerializer(serializers.ModelSerializer):
    criterion_code = serializers.CharField(source="criterion.code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = MaterialSubmission
        fields = ["id", "campaign", "criterion", "criterion_code", "unit", "unit_name", "title", "filename", "size",
                  "sha256", "note", "due_on", "status", "uploaded_at", "reviewed_at", "review_note"]  # fmt: skip


class MaterialWriteSerializer(serializers.Serializer):
    campaign = serializers.IntegerField()
    criterion = serializers.PrimaryKeyRelatedField(queryset=Indicator.objects.all())
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    title = serializers.CharField(max_length=200)
    file = serializers.FileField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class MaterialReviewSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[(v, label) for v, label in MaterialStatus.choices if v in REVIEW_VERDICTS]
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class MaterialViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Materials for material review within the user's scope. POST (multipart: `campaign`, `criterion`, `unit`,
    `title`, `file`) hands one in for the unit (its head or liaisons, or the office); the file is checked by its
    content. `review` (the office): complete, incomplete or returned, with what is missing."""

    queryset = MaterialSubmission.objects.none()  # the schema's model; requests read `get_queryset`
    serializer_class = MaterialSerializer
    permission_classes = [ScopedAccess]
    filterset_class = None
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    write_roles = [Role.STAFF, Role.ADMIN, Role.UNIT_HEAD, Role.LIAISON]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return material_list(user=self.request.user)

    def get_serializer_class(self):
        return MaterialWriteSerializer if self.action == "create" else MaterialSerializer

    def create(self, request, *args, **kwargs):
        serializer = MaterialWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        material = material_upload(actor=request.user, campaign=_campaign(request, data["campaign"]),
                                   criterion=data["criterion"], unit=data["unit"], file=data["file"],
                                   title=data["title"], note=data["note"])  # fmt: skip
        return Response(MaterialSerializer(material).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MaterialReviewSerializer)
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def review(self, request, pk=None):
        material = self.get_object()
        if not request.user.is_office:
            raise PermissionDenied(_("Only the command office reviews materials."))
        serializer = MaterialReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        material = material_review(actor=request.user, material=material, **serializer.validated_data)
        return Response(MaterialSerializer(material).data)


# --- accountability -----------------------------------------------------------------------------------------------


class AccountabilitySerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = AccountabilityRecord
        fields = ["id", "campaign", "unit", "unit_name", "person_name", "person_position", "kind", "amount",
                  "reason", "decided_on", "decided_by", "problems", "inspection_items", "ranking_entries",
                  "recorded_at", "withdrawn_at", "withdraw_reason"]  # fmt: skip


class AccountabilityWriteSerializer(serializers.Serializer):
    campaign = serializers.IntegerField()
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    kind = serializers.ChoiceField(choices=AccountabilityKind.choices)
    reason = serializers.CharField()
    decided_on = serializers.DateField()
    person_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    person_position = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, required=False, allow_null=True)
    decided_by = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    problems = serializers.PrimaryKeyRelatedField(queryset=Problem.objects.all(), many=True, required=False)
    ranking_entries = serializers.PrimaryKeyRelatedField(queryset=RankingEntry.objects.all(), many=True,
                                                         required=False)  # fmt: skip


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class AccountabilityViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Accountability records within the user's scope (withdrawn ones included, marked). POST (the office) records
    one; `withdraw` (the office) withdraws it with a reason."""

    queryset = AccountabilityRecord.objects.none()  # the schema's model; requests read `get_queryset`
    serializer_class = AccountabilitySerializer
    permission_classes = [ScopedAccess]
    filterset_class = None
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return accountability_list(user=self.request.user).prefetch_related(
            "problems", "inspection_items", "ranking_entries"
        )

    def get_serializer_class(self):
        return AccountabilityWriteSerializer if self.action == "create" else AccountabilitySerializer

    def create(self, request, *args, **kwargs):
        serializer = AccountabilityWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        campaign = _campaign(request, data.pop("campaign"))
        record = accountability_record(actor=request.user, campaign=campaign, **data)
        return Response(AccountabilitySerializer(self.get_queryset().get(pk=record.pk)).data,
                        status=status.HTTP_201_CREATED)  # fmt: skip

    @extend_schema(request=WithdrawSerializer)
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def withdraw(self, request, pk=None):
        record = self.get_object()
        serializer = WithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = accountability_withdraw(actor=request.user, record=record, **serializer.validated_data)
        return Response(AccountabilitySerializer(self.get_queryset().get(pk=record.pk)).data)
