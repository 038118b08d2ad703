from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView

from campaign.models import Unit
from core.errors import DomainError
from core.excel import Column, choice_label
from core.views import FilteredListView, OfficeRequiredMixin, serve_protected_file
from rectification.filters import CategoryPageFilterSet, DisputeFilterSet, ProblemPageFilterSet, RecheckFilterSet
from rectification.forms import (
    WEEKDAY_CHOICES,
    ApplyToAllForm,
    CalendarExceptionForm,
    ProblemForm,
    ProblemMoveForm,
    RecheckForm,
    WorkingHoursForm,
)
from rectification.models import CalendarException, Dispute, Problem, ProblemCategory, Recheck
from rectification.problems import (
    may_record,
    possible_duplicates,
    problem_apply_to_all,
    problem_merge,
    problem_record,
    problem_route,
)
from rectification.rechecks import recheck_record
from rectification.selectors import (
    calendar_exceptions_by_year,
    calendar_year_summary,
    category_list,
    dispute_list,
    problem_counters,
    problem_get_visible,
    problem_history,
    problem_list,
    public_reply_for,
    recheck_list,
    work_calendar_get,
    worktime_calendar,
)
from rectification.services import (
    calendar_exception_add,
    calendar_exception_remove,
    work_calendar_ensure,
    work_calendar_update,
)
from rectification.workflow import (
    TRANSITIONS,
    available_transitions,
    dispute_can_escalate,
    dispute_escalate,
    dispute_ladder,
    dispute_step_name,
    problem_move,
    problems_assign_bulk,
)


class CategoryListView(OfficeRequiredMixin, FilteredListView):
    """The problem categories of the current campaign with their deadlines and conditions; Excel export."""

    template_name = "rectification/category_list.html"
    filterset_class = CategoryPageFilterSet
    paginate_by = 100
    export_title = gettext_lazy("Problem categories")
    export_columns = [
        Column(gettext_lazy("Code"), 12),
        Column(gettext_lazy("Parent code"), 12),
        Column(gettext_lazy("Name"), 24),
        Column(gettext_lazy("Level"), 8),
        Column(gettext_lazy("Deadline"), 10),
        Column(gettext_lazy("Deadline unit"), 12),
        Column(gettext_lazy("Urgent deadline"), 12),
        Column(gettext_lazy("Condition to open a case"), 40),
        Column(gettext_lazy("Condition to close a case"), 40),
        Column(gettext_lazy("Default responsible unit type"), 18),
        Column(gettext_lazy("Active"), 8),
    ]

    def get_queryset(self):
        campaign = self.request.campaign
        if not campaign:
            return ProblemCategory.objects.none()
        return category_list(user=self.request.user, campaign=campaign)

    def export_row(self, category):
        return [
            category.code,
            category.parent.code if category.parent_id else "",
            category.name,
            category.level,
            category.deadline,
            choice_label(category, "deadline_unit") if category.deadline else "",
            category.urgent_deadline,
            category.open_condition,
            category.close_condition,
            choice_label(category, "default_unit_type"),
            _("Yes") if category.is_active else _("No"),
        ]


