"""Who is acting and from where, for the audit log, without passing the request through every service."""

from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from ipware import get_client_ip


@dataclass(frozen=True)
class RequestContext:
    ip_address: str | None = None
    user_agent: str = ""


_current: ContextVar[RequestContext | None] = ContextVar("request_context", default=None)


def client_ip(request) -> str | None:
    """The client's address, trusting exactly TRUSTED_PROXY_COUNT reverse proxies' X-Forwarded-For entries.

    django-axes uses this same function (AXES_CLIENT_IP_CALLABLE), so lockouts and the audit log agree.
    """
    if settings.TRUSTED_PROXY_COUNT:
        ip, _routable = get_client_ip(
            request,
            proxy_count=settings.TRUSTED_PROXY_COUNT,
            request_header_order=["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"],
        )
        if ip:
            return str(ip)
    return request.META.get("REMOTE_ADDR") or None


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
