import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from core.choices import DeliveryChannel, DeliveryStatus, JobStatus
from core.models import AuditEvent, Delivery, Job, Notification, WebhookChannel


class IntegerField(forms.IntegerField):
    """A whole number within the database's integer range: a query of 1e32 is refused with the reason (400), not
    sent to the database to overflow (500)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", -(2**63))
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class IntegerFilter(django_filters.NumberFilter):
    """The API's filters by id or level: whole numbers only."""

    field_class = IntegerField


class AuditEventFilterSet(django_filters.FilterSet):
    action = django_filters.CharFilter(label=_("Action"), lookup_expr="startswith")
    actor = django_filters.CharFilter(label=_("Actor"), field_name="actor_repr", lookup_expr="icontains")
    since = django_filters.DateFilter(
        label=_("From"),
        field_name="created_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        label=_("To"), field_name="created_at", lookup_expr="date__lte", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = AuditEvent
        fields = ["action", "actor", "since", "until"]


READ_CHOICES = [("", _("All")), ("false", _("Unread")), ("true", _("Read"))]


class NotificationFilterSet(django_filters.FilterSet):
    read = django_filters.BooleanFilter(label=_("Read"), field_name="read_at", lookup_expr="isnull", exclude=True,
                                        widget=forms.Select(choices=READ_CHOICES))  # fmt: skip
    q = django_filters.CharFilter(label=_("Title or message"), method="filter_q")

    class Meta:
        model = Notification
        fields = ["read", "q"]

    def filter_q(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(title__icontains=value) | Q(body__icontains=value))


class NotificationApiFilterSet(django_filters.FilterSet):
    read = django_filters.BooleanFilter(label=_("Read"), field_name="read_at", lookup_expr="isnull", exclude=True)
    kind = django_filters.CharFilter(
        label=_("Kind"),
        lookup_expr="startswith",
        help_text=_("A kind or its beginning, e.g. problem. or problem.overdue"),
    )

    class Meta:
        model = Notification
        fields = ["read", "kind"]


class DeliveryFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=DeliveryStatus.choices)
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=DeliveryChannel.choices)
    webhook = django_filters.ModelChoiceFilter(label=_("Group chat"), queryset=WebhookChannel.objects.all())
    kind = django_filters.CharFilter(label=_("Kind"), field_name="notification__kind", lookup_expr="startswith")
    since = django_filters.DateFilter(
        label=_("From"),
        field_name="created_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        label=_("To"), field_name="created_at", lookup_expr="date__lte", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = Delivery
        fields = ["status", "channel", "webhook", "kind", "since", "until"]


JOB_TYPES = [("export", _("Excel exports")), ("import", _("Imports"))]


class JobFilterSet(django_filters.FilterSet):
    type = django_filters.ChoiceFilter(label=_("Type"), choices=JOB_TYPES, method="filter_type")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=JobStatus.choices)
    q = django_filters.CharFilter(label=_("List or file"), field_name="filename", lookup_expr="icontains")

    class Meta:
        model = Job
        fields = ["type", "status", "q"]

    def filter_type(self, queryset, name, value):
        return queryset.filter(kind__startswith=f"{value}.")
