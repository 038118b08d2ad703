from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from campaign.models import (
    Campaign,
    DispatchOrder,
    DispatchTarget,
    Grid,
    Indicator,
    IndicatorSystem,
    LeaderAssignment,
    OperationStandard,
    Pairing,
    Point,
    PointType,
    Responsibility,
    Sampling,
    TaskAssignment,
    Unit,
    UnitGroup,
    UnitMembership,
)
from core.admin import AuditedAdminMixin, ReadOnlyAdminMixin


@admin.register(Campaign)
class CampaignAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "title_level", "status", "window_start", "window_end"]
    list_filter = ["status", "title_level", "city_level"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class MembershipInline(admin.TabularInline):
    model = UnitMembership
    extra = 0
    autocomplete_fields = ["user"]


class LeaderAssignmentInline(admin.TabularInline):
    model = LeaderAssignment
    extra = 0
    autocomplete_fields = ["leader"]
    exclude = ["point"]


class PointLeaderAssignmentInline(admin.TabularInline):
    """Leaders answering for this point (路段包保)."""

    model = LeaderAssignment
    extra = 0
    autocomplete_fields = ["leader"]
    exclude = ["unit"]
    verbose_name_plural = _("leaders answering for this point")


@admin.register(Unit)
class UnitAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Units are created and moved through the services (Excel import, the API); the admin edits their details."""

    list_display = ["code", "name", "type", "parent", "campaign", "is_active"]
    list_filter = ["campaign", "type", "is_active"]
    search_fields = ["code", "name", "short_name"]
    readonly_fields = ["campaign", "parent", "path", "depth"]
    inlines = [MembershipInline, LeaderAssignmentInline]

    def has_add_permission(self, request):
        return False


@admin.register(PointType)
class PointTypeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "sample_count", "campaign"]
    list_filter = ["campaign"]
    search_fields = ["code", "name"]


@admin.register(IndicatorSystem)
class IndicatorSystemAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "version", "campaign", "is_current", "created_at"]
    list_filter = ["campaign", "is_current"]


@admin.register(Indicator)
class IndicatorAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read only: the tree changes through the Excel import, which checks it whole."""

    list_display = ["code", "name", "level", "score", "kind", "is_veto", "system"]
    list_filter = ["system", "kind", "level", "is_veto"]
    search_fields = ["code", "name"]


@admin.register(UnitGroup)
class UnitGroupAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "commander", "lead_unit", "campaign"]
    list_filter = ["campaign", "kind"]
    filter_horizontal = ["members"]
    autocomplete_fields = ["lead_unit"]


@admin.register(TaskAssignment)
class TaskAssignmentAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["indicator", "lead_unit", "lead_group", "responsible_leader", "deadline"]
    list_filter = ["indicator__system__campaign"]
    search_fields = ["indicator__code", "indicator__name"]
    autocomplete_fields = ["lead_unit", "cooperating_units"]
    raw_id_fields = ["indicator"]


@admin.register(Grid)
class GridAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "unit", "campaign"]
    list_filter = ["campaign"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["unit"]


class ResponsibilityInline(admin.StackedInline):
    model = Responsibility
    autocomplete_fields = ["unit"]
    filter_horizontal = ["target_criteria"]


@admin.register(Point)
class PointAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "point_type", "grid", "is_active"]
    list_filter = ["campaign", "point_type", "is_active"]
    search_fields = ["code", "name", "address"]
    inlines = [ResponsibilityInline, PointLeaderAssignmentInline]
    raw_id_fields = ["grid"]


@admin.register(Sampling)
class SamplingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["drawn_at", "campaign", "seed", "drawn_by"]


@admin.register(Pairing)
class PairingAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["unit", "partner", "note"]
    autocomplete_fields = ["unit", "partner"]


@admin.register(OperationStandard)
class OperationStandardAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["indicator", "point_type"]
    list_filter = ["point_type__campaign", "point_type"]
    search_fields = ["indicator__code", "indicator__name", "text"]
    raw_id_fields = ["indicator"]


class DispatchTargetInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = DispatchTarget
    extra = 0
    fields = ["unit", "acknowledged_at", "acknowledged_by", "completed_at", "completed_by", "completion_note"]
    readonly_fields = fields


@admin.register(DispatchOrder)
class DispatchOrderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read only: orders are issued, cancelled and answered on the dispatch pages and the API, which notify the
    units and write the audit log."""

    list_display = ["date", "title", "priority", "source", "deadline", "follow_up_by", "cancelled_at", "campaign"]
    list_filter = ["campaign", "source", "priority", "date"]
    search_fields = ["title", "content", "meeting"]
    date_hierarchy = "date"
    inlines = [DispatchTargetInline]
