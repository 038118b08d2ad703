from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView

from campaign.choices import CampaignStatus, IndicatorKind, UnitType
from campaign.dispatch import dispatch_counters
from campaign.exports import manual_columns, manual_row
from campaign.filters import CriterionTaskFilterSet, ManualFilterSet, UnitPageFilterSet
from campaign.forms import ImportForm, ResponsibilityForm
from campaign.imports import (
    GRID_SPEC,
    GROUP_SPEC,
    INDICATOR_SPEC,
    PAIRING_SPEC,
    POINT_SPEC,
    POINT_TYPE_SPEC,
    STANDARD_SPEC,
    TASK_SPEC,
    UNIT_SPEC,
)
from campaign.jobs import IMPORTERS, REGISTERED_IMPORTS
from campaign.middleware import SESSION_KEY
from campaign.models import (
    Campaign,
    Indicator,
    Point,
    Responsibility,
    SampledPoint,
    Sampling,
    TaskAssignment,
    Unit,
)
from campaign.selectors import (
    Coverage,
    campaign_coverage,
    criteria_count_by_point_type,
    criteria_with_tasks,
    indicator_tree,
    latest_sampling,
    leaders_answering_for,
    manual_points,
    pairings_of,
    point_type_list,
    points_assigned_to,
    points_of_unit,
    tasks_of_unit,
    unit_ancestors,
    unit_counts_by_type,
    unit_get_visible,
    unit_groups_of,
    unit_list,
    units_of_user,
)
from campaign.services import (
    campaign_set_status,
    can_acknowledge,
    indicator_system_new_version,
    point_leaders_set,
    responsibility_set,
    sampling_draw,
    task_acknowledge,
)
from core.choices import HeartbeatKind, Role
from core.errors import DomainError
from core.excel import Column, choice_label, write_workbook, xlsx_response
from core.jobs import job_create
from core.selectors import audit_event_list, heartbeat_get
from core.views import FilteredListView, OfficeRequiredMixin


