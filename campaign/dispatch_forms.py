"""Forms and list filters of the daily dispatch (日调度); the rules are in `campaign.dispatch`."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaign.choices import DispatchPriority, DispatchSource, DispatchTargetStatus
from campaign.dispatch import member_unit_ids, target_status
from campaign.filters import ACTIVE_CHOICES, UnitChoiceFilter
from campaign.models import DispatchOrder, DispatchTarget, Unit
from core.choices import OFFICE_ROLES
from core.filters import IntegerFilter
from core.forms import PhotoField
from core.models import User

OVERDUE_CHOICES = [("", _("All")), ("true", _("Overdue")), ("false", _("Not overdue"))]
DATE_INPUT = forms.DateInput(attrs={"type": "date"})


def office_people():
    return User.objects.filter(Q(role__in=OFFICE_ROLES) | Q(is_superuser=True), is_active=True).order_by(
        "full_name", "username"
    )


class UnitTreeChoiceField(forms.ModelMultipleChoiceField):
    """Units indented by their depth in the tree, so a street's communities read as its own."""

    def label_from_instance(self, unit):
        return f"{'　' * unit.depth}{unit.name}"


class DispatchOrderForm(forms.ModelForm):
    """Issuing an order: what, to which units of the current campaign, by when, and who follows it up."""

    units = UnitTreeChoiceField(
        label=_("Units"), queryset=Unit.objects.none(), widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."),
    )  # fmt: skip

    class Meta:
        model = DispatchOrder
        fields = ["date", "priority", "source", "meeting", "title", "content", "deadline", "follow_up_by"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "deadline": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "content": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, campaign, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.instance.campaign = campaign
        self.fields["units"].queryset = Unit.objects.filter(campaign=campaign, is_active=True).order_by("path")
        self.fields["follow_up_by"].queryset = office_people()
        self.fields["follow_up_by"].help_text = _("Empty: you follow it up.")
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())
            self.initial.setdefault("follow_up_by", user.pk)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean(self):
        cleaned = super().clean()
        # As the service does: nobody named, the issuer follows it up (before the model's rules are checked).
        if not cleaned.get("follow_up_by") and "follow_up_by" not in self.errors:
            cleaned["follow_up_by"] = self.user
        return cleaned


class DispatchCompleteForm(forms.Form):
    note = forms.CharField(label=_("What was done"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}))  # fmt: skip
    photos = PhotoField(label=_("Photos (optional)"), required=False)


def targets_filtered(targets, *, data: dict, user, now=None):
    """Dispatched units narrowed by the list filters that are about them: `unit` (with the units below), `status`,
    `overdue` and `mine` (units the user is head or liaison of)."""
    now = now or timezone.now()
    if data.get("unit") is not None:
        targets = targets.filter(unit__path__startswith=data["unit"].path)
    if data.get("status"):
        targets = targets.alias(_state=target_status(now=now)).filter(_state=data["status"])
    if data.get("overdue") is not None:
        overdue = DispatchTarget.overdue_q(now=now)
        targets = targets.filter(overdue) if data["overdue"] else targets.exclude(overdue)
    if data.get("mine"):
        targets = targets.filter(unit_id__in=member_unit_ids(user))
    return targets


