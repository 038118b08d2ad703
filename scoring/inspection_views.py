"""Pages of inspections and the projected score: the rounds, planning and closing one, the inspector's visit at a
point on a phone, a visit with its items and photos, the findings to review (one by one or in bulk), and the
projection from the latest mock assessment with its trend and shortfalls. Every list is filtered and exported."""

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

from campaign.models import Point
from core.errors import DomainError
from core.excel import Column, choice_label, write_workbook, xlsx_response
from core.views import FilteredListView, serve_protected_file
from scoring.choices import InspectionStatus, ItemResult, ReviewStatus, RoundKind, RoundStatus
from scoring.filters import FindingFilterSet, RoundFilterSet
from scoring.forms import ReviewForm, RoundForm, VisitForm
from scoring.inspections import (
    finding_list,
    finding_review,
    findings_approve,
    inspection_criteria,
    inspection_list,
    inspection_submit,
    may_inspect,
    photo_list,
    round_close,
    round_create,
    round_list,
    round_points,
)
from scoring.models import Inspection, InspectionRound, RoundPoint
from scoring.projection import latest_mock, projection_compute, projection_trend


def _local(value):
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _round(request, pk) -> InspectionRound:
    round = (
        round_list(user=request.user, campaign=request.campaign).filter(pk=pk).first() if request.campaign else None
    )
    if round is None:
        raise Http404
    return round


class RoundListView(FilteredListView):
    template_name = "scoring/round_list.html"
    filterset_class = RoundFilterSet
    export_title = gettext_lazy("Inspection rounds")
    export_columns = [
        Column(gettext_lazy("Name"), 30),
        Column(gettext_lazy("Kind"), 16),
        Column(gettext_lazy("Starts on"), 12),
        Column(gettext_lazy("Ends on"), 12),
        Column(gettext_lazy("Status"), 10),
        Column(gettext_lazy("Points"), 8),
        Column(gettext_lazy("Visited"), 8),
        Column(gettext_lazy("Findings"), 8),
        Column(gettext_lazy("Waiting for review"), 10),
    ]

    def get_queryset(self):
        if not self.request.campaign:
            return InspectionRound.objects.none()
        return round_list(user=self.request.user, campaign=self.request.campaign)

    def export_row(self, round):
        return [round.name, choice_label(round, "kind"), round.starts_on, round.ends_on, choice_label(round, "status"),
                round.point_count, round.visit_count, round.finding_count, round.pending_count]  # fmt: skip