class CampaignHomeMixin(LoginRequiredMixin):
    """A role's home page: the current campaign with its countdown, or an empty state when there is none."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = self.request.campaign
        context["campaign"] = campaign if campaign else None
        return context


class OfficeHomeView(OfficeRequiredMixin, CampaignHomeMixin, TemplateView):
    template_name = "campaign/home_office.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        campaign = context["campaign"]
        if campaign is not None:
            counts = unit_counts_by_type(user=user, campaign=campaign)
            context["unit_counts"] = [(value, label, counts.get(value, 0)) for value, label in UnitType.choices]
            context["unit_total"] = sum(counts.values())
        context["heartbeat"] = heartbeat_get(kind=HeartbeatKind.SCHEDULER)
        context["recent_events"] = audit_event_list(user=user, changes_only=True)[:10]
        return context


class MyUnitsHomeView(CampaignHomeMixin, TemplateView):
    """Home of leaders, unit heads and liaisons: the units they answer for."""

    template_name = "campaign/home_units.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = context["campaign"]
        context["my_units"] = units_of_user(user=self.request.user, campaign=campaign) if campaign is not None else []
        context["is_leader"] = self.request.user.role == Role.LEADER
        if context["is_leader"] and campaign is not None:
            context["my_points"] = points_assigned_to(user=self.request.user, campaign=campaign)
        if campaign is not None:
            context["dispatch"] = dispatch_counters(user=self.request.user, campaign=campaign)
        return context


class InspectorHomeView(CampaignHomeMixin, TemplateView):
    template_name = "campaign/home_inspector.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = context["campaign"]
        if campaign is not None:
            context["districts"] = unit_list(user=self.request.user, campaign=campaign).filter(
                type__in=[UnitType.DISTRICT, UnitType.STREET]
            )
            context["latest_sampling"] = latest_sampling(campaign=campaign)
        return context


class UnitListView(FilteredListView):
    template_name = "campaign/unit_list.html"
    filterset_class = UnitPageFilterSet
    export_title = gettext_lazy("Responsible units")
    export_columns = [
        Column(gettext_lazy("Code"), 14),
        Column(gettext_lazy("Name"), 30),
        Column(gettext_lazy("Type"), 14),
        Column(gettext_lazy("Parent unit"), 24),
        Column(gettext_lazy("Parent code"), 14),
        Column(gettext_lazy("Head"), 16),
        Column(gettext_lazy("Leader in charge"), 16),
        Column(gettext_lazy("Liaisons"), 24),
        Column(gettext_lazy("Office phone"), 16),
    ]

    def get_queryset(self):
        campaign = self.request.campaign
        if not campaign:
            return Unit.objects.none()
        return unit_list(user=self.request.user, campaign=campaign)

    def export_row(self, unit):
        return [
            unit.code,
            unit.name,
            choice_label(unit, "type"),
            unit.parent.name if unit.parent else "",
            unit.parent.code if unit.parent else "",
            unit.head_name,
            unit.leader_in_charge,
            "、".join(m.user.get_full_name() for m in unit.liaison_memberships),
            unit.phone,
        ]


class UnitDetailView(LoginRequiredMixin, TemplateView):
    template_name = "campaign/unit_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        unit = unit_get_visible(user=user, pk=self.kwargs["pk"])
        if unit is None:
            raise Http404
        context["unit"] = unit
        # Ancestors outside the user's scope are shown by name only, without a link.
        visible = set(Unit.objects.visible_to(user).filter(pk__in=unit.ancestor_ids()).values_list("pk", flat=True))
        context["ancestors"] = [(ancestor, ancestor.pk in visible) for ancestor in unit_ancestors(unit=unit)]
        context["leaders"] = leaders_answering_for(unit=unit)
        context["groups"] = unit_groups_of(unit=unit)
        context["pairings"] = pairings_of(unit=unit)
        context["children"] = unit_list(user=user, campaign=unit.campaign).filter(parent=unit)
        return context


@login_required
@require_POST
def campaign_switch(request):
    campaign_id = request.POST.get("campaign", "")
    campaign = (
        Campaign.objects.visible_to(request.user).filter(pk=campaign_id).first() if campaign_id.isdigit() else None
    )
    if campaign is None:
        raise Http404
    request.session[SESSION_KEY] = campaign.pk
    messages.success(request, _("You are now working in %(campaign)s.") % {"campaign": campaign.name})
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=False):
        next_url = reverse("home")
    return HttpResponseRedirect(next_url)


# Where to look at what an import wrote.
IMPORT_RESULT_PAGES = {
    "import.indicators": "indicator_tree",
    "import.point_types": "indicator_tree",
    "import.units": "unit_list",
    "import.tasks": "task_division",
    "import.points": "manual",
    "import.standards": "task_division",
    "import.grids": "manual",
    "import.groups": "unit_list",
    "import.pairings": "unit_list",
}


class ImportView(OfficeRequiredMixin, FormView):
    """Upload a file: it is checked at once and the plan (what will be created, updated, removed) and every
    problem are shown on the job page; nothing is written until staff confirm there."""

    template_name = "campaign/import_form.html"
    form_class = ImportForm

    def get_initial(self):
        return {"kind": self.request.GET.get("kind", "import.indicators")}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        field = form.fields["kind"]
        field.choices = [*field.choices, *((kind, entry.label) for kind, entry in REGISTERED_IMPORTS.items())]
        return form

    def get_context_data(self, **kwargs):
        return super().get_context_data(registered_imports=REGISTERED_IMPORTS, **kwargs)

    def form_valid(self, form):
        campaign = self.request.campaign
        if not campaign:
            raise Http404
        upload = form.cleaned_data["file"]
        kind = form.cleaned_data["kind"]
        data = upload.read()
        upload.seek(0)
        plan = IMPORTERS[kind](campaign=campaign, filename=upload.name, data=data)
        job = job_create(
            kind=kind,
            user=self.request.user,
            campaign_id=campaign.pk,
            uploaded=upload,
            result={
                "preview": plan.summary(),
                "has_errors": plan.has_errors,
                "next_url": reverse(IMPORT_RESULT_PAGES.get(kind) or REGISTERED_IMPORTS[kind].result_page),
                "again_url": f"{reverse('import_new')}?kind={kind}",
            },
        )
        return HttpResponseRedirect(reverse("job_detail", args=[job.pk]))


class ImportTemplateView(LoginRequiredMixin, View):
    """An empty workbook with the columns an import expects, named as in the office's sheets."""

    def get(self, request, kind):
        specs = {
            "import.indicators": [POINT_TYPE_SPEC, INDICATOR_SPEC],
            "import.point_types": [POINT_TYPE_SPEC],
            "import.units": [UNIT_SPEC],
            "import.tasks": [TASK_SPEC],
            "import.points": [GRID_SPEC, POINT_SPEC],
            "import.standards": [STANDARD_SPEC],
            "import.grids": [GRID_SPEC],
            "import.groups": [GROUP_SPEC],
            "import.pairings": [PAIRING_SPEC],
            **{registered: list(entry.specs) for registered, entry in REGISTERED_IMPORTS.items()},
        }
        if kind not in specs:
            raise Http404
        content = write_workbook(
            sheets=[(spec.title, [Column(name, 18) for name in spec.columns], []) for spec in specs[kind]]
        )
        return xlsx_response(filename=str(_("Template")) + "-" + specs[kind][-1].title, content=content)


