import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from campaign.choices import UnitType
from campaign.filters import ACTIVE_CHOICES
from rectification.choices import DeadlineUnit
from rectification.models import ProblemCategory, WorkCalendar


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
    campaign = django_filters.NumberFilter(label=_("Campaign"), field_name="campaign_id")
    parent = ParentCategoryFilter(label=_("Parent category"))
    code = django_filters.CharFilter(label=_("Code starts with"), lookup_expr="startswith")
    level = django_filters.NumberFilter(label=_("Level"))
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = ProblemCategory
        fields = ["campaign", "parent", "code", "level", "is_active"]


class CalendarApiFilterSet(django_filters.FilterSet):
    campaign = django_filters.NumberFilter(label=_("Campaign"), field_name="campaign_id")

    class Meta:
        model = WorkCalendar
        fields = ["campaign"]