@login_required
def round_create_view(request):
    campaign = request.campaign
    if not campaign or not request.user.is_office:
        raise Http404
    form = RoundForm(request.POST or None, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            round = round_create(
                actor=request.user, campaign=campaign, kind=data["kind"], name=data["name"],
                starts_on=data["starts_on"], ends_on=data["ends_on"], inspectors=data["inspectors"],
                points=data["points"], sampling=data["sampling"], note=data["note"],
            )  # fmt: skip
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The round is planned."))
            return HttpResponseRedirect(reverse("inspection_round_detail", args=[round.pk]))
    return render(request, "scoring/round_form.html", {"form": form})


class RoundDetailView(TemplateView):
    """A round: its points (visited or not), its visits with their findings, and for the office the close button;
    the visits as Excel."""

    template_name = "scoring/round_detail.html"
    export_columns = [
        Column(gettext_lazy("Point code"), 12),
        Column(gettext_lazy("Point"), 30),
        Column(gettext_lazy("Responsible unit"), 24),
        Column(gettext_lazy("Responsible leader"), 20),
        Column(gettext_lazy("Inspector"), 14),
        Column(gettext_lazy("Submitted at"), 18),
        Column(gettext_lazy("Findings"), 8),
        Column(gettext_lazy("Points lost (approved)"), 12),
    ]

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return HttpResponseRedirect(f"{reverse('login')}?next={request.path}")
        round = _round(request, kwargs["pk"])
        visits = inspection_list(user=request.user, round=round).order_by("point__code")
        if request.GET.get("export") == "xlsx":
            rows = [[v.point.code, v.point.name, v.unit.name if v.unit else "", v.leader_name, str(v.inspector),
                     _local(v.submitted_at), v.finding_count, v.lost] for v in visits]  # fmt: skip
            content = write_workbook(sheets=[(round.name[:31], self.export_columns, rows)])
            return xlsx_response(filename=round.name, content=content)
        return self.render_to_response(self.get_context_data(
            round=round, visits=visits, may_inspect=may_inspect(user=request.user, round=round),
            points=round_points(round=round) if request.user.sees_citywide else RoundPoint.objects.none(),
        ))  # fmt: skip


@login_required
@require_POST
def round_close_view(request, pk):
    round = _round(request, pk)
    if not request.user.is_office:
        raise Http404
    try:
        round_close(actor=request.user, round=round)
        messages.success(request, _("The round is closed."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(reverse("inspection_round_detail", args=[round.pk]))


@login_required
def visit_view(request, pk, point_pk):
    """The inspector's form at a point, made for a phone: each criterion with its standard, met / not met / not
    applicable, and for a failing one what was found, photos and the points deducted; the position is taken from
    the phone when allowed."""
    round = _round(request, pk)
    if not may_inspect(user=request.user, round=round):
        raise Http404
    point = Point.objects.filter(pk=point_pk, campaign=round.campaign).select_related("point_type", "grid").first()
    if point is None or not RoundPoint.objects.filter(round=round, point=point).exists():
        raise Http404
    criteria = inspection_criteria(point=point).select_related("task_assignment")
    done = Inspection.objects.filter(round=round, point=point, status=InspectionStatus.SUBMITTED).first()
    form = VisitForm(request.POST or None, request.FILES or None, criteria=criteria)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            inspection = inspection_submit(
                actor=request.user, round=round, point=point, items=form.items(), key=data["key"],
                latitude=data.get("latitude"), longitude=data.get("longitude"), note=data.get("note") or "",
            )  # fmt: skip
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            findings = inspection.items.filter(result=ItemResult.NOT_MET).count()
            messages.success(
                request, _("Visit recorded; %(count)s findings went to the ledger.") % {"count": findings}
            )
            return HttpResponseRedirect(reverse("inspection_round_detail", args=[round.pk]))
    context = {"round": round, "point": point, "form": form, "done": done, "open": round.status == RoundStatus.OPEN}
    return render(request, "scoring/visit_form.html", context)


class InspectionDetailView(TemplateView):
    template_name = "scoring/inspection_detail.html"

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return HttpResponseRedirect(f"{reverse('login')}?next={request.path}")
        inspection = inspection_list(user=request.user).filter(pk=kwargs["pk"]).first()
        if inspection is None:
            raise Http404
        items = inspection.items.select_related("criterion", "problem", "reviewed_by").prefetch_related("photos")
        return self.render_to_response(self.get_context_data(
            inspection=inspection, items=items, review_form=ReviewForm(), reviewable=request.user.is_office,
        ))  # fmt: skip


class FindingListView(FilteredListView):
    template_name = "scoring/finding_list.html"
    filterset_class = FindingFilterSet
    export_title = gettext_lazy("Inspection findings")
    export_columns = [
        Column(gettext_lazy("Round"), 24),
        Column(gettext_lazy("Point"), 24),
        Column(gettext_lazy("Criterion"), 14),
        Column(gettext_lazy("What was found"), 40),
        Column(gettext_lazy("Points deducted"), 10),
        Column(gettext_lazy("Responsible unit"), 24),
        Column(gettext_lazy("Responsible leader"), 18),
        Column(gettext_lazy("Ledger number"), 12),
        Column(gettext_lazy("Review"), 12),
        Column(gettext_lazy("Submitted at"), 18),
    ]

    def get_queryset(self):
        if not self.request.campaign:
            return finding_list(user=self.request.user).none()
        return finding_list(user=self.request.user, campaign=self.request.campaign)

    def export_row(self, item):
        inspection = item.inspection
        return [inspection.round.name, inspection.point.name, item.criterion.code, item.note, item.deduction,
                inspection.unit.name if inspection.unit else "", inspection.leader_name,
                item.problem.reference if item.problem else "", choice_label(item, "review_status"),
                _local(inspection.submitted_at)]  # fmt: skip

    def get_context_data(self, **kwargs):
        return super().get_context_data(review_form=ReviewForm(), **kwargs)


@login_required
@require_POST
def finding_review_view(request, pk):
    item = finding_list(user=request.user).filter(pk=pk).first()
    if item is None or not request.user.is_office:
        raise Http404
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve, return or hold."))
    else:
        try:
            finding_review(actor=request.user, item=item, **form.cleaned_data)
            messages.success(request, _("Review recorded."))
        except DomainError as exc:
            messages.error(request, exc.message)
    return HttpResponseRedirect(request.POST.get("next") or reverse("inspection_detail", args=[item.inspection_id]))


@login_required
@require_POST
def findings_approve_view(request):
    if not request.campaign or not request.user.is_office:
        raise Http404
    ids = [value for value in request.POST.getlist("items") if value.isdigit()]
    items = finding_list(user=request.user, campaign=request.campaign).filter(pk__in=ids)
    approved = findings_approve(actor=request.user, items=list(items))
    messages.success(request, _("%(count)s findings approved.") % {"count": approved})
    return HttpResponseRedirect(f"{reverse('finding_list')}?review_status={ReviewStatus.PENDING}")


@login_required
def inspection_photo_view(request, pk):
    photo = photo_list(user=request.user).filter(pk=pk).first()
    if photo is None:
        raise Http404
    return serve_protected_file(request, photo.thumbnail if request.GET.get("size") == "thumb" else photo.image)


class ProjectionView(TemplateView):
    """The projected score of a mock assessment (the latest unless one is chosen): the total against the target and
    the previous one, the trend, the tree of criteria and the shortfalls with their owners; Excel of all of it."""

    template_name = "scoring/projection.html"

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return HttpResponseRedirect(f"{reverse('login')}?next={request.path}")
        campaign = request.campaign
        if not campaign:
            raise Http404
        mocks = round_list(user=request.user, campaign=campaign).filter(kind=RoundKind.MOCK)
        chosen = request.GET.get("round")
        round = mocks.filter(pk=chosen).first() if chosen and chosen.isdigit() else latest_mock(campaign=campaign)
        if round is not None and not mocks.filter(pk=round.pk).exists():
            round = None
        result = projection_compute(round=round) if round is not None else None
        trend = projection_trend(campaign=campaign)
        if result is not None and request.GET.get("export") == "xlsx":
            return xlsx_response(filename=_("Projected score") + f"-{round.name}", content=_workbook(result, trend))
        return self.render_to_response(self.get_context_data(
            round=round, result=result, trend=trend, mocks=mocks.order_by("-ends_on"),
            open_count=mocks.filter(status=RoundStatus.OPEN).count(),
        ))  # fmt: skip


def _workbook(result, trend) -> bytes:
    summary = [
        [_("Mock assessment"), result.round_name],
        [_("Projected total"), result.total],
        [_("Full score"), result.full_score],
        [_("Target"), result.target],
        [_("Gap to the target"), result.gap],
        [_("Previous mock assessment"), result.previous_total],
        [_("Vetoed"), _("Yes") if result.vetoed else _("No")],
        [_("Criteria not yet checked"), result.unchecked],
    ]
    nodes = [[n.code, n.name, n.level, n.score, n.projected, n.lost, n.rate, n.field_rate, n.material_rate, n.met,
              n.failed, n.pending] for n in result.nodes]  # fmt: skip
    shortfalls = [[row["code"], row["name"], row["lost"], row["lead"], row["leader"],
                   "；".join(f"{o['unit']} {o['leader']} ×{o['findings']}" for o in row["owners"])]
                  for row in result.shortfalls]  # fmt: skip
    return write_workbook(sheets=[
        (_("Summary"), [Column(_("Item"), 24), Column(_("Value"), 30)], summary),
        (_("Criteria"), [Column(_("Code"), 12), Column(_("Criterion"), 50), Column(_("Level"), 6),
                         Column(_("Score"), 8), Column(_("Projected"), 10), Column(_("Lost"), 8),
                         Column(_("Rate"), 8), Column(_("Field rate"), 8), Column(_("Material rate"), 8),
                         Column(_("Met"), 6), Column(_("Failed"), 6), Column(_("Waiting for review"), 8)], nodes),
        (_("Shortfalls"), [Column(_("Code"), 12), Column(_("Criterion"), 40), Column(_("Lost"), 8),
                           Column(_("Lead unit"), 20), Column(_("Responsible leader"), 16),
                           Column(_("Where it was lost"), 60)], shortfalls),
        (_("Trend"), [Column(_("Mock assessment"), 24), Column(_("Ends on"), 12), Column(_("Projected total"), 12)],
         [[p.round.name, p.round.ends_on, p.total] for p in trend]),
    ])  # fmt: skip
