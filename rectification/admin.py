from django import forms
from django.contrib import admin

from core.admin import AuditedAdminMixin
from rectification.forms import WorkingHoursForm
from rectification.models import CalendarException, ProblemCategory, WorkCalendar, WorkingPeriod


@admin.register(ProblemCategory)
class ProblemCategoryAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Categories come in through the Excel import, which keeps the tree whole; the admin edits their details."""

    list_display = ["code", "name", "level", "deadline", "deadline_unit", "urgent_deadline", "default_unit_type",
                    "is_active", "campaign"]  # fmt: skip
    list_filter = ["campaign", "level", "deadline_unit", "default_unit_type", "is_active"]
    search_fields = ["code", "name"]
    readonly_fields = ["campaign", "parent", "code", "level"]

    def has_add_permission(self, request):
        return False


class WorkCalendarAdminForm(forms.ModelForm):
    weekdays = WorkingHoursForm.base_fields["weekdays"]

    class Meta:
        model = WorkCalendar
        fields = ["campaign", "time_zone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["weekdays"].initial = sorted(self.instance.weekdays)

    def save(self, commit=True):
        self.instance.working_weekdays = WorkCalendar.weekday_mask(self.cleaned_data["weekdays"])
        return super().save(commit=commit)


class WorkingPeriodInline(admin.TabularInline):
    model = WorkingPeriod
    extra = 0


class CalendarExceptionInline(admin.TabularInline):
    model = CalendarException
    extra = 0


@admin.register(WorkCalendar)
class WorkCalendarAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Staff normally edit the calendar on its page (创城办 → 工作时间日历), which checks the periods as a whole."""

    form = WorkCalendarAdminForm
    list_display = ["campaign", "time_zone", "updated_at"]
    fieldsets = [(None, {"fields": ["campaign", "time_zone", "weekdays"]})]
    inlines = [WorkingPeriodInline, CalendarExceptionInline]
