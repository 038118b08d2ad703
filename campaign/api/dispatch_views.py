"""The daily dispatch (日调度) in the API, as flat resources:

- `/api/v1/dispatch-orders/`: the orders the user may see; the office issues (POST) and cancels
  (`POST {id}/cancel/` with `reason`);
- `/api/v1/dispatch-targets/`: each named unit's part of an order (a unit's "my orders"); its head or liaison
  acknowledges (`POST {id}/acknowledge/`) and reports done (`POST {id}/complete/`, `note` and optional `photos`,
  multipart).

A unit's answer is a resource of its own rather than a path under the order (`orders/{id}/targets/{id}/`): it has
its own scope (a unit sees its own part of an order naming several), its own list, and one id to act on.
Refusals: 400 with the reason when the move is not possible (a cancelled order, no note), 403 when the person may
not make it, 404 outside the user's scope.
"""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from campaign.api.dispatch_serializers import (
    DispatchCancelSerializer,
    DispatchCompleteSerializer,
    DispatchOrderIssueSerializer,
    DispatchOrderSerializer,
    DispatchTargetSerializer,
)
from campaign.dispatch import (
    answer_refusal,
    dispatch_acknowledge,
    dispatch_complete,
    dispatch_order_cancel,
    dispatch_order_issue,
    dispatch_order_list,
    dispatch_target_list,
)
from campaign.dispatch_forms import DispatchOrderApiFilterSet, DispatchTargetFilterSet
from campaign.models import DispatchEvidence
from core.api.mixins import ServiceWriteMixin
from core.choices import Role


@extend_schema_view(
    create=extend_schema(request=DispatchOrderIssueSerializer, responses={201: DispatchOrderSerializer})
)
class DispatchOrderViewSet(ServiceWriteMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Dispatch orders (日调度) within the user's scope, newest date first, with the named units the user may see
    and their status (`issued`, `acknowledged`, `done`, `overdue`, `cancelled`). Filter by `campaign`, `date`,
    `date_after`/`date_before`, `unit` (with units below), `status`, `overdue`, `priority`, `source`, `mine` (units
    the user is head or liaison of) or `q`; the unit filters apply together to one named unit. The command office
    issues orders (the heads and liaisons of the units are notified) and cancels them with a reason."""

    serializer_class = DispatchOrderSerializer
    write_serializer_class = DispatchOrderIssueSerializer
    filterset_class = DispatchOrderApiFilterSet
    ordering_fields = ["date", "deadline", "id"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return dispatch_order_list(user=self.request.user)

    def perform_service_create(self, data):
        campaign, units = data.pop("campaign"), data.pop("units")
        return dispatch_order_issue(actor=self.request.user, campaign=campaign, units=units, **data)

    @extend_schema(request=DispatchCancelSerializer, responses=DispatchOrderSerializer)
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def cancel(self, request, pk=None):
        """Withdraw the order, saying why (`reason`); the units are told. Cancelling again changes nothing; an
        order every unit has reported done cannot be cancelled (400)."""
        order = self.get_object()
        serializer = DispatchCancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = dispatch_order_cancel(actor=request.user, order=order, reason=serializer.validated_data["reason"])
        return Response(self._read(order))


class DispatchTargetViewSet(viewsets.ReadOnlyModelViewSet):
    """Each named unit's part of a dispatch order, within the user's scope, with the order's essentials, its
    status, who answered and the photos of the work. Filters as for orders. The unit's own head or liaison
    acknowledges and reports done; doing either twice changes nothing, and reporting done acknowledges too."""

    serializer_class = DispatchTargetSerializer
    filterset_class = DispatchTargetFilterSet
    ordering_fields = ["order__date", "order__deadline", "id"]
    write_roles = [Role.UNIT_HEAD, Role.LIAISON]

    def get_queryset(self):
        return dispatch_target_list(user=self.request.user).prefetch_related(
            Prefetch("evidence", queryset=DispatchEvidence.objects.order_by("uploaded_at", "pk"))
        )

    def _read(self, target):
        target = self.get_queryset().get(pk=target.pk)
        return self.get_serializer(target).data

    @extend_schema(request=None, responses=DispatchTargetSerializer)
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def acknowledge(self, request, pk=None):
        """签收: the unit confirms it has the order."""
        target = dispatch_acknowledge(actor=request.user, target=self.get_object())
        return Response(self._read(target))

    @extend_schema(request=DispatchCompleteSerializer, responses=DispatchTargetSerializer)
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None,
            parser_classes=[MultiPartParser, FormParser, JSONParser])  # fmt: skip
    def complete(self, request, pk=None):
        """The unit reports the order done: `note` (what was done, required) and `photos` (optional, up to nine,
        multipart)."""
        target = self.get_object()
        # Who asks is checked before what they sent: a person who may not answer gets 403, not a list of fields.
        refusal = answer_refusal(request.user, target)
        if refusal is not None:
            raise refusal
        serializer = DispatchCompleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = dispatch_complete(actor=request.user, target=target, **serializer.validated_data)
        return Response(self._read(target), status=status.HTTP_200_OK)
