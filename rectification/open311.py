"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2/), JSON only, for a hotline system (12345) to feed
reports in and follow them:

- `GET services.json`: the categories the public may report (the public campaign's active leaf categories);
- `POST requests.json`: a new service request (`api_key`, `service_code`, `lat`/`long` or `address_string`,
  `description`, optional `first_name`, `last_name`, `phone`; `email`, `media_url`, `device_id`, `account_id` and
  attributes are accepted and ignored), recorded with source "hotline" and a tracking code;
- `GET requests.json` and `GET requests/<service_request_id>.json`: the client's own requests, in public fields.

Departure from the spec, on purpose: reading requests needs the `api_key` too, and a client reads only the requests
it created. Public reports carry people's descriptions of where they live; the public sees only its own report
(through its tracking code), and a hotline system only what it sent.

Errors are the spec's array, `[{"code": 400, "description": "…"}]`, with that HTTP status; bad input of any kind is
a 400, never a server error. Plain views rather than DRF: the shapes are the spec's, not the app's API's.
"""

import json
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from core.errors import DomainError
from core.ratelimit import RateLimit, client_ident
from core.validators import phone_normalise
from rectification.choices import CLOSED_STATUSES, ProblemSource
from rectification.models import Open311Client
from rectification.problems import problem_report_public
from rectification.selectors import (
    open311_client_for_key,
    open311_requests,
    public_campaign,
    public_categories,
    public_replies,
)

# Who answers, as the public is told: the office, never the unit working on it.
AGENCY = "创城办"
MAX_RESULTS = 1000
MAX_SPAN = timedelta(days=90)
COORDINATE_PLACES = Decimal("0.000001")
# Per client key; wrong keys per address (a key is 256 random bits, this only keeps the noise down).
WRITES = RateLimit("open311.write", limit=300, seconds=60 * 60)
READS = RateLimit("open311.read", limit=600, seconds=10 * 60)
BAD_KEYS = RateLimit("open311.bad_key", limit=20, seconds=10 * 60)


def _error(status: int, description) -> JsonResponse:
    return JsonResponse([{"code": status, "description": str(description)}], status=status, safe=False)


def _json(data) -> JsonResponse:
    response = JsonResponse(data, safe=False, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "private, no-store"
    return response


def _params(request) -> dict[str, str]:
    """The parameters of a GET (query string) or POST (form-encoded, as the spec says, or a JSON object)."""
    if request.method == "GET":
        return {key: request.GET.get(key, "") for key in request.GET}
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise DomainError(_("The body is not valid JSON."), code="invalid") from None
        if not isinstance(body, dict):
            raise DomainError(_("The body must be a JSON object."), code="invalid")
        return {str(key): "" if value is None else str(value) for key, value in body.items()}
    return {key: request.POST.get(key, "") for key in request.POST}


def _client(request, params):
    """The client whose key the request carries, or the error response to send."""
    ident = client_ident(request)
    if BAD_KEYS.exceeded(ident):
        return None, _error(429, _("Too many requests with a wrong key; wait and try again."))
    client = open311_client_for_key(params.get("api_key", "").strip())
    if client is None:
        BAD_KEYS.hit(ident)
        return None, _error(403, _("A valid api_key is required."))
    Open311Client.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
    return client, None


def _when(moment) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _request_row(problem, replies) -> dict:
    return {
        "service_request_id": problem.reference,
        "status": "closed" if problem.status in CLOSED_STATUSES else "open",
        "status_notes": replies.get(problem.pk, ""),
        "service_name": problem.category.name if problem.category_id else "",
        "service_code": problem.category.code if problem.category_id else "",
        "description": problem.description,
        "agency_responsible": AGENCY,
        "service_notice": "",
        "requested_datetime": _when(problem.created_at),
        "updated_datetime": _when(getattr(problem, "updated_at", None) or problem.created_at),
        "expected_datetime": _when(problem.deadline),
        "address": problem.address,
        "address_id": "",
        "zipcode": "",
        "lat": float(problem.latitude) if problem.latitude is not None else None,
        "long": float(problem.longitude) if problem.longitude is not None else None,
        "media_url": "",
    }


def _rows(problems) -> list[dict]:
    problems = list(problems)
    replies = public_replies(problems)
    return [_request_row(problem, replies) for problem in problems]


@never_cache
def services(request):
    if request.method != "GET":
        return _error(405, _("Use GET."))
    campaign = public_campaign()
    categories = public_categories(campaign=campaign) if campaign is not None else []
    return _json([
        {
            "service_code": category.code,
            "service_name": category.name,
            "description": category.open_condition,
            "metadata": False,
            "type": "realtime",
            "keywords": "",
            "group": category.parent.name if category.parent_id else "",
        }
        for category in categories
    ])  # fmt: skip


@csrf_exempt
@never_cache
def requests(request):
    if request.method not in ("GET", "POST"):
        return _error(405, _("Use GET or POST."))
    try:
        params = _params(request)
    except DomainError as exc:
        return _error(400, exc.message)
    client, refused = _client(request, params)
    if refused:
        return refused
    if request.method == "POST":
        return _create(request, client, params)
    if READS.hit(str(client.pk)):
        return _error(429, _("Too many requests; wait and try again."))
    try:
        problems = _filtered(open311_requests(client=client), params)
    except DomainError as exc:
        return _error(400, exc.message)
    return _json(_rows(problems[:MAX_RESULTS]))


@never_cache
def request_detail(request, service_request_id):
    if request.method != "GET":
        return _error(405, _("Use GET."))
    client, refused = _client(request, _params(request))
    if refused:
        return refused
    if READS.hit(str(client.pk)):
        return _error(429, _("Too many requests; wait and try again."))
    pks = _references(service_request_id)
    problem = open311_requests(client=client).filter(pk__in=pks).first() if pks else None
    if problem is None:
        return _error(404, _("No such service request."))
    return _json(_rows([problem]))


def _references(text: str) -> list[int]:
    """Problem numbers from references ("WT000123"), comma-separated; anything else is not one."""
    pks = []
    for part in text.split(","):
        part = part.strip().upper()
        if part.startswith("WT") and part[2:].isdigit() and len(part) <= 14:
            pks.append(int(part[2:]))
    return pks


def _moment(params, name):
    value = params.get(name, "").strip()
    if not value:
        return None
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None:
        raise DomainError(_("%(name)s must be a date and time such as 2026-05-01T08:00:00+08:00.") % {"name": name})
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _filtered(problems, params):
    """The spec's filters. With service_request_id the others are ignored; dates span at most 90 days, the last
    90 days when none is given."""
    if params.get("service_request_id", "").strip():
        return problems.filter(pk__in=_references(params["service_request_id"]))
    codes = [code.strip() for code in params.get("service_code", "").split(",") if code.strip()]
    if codes:
        problems = problems.filter(category__code__in=codes)
    statuses = {status.strip().lower() for status in params.get("status", "").split(",") if status.strip()}
    if statuses - {"open", "closed"}:
        raise DomainError(_("status must be open, closed or both."))
    if statuses == {"open"}:
        problems = problems.exclude(status__in=CLOSED_STATUSES)
    elif statuses == {"closed"}:
        problems = problems.filter(status__in=CLOSED_STATUSES)
    start, end = _moment(params, "start_date"), _moment(params, "end_date")
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - MAX_SPAN
    elif end is None:
        end = start + MAX_SPAN
    if end < start:
        raise DomainError(_("end_date must not be before start_date."))
    if end - start > MAX_SPAN:
        raise DomainError(_("start_date and end_date may span at most 90 days."))
    return problems.filter(created_at__gte=start, created_at__lte=end)


def _coordinate(value: str, name: str, limit: int) -> Decimal | None:
    value = value.strip()
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or abs(number) > limit:
        raise DomainError(_("%(name)s must be a number between -%(limit)s and %(limit)s.")
                          % {"name": name, "limit": limit})  # fmt: skip
    return number.quantize(COORDINATE_PLACES, rounding=ROUND_HALF_UP)


def _create(request, client, params):
    if WRITES.hit(str(client.pk)):
        return _error(429, _("Too many requests; wait and try again."))
    campaign = public_campaign()
    try:
        if campaign is None:
            raise DomainError(_("Service requests are not being received at the moment."))
        code = params.get("service_code", "").strip()
        if not code:
            raise DomainError(_("service_code is required."))
        category = public_categories(campaign=campaign).filter(code=code).first()
        if category is None:
            raise DomainError(_("Unknown service_code."))
        latitude = _coordinate(params.get("lat", ""), "lat", 90)
        longitude = _coordinate(params.get("long", ""), "long", 180)
        if (latitude is None) != (longitude is None):
            raise DomainError(_("Give both lat and long, or neither."))
        address = params.get("address_string", "").strip()
        if len(address) > 300:
            raise DomainError(_("address_string is too long (at most 300 characters)."))
        if latitude is None and not address:
            raise DomainError(_("lat and long, or address_string, are required."))
        description = params.get("description", "").strip()
        if not description:
            raise DomainError(_("description is required."))
        if len(description) > 4000:
            raise DomainError(_("description is too long (at most 4000 characters)."))
        names = [params.get("last_name", "").strip(), params.get("first_name", "").strip()]
        # 姓 then 名, as Chinese names are written; Latin names keep their space.
        name = (" " if any(part.isascii() and part for part in names) else "").join(part for part in names if part)
        phone = params.get("phone", "").strip()
        if phone:
            try:
                phone = phone_normalise(phone)
            except ValidationError:
                raise DomainError(_("phone is not a mobile or landline number.")) from None
        problem = problem_report_public(
            campaign=campaign, source=ProblemSource.HOTLINE, category=category, description=description,
            address=address, latitude=latitude, longitude=longitude, reporter_name=name[:100],
            reporter_phone=phone, client=client,
        )  # fmt: skip
    except DomainError as exc:
        return _error(400, exc.message)
    except ValidationError as exc:
        return _error(400, "; ".join(exc.messages))
    replies = public_replies([problem])
    return _json([{
        "service_request_id": problem.reference,
        "service_notice": replies.get(problem.pk, ""),
        "account_id": None,
        # Not in the spec: the code the hotline can give the caller, to follow the report on the public page.
        "tracking_code": problem.tracking_code,
    }])  # fmt: skip
