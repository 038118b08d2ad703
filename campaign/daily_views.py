"""Pages of the units' daily reports: the form a unit fills in on a phone, the reports, who has reported today,
the coordination items raised in reports, and the campaign's daily schedule."""

import datetime
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView

from campaign.choices import ReportCompliance
from campaign.daily_reports import (
    compliance_counts,
    coordination_item_list,
    coordination_item_update,
    daily_report_for,
    daily_report_list,
    daily_report_save_draft,
    daily_report_submit,
    daily_report_unlock,
    daily_settings_get,
    daily_settings_update,
    lead_criteria,
    report_compliance,
    reporting_units_of,
)
from campaign.filters import ComplianceFilterSet, CoordinationItemFilterSet, DailyReportFilterSet
from campaign.forms import CoordinationItemForm, DailyCycleSettingsForm, DailyReportForm, DailyReportUnlockForm
from campaign.models import CoordinationItem, CycleRun, DailyReport
from core.errors import DomainError
from core.excel import Column, choice_label
from core.views import FilteredListView, OfficeRequiredMixin, serve_protected_file


def _day(request) -> datetime.date:
    """The day asked for (`?date=`), today by default; a malformed date is today too."""
    text = request.GET.get("date") or request.POST.get("date") or ""
    return parse_date(text) if _valid_date(text) else timezone.localdate()


def _valid_date(text: str) -> bool:
    try:
        return bool(text) and parse_date(text) is not None
    except ValueError:
        return False


class DailyReportFormView(LoginRequiredMixin, FormView):
    """日报告: the unit's report of the day. Autosaved as a draft while typed (htmx), submitted once, editable until
    the deadline; after it the page says it is locked and who may unlock it."""

    template_name = "campaign/daily_report_form.html"
    form_class = DailyReportForm

    @cached_property
    def units(self):
        campaign = self.request.campaign
        return reporting_units_of(user=self.request.user, campaign=campaign) if campaign else []

    @cached_property
    def unit(self):
        if not self.units:
            raise Http404
        wanted = self.request.GET.get("unit") or self.request.POST.get("unit") or ""
        return next((u for u in self.units if str(u.pk) == wanted), self.units[0])

    @cached_property
    def day(self):
        day = _day(self.request)
        return min(day, timezone.localdate())

    @cached_property
    def report(self) -> DailyReport:
        return daily_report_for(campaign=self.unit.campaign, unit=self.unit, date=self.day)

    @cached_property
    def criteria(self):
        return list(lead_criteria(unit=self.unit))

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        report = self.report
        kwargs["instance"] = report
        kwargs["criteria"] = self.criteria
        kwargs["checks"] = (
            {check.indicator_id: (check.result, check.note) for check in report.checks.all()} if report.pk else {}
        )
        kwargs.setdefault("initial", {})["key"] = uuid.uuid4()
        return kwargs

    def post(self, request, *args, **kwargs):
        if request.POST.get("autosave"):
            return self.autosave()
        return super().post(request, *args, **kwargs)

    def autosave(self):
        form = self.get_form()
        form.is_valid()  # the draft keeps what can be kept; half-typed numbers are left as they were
        fields = {name: form.cleaned_data[name] for name in form._meta.fields if name in form.cleaned_data}
        try:
            report = daily_report_save_draft(actor=self.request.user, unit=self.unit, date=self.day, **fields)
        except DomainError as exc:
            return HttpResponse(format_html('<span class="text-danger">{}</span>', exc.message))
        except ValidationError as exc:
            return HttpResponse(format_html('<span class="text-danger">{}</span>', " ".join(exc.messages)))
        saved = timezone.localtime(report.updated_at).strftime("%H:%M:%S")
        return HttpResponse(format_html("{}", _("Draft saved at %(time)s") % {"time": saved}))

    def form_valid(self, form):
        try:
            report = daily_report_submit(
                actor=self.request.user, unit=self.unit, date=self.day, key=form.cleaned_data["key"],
                photos=form.cleaned_data["photos"], checks=form.checks(), **form.report_fields(),
            )  # fmt: skip
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        if report.is_late:
            messages.warning(self.request, _("Your report was submitted after the deadline and is marked late."))
        else:
            messages.success(self.request, _("Your daily report was submitted."))
        return HttpResponseRedirect(reverse("daily_report_detail", args=[report.pk]))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = self.report
        now = timezone.now()
        context.update(
            units=self.units, unit=self.unit, day=self.day, report=report, today=timezone.localdate(),
            locked=report.pk is not None and report.is_locked(now=now),
            past_deadline=now > report.deadline_at,
            findings=list(report.findings.all()) if report.pk else [],
            difficulties=list(report.difficulties.select_related("owner")) if report.pk else [],
            photos=list(report.photos.all()) if report.pk else [],
        )  # fmt: skip
        return context


