from django.contrib import admin

from campaign.models import Campaign, LeaderAssignment, Unit, UnitMembership
from core.admin import AuditedAdminMixin


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
