from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaign.choices import UnitType
from campaign.models import Campaign, Unit
from rectification.models import (
    CalendarException,
    Dispute,
    Problem,
    ProblemCategory,
    ProblemTransition,
    Recheck,
    WorkCalendar,
    WorkingPeriod,
)
from rectification.workflow import TRANSITIONS, dispute_step_name


class ProblemCategorySerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", default=None, allow_null=True, read_only=True)
    child_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = ProblemCategory
        fields = [
            "id", "campaign", "parent", "parent_code", "code", "name", "level", "open_condition", "deadline",
            "deadline_unit", "urgent_deadline", "close_condition", "default_unit_type", "is_active", "child_count",
        ]  # fmt: skip


@extend_schema_field(
    {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$", "example": "08:30"}
)
class HourMinuteField(serializers.TimeField):
    """A time of day written 08:30 (JSON Schema's `time` format wants seconds and an offset)."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class WorkingPeriodSerializer(serializers.ModelSerializer):
    start = HourMinuteField()
    end = HourMinuteField()

    class Meta:
        model = WorkingPeriod
        fields = ["start", "end"]


class CalendarExceptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CalendarException
        fields = ["date", "kind", "name"]


class WorkCalendarSerializer(serializers.ModelSerializer):
    weekdays = serializers.SerializerMethodField()
    day_minutes = serializers.SerializerMethodField()
    periods = WorkingPeriodSerializer(many=True, read_only=True)
    exceptions = CalendarExceptionSerializer(many=True, read_only=True)

    class Meta:
        model = WorkCalendar
        fields = ["id", "campaign", "time_zone", "weekdays", "periods", "day_minutes", "exceptions", "updated_at"]

    def get_weekdays(self, calendar) -> list[int]:
        """ISO weekday numbers: 1 is Monday, 7 Sunday."""
        return [day + 1 for day in sorted(calendar.weekdays)]

    def get_day_minutes(self, calendar) -> int:
        return sum(
            (period.end.hour * 60 + period.end.minute) - (period.start.hour * 60 + period.start.minute)
            for period in calendar.periods.all()
        )


class ProblemSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    category_code = serializers.CharField(source="category.code", default=None, allow_null=True, read_only=True)
    point_code = serializers.CharField(source="point.code", default=None, allow_null=True, read_only=True)
    unit_name = serializers.CharField(source="responsible_unit.name", default=None, allow_null=True, read_only=True)
    is_overdue = serializers.SerializerMethodField()
    reporter_name = serializers.SerializerMethodField()
    reporter_phone = serializers.SerializerMethodField()

    class Meta:
        model = Problem
        fields = [
            "id", "reference", "campaign", "source", "category", "category_code", "criterion", "point", "point_code",
            "grid", "address", "longitude", "latitude", "description", "severity", "status", "responsible_unit",
            "unit_name", "responsible_leader", "deadline", "is_overdue", "rework_count", "extension_count",
            "assigned_at", "handled_at", "closed_at", "created_at", "reporter_name", "reporter_phone",
        ]  # fmt: skip

    def get_is_overdue(self, problem) -> bool:
        return problem.is_overdue()

    def _staff(self) -> bool:
        request = self.context.get("request")
        return bool(request and request.user.is_office)

    # A public reporter's contact is for the office only.
    def get_reporter_name(self, problem) -> str:
        return problem.reporter_name if self._staff() else ""

    def get_reporter_phone(self, problem) -> str:
        return problem.reporter_phone if self._staff() else ""


class ProblemCreateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Problem
        fields = [
            "campaign", "source", "category", "criterion", "point", "grid", "address", "longitude", "latitude",
            "description", "severity", "reporter_name", "reporter_phone",
        ]  # fmt: skip


class ProblemTransitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProblemTransition
        fields = ["id", "action", "from_status", "to_status", "actor", "actor_repr", "at", "note", "data"]


class ProblemMoveSerializer(serializers.Serializer):
    """One move of the workflow: `action` names it; `unit` for assign, transfer and a dispute's decision; `until`
    for an extension request; `deadline` optionally for assign, transfer, decisions and resuming."""

    action = serializers.ChoiceField(choices=[(name, t.label) for name, t in TRANSITIONS.items()])
    note = serializers.CharField(required=False, allow_blank=True, default="")
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), required=False)
    deadline = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)

    def validate(self, attrs):
        needs = {"assign": "unit", "transfer": "unit", "decide_dispute": "unit", "request_extension": "until"}
        field = needs.get(attrs["action"])
        if field and field not in attrs:
            raise serializers.ValidationError({field: _("This move needs it.")})
        return attrs


class ProblemMetricsQuerySerializer(serializers.Serializer):
    """The question asked of `/api/v1/problem-metrics/`: a campaign the user takes part in, a period of dates
    [start, end) on the city's wall clock, and rows per unit or per area (a unit with everything below it)."""

    campaign = serializers.PrimaryKeyRelatedField(queryset=Campaign.objects.none())
    start = serializers.DateField(help_text=_("First day of the period."))
    end = serializers.DateField(help_text=_("Day after the period: the period runs up to its start."))
    group_by = serializers.ChoiceField(choices=[("unit", _("unit")), ("area", _("area"))], default="unit")
    unit_type = serializers.ChoiceField(choices=UnitType.choices, required=False,
                                        help_text=_("List only units of this type."))  # fmt: skip

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["campaign"].queryset = Campaign.objects.visible_to(user)

    def validate(self, attrs):
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": _("The end must be after the start.")})
        return attrs


class MetricsSerializer(serializers.Serializer):
    """The counts and rates of `rectification.metrics.Metrics`; rates are shares in [0, 1], null without a
    denominator."""

    due = serializers.IntegerField(help_text="应处置数")
    handled = serializers.IntegerField(help_text="处置数")
    handled_on_time = serializers.IntegerField(help_text="按期处置数")
    closed = serializers.IntegerField(help_text="结案数")
    closed_on_time = serializers.IntegerField(help_text="按期结案数")
    returned = serializers.IntegerField(help_text="返工数")
    extended = serializers.IntegerField(help_text="延期数")
    overdue_unhandled = serializers.IntegerField(help_text="超期待处置数")
    recurrence = serializers.IntegerField(help_text="反弹数")
    handling_rate = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True, help_text="处置率")
    on_time_handling_rate = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True,
                                                     help_text="按期处置率")  # fmt: skip
    closing_rate = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True, help_text="结案率")
    on_time_closing_rate = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True,
                                                    help_text="按期结案率")  # fmt: skip
    rework_rate = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True, help_text="返工率")
    overdue_rate = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True, help_text="超期待处置率")
    extension_rate = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True, help_text="延期率")
    recurrence_rate = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True, help_text="反弹率")
    mean_hours_to_close = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True,
                                                   help_text="平均结案时长 (h)")  # fmt: skip


class MetricsUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "code", "name", "type", "parent", "depth"]


class MetricsRowSerializer(serializers.Serializer):
    unit = MetricsUnitSerializer()
    metrics = MetricsSerializer()


class ProblemMetricsSerializer(serializers.Serializer):
    campaign = serializers.IntegerField()
    start = serializers.DateField()
    end = serializers.DateField()
    as_of = serializers.DateTimeField(help_text=_("The moment the outcomes are measured at: the end, or now."))
    group_by = serializers.CharField()
    total = MetricsSerializer()
    results = MetricsRowSerializer(many=True)


class DisputeSerializer(serializers.ModelSerializer):
    problem_reference = serializers.CharField(source="problem.reference", read_only=True)
    step = serializers.SerializerMethodField()

    class Meta:
        model = Dispute
        fields = ["id", "problem", "problem_reference", "unit", "reason", "raised_at", "level", "step",
                  "decided_unit", "decision", "decided_at"]  # fmt: skip

    def get_step(self, dispute) -> str:
        ladder = self.context.get("ladders", {}).get(dispute.problem.campaign_id) or []
        return dispute_step_name(dispute=dispute, ladder=ladder)


class RecheckSerializer(serializers.ModelSerializer):
    problem_reference = serializers.CharField(source="problem.reference", read_only=True)
    new_problem_reference = serializers.CharField(
        source="new_problem.reference", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = Recheck
        fields = ["id", "problem", "problem_reference", "reason", "due_date", "result", "note", "checked_at",
                  "new_problem", "new_problem_reference"]  # fmt: skip
