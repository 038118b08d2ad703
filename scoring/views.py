"""Pages of the report to the leaders and the bulletins: the list, a document to read on screen, print or take as
Excel, and the office's compile, edit, publish and correct actions; units acknowledge being named."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from campaign.choices import ReportCompliance
from core.errors import DomainError
from core.excel import Column, choice_label, xlsx_response
from core.views import FilteredListView, serve_protected_file
from rectification.models import ProblemPhoto
from scoring.choices import MentionReason, Period
from scoring.compile import LIST_LIMIT
from scoring.documents import (
    KINDS,
    document_compile,
    document_correct,
    document_edit,
    document_list,
    document_publish,
    mention_acknowledge,
    mentions_for_user,
)
from scoring.exports import document_workbook
from scoring.filters import BulletinFilterSet, LeaderReportFilterSet
from scoring.models import Bulletin, BulletinMention

TITLES = {"leader_report": gettext_lazy("Reports to the leaders"), "bulletin": gettext_lazy("Bulletins")}


FILTERS = {"leader_report": LeaderReportFilterSet, "bulletin": BulletinFilterSet}


def _model(kind: str):
    if kind not in KINDS:
        raise Http404
    return KINDS[kind]


def _visible(request, kind, pk):
    document = document_list(user=request.user, model=_model(kind)).filter(pk=pk).first()
    if document is None:
        raise Http404
    return document


class DocumentListView(FilteredListView):
    template_name = "scoring/document_list.html"
    export_columns = [
        Column(gettext_lazy("Period"), 10),
        Column(gettext_lazy("From"), 12),
        Column(gettext_lazy("To"), 12),
        Column(gettext_lazy("Version"), 8),
        Column(gettext_lazy("Status"), 10),
        Column(gettext_lazy("Figures as of"), 18),
        Column(gettext_lazy("Published at"), 18),
    ]

    @property
    def export_title(self):
        return str(TITLES[self.kwargs["kind"]])

    def get_filterset(self):
        self.filterset_class = FILTERS.get(self.kwargs["kind"])
        if self.filterset_class is None:
            raise Http404
        return super().get_filterset()

    def get_queryset(self):
        campaign = self.request.campaign
        model = _model(self.kwargs["kind"])
        if not campaign:
            return model.objects.none()
        return document_list(user=self.request.user, model=model, campaign=campaign)

    def export_row(self, document):
        return [
            choice_label(document, "period"), document.period_start, document.period_end, document.version,
            choice_label(document, "status"), timezone.localtime(document.cutoff_at).replace(tzinfo=None),
            timezone.localtime(document.published_at).replace(tzinfo=None) if document.published_at else None,
        ]  # fmt: skip

    def get_context_data(self, **kwargs):
        return super().get_context_data(kind=self.kwargs["kind"], title=TITLES[self.kwargs["kind"]],
                                        today=timezone.localdate(), periods=Period.choices, **kwargs)  # fmt: skip


class DocumentDetailView(TemplateView):
    template_name = "scoring/document_detail.html"

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return HttpResponseRedirect(f"{reverse('login')}?next={request.path}")
        document = _visible(request, kwargs["kind"], kwargs["pk"])
        if request.GET.get("export") == "xlsx":
            name = f"{TITLES[kwargs['kind']]}-{document.period_end}-v{document.version}"
            return xlsx_response(filename=name, content=document_workbook(document))
        return self.render_to_response(self.get_context_data(document=document))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        document = context["document"]
        kind = self.kwargs["kind"]
        versions = document_list(user=self.request.user, model=type(document), campaign=document.campaign).filter(
            period=document.period, period_end=document.period_end
        )
        context.update(
            kind=kind, title=TITLES[kind], data=document.data, limit=LIST_LIMIT, versions=versions,
            compliance_labels=dict(ReportCompliance.choices), reasons=dict(MentionReason.choices),
            is_latest=not versions.filter(version__gt=document.version).exists(),
        )  # fmt: skip
        if isinstance(document, Bulletin):
            context["my_mentions"] = mentions_for_user(user=self.request.user, bulletin=document)
            context["my_unit_ids"] = {m.unit_id for m in context["my_mentions"]}
            if self.request.user.is_office:
                context["mentions"] = document.mentions.select_related("unit", "acknowledged_by")
        return context


@login_required
@require_POST
def document_compile_view(request, kind):
    """Staff compile (or compile again) the draft for a day or the week ending on it, now."""
    model = _model(kind)
    campaign = request.campaign
    if not campaign or not request.user.is_office:
        raise Http404
    day = parse_date(request.POST.get("date") or "") if _is_date(request.POST.get("date")) else None
    period = request.POST.get("period") or Period.DAILY
    if day is None or period not in Period.values:
        messages.error(request, _("Choose a day up to today and a period."))
        return HttpResponseRedirect(reverse("document_list", args=[kind]))
    try:
        document = document_compile(model=model, campaign=campaign, period=period, end_date=day, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("document_list", args=[kind]))
    if document is None:
        messages.warning(request, _("That period is published; start a corrected version from the published one."))
        return HttpResponseRedirect(reverse("document_list", args=[kind]))
    messages.success(request, _("Compiled with the figures as of now."))
    return HttpResponseRedirect(reverse("document_detail", args=[kind, document.pk]))


def _is_date(text) -> bool:
    try:
        return bool(text) and parse_date(text) is not None
    except ValueError:
        return False


@login_required
@require_POST
def document_action_view(request, kind, pk, action):
    document = _visible(request, kind, pk)
    if not request.user.is_office:
        raise Http404
    target = document
    try:
        if action == "edit":
            note = request.POST.get("correction_note") if document.version > 1 else None
            document_edit(
                actor=request.user, document=document, lead=request.POST.get("lead", ""), correction_note=note
            )
            messages.success(request, _("Saved."))
        elif action == "recompile":
            if document.is_published:
                raise DomainError(_("A published version is not changed; start a correction instead."))
            target = document_compile(model=type(document), campaign=document.campaign, period=document.period,
                                      end_date=document.period_end, actor=request.user)  # fmt: skip
            messages.success(request, _("Compiled with the figures as of now."))
        elif action == "publish":
            document_publish(actor=request.user, document=document)
            messages.success(request, _("Published."))
        elif action == "correct":
            target = document_correct(actor=request.user, document=document)
            messages.success(request, _("A corrected version was started; say what it corrects, then publish it."))
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(reverse("document_detail", args=[kind, target.pk]))


@login_required
@require_POST
def mention_acknowledge_view(request, pk):
    mention = BulletinMention.objects.visible_to(request.user).filter(pk=pk).select_related("bulletin").first()
    if mention is None or not mention.bulletin.is_published:
        raise Http404
    try:
        mention_acknowledge(actor=request.user, mention=mention)
        messages.success(request, _("Acknowledged."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(reverse("document_detail", args=["bulletin", mention.bulletin_id]))


@login_required
def bulletin_photo_view(request, pk, photo_pk):
    """A finding's photo as the bulletin shows it: for whoever may read the bulletin, only photos it cites."""
    bulletin = _visible(request, "bulletin", pk)
    cited = {finding.get("photo_id") for finding in bulletin.data.get("findings", [])}
    if photo_pk not in cited:
        raise Http404
    photo = ProblemPhoto.objects.filter(pk=photo_pk).first()
    if photo is None:
        raise Http404
    return serve_protected_file(request, photo.thumbnail if request.GET.get("size") == "thumb" else photo.image)