class DailyReportListView(FilteredListView):
    """The reports the user may see, newest first: the office and leaders read them, units see their own."""

    template_name = "campaign/daily_report_list.html"
    filterset_class = DailyReportFilterSet
    export_title = gettext_lazy("Daily reports")
    export_columns = [
        Column(gettext_lazy("Date"), 12),
        Column(gettext_lazy("Unit"), 26),
        Column(gettext_lazy("Status"), 10),
        Column(gettext_lazy("Submitted at"), 18),
        Column(gettext_lazy("Late"), 8),
        Column(gettext_lazy("No content"), 10),
        Column(gettext_lazy("Work done"), 60),
        Column(gettext_lazy("People deployed"), 10),
        Column(gettext_lazy("Problems rectified"), 10),
        Column(gettext_lazy("Volunteers"), 10),
        Column(gettext_lazy("Self-found problems"), 10),
        Column(gettext_lazy("Difficulties"), 10),
        Column(gettext_lazy("Photos"), 8),
    ]

    def get_queryset(self):
        campaign = self.request.campaign
        if not campaign:
            return DailyReport.objects.none()
        return daily_report_list(user=self.request.user, campaign=campaign)

    def export_row(self, report):
        return [
            report.date, report.unit.name, choice_label(report, "status"),
            timezone.localtime(report.submitted_at).replace(tzinfo=None) if report.submitted_at else None,
            _("Yes") if report.is_late else "", _("Yes") if report.is_empty else "", report.work_done,
            report.people_deployed, report.problems_rectified, report.volunteers, report.finding_count,
            report.difficulty_count, report.photo_count,
        ]  # fmt: skip


def _report_visible(request, pk) -> DailyReport:
    report = (
        DailyReport.objects.visible_to(request.user).select_related("unit", "submitted_by", "unlocked_by")
        .filter(pk=pk).first()
    )  # fmt: skip
    if report is None:
        raise Http404
    return report


class DailyReportDetailView(LoginRequiredMixin, TemplateView):
    template_name = "campaign/daily_report_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = _report_visible(self.request, self.kwargs["pk"])
        now = timezone.now()
        context.update(
            report=report,
            compliance=ReportCompliance(report.compliance(now=now)),
            locked=report.is_locked(now=now),
            findings=list(report.findings.all()),
            difficulties=list(report.difficulties.select_related("owner")),
            checks=list(report.checks.select_related("indicator")),
            photos=list(report.photos.all()),
            may_edit=report.unit in reporting_units_of(user=self.request.user, campaign=report.campaign)
            and not report.is_locked(now=now),
            unlock_form=DailyReportUnlockForm() if self.request.user.is_office else None,
        )
        return context


@login_required
@require_POST
def daily_report_unlock_view(request, pk):
    report = _report_visible(request, pk)
    if not request.user.is_office:
        raise Http404
    form = DailyReportUnlockForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for unlocking."))
    else:
        try:
            daily_report_unlock(actor=request.user, report=report, reason=form.cleaned_data["reason"])
            messages.success(request, _("The report is open again until the unit submits it."))
        except DomainError as exc:
            messages.error(request, exc.message)
    return HttpResponseRedirect(reverse("daily_report_detail", args=[report.pk]))


@login_required
def daily_report_photo_view(request, pk, photo_pk):
    report = _report_visible(request, pk)
    photo = report.photos.filter(pk=photo_pk).first()
    if photo is None:
        raise Http404
    return serve_protected_file(request, photo.thumbnail if request.GET.get("size") == "thumb" else photo.image)


