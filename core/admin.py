from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from core.audit import audit_log
from core.models import AuditEvent, Heartbeat, User, WebhookChannel


class AuditedAdminMixin:
    """Every add, change and delete made in the admin is written to the audit log, with the changed fields.

    Every ModelAdmin registered on the site uses this mixin or is read-only; a test checks it.
    """

    def _action(self, obj_or_model, verb):
        opts = obj_or_model._meta
        return f"admin.{opts.app_label}.{opts.model_name}.{verb}"

    def log_addition(self, request, obj, message):
        audit_log(action=self._action(obj, "add"), actor=request.user, obj=obj)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        changed = []
        for entry in message if isinstance(message, list) else []:
            changed.extend(entry.get("changed", {}).get("fields", []))
        audit_log(action=self._action(obj, "change"), actor=request.user, obj=obj, data={"fields": changed})
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            audit_log(action=self._action(obj, "delete"), actor=request.user, obj=obj)
        return super().log_deletions(request, queryset)


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    list_display = ["username", "full_name", "role", "position", "phone", "is_active", "last_login"]
    list_filter = ["role", "is_active", "is_staff", "is_superuser"]
    search_fields = ["username", "full_name", "phone", "email"]
    ordering = ["username"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["full_name", "role", "position", "phone", "email"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined", "password_changed_at"]}),
    ]
    readonly_fields = ["last_login", "date_joined", "password_changed_at"]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "full_name", "role", "password1", "password2"],
            },
        )
    ]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "actor_repr", "action", "object_repr", "ip_address"]
    list_filter = ["action"]
    search_fields = ["actor_repr", "action", "object_repr", "ip_address"]
    date_hierarchy = "created_at"


@admin.register(Heartbeat)
class HeartbeatAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["kind", "last_seen_at", "hostname", "count"]


@admin.register(WebhookChannel)
class WebhookChannelAdmin(AuditedAdminMixin, admin.ModelAdmin):
    fields = ["name", "kind", "url", "secret", "kind_prefixes", "is_active"]
    list_display = ["name", "kind", "kind_prefixes", "is_active", "created_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "kind_prefixes"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # The secret signs messages as the office: kept out of sight on the screen (the audit log names the field
        # changed, never its value).
        if db_field.name == "secret":
            kwargs["widget"] = forms.PasswordInput(render_value=True)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


# Third-party admins: the same audit trail for the beat schedule (which staff edit) and API tokens.
for model, base in [
    (PeriodicTask, beat_admin.PeriodicTaskAdmin),
    (CrontabSchedule, beat_admin.CrontabScheduleAdmin),
    (IntervalSchedule, beat_admin.IntervalScheduleAdmin),
    (ClockedSchedule, beat_admin.ClockedScheduleAdmin),
    (SolarSchedule, beat_admin.SolarScheduleAdmin),
    (TokenProxy, TokenAdmin),
]:
    admin.site.unregister(model)
    admin.site.register(model, type(base.__name__, (AuditedAdminMixin, base), {}))
