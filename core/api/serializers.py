from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "link", "created_at", "read_at", "is_read", "sent_at"]

    def get_is_read(self, notification) -> bool:
        return notification.read_at is not None


class NotificationsReadSerializer(serializers.Serializer):
    """Either `ids` (of one's own notifications; others' are ignored) or `all`."""

    ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False,
                                max_length=1000)  # fmt: skip
    all = serializers.BooleanField(required=False, default=False)

    def validate(self, data):
        if data.get("all") == ("ids" in data):
            raise serializers.ValidationError(_("Give either the ids to mark read or all, not both."))
        return data


class NotificationsReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text=_("How many notifications were unread and are now read."))
