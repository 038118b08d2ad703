"""The daily reports in the API: read them within the user's scope, submit the unit's report (idempotent with a
`key`), unlock one (the office), and who has reported for a day."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from campaign.choices import ReportCompliance, SelfCheckResult
from campaign.daily_reports import daily_report_list, daily_report_submit, daily_report_unlock, report_compliance
from campaign.filters import DailyReportFilterSet
from campaign.forms import MAX_COUNT
from campaign.models import Campaign, CoordinationItem, DailyReport, DailyReportCheck, DailyReportFinding, Unit
from core.api.permissions import ScopedAccess
from core.choices import Role


class DailyReportFindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = DailyReportFinding
        fields = ["id", "text", "point", "problem_reference"]


class CoordinationItemSerializer(serializers.ModelSerializer):
    owner_name = serializers.CharField(source="owner.get_full_name", default="", read_only=True)

    class Meta:
        model = CoordinationItem
        fields = ["id", "text", "status", "owner", "owner_name", "resolution", "resolved_at"]


class DailyReportCheckSerializer(serializers.ModelSerializer):
    class Meta:
        model = DailyReportCheck
        fields = ["indicator", "result", "note"]


class DailyReportSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    compliance = serializers.SerializerMethodField()
    findings = DailyReportFindingSerializer(many=True, read_only=True)
    difficulties = CoordinationItemSerializer(many=True, read_only=True)
    checks = DailyReportCheckSerializer(many=True, read_only=True)
    photo_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = DailyReport
        fields = [
            "id", "campaign", "unit", "unit_name", "date", "status", "compliance", "deadline_at", "first_submitted_at",
            "submitted_at", "submitted_by", "is_late", "is_empty", "work_done", "people_deployed",
            "problems_rectified", "volunteers", "volunteer_activity", "findings", "difficulties", "checks",
            "photo_count", "unlocked_at", "unlock_reason",
        ]  # fmt: skip

    def get_compliance(self, report) -> str:
        return report.compliance()


class SelfCheckInputSerializer(serializers.Serializer):
    indicator = serializers.IntegerField()
    result = serializers.ChoiceField(choices=SelfCheckResult.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class DailyReportSubmitSerializer(serializers.Serializer):
    """A submission: the unit and day, what was done, lines of self-found problems and of difficulties, and
    the self-check. `key` (any UUID the client makes once per submission) turns a retry into a no-op."""

    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.none())
    date = serializers.DateField(required=False, help_text=_("The day reported on; today by default."))
    key = serializers.UUIDField(required=False)
    work_done = serializers.CharField(required=False, allow_blank=True, default="")
    people_deployed = serializers.IntegerField(required=False, min_value=0, max_value=MAX_COUNT, default=0)
    problems_rectified = serializers.IntegerField(required=False, min_value=0, max_value=MAX_COUNT, default=0)
    volunteers = serializers.IntegerField(required=False, min_value=0, max_value=MAX_COUNT, default=0)
    volunteer_activity = serializers.CharField(required=False, allow_blank=True, default="")
    findings = serializers.ListField(child=serializers.CharField(max_length=500), required=False, max_length=30,
                                     default=list, help_text=_("Self-found problems, one per item."))  # fmt: skip
    difficulties = serializers.ListField(child=serializers.CharField(max_length=500), required=False, max_length=30,
                                         default=list, help_text=_("Difficulties needing coordination."))  # fmt: skip
    checks = SelfCheckInputSerializer(many=True, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["unit"].queryset = Unit.objects.visible_to(request.user)


class UnlockSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class ComplianceQuerySerializer(serializers.Serializer):
    campaign = serializers.PrimaryKeyRelatedField(queryset=Campaign.objects.none())
    date = serializers.DateField(required=False, help_text=_("Today by default."))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["campaign"].queryset = Campaign.objects.visible_to(user)


class ComplianceSerializer(serializers.ModelSerializer):
    compliance = serializers.ChoiceField(choices=ReportCompliance.choices)
    report = serializers.IntegerField(source="report_id", allow_null=True)
    submitted_at = serializers.DateTimeField(source="report_submitted_at", allow_null=True)
    is_empty = serializers.BooleanField(source="report_is_empty")

    class Meta:
        model = Unit
        fields = ["id", "code", "name", "type", "compliance", "report", "submitted_at", "is_empty"]


class DailyReportViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Units' daily reports (日报告) within the user's scope; filter by `date`, `date_after`, `date_before`, `unit`
    (with units below), `status`, `is_late`, `is_empty`. POST submits the report of a unit the user heads or is
    liaison of (again while it is editable; 400 with the reason once it is locked); `key` makes a retry
    harmless. `compliance` lists who has reported for a day."""

    serializer_class = DailyReportSerializer
    filterset_class = DailyReportFilterSet
    ordering_fields = ["date", "submitted_at", "id"]
    http_method_names = ["get", "post", "head", "options"]
    permission_classes = [ScopedAccess]
    write_roles = [Role.UNIT_HEAD, Role.LIAISON, Role.STAFF, Role.ADMIN]

    def get_queryset(self):
        return (
            daily_report_list(user=self.request.user, campaign=None)
            .prefetch_related("findings", "difficulties__owner", "checks")
        )  # fmt: skip

    @extend_schema(request=DailyReportSubmitSerializer, responses={201: DailyReportSerializer})
    def create(self, request, *args, **kwargs):
        serializer = DailyReportSubmitSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        unit = data.pop("unit")
        checks = {row["indicator"]: (row["result"], row["note"]) for row in data.pop("checks", None) or []} or None
        report = daily_report_submit(
            actor=request.user, unit=unit, date=data.pop("date", None) or timezone.localdate(),
            key=data.pop("key", None), checks=checks, draft_findings="\n".join(data.pop("findings")),
            draft_difficulties="\n".join(data.pop("difficulties")), **data,
        )  # fmt: skip
        report = self.get_queryset().get(pk=report.pk)
        return Response(self.get_serializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=UnlockSerializer, responses={200: DailyReportSerializer})
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def unlock(self, request, pk=None):
        """The office reopens a locked report, with a reason, until the unit submits again."""
        if not request.user.is_office:
            raise PermissionDenied(_("Only the command office unlocks a report."))
        report = self.get_object()
        serializer = UnlockSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        daily_report_unlock(actor=request.user, report=report, reason=serializer.validated_data["reason"])
        return Response(self.get_serializer(self.get_queryset().get(pk=report.pk)).data)

    @extend_schema(parameters=[ComplianceQuerySerializer], responses=ComplianceSerializer(many=True))
    @action(detail=False, methods=["get"], filterset_class=None, serializer_class=ComplianceSerializer)
    def compliance(self, request):
        """Every unit owing a report in the campaign (within the user's scope) with its standing for the day:
        on_time, late, missing or due (not yet)."""
        query = ComplianceQuerySerializer(data=request.query_params, user=request.user)
        query.is_valid(raise_exception=True)
        units = report_compliance(
            campaign=query.validated_data["campaign"], date=query.validated_data.get("date") or timezone.localdate(),
            user=request.user,
        )  # fmt: skip
        page = self.paginate_queryset(units)
        return self.get_paginated_response(ComplianceSerializer(page, many=True).data)
