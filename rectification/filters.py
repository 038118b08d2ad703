import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from campaign.choices import UnitType
from campaign.filters import ACTIVE_CHOICES, UnitChoiceFilter
from campaign.models import Grid, PointType, Unit
from core.filters import IntegerFilter
from rectification.choices import (
    CLOSED_STATUSES,
    DeadlineUnit,
    ProblemSource,
    ProblemStatus,
    RecheckReason,
    RecheckResult,
    Severity,
)
from rectification.models import Dispute, Problem, ProblemCategory, Recheck, WorkCalendar


@extend_schema_field(OpenApiTypes.INT)
class ParentCategoryFilter(django_filters.ModelChoiceFilter):
    """A parent category, by name on the page and by id in the API; the choices are categories with children that
    the user may see (of the current campaign on the page)."""

    def __init__(self, *args, campaign_only: bool = False, **kwargs):
        self.campaign_only = campaign_only
        kwargs.setdefault("queryset", self.parents)
        kwargs.setdefault("empty_label", _("All"))
        super().__init__(*args, **kwargs)

    def parents(self, request):
        if request is None:
            return ProblemCategory.objects.none()
        categories = ProblemCategory.objects.visible_to(request.user).filter(children__isnull=False)
        if self.campaign_only:
            categories = categories.filter(campaign=getattr(request, "campaign", None))
        return categories.distinct().order_by("code")


class CategoryPageFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Code or name"), method="filter_q")
    parent = ParentCategoryFilter(label=_("Parent category"), campaign_only=True)
    deadline_unit = django_filters.ChoiceFilter(
        label=_("Deadline unit"), choices=DeadlineUnit.choices, empty_label=_("All")
    )
    default_unit_type = django_filters.ChoiceFilter(
        label=_("Default responsible unit type"), choices=UnitType.choices, empty_label=_("All")
    )
    is_active = django_filters.BooleanFilter(label=_("Active"), widget=forms.Select(choices=ACTIVE_CHOICES))

    class Meta:
        model = ProblemCategory
        fields = ["q", "parent", "deadline_unit", "default_unit_type", "is_active"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))


class CategoryApiFilterSet(django_filters.FilterSet):
    campaign = IntegerFilter(label=_("Campaign"), field_name="campaign_id")
    parent = ParentCategoryFilter(label=_("Parent category"))
    code = django_filters.CharFilter(label=_("Code starts with"), lookup_expr="startswith")
    level = IntegerFilter(label=_("Level"))
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = ProblemCategory
        fields = ["campaign", "parent", "code", "level", "is_active"]


class CalendarApiFilterSet(django_filters.FilterSet):
    campaign = IntegerFilter(label=_("Campaign"), field_name="campaign_id")

    class Meta:
        model = WorkCalendar
        fields = ["campaign"]


OVERDUE_CHOICES = [("", _("All")), ("true", _("Overdue")), ("false", _("Not overdue"))]


