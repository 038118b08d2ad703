"""Record sign-ins, sign-outs, failures and lockouts in the audit log."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from core.audit import audit_log
from core.request_context import context_from_request


def _context(request):
    return context_from_request(request) if request is not None else None


@receiver(user_logged_in, dispatch_uid="core_audit_login")
def audit_login(sender, request, user, **kwargs):
    audit_log(action="auth.login", actor=user, obj=user, context=_context(request))


@receiver(user_logged_out, dispatch_uid="core_audit_logout")
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_log(action="auth.logout", actor=user, obj=user, context=_context(request))


@receiver(user_login_failed, dispatch_uid="core_audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    audit_log(action="auth.login_failed", data={"username": username}, context=_context(request), object_repr=username)


@receiver(user_locked_out, dispatch_uid="core_audit_locked_out")
def audit_locked_out(sender, request, username, ip_address, **kwargs):
    username = str(username or "")[:150]
    audit_log(action="auth.locked_out", data={"username": username}, context=_context(request), object_repr=username)
