import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaign.choices import UnitType
from campaign.models import Campaign, Unit


class UnitFilterSet(django_filters.FilterSet):
    campaign = django_filters.NumberFilter(label=_("Campaign"), field_name="campaign_id")
    q = django_filters.CharFilter(label=_("Name or code"), method="filter_q")
    type = django_filters.ChoiceFilter(label=_("Type"), choices=UnitType.choices)
    parent = django_filters.NumberFilter(label=_("Parent unit"), field_name="parent_id")
    within = django_filters.NumberFilter(label=_("Within unit"), method="filter_within")
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Unit
        fields = ["campaign", "q", "type", "parent", "within", "is_active"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value) | Q(short_name__icontains=value))

    def filter_within(self, queryset, name, value):
        # The unit itself and its whole subtree; an id outside the user's scope yields nothing.
        top = queryset.filter(pk=value).values_list("path", flat=True).first()
        if top is None:
            return queryset.none()
        return queryset.filter(path__startswith=top)


class CampaignFilterSet(django_filters.FilterSet):
    class Meta:
        model = Campaign
        fields = ["status", "title_level", "city_level"]
