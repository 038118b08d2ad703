from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext as _

from core.admin import AuditedAdminMixin
from rectification.forms import WorkingHoursForm
from rectification.models import (
    CalendarException,
    Open311Client,
    ProblemCategory,
    PublicReplyTemplate,
    WorkCalendar,
    WorkingPeriod,
)
from rectification.services import open311_key_new


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


@admin.register(PublicReplyTemplate)
class PublicReplyTemplateAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """What the public is told per category and state; an empty category is the default for the state."""

    list_display = ["status", "category", "text", "campaign", "updated_at"]
    list_filter = ["campaign", "status"]
    search_fields = ["text", "category__name", "category__code"]
    raw_id_fields = ["category"]


@admin.register(Open311Client)
class Open311ClientAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Systems allowed to send service requests (the 12345 hotline). A new client's key is shown once, after saving;
    a lost key is replaced by a new client. Clients are deactivated, never deleted: their requests refer to them."""

    list_display = ["name", "is_active", "created_at", "last_used_at"]
    fields = ["name", "is_active", "created_at", "last_used_at"]
    readonly_fields = ["created_at", "last_used_at"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        key = None
        if not change:
            key, obj.key_hash = open311_key_new()
        super().save_model(request, obj, form, change)
        if key:
            messages.warning(
                request,
                _("The key of %(name)s is %(key)s. Copy it now: it is not stored and will not be shown again.")
                % {"name": obj.name, "key": key},
            )
