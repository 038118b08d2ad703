import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from campaign.choices import (
    CampaignStatus,
    CityLevel,
    CoordinationStatus,
    DailyReportStatus,
    IndicatorKind,
    Method,
    ReportCompliance,
    TitleLevel,
    UnitType,
)
from campaign.models import (
    Campaign,
    CoordinationItem,
    DailyReport,
    Grid,
    Indicator,
    Point,
    PointType,
    Responsibility,
    Unit,
    UnitGroup,
)
from campaign.selectors import lead_acknowledged
from core.filters import IntegerFilter

ACTIVE_CHOICES = [("", _("All")), ("true", _("Yes")), ("false", _("No"))]


@extend_schema_field(OpenApiTypes.INT)
class UnitChoiceFilter(django_filters.ModelChoiceFilter):
    """A unit picked by name in the UI and by id in the API; the choices are the units the user may see."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", self.visible_parent_units)
        kwargs.setdefault("empty_label", _("All"))
        super().__init__(*args, **kwargs)

    @staticmethod
    def visible_parent_units(request):
        if request is None:
            return Unit.objects.none()
        return Unit.objects.visible_to(request.user).filter(children__isnull=False).distinct().order_by("path")


class UnitFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name or code"), method="filter_q")
    type = django_filters.ChoiceFilter(label=_("Type"), choices=UnitType.choices, empty_label=_("All"))
    within = UnitChoiceFilter(label=_("Within unit"), method="filter_within")
    parent = UnitChoiceFilter(label=_("Parent unit"))
    is_active = django_filters.BooleanFilter(label=_("Active"), widget=forms.Select(choices=ACTIVE_CHOICES))

    class Meta:
        model = Unit
        fields = ["q", "type", "within", "parent", "is_active"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value) | Q(short_name__icontains=value))

    def filter_within(self, queryset, name, value):
        """The unit itself and its whole subtree."""
        return queryset.filter(path__startswith=value.path)


class UnitPageFilterSet(UnitFilterSet):
    """The unit list page works in the current campaign: only its units are offered as choices."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        campaign = getattr(self.request, "campaign", None)
        for name in ("within", "parent"):
            field = self.form.fields[name]
            field.queryset = field.queryset.filter(campaign=campaign) if campaign else field.queryset.none()


class UnitApiFilterSet(UnitFilterSet):
    campaign = django_filters.ModelChoiceFilter(
        label=_("Campaign"), queryset=lambda request: Campaign.objects.visible_to(request.user)
    )

    class Meta(UnitFilterSet.Meta):
        fields = ["campaign", *UnitFilterSet.Meta.fields]


class CampaignFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=CampaignStatus.choices)
    title_level = django_filters.ChoiceFilter(label=_("Title level"), choices=TitleLevel.choices)
    city_level = django_filters.ChoiceFilter(label=_("City level"), choices=CityLevel.choices)

    class Meta:
        model = Campaign
        fields = ["status", "title_level", "city_level"]


class IndicatorFilterSet(django_filters.FilterSet):
    campaign = IntegerFilter(label=_("Campaign"), field_name="system__campaign_id")
    code = django_filters.CharFilter(label=_("Code starts with"), lookup_expr="startswith")
    level = IntegerFilter(label=_("Level"))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=IndicatorKind.choices)
    method = django_filters.ChoiceFilter(label=_("Method"), choices=Method.choices, field_name="methods__method")
    point_type = django_filters.CharFilter(label=_("Point type code"), field_name="point_types__code")
    leaf = django_filters.BooleanFilter(label=_("Criteria only"), field_name="is_leaf")

    class Meta:
        model = Indicator
        fields = ["campaign", "code", "level", "kind", "method", "point_type", "leaf"]


class PointTypeFilterSet(django_filters.FilterSet):
    campaign = IntegerFilter(label=_("Campaign"), field_name="campaign_id")

    class Meta:
        model = PointType
        fields = ["campaign"]


class CriterionTaskFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Code or name"), method="filter_q")
    unit = UnitChoiceFilter(label=_("Unit answering"), method="filter_unit", queryset=lambda request: (
        Unit.objects.visible_to(request.user).filter(campaign=getattr(request, "campaign", None)).order_by("path")
        if request is not None else Unit.objects.none()
    ))  # fmt: skip
    method = django_filters.ChoiceFilter(
        label=_("Method"), choices=Method.choices, field_name="methods__method", empty_label=_("All")
    )
    state = django_filters.ChoiceFilter(
        label=_("State"),
        empty_label=_("All"),
        method="filter_state",
        choices=[
            ("no_lead", _("No lead unit")),
            ("unacknowledged", _("Not acknowledged by the lead")),
            ("overdue", _("Past its deadline, not acknowledged")),
        ],
    )

    class Meta:
        model = Indicator
        fields = ["q", "unit", "method", "state"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))

    def filter_unit(self, queryset, name, unit):
        groups = UnitGroup.objects.filter(members=unit).values("pk")
        return queryset.filter(
            Q(task_assignment__lead_unit=unit)
            | Q(task_assignment__lead_group__in=groups)
            | Q(task_assignment__cooperating_units=unit)
            | Q(task_assignment__cooperating_groups__in=groups)
        ).distinct()

    def filter_state(self, queryset, name, value):
        if value == "no_lead":
            return queryset.filter(
                Q(task_assignment__isnull=True)
                | Q(task_assignment__lead_unit__isnull=True, task_assignment__lead_group__isnull=True)
            )
        unacknowledged = queryset.filter(task_assignment__isnull=False).exclude(
            lead_acknowledged(task_path="task_assignment__")
        )
        if value == "overdue":
            return unacknowledged.filter(task_assignment__deadline__lt=timezone.localdate())
        return unacknowledged


class ManualFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Point, address or person"), method="filter_q")
    grid = django_filters.ModelChoiceFilter(
        label=_("Grid"),
        empty_label=_("All"),
        queryset=lambda request: (
            Grid.objects.visible_to(request.user).filter(campaign=getattr(request, "campaign", None))
            if request is not None
            else Grid.objects.none()
        ),
    )
    point_type = django_filters.ModelChoiceFilter(
        label=_("Point type"),
        empty_label=_("All"),
        queryset=lambda request: (
            PointType.objects.filter(campaign=getattr(request, "campaign", None))
            if request is not None
            else PointType.objects.none()
        ),
    )
    unit = UnitChoiceFilter(
        label=_("Responsible unit"),
        field_name="responsibility__unit",
        queryset=lambda request: (
            Unit.objects.visible_to(request.user).filter(campaign=getattr(request, "campaign", None)).order_by("path")
            if request is not None
            else Unit.objects.none()
        ),
    )
    gaps = django_filters.BooleanFilter(label=_("Missing leader, unit or post"), method="filter_gaps",
                                        widget=forms.Select(choices=ACTIVE_CHOICES))  # fmt: skip

    class Meta:
        model = Point
        fields = ["q", "grid", "point_type", "unit", "gaps"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(code__icontains=value) | Q(address__icontains=value)
            | Q(responsibility__post_person__icontains=value) | Q(responsibility__leader_name__icontains=value)
        )  # fmt: skip

    def filter_gaps(self, queryset, name, value):
        missing = Responsibility.gaps_q("responsibility__")
        return queryset.filter(missing) if value else queryset.exclude(missing)


class ResponsibilityFilterSet(django_filters.FilterSet):
    campaign = IntegerFilter(field_name="point__campaign")
    gaps = django_filters.BooleanFilter(method="filter_gaps", help_text=_("Missing leader, unit or post"))

    class Meta:
        model = Responsibility
        fields = ["campaign", "unit", "point", "gaps"]

    def filter_gaps(self, queryset, name, value):
        return queryset.filter(Responsibility.gaps_q()) if value else queryset.exclude(Responsibility.gaps_q())


class DailyReportFilterSet(django_filters.FilterSet):
    """The daily reports' filters, the same on the page and in the API."""

    date = django_filters.DateFilter(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    date_after = django_filters.DateFilter(label=_("From"), field_name="date", lookup_expr="gte",
                                           widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    date_before = django_filters.DateFilter(label=_("Until"), field_name="date", lookup_expr="lte",
                                            widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    unit = UnitChoiceFilter(label=_("Unit (with units below)"), method="filter_unit",
                            queryset=lambda request: (Unit.objects.visible_to(request.user).order_by("path")
                                                      if request is not None else Unit.objects.none()))  # fmt: skip
    status = django_filters.ChoiceFilter(label=_("Status"), choices=DailyReportStatus.choices, empty_label=_("All"))
    is_late = django_filters.BooleanFilter(label=_("Late"), widget=forms.Select(choices=ACTIVE_CHOICES))
    is_empty = django_filters.BooleanFilter(label=_("No content"), widget=forms.Select(choices=ACTIVE_CHOICES))

    class Meta:
        model = DailyReport
        fields = ["date", "date_after", "date_before", "unit", "status", "is_late", "is_empty"]

    def filter_unit(self, queryset, name, value):
        return queryset.filter(unit__path__startswith=value.path)


class CoordinationItemFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=CoordinationStatus.choices, empty_label=_("All"))
    unit = UnitChoiceFilter(label=_("Raised by (with units below)"), method="filter_unit",
                            queryset=lambda request: (Unit.objects.visible_to(request.user).order_by("path")
                                                      if request is not None else Unit.objects.none()))  # fmt: skip
    mine = django_filters.BooleanFilter(label=_("Mine"), method="filter_mine",
                                        widget=forms.Select(choices=ACTIVE_CHOICES))  # fmt: skip
    raised_after = django_filters.DateFilter(label=_("Raised from"), field_name="raised_on", lookup_expr="gte",
                                             widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip

    class Meta:
        model = CoordinationItem
        fields = ["status", "unit", "mine", "raised_after"]

    def filter_unit(self, queryset, name, value):
        return queryset.filter(unit__path__startswith=value.path)

    def filter_mine(self, queryset, name, value):
        user = self.request.user if self.request is not None else None
        return queryset.filter(owner=user) if value else queryset.exclude(owner=user)


class ComplianceFilterSet(django_filters.FilterSet):
    """Who reported for a day: filters over units annotated with their compliance. The day itself is read by the
    view (it decides the annotation); it is a field here so the form keeps it."""

    date = django_filters.DateFilter(label=_("Date"), method="filter_day",
                                     widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    compliance = django_filters.ChoiceFilter(label=_("Report"), choices=ReportCompliance.choices,
                                             empty_label=_("All"))  # fmt: skip
    type = django_filters.ChoiceFilter(label=_("Type"), choices=UnitType.choices, empty_label=_("All"))
    within = UnitChoiceFilter(label=_("Within unit"), method="filter_within")
    empty = django_filters.BooleanFilter(label=_("No content"), field_name="report_is_empty",
                                         widget=forms.Select(choices=ACTIVE_CHOICES))  # fmt: skip

    class Meta:
        model = Unit
        fields = ["date", "compliance", "type", "within", "empty"]

    def filter_day(self, queryset, name, value):
        return queryset

    def filter_within(self, queryset, name, value):
        return queryset.filter(path__startswith=value.path)
