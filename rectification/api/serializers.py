from rest_framework import serializers

from rectification.models import CalendarException, ProblemCategory, WorkCalendar, WorkingPeriod


class ProblemCategorySerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", default=None, read_only=True)
    child_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = ProblemCategory
        fields = [
            "id", "campaign", "parent", "parent_code", "code", "name", "level", "open_condition", "deadline",
            "deadline_unit", "urgent_deadline", "close_condition", "default_unit_type", "is_active", "child_count",
        ]  # fmt: skip


class WorkingPeriodSerializer(serializers.ModelSerializer):
    start = serializers.TimeField(format="%H:%M")
    end = serializers.TimeField(format="%H:%M")

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