class ComplianceView(FilteredListView):
    """Who has reported for a day (报送情况): every unit that owes a report, on time, late, missing or not yet due,
    with empty reports flagged. The office and leaders see their units; a unit sees itself."""

    template_name = "campaign/daily_compliance.html"
    filterset_class = ComplianceFilterSet
    paginate_by = 200
    export_columns = [
        Column(gettext_lazy("Code"), 12),
        Column(gettext_lazy("Unit"), 28),
        Column(gettext_lazy("Parent unit"), 24),
        Column(gettext_lazy("Report"), 12),
        Column(gettext_lazy("Submitted at"), 18),
        Column(gettext_lazy("No content"), 10),
    ]

    @property
    def export_title(self):
        return _("Daily reports of %(date)s") % {"date": _day(self.request)}

    def get_queryset(self):
        campaign = self.request.campaign
        if not campaign:
            raise Http404
        return report_compliance(campaign=campaign, date=_day(self.request), user=self.request.user)

    def export_row(self, unit):
        return [
            unit.code, unit.name, unit.parent.name if unit.parent else "",
            str(ReportCompliance(unit.compliance).label),
            timezone.localtime(unit.report_submitted_at).replace(tzinfo=None) if unit.report_submitted_at else None,
            _("Yes") if unit.report_is_empty else "",
        ]  # fmt: skip

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = self.request.campaign
        day = _day(self.request)
        schedule = daily_settings_get(campaign=campaign)
        context.update(
            day=day, previous_day=day - datetime.timedelta(days=1), next_day=day + datetime.timedelta(days=1),
            today=timezone.localdate(), deadline=schedule.deadline_on(day),
            counts=compliance_counts(campaign=campaign, date=day, user=self.request.user),
            compliance_labels=dict(ReportCompliance.choices),
        )  # fmt: skip
        return context


class CoordinationListView(FilteredListView):
    """Difficulties units raised in their reports (需协调事项), each owned by a member of the office until
    resolved; units see their own and how they were answered."""

    template_name = "campaign/coordination_list.html"
    filterset_class = CoordinationItemFilterSet
    export_title = gettext_lazy("Coordination items")
    export_columns = [
        Column(gettext_lazy("Raised on"), 12),
        Column(gettext_lazy("Unit"), 26),
        Column(gettext_lazy("Difficulty"), 60),
        Column(gettext_lazy("Owner at the office"), 16),
        Column(gettext_lazy("Status"), 10),
        Column(gettext_lazy("Resolution"), 50),
        Column(gettext_lazy("Resolved at"), 18),
    ]

    def get_queryset(self):
        campaign = self.request.campaign
        if not campaign:
            return CoordinationItem.objects.none()
        return coordination_item_list(user=self.request.user, campaign=campaign)

    def export_row(self, item):
        return [
            item.raised_on, item.unit.name, item.text, str(item.owner or ""), choice_label(item, "status"),
            item.resolution, timezone.localtime(item.resolved_at).replace(tzinfo=None) if item.resolved_at else None,
        ]  # fmt: skip

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.user.is_office:
            context["forms"] = {
                item.pk: CoordinationItemForm(
                    prefix=f"item{item.pk}", initial={"owner": item.owner_id, "resolution": item.resolution}
                )
                for item in context["object_list"]
            }
        return context


@login_required
@require_POST
def coordination_item_view(request, pk):
    if not request.user.is_office:
        raise Http404
    item = CoordinationItem.objects.visible_to(request.user).filter(pk=pk).first()
    if item is None:
        raise Http404
    form = CoordinationItemForm(request.POST, prefix=f"item{pk}")
    if not form.is_valid():
        messages.error(request, _("Check the owner and the resolution."))
    else:
        action = form.cleaned_data["action"]
        try:
            coordination_item_update(
                actor=request.user, item=item, owner=form.cleaned_data["owner"],
                resolution=form.cleaned_data["resolution"], resolve=action == "resolve", reopen=action == "reopen",
            )  # fmt: skip
            messages.success(request, _("The coordination item was saved."))
        except DomainError as exc:
            messages.error(request, exc.message)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=False):
        next_url = reverse("coordination_list")
    return HttpResponseRedirect(next_url)


class DailyCycleSettingsView(OfficeRequiredMixin, FormView):
    """The campaign's daily rhythm, edited by staff, with the last runs of each scheduled step."""

    template_name = "campaign/daily_settings.html"
    form_class = DailyCycleSettingsForm

    def get_form_kwargs(self):
        if not self.request.campaign:
            raise Http404
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = daily_settings_get(campaign=self.request.campaign)
        return kwargs

    def form_valid(self, form):
        fields = {name: form.cleaned_data[name] for name in form._meta.fields}
        try:
            daily_settings_update(actor=self.request.user, campaign=self.request.campaign, **fields)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The daily schedule was saved."))
        return HttpResponseRedirect(reverse("daily_settings"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["runs"] = CycleRun.objects.filter(campaign=self.request.campaign).order_by("-date", "step")[:30]
        return context
