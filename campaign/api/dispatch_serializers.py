"""The daily dispatch in the API: orders with the named units they show, and what the office and the units send."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from campaign.choices import DispatchTargetStatus
from campaign.models import DispatchEvidence, DispatchOrder, DispatchTarget, Unit
from core.errors import DomainError
from core.images import image_clean

MAX_PHOTOS = 9


class DispatchEvidenceSerializer(serializers.ModelSerializer):
    """A photo of the work; `url` and `thumbnail_url` serve it to whoever may see the unit's answer."""

    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = DispatchEvidence
        fields = ["id", "url", "thumbnail_url", "width", "height", "uploaded_at"]

    def get_url(self, photo) -> str:
        return reverse("dispatch_evidence", args=[photo.target_id, photo.pk])

    def get_thumbnail_url(self, photo) -> str:
        return f"{self.get_url(photo)}?size=thumb"


class DispatchTargetBriefSerializer(serializers.ModelSerializer):
    """A named unit as its order shows it."""

    unit_name = serializers.CharField(source="unit.name", read_only=True)
    status = serializers.ChoiceField(source="state", choices=DispatchTargetStatus.choices, read_only=True)

    class Meta:
        model = DispatchTarget
        fields = ["id", "unit", "unit_name", "status", "acknowledged_at", "completed_at", "completion_note"]


class DispatchTargetSerializer(DispatchTargetBriefSerializer):
    """A named unit with its order's essentials, who answered and the photos of the work."""

    order_title = serializers.CharField(source="order.title", read_only=True)
    date = serializers.DateField(source="order.date", read_only=True)
    deadline = serializers.DateTimeField(source="order.deadline", read_only=True)
    priority = serializers.CharField(source="order.priority", read_only=True)
    evidence = DispatchEvidenceSerializer(many=True, read_only=True)

    class Meta(DispatchTargetBriefSerializer.Meta):
        fields = [
            "id", "order", "order_title", "date", "deadline", "priority", "unit", "unit_name", "status",
            "acknowledged_at", "acknowledged_by", "completed_at", "completed_by", "completion_note", "evidence",
        ]  # fmt: skip


class DispatchOrderSerializer(serializers.ModelSerializer):
    """An order; the counts and `targets` are over the named units the reader may see (a unit sees its own)."""

    follow_up_by_name = serializers.CharField(
        source="follow_up_by.get_full_name", default=None, allow_null=True, read_only=True
    )
    issued_by_name = serializers.CharField(source="issued_by.get_full_name", read_only=True)
    target_count = serializers.IntegerField(read_only=True)
    acknowledged_count = serializers.IntegerField(read_only=True)
    done_count = serializers.IntegerField(read_only=True)
    overdue_count = serializers.IntegerField(read_only=True)
    targets = DispatchTargetBriefSerializer(source="shown_targets", many=True, read_only=True)

    class Meta:
        model = DispatchOrder
        fields = [
            "id", "campaign", "date", "source", "meeting", "priority", "title", "content", "deadline",
            "follow_up_by", "follow_up_by_name", "issued_by", "issued_by_name", "issued_at", "cancelled_at",
            "cancel_reason", "target_count", "acknowledged_count", "done_count", "overdue_count", "targets",
        ]  # fmt: skip


class DispatchOrderIssueSerializer(serializers.ModelSerializer):
    """A new order: the campaign, the units (ids, at least one), the deadline and the title; the date is today and
    the follow-up owner the issuer unless given."""

    units = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), many=True, allow_empty=False)

    class Meta:
        model = DispatchOrder
        fields = ["campaign", "units", "date", "source", "meeting", "priority", "title", "content", "deadline",
                  "follow_up_by"]  # fmt: skip
        extra_kwargs = {"date": {"required": False}, "follow_up_by": {"required": False}}


class DispatchCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text=_("Why the units need no longer carry it out."))


class DispatchCompleteSerializer(serializers.Serializer):
    """Reporting done: what was done, and up to nine photos (multipart, JPEG, PNG or WebP) if there are any."""

    note = serializers.CharField(max_length=2000)
    photos = serializers.ListField(child=serializers.FileField(), required=False, max_length=MAX_PHOTOS,
                                   default=list)  # fmt: skip

    def validate_photos(self, uploads):
        cleaned = []
        for upload in uploads:
            try:
                cleaned.append(image_clean(upload))
            except DomainError as exc:
                raise serializers.ValidationError(f"{upload.name}: {exc.message}") from exc
        return cleaned