class IndicatorTreeView(LoginRequiredMixin, TemplateView):
    """The assessment system as a tree with totals at every level; mismatched totals are flagged."""

    template_name = "campaign/indicator_tree.html"

    def get(self, request, *args, **kwargs):
        campaign = request.campaign
        tree = indicator_tree(campaign=campaign) if campaign else None
        if tree is not None and request.GET.get("export") == "xlsx":
            return xlsx_response(filename=str(_("Assessment system")), content=self.workbook(tree))
        return self.render_to_response(
            self.get_context_data(
                campaign=campaign if campaign else None,
                tree=tree,
                point_types=point_type_list(campaign=campaign) if campaign else [],
                kinds=IndicatorKind,
            )
        )

    @staticmethod
    def workbook(tree) -> bytes:
        columns = [
            Column(_("Code"), 14),
            Column(_("Parent code"), 14),
            Column(_("Level"), 8),
            Column(_("Name"), 60),
            Column(_("Score"), 10),
            Column(_("Children's total"), 12),
            Column(_("Kind"), 10),
            Column(_("Methods"), 24),
            Column(_("Applicable point types"), 40),
            Column(_("One-vote veto"), 10),
        ]
        rows = (
            [
                node.indicator.code,
                node.indicator.parent.code if node.indicator.parent_id else "",
                node.indicator.level,
                node.indicator.name,
                node.indicator.score,
                node.children_total,
                node.indicator.get_kind_display(),
                "、".join(node.methods),
                "、".join(node.point_types),
                _("Yes") if node.indicator.is_veto else "",
            ]
            for node in tree.nodes
        )
        return write_workbook(sheets=[(_("Assessment system"), columns, rows)])


class TaskDivisionView(FilteredListView):
    """任务分工: every criterion with its lead, cooperating units, leader, deadline and whether the lead has
    acknowledged it; criteria without a lead are listed too."""

    template_name = "campaign/task_division.html"
    filterset_class = CriterionTaskFilterSet
    export_title = gettext_lazy("Task division")
    export_columns = [
        Column(gettext_lazy("Code"), 12),
        Column(gettext_lazy("Criterion"), 50),
        Column(gettext_lazy("Score"), 8),
        Column(gettext_lazy("Methods"), 16),
        Column(gettext_lazy("Lead unit"), 22),
        Column(gettext_lazy("Cooperating units"), 40),
        Column(gettext_lazy("Responsible leader"), 20),
        Column(gettext_lazy("Deadline"), 12),
        Column(gettext_lazy("Acknowledged"), 30),
    ]

    def get_queryset(self):
        campaign = self.request.campaign
        if not campaign:
            return Indicator.objects.none()
        return criteria_with_tasks(user=self.request.user, campaign=campaign)

    def get_context_data(self, **kwargs):
        return super().get_context_data(today=timezone.localdate(), **kwargs)

    def export_row(self, criterion):
        task = getattr(criterion, "task_assignment", None)
        return [
            criterion.code,
            criterion.name,
            criterion.score,
            "、".join(choice_label(m, "method") for m in criterion.methods.all()),
            task.lead_name if task else "",
            "、".join(
                [*(str(u) for u in task.cooperating_units.all()), *(str(g) for g in task.cooperating_groups.all())]
            )
            if task
            else "",
            task.responsible_leader if task else "",
            task.deadline if task else None,
            "、".join(f"{a.unit}（{a.acknowledged_at:%m-%d}）" for a in task.acknowledgements.all()) if task else "",
        ]


