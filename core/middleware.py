from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from core.request_context import context_from_request, reset_current, set_current


class RequestContextMiddleware:
    """Makes the client's address and browser available to the audit log for the length of a request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_current(context_from_request(request))
        try:
            return self.get_response(request)
        finally:
            reset_current(token)


class PasswordExpiryMiddleware:
    """With PASSWORD_EXPIRY_DAYS set, a user whose password is too old may only change it or sign out."""

    allowed_url_names = ("password_change", "password_change_done", "logout", "set_language")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.password_expired():
            match = getattr(request, "resolver_match", None)
            allowed = {reverse(name) for name in self.allowed_url_names}
            if request.path not in allowed and not (match and match.url_name in self.allowed_url_names):
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {
                            "error": {
                                "code": "password_expired",
                                "message": _("Your password has expired. Change it before going on."),
                            }
                        },
                        status=403,
                    )
                return redirect(f"{reverse('password_change')}?expired=1")
        return self.get_response(request)
