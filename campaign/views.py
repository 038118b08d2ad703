from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from campaign.choices import UnitType
from campaign.filters import UnitPageFilterSet
from campaign.middleware import SESSION_KEY
from campaign.models import Campaign, Unit
from campaign.selectors import (
    leaders_answering_for,
    unit_ancestors,
    unit_counts_by_type,
    unit_get_visible,
    unit_list,
    units_of_user,
)
from core.choices import HeartbeatKind, Role
from core.excel import Column
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
            unit.get_type_display(),
            unit.parent.name if unit.parent else "",
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
