"""The audit log: one call, `audit_log`, used by every service that changes something that matters.

Modelled on pretix's `LoggedModel.log_action`: the event is written in the caller's transaction, so a change and
its record commit or roll back together.
"""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from core.models import AuditEvent
from core.request_context import RequestContext, get_current


def audit_log(
    *,
    action: str,
    actor=None,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
    context: RequestContext | None = None,
) -> AuditEvent:
    context = context or get_current()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        actor=actor,
        actor_repr=str(actor)[:150] if actor is not None else "",
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        data=data or {},
        ip_address=context.ip_address,
        user_agent=context.user_agent,
    )
