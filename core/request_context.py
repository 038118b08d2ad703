"""Who is acting and from where, for the audit log, without passing the request through every service."""

import ipaddress
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class RequestContext:
    ip_address: str | None = None
    user_agent: str = ""


_current: ContextVar[RequestContext | None] = ContextVar("request_context", default=None)


def client_ip(request) -> str | None:
    """The client's address. With TRUSTED_PROXY_COUNT = N reverse proxies in front, each appending the address it
    received the request from to X-Forwarded-For, the client is the N-th entry from the right; entries further
    left were written by the client and are not trusted (the rule of Werkzeug's ProxyFix).

    django-axes uses this same function (AXES_CLIENT_IP_CALLABLE), so lockouts and the audit log agree.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            candidate = forwarded[-count]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    return remote


def context_from_request(request) -> RequestContext:
    return RequestContext(
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
    )


def set_current(context: RequestContext | None):
    return _current.set(context)


def reset_current(token):
    _current.reset(token)


def get_current() -> RequestContext:
    return _current.get() or RequestContext()
