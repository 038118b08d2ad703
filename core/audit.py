"""The audit log: one call, `audit_log`, used by every service that changes something that matters.

Modelled on pretix's `LoggedModel.log_action`: the event is written in the caller's transaction, so a change and
its record commit or roll back together.
"""

from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import AuditEvent
from core.request_context import RequestContext, get_current

# What each action code means, in words. Apps add theirs with `register_actions` in AppConfig.ready().
ACTION_LABELS: dict[str, str] = {
    "auth.login": _("Signed in"),
    "auth.logout": _("Signed out"),
    "auth.login_failed": _("Failed sign-in"),
    "auth.locked_out": _("Locked out after failed sign-ins"),
    "auth.password_change": _("Changed password"),
    "export.xlsx": _("Exported to Excel"),
    "job.queue": _("Started a job"),
    "notification.delivery_retry": _("Retried a notification delivery"),
}
ADMIN_VERBS = {
    "add": _("Added in configuration"),
    "change": _("Changed in configuration"),
    "delete": _("Deleted in configuration"),
}


def register_actions(labels: dict[str, str]) -> None:
    ACTION_LABELS.update(labels)


def action_label(action: str) -> str:
    """The action in words: registered labels, then admin changes ("Changed in configuration: unit")."""
    if action in ACTION_LABELS:
        return str(ACTION_LABELS[action])
    parts = action.split(".")
    if len(parts) == 4 and parts[0] == "admin" and parts[3] in ADMIN_VERBS:
        try:
            model = apps.get_model(parts[1], parts[2])
        except LookupError:
            return action
        return f"{ADMIN_VERBS[parts[3]]}: {model._meta.verbose_name}"
    return action


def audit_log(
    *,
    action: str,
    actor=None,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
    context: RequestContext | None = None,
    object_repr: str | None = None,
) -> AuditEvent:
    """Record an event. `object_repr` names the object when there is no model instance (e.g. the user name typed
    in a failed sign-in)."""
    context = context or get_current()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        actor=actor,
        actor_repr=str(actor)[:150] if actor is not None else "",
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=(object_repr if object_repr is not None else str(obj) if obj is not None else "")[:200],
        data=data or {},
        ip_address=context.ip_address,
        user_agent=context.user_agent,
    )