class WorkCalendarView(OfficeRequiredMixin, TemplateView):
    """The current campaign's working-time calendar: working periods and weekdays, and the public holidays and
    make-up working days of a year (`?year=`), with forms to change them. Until staff first save something the
    campaign works the default hours, shown here, and nothing is stored."""

    template_name = "rectification/work_calendar.html"

    def campaign(self):
        campaign = self.request.campaign
        if not campaign:
            raise Http404
        return campaign

    def year(self) -> int:
        year = self.request.GET.get("year", "")
        return int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else timezone.localdate().year

    def get_context_data(self, *, hours_form=None, exception_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = self.campaign()
        calendar = work_calendar_get(campaign=campaign)
        rules = worktime_calendar(campaign=campaign)
        year = self.year()
        by_year = calendar_exceptions_by_year(calendar=calendar)
        this_year = timezone.localdate().year
        context.update(
            campaign=campaign,
            calendar=calendar,
            rules=rules,
            weekday_names=[name for number, name in WEEKDAY_CHOICES if number in rules.weekdays],
            day_hours=rules.day_minutes / 60,
            year=year,
            years=sorted({*by_year, this_year, this_year + 1, year}),
            exceptions=by_year.get(year, []),
            summary=calendar_year_summary(calendar=rules, year=year),
            hours_form=hours_form
            or WorkingHoursForm(initial=WorkingHoursForm.initial_for(weekdays=rules.weekdays, periods=rules.periods)),
            exception_form=exception_form or CalendarExceptionForm(),
        )
        return context

    def redirect(self, year: int | None = None):
        url = reverse("work_calendar")
        return HttpResponseRedirect(f"{url}?year={year}" if year else url)


class WorkingHoursUpdateView(WorkCalendarView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        campaign = self.campaign()
        form = WorkingHoursForm(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    calendar = work_calendar_ensure(actor=request.user, campaign=campaign)
                    work_calendar_update(
                        actor=request.user,
                        calendar=calendar,
                        weekdays=set(form.cleaned_data["weekdays"]),
                        periods=form.cleaned_data["periods"],
                    )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The working hours were saved."))
                return self.redirect()
        return self.render_to_response(self.get_context_data(hours_form=form))


class CalendarExceptionAddView(WorkCalendarView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        campaign = self.campaign()
        form = CalendarExceptionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    calendar = work_calendar_ensure(actor=request.user, campaign=campaign)
                    exception = calendar_exception_add(
                        actor=request.user, calendar=calendar, date=data["date"], kind=data["kind"], name=data["name"]
                    )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("%(date)s is now marked as %(kind)s.")
                    % {"date": f"{exception.date:%Y-%m-%d}", "kind": exception.get_kind_display()},
                )
                return self.redirect(exception.date.year)
        return self.render_to_response(self.get_context_data(exception_form=form))


class CalendarExceptionRemoveView(OfficeRequiredMixin, View):
    def post(self, request, pk):
        campaign = request.campaign
        exception = (
            CalendarException.objects.visible_to(request.user)
            .filter(pk=pk, calendar__campaign=campaign)
            .select_related("calendar")
            .first()
            if campaign
            else None
        )
        if exception is None:
            raise Http404
        calendar_exception_remove(actor=request.user, exception=exception)
        messages.success(
            request, _("%(date)s was removed from the calendar.") % {"date": f"{exception.date:%Y-%m-%d}"}
        )
        return HttpResponseRedirect(f"{reverse('work_calendar')}?year={exception.date.year}")


class ProblemListView(FilteredListView):
    """The problem ledger (问题台账): everything for the office, a unit's own problems for a unit, ordered by deadline,
    with the counters a unit works from (due today, overdue, returned)."""

    template_name = "rectification/problem_list.html"
    filterset_class = ProblemPageFilterSet
    export_title = gettext_lazy("Problem ledger")
    export_columns = [
        Column(gettext_lazy("Number"), 10),
        Column(gettext_lazy("Found at"), 18),
        Column(gettext_lazy("Source"), 14),
        Column(gettext_lazy("Category"), 16),
        Column(gettext_lazy("Point"), 20),
        Column(gettext_lazy("Address"), 24),
        Column(gettext_lazy("Description"), 40),
        Column(gettext_lazy("Severity"), 8),
        Column(gettext_lazy("Responsible unit"), 20),
        Column(gettext_lazy("Responsible leader"), 14),
        Column(gettext_lazy("Deadline"), 18),
        Column(gettext_lazy("Status"), 14),
        Column(gettext_lazy("Overdue"), 8),
        Column(gettext_lazy("Times returned"), 8),
        Column(gettext_lazy("Closed at"), 18),
    ]

    def get_queryset(self):
        campaign = self.request.campaign
        if not campaign:
            return Problem.objects.none()
        return problem_list(user=self.request.user, campaign=campaign)

    def export_row(self, problem):
        return [
            problem.reference, problem.created_at, choice_label(problem, "source"),
            problem.category.name if problem.category else "", problem.point.name if problem.point else "",
            problem.address, problem.description, choice_label(problem, "severity"),
            problem.responsible_unit.name if problem.responsible_unit else "", problem.responsible_leader,
            problem.deadline, choice_label(problem, "status"), _("yes") if problem.is_overdue() else "",
            problem.rework_count, problem.closed_at,
        ]  # fmt: skip

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = self.request.campaign
        if campaign:
            context["counters"] = problem_counters(user=self.request.user, campaign=campaign)
        context["may_record"] = may_record(user=self.request.user)
        if self.request.user.is_office and campaign:
            context["assign_units"] = Unit.objects.filter(campaign=campaign, is_active=True).order_by("path")
        return context


class ProblemDetailView(LoginRequiredMixin, TemplateView):
    """One problem: where, what, who answers for it by when, its history, and the moves the user can make."""

    template_name = "rectification/problem_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        problem = problem_get_visible(user=self.request.user, pk=kwargs["pk"])
        if problem is None:
            raise Http404
        context["problem"] = problem
        context["history"] = problem_history(problem=problem)
        context["moves"] = available_transitions(user=self.request.user, problem=problem)
        context["move_form"] = ProblemMoveForm(problem=problem)
        if self.request.user.is_office and problem.point_id:
            context["alike_form"] = ApplyToAllForm(problem=problem)
        if self.request.user.is_office and problem.is_open:
            context["duplicates"] = possible_duplicates(
                campaign=problem.campaign, category=problem.category, point=problem.point,
                longitude=problem.longitude, latitude=problem.latitude, exclude=problem,
            )[:10]  # fmt: skip
        context["related"] = problem.related.all()
        context["photos"] = problem.photos.select_related("transition").order_by("uploaded_at", "pk")
        context["rechecks"] = problem.rechecks.select_related("new_problem").order_by("due_date")
        if problem.tracking_code and self.request.user.is_office:
            context["public_reply"] = public_reply_for(problem)
        return context


@login_required
def problem_photo_view(request, pk, photo_pk):
    """A problem's photo (`?size=thumb` for the thumbnail), for whoever may see the problem; 404 for anyone else."""
    problem = problem_get_visible(user=request.user, pk=pk)
    photo = problem.photos.filter(pk=photo_pk).first() if problem is not None else None
    if photo is None:
        raise Http404
    return serve_protected_file(request, photo.thumbnail if request.GET.get("size") == "thumb" else photo.image)


@login_required
@require_POST
def problem_move_view(request, pk):
    problem = problem_get_visible(user=request.user, pk=pk)
    if problem is None:
        raise Http404
    form = ProblemMoveForm(request.POST, request.FILES, problem=problem)
    if form.is_valid():
        try:
            problem_move(actor=request.user, problem=problem, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            label = TRANSITIONS[form.cleaned_data["action"]].label
            messages.success(request, _("%(action)s: done.") % {"action": label})
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return HttpResponseRedirect(reverse("problem_detail", args=[problem.pk]))


class ProblemCreateView(LoginRequiredMixin, FormView):
    """Record a problem. The first submit shows who the routing proposes and any open problems nearby of the same
    category; the second confirms (or merges into one of those instead)."""

    template_name = "rectification/problem_form.html"
    form_class = ProblemForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_record(user=request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        kwargs["campaign"] = self.request.campaign
        return kwargs

    def form_valid(self, form):
        data = form.cleaned_data
        confirmed = self.request.POST.get("confirm") == "1"
        duplicates = list(
            possible_duplicates(
                campaign=self.request.campaign, category=data.get("category"), point=data.get("point"),
                longitude=data.get("longitude"), latitude=data.get("latitude"),
            )[:10]
        )  # fmt: skip
        if duplicates and not confirmed:
            # Shown before recording: the person may open one of these instead. (Chosen photos must be attached
            # again: browsers never refill a file field.)
            route = problem_route(
                campaign=self.request.campaign, point=data.get("point"), category=data.get("category"),
                grid=data.get("grid"),
            )  # fmt: skip
            context = self.get_context_data(form=form, route=route, duplicates=duplicates, confirming=True)
            return self.render_to_response(context)
        try:
            problem = problem_record(actor=self.request.user, campaign=self.request.campaign, **data)
        except (DomainError, ValidationError) as exc:
            form.add_error(None, getattr(exc, "message", None) or exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Problem %(reference)s recorded.") % {"reference": problem.reference})
        return HttpResponseRedirect(reverse("problem_detail", args=[problem.pk]))


class CitywideRequiredMixin(LoginRequiredMixin):
    """Pages for the office and inspectors; others get 404, as for anything outside their scope."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.sees_citywide:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class RecheckListView(CitywideRequiredMixin, FilteredListView):
    """回头看: closed problems to visit again, due first, and what earlier visits found."""

    template_name = "rectification/recheck_list.html"
    filterset_class = RecheckFilterSet
    export_title = gettext_lazy("Re-checks")
    export_columns = [
        Column(gettext_lazy("Number"), 10),
        Column(gettext_lazy("Problem"), 40),
        Column(gettext_lazy("Responsible unit"), 20),
        Column(gettext_lazy("Reason"), 14),
        Column(gettext_lazy("Due"), 12),
        Column(gettext_lazy("Result"), 14),
        Column(gettext_lazy("Checked at"), 18),
        Column(gettext_lazy("Problem found again"), 12),
    ]

    def get_queryset(self):
        campaign = self.request.campaign
        if not campaign:
            return Recheck.objects.none()
        return recheck_list(user=self.request.user, campaign=campaign)

    def export_row(self, recheck):
        problem = recheck.problem
        return [
            problem.reference, problem.description, problem.responsible_unit.name if problem.responsible_unit else "",
            choice_label(recheck, "reason"), recheck.due_date, choice_label(recheck, "result"), recheck.checked_at,
            recheck.new_problem.reference if recheck.new_problem else "",
        ]  # fmt: skip


class RecheckRecordView(CitywideRequiredMixin, FormView):
    template_name = "rectification/recheck_form.html"
    form_class = RecheckForm

    @cached_property
    def recheck(self):
        recheck = (
            Recheck.objects.visible_to(self.request.user)
            .select_related("problem", "problem__point", "problem__responsible_unit")
            .filter(pk=self.kwargs["pk"])
            .first()
        )
        if recheck is None:
            raise Http404
        return recheck

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["recheck"] = self.recheck
        context["problem"] = self.recheck.problem
        return context

    def form_valid(self, form):
        try:
            recheck_record(actor=self.request.user, recheck=self.recheck, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, _("The re-check was recorded."))
        return HttpResponseRedirect(reverse("recheck_list"))


@login_required
@require_POST
def problem_apply_to_all_view(request, pk):
    """举一反三 from a problem's page (the office)."""
    problem = problem_get_visible(user=request.user, pk=pk)
    if problem is None or not request.user.is_office:
        raise Http404
    form = ApplyToAllForm(request.POST, problem=problem)
    if form.is_valid():
        try:
            created = problem_apply_to_all(actor=request.user, problem=problem, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(count)d checks of like places were opened.") % {"count": len(created)})
    return HttpResponseRedirect(reverse("problem_detail", args=[problem.pk]))


class DisputeListView(OfficeRequiredMixin, FilteredListView):
    """职责不清: the dispute queue, with the step of the arbitration ladder each stands at. The work goes on
    meanwhile (先干后议); the decision is made on the problem's page."""

    template_name = "rectification/dispute_list.html"
    filterset_class = DisputeFilterSet
    export_title = gettext_lazy("Responsibility disputes")
    export_columns = [
        Column(gettext_lazy("Number"), 10),
        Column(gettext_lazy("Problem"), 40),
        Column(gettext_lazy("Disputing unit"), 20),
        Column(gettext_lazy("Reason"), 40),
        Column(gettext_lazy("Raised at"), 18),
        Column(gettext_lazy("Arbitration step"), 14),
        Column(gettext_lazy("Unit decided"), 20),
        Column(gettext_lazy("Decision"), 40),
        Column(gettext_lazy("Decided at"), 18),
    ]

    def get_queryset(self):
        campaign = self.request.campaign
        if not campaign:
            return Dispute.objects.none()
        self.ladder = dispute_ladder(campaign_id=campaign.pk)
        return dispute_list(user=self.request.user, campaign=campaign)

    def export_row(self, dispute):
        return [
            dispute.problem.reference, dispute.problem.description, dispute.unit.name, dispute.reason,
            dispute.raised_at, dispute_step_name(dispute=dispute, ladder=self.ladder),
            dispute.decided_unit.name if dispute.decided_unit else "",
            dispute.decision, dispute.decided_at,
        ]  # fmt: skip

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for dispute in context["object_list"]:
            dispute.step_name = dispute_step_name(dispute=dispute, ladder=self.ladder)
            dispute.can_escalate = dispute_can_escalate(dispute=dispute, ladder=self.ladder)
        context["ladder"] = getattr(self, "ladder", [])
        return context


@login_required
@require_POST
def dispute_escalate_view(request, pk):
    dispute = Dispute.objects.visible_to(request.user).filter(pk=pk).first()
    if dispute is None or not request.user.is_office:
        raise Http404
    try:
        dispute_escalate(actor=request.user, dispute=dispute, note=request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(reverse("dispute_list"))


@login_required
@require_POST
def problems_assign_bulk_view(request):
    """Bulk 交办 from the ledger (the office): the ticked new problems, to one unit or each to its proposed unit."""
    if not request.user.is_office:
        raise Http404
    ids = [int(value) for value in request.POST.getlist("problems") if value.isdigit()]
    problems = list(problem_list(user=request.user, campaign=request.campaign).filter(pk__in=ids))
    unit_id = request.POST.get("unit", "")
    unit = None
    if unit_id.isdigit():
        unit = Unit.objects.filter(pk=int(unit_id), campaign=request.campaign).first()
        if unit is None:
            raise Http404
    done, refused = problems_assign_bulk(actor=request.user, problems=problems, unit=unit)
    if done:
        messages.success(request, _("%(count)d problems assigned.") % {"count": len(done)})
    for problem, reason in refused:
        messages.error(request, f"{problem.reference}: {reason}")
    if not problems:
        messages.error(request, _("Tick the problems to assign."))
    return HttpResponseRedirect(f"{reverse('problem_list')}?status=new")


@login_required
@require_POST
def problem_merge_view(request, pk):
    """The office folds a duplicate into the problem it repeats (from the duplicate's page)."""
    problem = problem_get_visible(user=request.user, pk=pk)
    if problem is None or not request.user.is_office:
        raise Http404
    into_id = request.POST.get("into", "")
    into = problem_get_visible(user=request.user, pk=int(into_id)) if into_id.isdigit() else None
    if into is None:
        messages.error(request, _("Choose the problem to merge into."))
        return HttpResponseRedirect(reverse("problem_detail", args=[problem.pk]))
    try:
        problem_merge(actor=request.user, duplicate=problem, into=into)
    except DomainError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("problem_detail", args=[problem.pk]))
    messages.success(request, _("%(duplicate)s was merged into %(into)s.") % {
        "duplicate": problem.reference, "into": into.reference,
    })  # fmt: skip
    return HttpResponseRedirect(reverse("problem_detail", args=[into.pk]))
