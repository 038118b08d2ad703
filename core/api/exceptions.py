"""One JSON shape for every API error:

    {"error": {"code": "validation_error", "message": "…", "fields": {"name": ["…"]}}}

`fields` appears only for validation errors. Messages are in the request's language.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from core.errors import DomainError


def _flatten_message(detail) -> str:
    if isinstance(detail, list) and detail:
        return _flatten_message(detail[0])
    if isinstance(detail, dict) and detail:
        return _flatten_message(next(iter(detail.values())))
    return str(detail)


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, DomainError):
        # A rule refused the request (400); "forbidden" means the rule is about who asks (403).
        code = status.HTTP_403_FORBIDDEN if exc.code == "forbidden" else status.HTTP_400_BAD_REQUEST
        return Response({"error": {"code": exc.code, "message": str(exc.message)}}, status=code)
    elif isinstance(exc, OverflowError | DataError):
        # An id or number beyond what the database holds reached a lookup (a related field, a filter): the request's
        # fault, answered as such, whichever field carried it.
        set_rollback()
        message = _("A value in the request is out of the range the database holds.")
        return Response({"error": {"code": "out_of_range", "message": message}}, status=status.HTTP_400_BAD_REQUEST)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body = {"code": "validation_error", "message": _flatten_message(detail), "fields": detail}
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        body = {"code": codes if isinstance(codes, str) else "error", "message": _flatten_message(exc.detail)}
    response.data = {"error": body}
    return response