class DispatchFilterSet(django_filters.FilterSet):
    """Filters common to orders and dispatched units. The filters about units (`unit`, `status`, `overdue`,
    `mine`) apply together to one dispatched unit: "幸福社区, overdue" finds orders where 幸福社区 is overdue, not
    orders naming 幸福社区 where someone else is."""

    q = django_filters.CharFilter(label=_("Title, orders or meeting"), method="filter_q")
    date_after = django_filters.DateFilter(label=_("Dispatched from"), field_name="date", lookup_expr="gte",
                                           widget=DATE_INPUT)  # fmt: skip
    date_before = django_filters.DateFilter(label=_("Dispatched until"), field_name="date", lookup_expr="lte",
                                            widget=DATE_INPUT)  # fmt: skip
    unit = UnitChoiceFilter(
        label=_("Unit (with units below)"), method="filter_later",
        queryset=lambda request: (Unit.objects.visible_to(request.user).order_by("path")
                                  if request is not None else Unit.objects.none()),
    )  # fmt: skip
    status = django_filters.ChoiceFilter(label=_("Status"), choices=DispatchTargetStatus.choices,
                                         empty_label=_("All"), method="filter_later")  # fmt: skip
    overdue = django_filters.BooleanFilter(label=_("Overdue"), method="filter_later",
                                           widget=forms.Select(choices=OVERDUE_CHOICES))  # fmt: skip
    priority = django_filters.ChoiceFilter(label=_("Priority"), choices=DispatchPriority.choices,
                                           empty_label=_("All"))  # fmt: skip
    source = django_filters.ChoiceFilter(label=_("Source"), choices=DispatchSource.choices, empty_label=_("All"))
    mine = django_filters.BooleanFilter(label=_("My units only"), method="filter_later",
                                        widget=forms.Select(choices=ACTIVE_CHOICES))  # fmt: skip

    lookup_prefix = ""

    def filter_later(self, queryset, name, value):
        return queryset  # applied together in filter_queryset

    def filter_q(self, queryset, name, value):
        p = self.lookup_prefix
        return queryset.filter(Q(**{f"{p}title__icontains": value}) | Q(**{f"{p}content__icontains": value})
                               | Q(**{f"{p}meeting__icontains": value}))  # fmt: skip

    def user(self):
        return self.request.user if self.request is not None else None


class DispatchOrderFilterSet(DispatchFilterSet):
    """The orders' filters."""

    class Meta:
        model = DispatchOrder
        fields = ["date_after", "date_before", "unit", "status", "overdue", "priority", "source", "mine", "q"]

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if any(data.get(name) not in (None, "") for name in ("unit", "status", "overdue", "mine")):
            targets = targets_filtered(DispatchTarget.objects.visible_to(self.user()), data=data, user=self.user())
            queryset = queryset.filter(pk__in=targets.values("order_id"))
        return queryset


class DispatchOrderApiFilterSet(DispatchOrderFilterSet):
    """In the API (`/api/v1/dispatch-orders/`) also by campaign and by one date."""

    campaign = IntegerFilter(label=_("Campaign"), field_name="campaign_id")
    date = django_filters.DateFilter(label=_("Dispatch date"), field_name="date")

    class Meta(DispatchOrderFilterSet.Meta):
        fields = ["campaign", "date", *DispatchOrderFilterSet.Meta.fields]


class DispatchOrderPageFilterSet(DispatchOrderFilterSet):
    """On the page the list is the current campaign's; "my units only" is offered to those who have units."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        campaign = getattr(self.request, "campaign", None)
        field = self.form.fields["unit"]
        field.queryset = field.queryset.filter(campaign=campaign) if campaign else field.queryset.none()
        if not member_unit_ids(self.request.user):
            del self.form.fields["mine"]


class DispatchTargetFilterSet(DispatchFilterSet):
    """The dispatched units' filters (`/api/v1/dispatch-targets/`): the same, on each unit's row."""

    lookup_prefix = "order__"
    campaign = IntegerFilter(label=_("Campaign"), field_name="order__campaign_id")
    date = django_filters.DateFilter(label=_("Dispatch date"), field_name="order__date")
    date_after = django_filters.DateFilter(label=_("Dispatched from"), field_name="order__date", lookup_expr="gte")
    date_before = django_filters.DateFilter(label=_("Dispatched until"), field_name="order__date", lookup_expr="lte")
    priority = django_filters.ChoiceFilter(label=_("Priority"), choices=DispatchPriority.choices,
                                           field_name="order__priority")  # fmt: skip
    source = django_filters.ChoiceFilter(label=_("Source"), choices=DispatchSource.choices, field_name="order__source")

    class Meta:
        model = DispatchTarget
        fields = ["campaign", "date", "date_after", "date_before", "unit", "status", "overdue", "priority", "source",
                  "mine", "q"]  # fmt: skip

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        return targets_filtered(queryset, data=self.form.cleaned_data, user=self.user())
