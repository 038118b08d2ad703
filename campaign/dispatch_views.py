"""Pages of the daily dispatch (日调度): the list of orders (the office's, and each unit's own with "my units
only"), issuing an order, and an order's page where the office cancels it and a named unit acknowledges it and
reports it done. The rules are in `campaign.dispatch`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView

from campaign.choices import DispatchTargetStatus
from campaign.dispatch import (
    answer_refusal,
    dispatch_acknowledge,
    dispatch_complete,
    dispatch_counters,
    dispatch_order_cancel,
    dispatch_order_get_visible,
    dispatch_order_issue,
    dispatch_order_list,
    dispatch_target_get_visible,
    may_issue,
    member_unit_ids,
)
from campaign.dispatch_forms import DispatchCompleteForm, DispatchOrderForm, DispatchOrderPageFilterSet
from campaign.models import DispatchOrder
from core.errors import DomainError
from core.excel import Column, choice_label
from core.views import FilteredListView, OfficeRequiredMixin, serve_protected_file


def units_with_status(order) -> str:
    return "、".join(
        f"{target.unit.name}（{DispatchTargetStatus(target.state).label}）" for target in order.shown_targets
    )


class DispatchListView(FilteredListView):
    """日调度: the orders of the current campaign the user may see, newest first, with how far each named unit has
    got; a unit's head or liaison narrows it to their own units ("my units only")."""

    template_name = "campaign/dispatch_list.html"
    filterset_class = DispatchOrderPageFilterSet
    export_title = gettext_lazy("Dispatch orders")
    export_columns = [
        Column(gettext_lazy("Dispatch date"), 12),
        Column(gettext_lazy("Priority"), 8),
        Column(gettext_lazy("Source"), 16),
        Column(gettext_lazy("Meeting"), 20),
        Column(gettext_lazy("Title"), 30),
        Column(gettext_lazy("Orders"), 50),
        Column(gettext_lazy("Deadline"), 18),
        Column(gettext_lazy("Units and status"), 50),
        Column(gettext_lazy("Units"), 8),
        Column(gettext_lazy("Acknowledged"), 8),
        Column(gettext_lazy("Done"), 8),
        Column(gettext_lazy("Overdue"), 8),
        Column(gettext_lazy("Followed up by"), 12),
        Column(gettext_lazy("Issued by"), 12),
        Column(gettext_lazy("Issued at"), 18),
        Column(gettext_lazy("Reason for cancelling"), 30),
    ]

    def get_queryset(self):
        campaign = self.request.campaign
        if not campaign:
            return DispatchOrder.objects.none()
        return dispatch_order_list(user=self.request.user, campaign=campaign)

    def export_row(self, order):
        return [
            order.date, choice_label(order, "priority"), choice_label(order, "source"), order.meeting, order.title,
            order.content, order.deadline, units_with_status(order), order.target_count, order.acknowledged_count,
            order.done_count, order.overdue_count, str(order.follow_up_by or ""), str(order.issued_by),
            order.issued_at, order.cancel_reason,
        ]  # fmt: skip

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = self.request.campaign
        context["may_issue"] = may_issue(self.request.user) and bool(campaign)
        if campaign and not self.request.user.sees_citywide:
            context["counters"] = dispatch_counters(user=self.request.user, campaign=campaign)
        return context


class DispatchCreateView(OfficeRequiredMixin, FormView):
    """The office issues an order to units of the current campaign; their heads and liaisons are notified."""

    template_name = "campaign/dispatch_form.html"
    form_class = DispatchOrderForm

    def get_form_kwargs(self):
        if not self.request.campaign:
            raise Http404
        kwargs = super().get_form_kwargs()
        kwargs.update(campaign=self.request.campaign, user=self.request.user)
        return kwargs

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        units = data.pop("units")
        try:
            order = dispatch_order_issue(actor=self.request.user, campaign=self.request.campaign, units=units, **data)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, _("The order was issued to %(count)d units.") % {"count": len(units)})
        return HttpResponseRedirect(reverse("dispatch_detail", args=[order.pk]))


def add_errors(form, exc: ValidationError):
    """Put a service's validation errors on the form's fields, or above the form for fields it does not have."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class DispatchDetailView(LoginRequiredMixin, TemplateView):
    """One order: what, by when, from which meeting, who follows it up; each named unit the user may see with its
    status, answer and photos; the office's cancel form, and a unit's acknowledge and done forms."""

    template_name = "campaign/dispatch_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        order = dispatch_order_get_visible(user=user, pk=kwargs["pk"])
        if order is None:
            raise Http404
        own = member_unit_ids(user)
        for target in order.shown_targets:
            target.can_answer = target.unit_id in own and not order.is_cancelled
        context.update(
            order=order,
            may_cancel=may_issue(user) and not order.is_cancelled,
            complete_form=DispatchCompleteForm(),
        )
        return context


def _target_or_404(request, pk):
    target = dispatch_target_get_visible(user=request.user, pk=pk)
    if target is None:
        raise Http404
    return target


@login_required
@require_POST
def dispatch_cancel_view(request, pk):
    order = DispatchOrder.objects.visible_to(request.user).filter(pk=pk).first() if may_issue(request.user) else None
    if order is None:
        raise Http404
    try:
        dispatch_order_cancel(actor=request.user, order=order, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
    else:
        messages.success(request, _("The order was cancelled; the units were told."))
    return HttpResponseRedirect(reverse("dispatch_detail", args=[order.pk]))


@login_required
@require_POST
def dispatch_acknowledge_view(request, pk):
    target = _target_or_404(request, pk)
    try:
        dispatch_acknowledge(actor=request.user, target=target)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Acknowledged for %(unit)s.") % {"unit": target.unit.name})
    return HttpResponseRedirect(reverse("dispatch_detail", args=[target.order_id]))


@login_required
@require_POST
def dispatch_complete_view(request, pk):
    target = _target_or_404(request, pk)
    refusal = answer_refusal(request.user, target)
    form = DispatchCompleteForm(request.POST, request.FILES) if refusal is None else None
    if refusal is not None:
        messages.error(request, refusal.message)
    elif not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
    else:
        try:
            dispatch_complete(actor=request.user, target=target, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Reported done for %(unit)s.") % {"unit": target.unit.name})
    return HttpResponseRedirect(reverse("dispatch_detail", args=[target.order_id]))


@login_required
def dispatch_evidence_view(request, pk, photo_pk):
    """A photo of a dispatched unit's work (`?size=thumb` for the thumbnail), for whoever may see that unit's
    answer; 404 for anyone else."""
    target = dispatch_target_get_visible(user=request.user, pk=pk)
    photo = target.evidence.filter(pk=photo_pk).first() if target is not None else None
    if photo is None:
        raise Http404
    return serve_protected_file(request, photo.thumbnail if request.GET.get("size") == "thumb" else photo.image)
