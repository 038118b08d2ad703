import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaign.models import Unit
from core.filters import IntegerFilter
from scoring.choices import (
    AccountabilityKind,
    DocumentStatus,
    MaterialStatus,
    Period,
    RankedKind,
    RankingPeriod,
    ReviewStatus,
    RoundKind,
    RoundStatus,
)
from scoring.models import (
    AccountabilityRecord,
    Bulletin,
    Inspection,
    InspectionItem,
    InspectionRound,
    LeaderReport,
    MaterialSubmission,
    Ranking,
    RankingEntry,
)


class DocumentFilterSet(django_filters.FilterSet):
    """The compiled documents' filters, the same on the page and in the API."""

    period = django_filters.ChoiceFilter(label=_("Period"), choices=Period.choices, empty_label=_("All"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=DocumentStatus.choices, empty_label=_("All"))
    date_after = django_filters.DateFilter(label=_("From"), field_name="period_end", lookup_expr="gte",
                                           widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    date_before = django_filters.DateFilter(label=_("Until"), field_name="period_end", lookup_expr="lte",
                                            widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip

    class Meta:
        model = None
        fields = ["period", "status", "date_after", "date_before"]


class LeaderReportFilterSet(DocumentFilterSet):
    class Meta(DocumentFilterSet.Meta):
        model = LeaderReport


class BulletinFilterSet(DocumentFilterSet):
    class Meta(DocumentFilterSet.Meta):
        model = Bulletin


class RoundFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=RoundKind.choices, empty_label=_("All"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=RoundStatus.choices, empty_label=_("All"))
    date_after = django_filters.DateFilter(label=_("From"), field_name="ends_on", lookup_expr="gte",
                                           widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    date_before = django_filters.DateFilter(label=_("Until"), field_name="starts_on", lookup_expr="lte",
                                            widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip

    class Meta:
        model = InspectionRound
        fields = ["kind", "status", "date_after", "date_before"]


def _campaign_rounds(request):
    campaign = getattr(request, "campaign", None)
    return InspectionRound.objects.filter(campaign=campaign) if campaign else InspectionRound.objects.none()


def _campaign_units(request):
    campaign = getattr(request, "campaign", None)
    return Unit.objects.filter(campaign=campaign).order_by("path") if campaign else Unit.objects.none()


class FindingFilterSet(django_filters.FilterSet):
    round = django_filters.ModelChoiceFilter(label=_("Round"), field_name="inspection__round",
                                             queryset=_campaign_rounds, empty_label=_("All"))  # fmt: skip
    review_status = django_filters.ChoiceFilter(label=_("Review"), choices=ReviewStatus.choices, empty_label=_("All"))
    unit = django_filters.ModelChoiceFilter(label=_("Unit"), field_name="inspection__unit", queryset=_campaign_units,
                                            empty_label=_("All"))  # fmt: skip
    q = django_filters.CharFilter(label=_("Search"), method="search")

    class Meta:
        model = InspectionItem
        fields = ["round", "review_status", "unit", "q"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(note__icontains=value)
            | Q(criterion__code__icontains=value)
            | Q(inspection__point__name__icontains=value)
        )


class RoundApiFilterSet(RoundFilterSet):
    campaign = IntegerFilter(label=_("Campaign"), field_name="campaign_id")

    class Meta(RoundFilterSet.Meta):
        fields = ["campaign", *RoundFilterSet.Meta.fields]


class InspectionApiFilterSet(django_filters.FilterSet):
    campaign = IntegerFilter(label=_("Campaign"), field_name="round__campaign_id")
    round = IntegerFilter(label=_("Round"), field_name="round_id")
    unit = IntegerFilter(label=_("Unit"), field_name="unit_id")
    point = IntegerFilter(label=_("Point"), field_name="point_id")

    class Meta:
        model = Inspection
        fields = ["campaign", "round", "unit", "point"]


class FindingApiFilterSet(FindingFilterSet):
    campaign = IntegerFilter(label=_("Campaign"), field_name="inspection__round__campaign_id")
    round = IntegerFilter(label=_("Round"), field_name="inspection__round_id")
    unit = IntegerFilter(label=_("Unit"), field_name="inspection__unit_id")

    class Meta(FindingFilterSet.Meta):
        fields = ["campaign", "round", "review_status", "unit", "q"]


class RankingFilterSet(django_filters.FilterSet):
    period = django_filters.ChoiceFilter(label=_("Period"), choices=RankingPeriod.choices, empty_label=_("All"))
    ranked = django_filters.ChoiceFilter(label=_("Ranks"), choices=RankedKind.choices, empty_label=_("All"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=DocumentStatus.choices, empty_label=_("All"))
    date_after = django_filters.DateFilter(label=_("From"), field_name="period_end", lookup_expr="gte",
                                           widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    date_before = django_filters.DateFilter(label=_("Until"), field_name="period_end", lookup_expr="lte",
                                            widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    unit = django_filters.ModelChoiceFilter(label=_("Ranking a unit"), queryset=_campaign_units, empty_label=_("All"),
                                            method="filter_unit")  # fmt: skip

    class Meta:
        model = Ranking
        fields = ["period", "ranked", "status", "date_after", "date_before", "unit"]

    def filter_unit(self, queryset, name, value):
        return queryset.filter(pk__in=RankingEntry.objects.filter(unit=value).values("ranking_id"))


class RankingApiFilterSet(RankingFilterSet):
    campaign = IntegerFilter(label=_("Campaign"), field_name="campaign_id")
    unit = IntegerFilter(label=_("Ranking a unit"), method="filter_unit")

    class Meta(RankingFilterSet.Meta):
        fields = ["campaign", *RankingFilterSet.Meta.fields]


class MaterialFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=MaterialStatus.choices, empty_label=_("All"))
    unit = django_filters.ModelChoiceFilter(label=_("Unit"), queryset=_campaign_units, empty_label=_("All"))
    q = django_filters.CharFilter(label=_("Search"), method="search")

    class Meta:
        model = MaterialSubmission
        fields = ["status", "unit", "q"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(criterion__code__icontains=value))


class AccountabilityFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Action"), choices=AccountabilityKind.choices, empty_label=_("All"))
    unit = django_filters.ModelChoiceFilter(label=_("Unit"), queryset=_campaign_units, empty_label=_("All"))
    person = django_filters.CharFilter(label=_("Person"), field_name="person_name", lookup_expr="icontains")
    withdrawn = django_filters.BooleanFilter(label=_("Withdrawn"), field_name="withdrawn_at", lookup_expr="isnull",
                                             exclude=True)  # fmt: skip
    date_after = django_filters.DateFilter(label=_("From"), field_name="decided_on", lookup_expr="gte",
                                           widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip

    class Meta:
        model = AccountabilityRecord
        fields = ["kind", "unit", "person", "withdrawn", "date_after"]