class MyResponsibilitiesView(LoginRequiredMixin, TemplateView):
    """A unit's 责任清单: the criteria it leads or cooperates on; its head acknowledges receiving each."""

    template_name = "campaign/my_responsibilities.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        campaign = self.request.campaign
        units = list(units_of_user(user=user, campaign=campaign).filter(memberships__user=user)) if campaign else []
        context["campaign"] = campaign if campaign else None
        context["today"] = timezone.localdate()
        context["sections"] = [
            {
                "unit": unit,
                "tasks": tasks_of_unit(unit=unit),
                "points": points_of_unit(unit=unit),
                "can_acknowledge": can_acknowledge(user=user, unit=unit),
            }
            for unit in units
        ]
        return context


@login_required
@require_POST
def task_acknowledge_view(request, pk):
    task = TaskAssignment.objects.visible_to(request.user).filter(pk=pk).first()
    unit_id = request.POST.get("unit", "")
    unit = Unit.objects.visible_to(request.user).filter(pk=unit_id).first() if unit_id.isdigit() else None
    if task is None or unit is None:
        raise Http404
    try:
        task_acknowledge(actor=request.user, task=task, unit=unit)
        messages.success(request, _("Acknowledged: %(task)s") % {"task": task.indicator.name})
    except DomainError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(reverse("my_responsibilities"))


class ManualView(FilteredListView):
    """The grid responsibility manual (精细网格化责任手册): a section per grid, every point with its responsible
    leader, unit, post and targets; prints on A4 and exports to Excel."""

    template_name = "campaign/manual.html"
    filterset_class = ManualFilterSet
    paginate_by = 500
    export_title = gettext_lazy("Responsibility manual")

    @property
    def export_columns(self):
        return manual_columns()

    def get_queryset(self):
        campaign = self.request.campaign
        if not campaign:
            return Point.objects.none()
        self.target_counts = criteria_count_by_point_type(campaign=campaign)
        return manual_points(user=self.request.user, campaign=campaign)

    def targets(self, point) -> int:
        return point.custom_targets or self.target_counts.get(point.point_type_id, 0)

    def export_row(self, point):
        return manual_row(point, self.target_counts)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for point in context["object_list"]:
            point.target_count = self.targets(point)
        return context


class ResponsibilityEditView(OfficeRequiredMixin, FormView):
    """Staff edit one point's manual row: leader, unit, post, custom target criteria and road-section leaders."""

    template_name = "campaign/responsibility_form.html"
    form_class = ResponsibilityForm

    @cached_property
    def point(self):
        # Looked up after the office check of dispatch(), so nobody else learns whether the point exists.
        point = (
            Point.objects.visible_to(self.request.user)
            .select_related("campaign", "grid", "point_type")
            .filter(pk=self.kwargs["pk"])
            .first()
        )
        if point is None:
            raise Http404
        return point

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["point"] = self.point
        kwargs["instance"] = Responsibility.objects.filter(point=self.point).first() or Responsibility(
            point=self.point
        )
        return kwargs

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        leaders = data.pop("road_leaders")
        try:
            with transaction.atomic():
                responsibility_set(actor=self.request.user, point=self.point, **data)
                point_leaders_set(actor=self.request.user, point=self.point, leaders=leaders)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, _("The manual row of %(point)s was saved.") % {"point": self.point.name})
        return HttpResponseRedirect(f"{reverse('manual')}?q={self.point.code}")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["point"] = self.point
        return context


