"""The signed-in person's own notifications: list and read them, mark them read. Nobody sees another's."""

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.permissions import ScopedAccess
from core.api.serializers import NotificationSerializer, NotificationsReadResultSerializer, NotificationsReadSerializer
from core.choices import Role
from core.filters import NotificationApiFilterSet
from core.notifications import notifications_mark_read
from core.selectors import notification_list


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """Your notifications (站内通知), newest first; filter by `read` (true/false) and `kind` (a kind or its
    beginning, e.g. `problem.`). `read/` marks some (`ids`) or `all` of them read."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationApiFilterSet
    search_fields = ["title", "body"]
    ordering_fields = ["created_at", "id"]
    permission_classes = [ScopedAccess]
    # Everyone signed in marks their own notifications read.
    write_roles = list(Role.values)

    def get_queryset(self):
        return notification_list(user=self.request.user)

    @extend_schema(request=NotificationsReadSerializer, responses=NotificationsReadResultSerializer)
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def read(self, request):
        serializer = NotificationsReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ids = None if serializer.validated_data["all"] else serializer.validated_data["ids"]
        marked = notifications_mark_read(user=request.user, ids=ids)
        return Response(NotificationsReadResultSerializer({"marked": marked}).data)
