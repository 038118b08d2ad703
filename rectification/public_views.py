"""The public's pages, open without signing in: report a problem, get a tracking code, follow the report with it.

What a page shows comes only from the public selectors in `rectification.selectors`: the reporter's own report,
its state in public words and the office's reply, never a unit, a note or anyone's contact. Every page is
rate-limited per client address (`core.ratelimit`); the report form also resists scripts
(`rectification.forms.PublicReportForm`).
"""

from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.errors import DomainError
from core.ratelimit import RateLimit, client_ident
from rectification.choices import ProblemSource
from rectification.forms import PublicReportForm, public_form_token
from rectification.problems import problem_report_public
from rectification.selectors import (
    problem_for_tracking_code,
    problem_updated_at,
    public_campaign,
    public_reply_for,
    public_status,
)
from rectification.tracking import tracking_code_display, tracking_code_normalise

# Reports that went through, per address per hour; every post counts against the second, higher, limit (a
# refused or mistyped form included), which bounds the photo decoding one address can cause.
REPORTS = RateLimit("public.report", limit=5, seconds=60 * 60)
REPORT_POSTS = RateLimit("public.report.post", limit=20, seconds=60 * 60)
LOOKUPS = RateLimit("public.track", limit=30, seconds=10 * 60)
SESSION_KEY = "public_report_code"


def _public(response):
    """Public pages are personal (a code, a report): never cached by a proxy, never indexed."""
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def too_many(request, limit: RateLimit):
    response = render(request, "rectification/public/rate_limited.html", {"minutes": limit.seconds // 60},
                      status=429)  # fmt: skip
    response["Retry-After"] = str(limit.seconds)
    return _public(response)


@method_decorator(never_cache, name="dispatch")
class PublicReportView(View):
    template_name = "rectification/public/report.html"

    def dispatch(self, request, *args, **kwargs):
        self.campaign = public_campaign()
        if self.campaign is None:
            return _public(render(request, "rectification/public/closed.html", status=404))
        return super().dispatch(request, *args, **kwargs)

    def render_form(self, form, status=200):
        return _public(render(self.request, self.template_name, {"form": form}, status=status))

    def get(self, request):
        return self.render_form(PublicReportForm(campaign=self.campaign))

    def post(self, request):
        ident = client_ident(request)
        if REPORT_POSTS.hit(ident):
            return too_many(request, REPORT_POSTS)
        if REPORTS.exceeded(ident):
            return too_many(request, REPORTS)
        form = PublicReportForm(request.POST, request.FILES, campaign=self.campaign)
        if form.is_valid():
            data = form.cleaned_data
            try:
                problem = problem_report_public(
                    campaign=self.campaign, source=ProblemSource.PUBLIC, category=data["category"],
                    description=data["description"], address=data["address"], longitude=data["longitude"],
                    latitude=data["latitude"], photos=data["photos"], reporter_name=data["reporter_name"],
                    reporter_phone=data["reporter_phone"],
                )  # fmt: skip
            except (DomainError, ValidationError) as exc:
                form.add_error(None, getattr(exc, "message", None) or exc)
            else:
                REPORTS.hit(ident)
                request.session[SESSION_KEY] = problem.tracking_code
                return HttpResponseRedirect(reverse("public_report_done"))
        if form.refusal_code in ("expired", "tampered", "honeypot"):
            # Shown again to send anew, with a fresh start time (a too-quick one keeps its own: time passes).
            form.data = form.data.copy()
            form.data["started"] = public_form_token()
            form.data["website"] = ""
        return self.render_form(form)


@never_cache
@require_GET
def public_report_done(request):
    """The tracking code of the report just sent, shown large, with where to follow it."""
    code = request.session.get(SESSION_KEY)
    if not code:
        return HttpResponseRedirect(reverse("public_report"))
    context = {"code": code, "code_display": tracking_code_display(code)}
    return _public(render(request, "rectification/public/report_done.html", context))


@never_cache
@require_GET
def public_track(request):
    """The form asking for a tracking code; a code sent with it (?code=) leads to that report's page."""
    error = ""
    if "code" in request.GET:
        code = tracking_code_normalise(request.GET["code"])
        if code:
            return HttpResponseRedirect(reverse("public_track_detail", args=[code]))
        error = _("A tracking code has 10 letters and digits, e.g. 7KQ2M-XH4PD.")
    return _public(
        render(request, "rectification/public/track.html", {"error": error, "code": request.GET.get("code", "")})
    )


@never_cache
@require_GET
def public_track_detail(request, code):
    """One report as its reporter may see it. A wrong code answers the same "not found" as any other, counted
    against the same limit, so codes cannot be tried in bulk."""
    if LOOKUPS.hit(client_ident(request)):
        return too_many(request, LOOKUPS)
    problem = problem_for_tracking_code(code)
    if problem is None:
        return _public(render(request, "rectification/public/track.html",
                              {"error": _("No report has this tracking code. Check the code and try again."),
                               "code": code}, status=404))  # fmt: skip
    context = {
        "problem": problem,
        "code_display": tracking_code_display(problem.tracking_code),
        "public_status": public_status(problem),
        "updated_at": problem_updated_at(problem),
        "reply": public_reply_for(problem),
    }
    return _public(render(request, "rectification/public/track_detail.html", context))