class CoverageView(LoginRequiredMixin, TemplateView):
    """横到边、纵到底: what still lacks an owner, and (for staff) moving the campaign to "ready"."""

    template_name = "campaign/coverage.html"
    shown = 200

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = self.request.campaign
        if not campaign or not self.request.user.sees_citywide:
            raise Http404
        coverage = campaign_coverage(campaign=campaign)
        counts = coverage.counts()
        context.update(
            campaign=campaign,
            counts=counts,
            total=sum(counts.values()),
            sections={kind: getattr(coverage, kind)[: self.shown] for kind in Coverage.KINDS},
            statuses=CampaignStatus.choices,
        )
        return context


@login_required
@require_POST
def campaign_status_view(request):
    campaign = request.campaign
    if not campaign or not request.user.is_office:
        raise Http404
    try:
        campaign_set_status(
            actor=request.user,
            campaign=campaign,
            status=request.POST.get("status", ""),
            override_reason=request.POST.get("override_reason", ""),
        )
        messages.success(request, _("The campaign's status was changed."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(reverse("coverage"))


class SamplingListView(LoginRequiredMixin, TemplateView):
    """Random draws of points as the assessors will make them; staff draw, the office and inspectors read."""

    template_name = "campaign/sampling_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = self.request.campaign
        if not campaign or not self.request.user.sees_citywide:
            raise Http404
        context["samplings"] = (
            Sampling.objects.filter(campaign=campaign)
            .select_related("drawn_by")
            .annotate(point_count=Count("sampled_points"))
            .order_by("-drawn_at")
        )
        context["wanted"] = sum(campaign.point_types.values_list("sample_count", flat=True))
        return context


class SamplingDetailView(LoginRequiredMixin, TemplateView):
    template_name = "campaign/sampling_detail.html"

    def get(self, request, *args, **kwargs):
        sampling = (
            Sampling.objects.visible_to(request.user).filter(pk=kwargs["pk"]).select_related("drawn_by").first()
            if request.user.sees_citywide
            else None
        )
        if sampling is None:
            raise Http404
        points = list(
            SampledPoint.objects.filter(sampling=sampling)
            .select_related("point", "point__point_type", "point__grid", "point__responsibility__unit")
            .order_by("point__point_type__code", "position")
        )
        if request.GET.get("export") == "xlsx":
            columns = [Column(_("Point type"), 16), Column(_("Point code"), 12), Column(_("Point"), 28),
                       Column(_("Grid"), 20), Column(_("Address"), 28), Column(_("Responsible unit"), 22)]  # fmt: skip
            rows = (
                [s.point.point_type.name, s.point.code, s.point.name, s.point.grid.name, s.point.address,
                 str(getattr(getattr(s.point, "responsibility", None), "unit", "") or "")]
                for s in points
            )  # fmt: skip
            return xlsx_response(
                filename=str(_("Sampling draw")), content=write_workbook(sheets=[(_("Sampling draw"), columns, rows)])
            )
        return self.render_to_response(self.get_context_data(sampling=sampling, sampled=points))


MAX_SEED = 10**18  # fits the database's 64-bit integer


@login_required
@require_POST
def sampling_draw_view(request):
    campaign = request.campaign
    if not campaign or not request.user.is_office:
        raise Http404
    seed_text = request.POST.get("seed", "").strip()
    if seed_text and not (seed_text.isdigit() and int(seed_text) <= MAX_SEED):
        messages.error(request, _("The seed must be a whole number, or empty for a random one."))
        return HttpResponseRedirect(reverse("sampling_list"))
    sampling = sampling_draw(
        actor=request.user, campaign=campaign, seed=int(seed_text) if seed_text else None,
        note=request.POST.get("note", ""),
    )  # fmt: skip
    return HttpResponseRedirect(reverse("sampling_detail", args=[sampling.pk]))


@login_required
@require_POST
def indicator_system_version_view(request):
    campaign = request.campaign
    if not campaign or not request.user.is_office:
        raise Http404
    try:
        system = indicator_system_new_version(actor=request.user, campaign=campaign, name=request.POST.get("name", ""))
        messages.success(
            request, _("Version %(version)s is now the current assessment system.") % {"version": system.version}
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(reverse("indicator_tree"))
