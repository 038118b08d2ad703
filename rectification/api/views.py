from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.mixins import ServiceWriteMixin
from core.choices import Role
from rectification.api.serializers import (
    ProblemCategorySerializer,
    ProblemCreateSerializer,
    ProblemMoveSerializer,
    ProblemSerializer,
    ProblemTransitionSerializer,
    WorkCalendarSerializer,
)
from rectification.filters import CalendarApiFilterSet, CategoryApiFilterSet, ProblemFilterSet
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
