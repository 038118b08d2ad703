import datetime

from django.db.models import F
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from campaign.models import Unit
from core.api.mixins import ServiceWriteMixin
from core.api.permissions import ScopedAccess
from core.choices import Role
from rectification.api.serializers import (
    DisputeSerializer,
    ProblemCategorySerializer,
    ProblemCreateSerializer,
    ProblemMetricsQuerySerializer,
    ProblemMetricsSerializer,
    ProblemMoveSerializer,
    ProblemSerializer,
    ProblemTransitionSerializer,
    RecheckSerializer,
    WorkCalendarSerializer,
)
from rectification.filters import (
    CalendarApiFilterSet,
    CategoryApiFilterSet,
    DisputeApiFilterSet,
    ProblemFilterSet,
    RecheckApiFilterSet,
)
from rectification.metrics import campaign_metrics, may_view_metrics, metrics_cutoff, unit_metrics
from rectification.models import Dispute, Recheck
from rectification.problems import problem_record
from rectification.selectors import category_list, problem_history, problem_list, work_calendar_list
from rectification.workflow import problem_move


class ProblemCategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """Problem categories (问题分类) of the campaigns the user takes part in: the tree by `parent`, the conditions
    to open and close a case, the deadline in working hours or working days and the urgent one. Filter by
    `campaign`, `parent`, `code` (prefix: `BJ01` gives the class and everything below it), `level`, `is_active`.
    Changes come through the Excel import."""

    serializer_class = ProblemCategorySerializer
    filterset_class = CategoryApiFilterSet
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name", "level"]

    def get_queryset(self):
        return category_list(user=self.request.user)


class WorkCalendarViewSet(viewsets.ReadOnlyModelViewSet):
    """The working-time calendar of each campaign the user takes part in: working periods of the day, working
    weekdays (1 is Monday), and every public holiday (`holiday`) and make-up working day (`workday`). Deadlines are
    counted in this working time. Filter by `campaign`."""

    serializer_class = WorkCalendarSerializer
    filterset_class = CalendarApiFilterSet

    def get_queryset(self):
        return work_calendar_list(user=self.request.user)


@extend_schema_view(create=extend_schema(request=ProblemCreateSerializer, responses={201: ProblemSerializer}))
class ProblemViewSet(ServiceWriteMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The problem ledger (问题台账) within the user's scope. Filter by `campaign`, `status` (repeatable), `open`,
    `source`, `severity`, `category` (with subcategories), `unit` (with units below), `overdue`, `point` or `q`
    (description, address or number). The office and inspectors record problems; the routing proposes the
    responsible unit from the manual. Moves go through `transitions`."""

    serializer_class = ProblemSerializer
    write_serializer_class = ProblemCreateSerializer
    filterset_class = ProblemFilterSet
    ordering_fields = ["deadline", "created_at", "id"]
    http_method_names = ["get", "post", "head", "options"]
    write_roles = [Role.STAFF, Role.ADMIN, Role.INSPECTOR, Role.UNIT_HEAD, Role.LIAISON]

    def get_queryset(self):
        return problem_list(user=self.request.user)

    def perform_service_create(self, data):
        return problem_record(actor=self.request.user, **data)

    @extend_schema(request=ProblemMoveSerializer, responses={200: ProblemTransitionSerializer(many=True),
                                                             201: ProblemSerializer})  # fmt: skip
    @action(detail=True, methods=["get", "post"], filterset_class=None, pagination_class=None)
    def transitions(self, request, pk=None):
        """GET: the problem's history, oldest first. POST: make a move (`action`, `note`, and `unit`, `deadline`
        or `until` where the move needs them); refused with 400 when it is not possible now, 403 when the user may
        not make it."""
        problem = self.get_object()
        if request.method == "GET":
            return Response(ProblemTransitionSerializer(problem_history(problem=problem), many=True).data)
        serializer = ProblemMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        problem = problem_move(actor=request.user, problem=problem, **serializer.validated_data)
        return Response(self._read(problem), status=201)


class MayViewMetrics(BasePermission):
    def has_permission(self, request, view):
        return may_view_metrics(request.user)


class ProblemMetricsView(APIView):
    """处置考核指标: per unit (`group_by=unit`) or per area (`group_by=area`: a unit with everything below it), the
    cases dispatched in the period [`start`, `end`) (dates on the city's clock; `end` is the day after the period)
    and how they stood at its end, or now for a period still running: 应处置数, 处置数, 按期处置数, 结案数, 按期结案数,
    返工数, 延期数, 超期待处置数, 反弹数, their rates and the mean time to close, with the total over the rows' scope.
    The definitions are in `rectification.metrics`. For the command office and leaders; a leader gets the units
    they oversee and totals over them. `unit_type` lists only units of one type (e.g. `street` with
    `group_by=area` for one row per street). Bad or missing parameters are refused with reasons (400)."""

    permission_classes = [ScopedAccess, MayViewMetrics]

    @extend_schema(parameters=[ProblemMetricsQuerySerializer], responses=ProblemMetricsSerializer)
    def get(self, request):
        query = ProblemMetricsQuerySerializer(data=request.query_params, user=request.user)
        query.is_valid(raise_exception=True)
        campaign, group_by = query.validated_data["campaign"], query.validated_data["group_by"]
        start, end = (
            timezone.make_aware(datetime.datetime.combine(query.validated_data[name], datetime.time.min))
            for name in ("start", "end")
        )
        scope = Unit.objects.visible_to(request.user).filter(campaign=campaign)
        units = scope
        if "unit_type" in query.validated_data:
            units = units.filter(type=query.validated_data["unit_type"])
        now = timezone.now()
        period = {"campaign": campaign, "start": start, "end": end, "now": now}
        total = campaign_metrics(**period, units=None if request.user.sees_citywide else list(scope))
        rows = unit_metrics(**period, units=units, group_by=group_by)
        body = {
            "campaign": campaign.pk,
            "start": query.validated_data["start"],
            "end": query.validated_data["end"],
            "as_of": metrics_cutoff(end=end, now=now),
            "group_by": group_by,
            "total": total,
            "results": rows,
        }
        return Response(ProblemMetricsSerializer(body).data)


class DisputeViewSet(viewsets.ReadOnlyModelViewSet):
    """Responsibility disputes (职责不清) with the step of the campaign's arbitration ladder each stands at. Filter
    by `problem__campaign`, `unit` or `decided=true|false`. Decisions are moves of the problem (`decide_dispute`)."""

    serializer_class = DisputeSerializer
    filterset_class = DisputeApiFilterSet

    def get_queryset(self):
        return (
            Dispute.objects.visible_to(self.request.user)
            .select_related("problem")
            .order_by(F("decided_at").asc(nulls_first=True), "raised_at", "id")
        )

    def get_serializer_context(self):
        from rectification.workflow import dispute_ladder

        context = super().get_serializer_context()
        campaigns = set(self.get_queryset().values_list("problem__campaign_id", flat=True).distinct()[:50])
        context["ladders"] = {pk: dispute_ladder(campaign_id=pk) for pk in campaigns}
        return context


class RecheckViewSet(viewsets.ReadOnlyModelViewSet):
    """Re-checks (回头看) of closed problems, due first, with what was found. Filter by `problem__campaign`,
    `reason`, `result` or `done=true|false`."""

    serializer_class = RecheckSerializer
    filterset_class = RecheckApiFilterSet

    def get_queryset(self):
        return (
            Recheck.objects.visible_to(self.request.user)
            .select_related("problem", "new_problem")
            .order_by(F("checked_at").asc(nulls_first=True), "due_date", "id")
        )
