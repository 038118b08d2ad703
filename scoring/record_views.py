"""Pages of the materials handed in for material review (list, hand in, review, download) and of accountability
records (list per unit or person, record, withdraw). Every list is filtered and exported."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from campaign.models import Unit
from core.errors import DomainError
from core.excel import Column, choice_label, write_xlsx, xlsx_response
from core.views import FilteredListView, serve_protected_file
from rectification.models import Problem
from scoring.accountability import accountability_list, accountability_record, accountability_withdraw
from scoring.choices import AccountabilityKind, DocumentStatus, MaterialStatus
from scoring.filters import AccountabilityFilterSet, MaterialFilterSet
from scoring.forms import styled
from scoring.materials import (
    REVIEW_VERDICTS,
    material_completeness,
    material_criteria,
    material_list,
    material_review,
    material_upload,
)
from scoring.models import RankingEntry


def _local(value):
    return timezone.localtime(value).replace(tzinfo=None) if value else None


# --- materials ----------------------------------------------------------------------------------------------------


class MaterialForm(forms.Form):
    criterion = forms.ModelChoiceField(label=_("Criterion"), queryset=None)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=None)
    title = forms.CharField(label=_("Title"), max_length=200)
    file = forms.FileField(label=_("File"), help_text=gettext_lazy("PDF, Word, Excel, PowerPoint, PNG or JPEG."))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, campaign, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criterion"].queryset = material_criteria(campaign=campaign)
        self.fields["criterion"].label_from_instance = lambda c: f"{c.code} {c.name[:60]}"
        units = Unit.objects.filter(campaign=campaign, is_active=True)
        if not user.is_office:
            units = units.filter(memberships__user=user).distinct()
        self.fields["unit"].queryset = units.order_by("path")
        styled(self)


class MaterialListView(FilteredListView):
    template_name = "scoring/material_list.html"
    filterset_class = MaterialFilterSet
    export_title = gettext_lazy("Materials")
    export_columns = [
        Column(gettext_lazy("Criterion"), 14),
        Column(gettext_lazy("Unit"), 24),
        Column(gettext_lazy("Title"), 30),
        Column(gettext_lazy("File name"), 24),
        Column(gettext_lazy("Status"), 12),
        Column(gettext_lazy("Due on"), 12),
        Column(gettext_lazy("Uploaded at"), 18),
        Column(gettext_lazy("Review note"), 30),
    ]

    def get_queryset(self):
        if not self.request.campaign:
            return material_list(user=self.request.user).none()
        return material_list(user=self.request.user, campaign=self.request.campaign)

    def export_row(self, material):
        return [material.criterion.code, material.unit.name, material.title, material.filename,
                choice_label(material, "status"), material.due_on, _local(material.uploaded_at),
                material.review_note]  # fmt: skip

    def get_context_data(self, **kwargs):
        verdicts = [(value, label) for value, label in MaterialStatus.choices if value in REVIEW_VERDICTS]
        return super().get_context_data(verdicts=verdicts, **kwargs)


class MaterialStandingView(TemplateView):
    """Where each unit stands on each criterion it is measured on (its latest file's verdict, overdue or not),
    filtered by status and overdue, as Excel too."""

    template_name = "scoring/material_standing.html"
    columns = [
        Column(gettext_lazy("Criterion"), 14),
        Column(gettext_lazy("Unit"), 24),
        Column(gettext_lazy("Status"), 14),
        Column(gettext_lazy("Due on"), 12),
        Column(gettext_lazy("Overdue"), 8),
    ]

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return HttpResponseRedirect(f"{reverse('login')}?next={request.path}")
        campaign = request.campaign
        if not campaign:
            raise Http404
        units = None if request.user.sees_citywide else list(Unit.objects.visible_to(request.user))
        rows = material_completeness(campaign=campaign, units=units)
        labels = {**dict(MaterialStatus.choices), "": _("Nothing handed in")}
        status = request.GET.get("status")
        if status in labels:
            rows = [row for row in rows if row.status == status]
        if request.GET.get("overdue") == "1":
            rows = [row for row in rows if row.overdue]
        if request.GET.get("export") == "xlsx":
            content = write_xlsx(title=str(_("Material standing")), columns=self.columns, rows=(
                [row.criterion.code, row.unit_name, labels[row.status], row.due_on, _("Yes") if row.overdue else ""]
                for row in rows
            ))  # fmt: skip
            return xlsx_response(filename=str(_("Material standing")), content=content)
        complete = sum(row.status == MaterialStatus.COMPLETE for row in rows)
        return self.render_to_response(self.get_context_data(
            rows=rows, labels=labels, statuses=list(labels.items()), status=status, complete=complete,
            overdue=sum(row.overdue for row in rows), querystring=request.GET.urlencode(),
        ))  # fmt: skip


@login_required
def material_upload_view(request):
    campaign = request.campaign
    if not campaign:
        raise Http404
    form = MaterialForm(request.POST or None, request.FILES or None, campaign=campaign, user=request.user)
    if not request.user.is_office and not form.fields["unit"].queryset.exists():
        raise Http404
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            material_upload(actor=request.user, campaign=campaign, criterion=data["criterion"], unit=data["unit"],
                            file=data["file"], title=data["title"], note=data["note"])  # fmt: skip
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Handed in; the materials group will review it."))
            return HttpResponseRedirect(reverse("material_list"))
    return render(request, "scoring/material_form.html", {"form": form})


def _material(request, pk):
    material = material_list(user=request.user).filter(pk=pk).first()
    if material is None:
        raise Http404
    return material


@login_required
def material_file_view(request, pk):
    material = _material(request, pk)
    return serve_protected_file(request, material.file, filename=material.filename, as_attachment=True)


@login_required
@require_POST
def material_review_view(request, pk):
    material = _material(request, pk)
    if not request.user.is_office:
        raise Http404
    try:
        material_review(actor=request.user, material=material, status=request.POST.get("status", ""),
                        note=request.POST.get("note", ""))  # fmt: skip
        messages.success(request, _("Review recorded."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(reverse("material_list"))


# --- accountability -----------------------------------------------------------------------------------------------


class AccountabilityForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=None)
    kind = forms.ChoiceField(label=_("Action"), choices=AccountabilityKind.choices)
    person_name = forms.CharField(label=_("Person"), max_length=100, required=False,
                                  help_text=gettext_lazy("Empty when the action is against the unit."))  # fmt: skip
    person_position = forms.CharField(label=_("Position"), max_length=100, required=False)
    amount = forms.DecimalField(label=_("Amount (yuan)"), required=False, max_digits=10, decimal_places=2)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    decided_on = forms.DateField(label=_("Decided on"), widget=forms.DateInput(attrs={"type": "date"}))
    decided_by = forms.CharField(label=_("Decided by"), max_length=200, required=False)
    problems = forms.CharField(label=_("Problems (ledger numbers)"), required=False,
                               help_text=gettext_lazy("For example WT000012, WT000015."))  # fmt: skip
    ranking_entry = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["unit"].queryset = Unit.objects.filter(campaign=campaign).order_by("path")
        styled(self)

    def clean_problems(self):
        numbers = [part.strip().upper() for part in self.cleaned_data["problems"].replace("，", ",").split(",")]
        numbers = [number for number in numbers if number]
        ids = []
        for number in numbers:
            if not (number.startswith("WT") and number[2:].isdigit()):
                raise forms.ValidationError(_("%(number)s is not a ledger number.") % {"number": number})
            ids.append(int(number[2:]))
        problems = list(Problem.objects.filter(pk__in=ids, campaign=self.campaign))
        if len(problems) != len(set(ids)):
            raise forms.ValidationError(_("Some of these problems are not in this campaign's ledger."))
        return problems


class AccountabilityListView(FilteredListView):
    template_name = "scoring/accountability_list.html"
    filterset_class = AccountabilityFilterSet
    export_title = gettext_lazy("Accountability")
    export_columns = [
        Column(gettext_lazy("Decided on"), 12),
        Column(gettext_lazy("Unit"), 24),
        Column(gettext_lazy("Person"), 14),
        Column(gettext_lazy("Position"), 16),
        Column(gettext_lazy("Action"), 20),
        Column(gettext_lazy("Amount (yuan)"), 10),
        Column(gettext_lazy("Reason"), 40),
        Column(gettext_lazy("Decided by"), 16),
        Column(gettext_lazy("Withdrawn"), 30),
    ]

    def get_queryset(self):
        if not self.request.campaign:
            return accountability_list(user=self.request.user).none()
        return accountability_list(user=self.request.user, campaign=self.request.campaign).prefetch_related(
            "problems", "ranking_entries__ranking", "inspection_items__criterion"
        )

    def export_row(self, record):
        withdrawn = f"{timezone.localtime(record.withdrawn_at):%Y-%m-%d} {record.withdraw_reason}" if (
            record.withdrawn_at) else ""  # fmt: skip
        return [record.decided_on, record.unit.name, record.person_name, record.person_position,
                choice_label(record, "kind"), record.amount, record.reason, record.decided_by, withdrawn]  # fmt: skip


@login_required
def accountability_create_view(request):
    campaign = request.campaign
    if not campaign or not request.user.is_office:
        raise Http404
    initial = {"decided_on": timezone.localdate()}
    entry = None
    entry_id = request.GET.get("entry") or request.POST.get("ranking_entry")
    if entry_id and str(entry_id).isdigit():
        entry = RankingEntry.objects.filter(pk=entry_id, ranking__campaign=campaign, unit__isnull=False,
                                            ranking__status=DocumentStatus.PUBLISHED).first()  # fmt: skip
        if entry is not None:
            initial.update(unit=entry.unit_id, ranking_entry=entry.pk)
    form = AccountabilityForm(request.POST or None, campaign=campaign, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record = accountability_record(
                actor=request.user, campaign=campaign, unit=data["unit"], kind=data["kind"], reason=data["reason"],
                decided_on=data["decided_on"], person_name=data["person_name"],
                person_position=data["person_position"], amount=data["amount"], decided_by=data["decided_by"],
                problems=data["problems"], ranking_entries=[entry] if entry is not None else [],
            )  # fmt: skip
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Recorded."))
            return HttpResponseRedirect(f"{reverse('accountability_list')}?unit={record.unit_id}")
    return render(request, "scoring/accountability_form.html", {"form": form, "entry": entry})


@login_required
@require_POST
def accountability_withdraw_view(request, pk):
    record = accountability_list(user=request.user).filter(pk=pk).first()
    if record is None or not request.user.is_office:
        raise Http404
    try:
        accountability_withdraw(actor=request.user, record=record, reason=request.POST.get("reason", ""))
        messages.success(request, _("Withdrawn."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(f"{reverse('accountability_list')}?unit={record.unit_id}")
