import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from scoring.choices import DocumentStatus, Period
from scoring.models import Bulletin, LeaderReport


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