class ProblemFilterSet(django_filters.FilterSet):
    """The ledger's filters, the same on the page and in the API."""

    q = django_filters.CharFilter(label=_("Description, address or number"), method="filter_q")
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=ProblemStatus.choices)
    open = django_filters.BooleanFilter(label=_("Open"), method="filter_open",
                                        widget=forms.Select(choices=ACTIVE_CHOICES))  # fmt: skip
    source = django_filters.ChoiceFilter(label=_("Source"), choices=ProblemSource.choices, empty_label=_("All"))
    severity = django_filters.ChoiceFilter(label=_("Severity"), choices=Severity.choices, empty_label=_("All"))
    category = django_filters.ModelChoiceFilter(
        label=_("Category"), empty_label=_("All"), method="filter_category",
        queryset=lambda request: (ProblemCategory.objects.visible_to(request.user).order_by("code")
                                  if request is not None else ProblemCategory.objects.none()),
    )  # fmt: skip
    unit = UnitChoiceFilter(label=_("Responsible unit (with units below)"), method="filter_unit",
                            queryset=lambda request: (Unit.objects.visible_to(request.user).order_by("path")
                                                      if request is not None else Unit.objects.none()))  # fmt: skip
    overdue = django_filters.BooleanFilter(label=_("Overdue"), method="filter_overdue",
                                           widget=forms.Select(choices=OVERDUE_CHOICES))  # fmt: skip
    created_after = django_filters.DateFilter(label=_("Found from"), field_name="created_at", lookup_expr="date__gte",
                                              widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    created_before = django_filters.DateFilter(label=_("Found until"), field_name="created_at",
                                               lookup_expr="date__lte",
                                               widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    closed_after = django_filters.DateFilter(label=_("Closed from"), field_name="closed_at", lookup_expr="date__gte",
                                             widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    closed_before = django_filters.DateFilter(label=_("Closed until"), field_name="closed_at", lookup_expr="date__lte",
                                              widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    grid = django_filters.ModelChoiceFilter(
        label=_("Grid"), empty_label=_("All"), method="filter_grid",
        queryset=lambda request: (Grid.objects.visible_to(request.user).order_by("code")
                                  if request is not None else Grid.objects.none()),
    )  # fmt: skip
    point_type = django_filters.ModelChoiceFilter(
        label=_("Point type"), empty_label=_("All"), field_name="point__point_type",
        queryset=lambda request: (PointType.objects.visible_to(request.user).order_by("code")
                                  if request is not None else PointType.objects.none()),
    )  # fmt: skip

    class Meta:
        model = Problem
        fields = ["q", "status", "open", "source", "severity", "category", "unit", "overdue", "campaign", "point"]

    def filter_grid(self, queryset, name, value):
        """The problem's grid, or its point's."""
        return queryset.filter(Q(grid=value) | Q(point__grid=value))

    def filter_q(self, queryset, name, value):
        value = value.strip()
        number = value.upper().removeprefix("WT")
        by_number = Q(pk=int(number)) if number.isdigit() else Q()
        return queryset.filter(by_number | Q(description__icontains=value) | Q(address__icontains=value))

    def filter_open(self, queryset, name, value):
        return queryset.exclude(status__in=CLOSED_STATUSES) if value else queryset.filter(status__in=CLOSED_STATUSES)

    def filter_category(self, queryset, name, value):
        """A category and its subcategories."""
        return queryset.filter(Q(category=value) | Q(category__parent=value))

    def filter_unit(self, queryset, name, value):
        return queryset.filter(responsible_unit__path__startswith=value.path)

    def filter_overdue(self, queryset, name, value):
        overdue = Problem.overdue_q()
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class ProblemPageFilterSet(ProblemFilterSet):
    """On the page the ledger is the current campaign's: campaign and point are not offered as filters."""

    class Meta(ProblemFilterSet.Meta):
        fields = ["q", "status", "open", "source", "severity", "category", "unit", "overdue"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        campaign = getattr(self.request, "campaign", None)
        for name in ("category", "unit", "grid", "point_type"):
            field = self.form.fields[name]
            field.queryset = field.queryset.filter(campaign=campaign) if campaign else field.queryset.none()


class RecheckFilterSet(django_filters.FilterSet):
    done = django_filters.BooleanFilter(label=_("Recorded"), field_name="checked_at", lookup_expr="isnull",
                                        exclude=True, widget=forms.Select(choices=ACTIVE_CHOICES))  # fmt: skip
    due_before = django_filters.DateFilter(label=_("Due by"), field_name="due_date", lookup_expr="lte",
                                           widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    reason = django_filters.ChoiceFilter(label=_("Reason"), choices=RecheckReason.choices, empty_label=_("All"))
    result = django_filters.ChoiceFilter(label=_("Result"), choices=RecheckResult.choices, empty_label=_("All"))

    class Meta:
        model = Recheck
        fields = ["done", "due_before", "reason", "result"]


class DisputeFilterSet(django_filters.FilterSet):
    decided = django_filters.BooleanFilter(label=_("Decided"), field_name="decided_at", lookup_expr="isnull",
                                           exclude=True, widget=forms.Select(choices=ACTIVE_CHOICES))  # fmt: skip

    class Meta:
        model = Dispute
        fields = ["decided"]


class DisputeApiFilterSet(DisputeFilterSet):
    class Meta(DisputeFilterSet.Meta):
        fields = ["decided", "problem__campaign", "unit"]


class RecheckApiFilterSet(RecheckFilterSet):
    class Meta(RecheckFilterSet.Meta):
        fields = ["done", "due_before", "reason", "result", "problem__campaign"]
