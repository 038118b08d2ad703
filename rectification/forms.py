import datetime
import itertools

from django import forms
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from campaign.models import Grid, Indicator, Point, Unit
from core.choices import Role
from core.forms import PhotoField
from rectification.choices import CalendarExceptionKind, ProblemSource, RecheckResult
from rectification.models import Problem, ProblemCategory
from rectification.workflow import TRANSITIONS

# Enough for a morning, an afternoon and an evening shift; more would be a roster, not a working day.
MAX_PERIODS = 4
WEEKDAY_CHOICES = sorted(WEEKDAYS.items())  # Monday is 0, as in date.weekday()


def _time_input():
    return forms.TimeInput(attrs={"type": "time", "class": "form-control form-control-sm"}, format="%H:%M")


class WorkingHoursForm(forms.Form):
    """The working weekdays and up to four working periods of the day; unused rows are left empty."""

    weekdays = forms.TypedMultipleChoiceField(
        label=_("Working weekdays"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one working weekday.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for number in range(1, MAX_PERIODS + 1):
            self.fields[f"period_{number}_start"] = forms.TimeField(
                label=_("Period %(number)d starts") % {"number": number}, required=False, widget=_time_input()
            )
            self.fields[f"period_{number}_end"] = forms.TimeField(
                label=_("Period %(number)d ends") % {"number": number}, required=False, widget=_time_input()
            )

    @classmethod
    def initial_for(cls, *, weekdays, periods) -> dict:
        initial = {"weekdays": sorted(weekdays)}
        for number, (start, end) in enumerate(periods, start=1):
            initial[f"period_{number}_start"] = start
            initial[f"period_{number}_end"] = end
        return initial

    def period_rows(self):
        """(start field, end field) per row, for the template."""
        return [(self[f"period_{n}_start"], self[f"period_{n}_end"]) for n in range(1, MAX_PERIODS + 1)]

    def clean(self):
        cleaned = super().clean()
        periods: list[tuple[datetime.time, datetime.time]] = []
        for number in range(1, MAX_PERIODS + 1):
            start_name, end_name = f"period_{number}_start", f"period_{number}_end"
            if start_name in self.errors or end_name in self.errors:
                continue
            start, end = cleaned.get(start_name), cleaned.get(end_name)
            if start is None and end is None:
                continue
            if start is None or end is None:
                self.add_error(start_name if start is None else end_name, _("Give both the start and the end."))
            elif start >= end:
                self.add_error(end_name, _("A period must end after it starts."))
            else:
                periods.append((start, end))
        if not periods and not self.errors:
            raise forms.ValidationError(_("Give at least one working period."))
        periods.sort()
        for (first_start, first_end), (second_start, second_end) in itertools.pairwise(periods):
            if second_start < first_end:
                raise forms.ValidationError(
                    _("The periods %(first)s and %(second)s overlap.")
                    % {
                        "first": f"{first_start:%H:%M}–{first_end:%H:%M}",
                        "second": f"{second_start:%H:%M}–{second_end:%H:%M}",
                    }
                )
        cleaned["periods"] = periods
        return cleaned


class CalendarExceptionForm(forms.Form):
    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"})
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=CalendarExceptionKind.choices,
        initial=CalendarExceptionKind.HOLIDAY,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=50,
        help_text=_("As in the State Council's notice, e.g. 国庆节 or 国庆节调休上班."),
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )


class ProblemForm(forms.ModelForm):
    """Recording a problem: a point from the manual, or an address or GPS position; the category sets the deadline
    and, without a point, the routing."""

    photos = PhotoField(label=_("Photos (as found)"), required=False)

    class Meta:
        model = Problem
        fields = ["source", "category", "point", "grid", "address", "longitude", "latitude", "criterion",
                  "description", "severity", "reporter_name", "reporter_phone"]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.campaign = campaign
        leaves = ProblemCategory.objects.filter(campaign=campaign, is_active=True, children__isnull=True)
        self.fields["category"].queryset = leaves.order_by("code")
        self.fields["point"].queryset = Point.objects.visible_to(user).filter(campaign=campaign, is_active=True)
        self.fields["grid"].queryset = Grid.objects.visible_to(user).filter(campaign=campaign)
        self.fields["criterion"].queryset = Indicator.objects.filter(
            system__campaign=campaign, system__is_current=True, children__isnull=True
        ).order_by("position")
        if not (user.is_office or user.role == Role.INSPECTOR):
            self.fields["source"].choices = [(ProblemSource.SELF_FOUND.value, ProblemSource.SELF_FOUND.label)]
            self.fields["source"].initial = ProblemSource.SELF_FOUND
            del self.fields["reporter_name"], self.fields["reporter_phone"]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
        self.fields["photos"].widget.attrs["class"] = "form-control"


class ProblemMoveForm(forms.Form):
    action = forms.ChoiceField(choices=[(name, t.label) for name, t in TRANSITIONS.items()])
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    unit = forms.ModelChoiceField(label=_("Responsible unit"), queryset=Unit.objects.none(), required=False)
    deadline = forms.DateTimeField(label=_("Deadline"), required=False,
                                   widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))  # fmt: skip
    photos = PhotoField(label=_("Photos of the result"), required=False)
    until = forms.DateTimeField(label=_("Extend until"), required=False,
                                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))  # fmt: skip

    def __init__(self, *args, problem, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(campaign_id=problem.campaign_id, is_active=True).order_by(
            "path"
        )
        self.fields["unit"].initial = problem.responsible_unit_id


class RecheckForm(forms.Form):
    result = forms.ChoiceField(label=_("What the re-visit found"), choices=RecheckResult.choices,
                               widget=forms.RadioSelect)  # fmt: skip
    note = forms.CharField(label=_("Note (what was found, required unless the fix held)"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}))  # fmt: skip
    photos = PhotoField(label=_("Photos"), required=False)


PICKER = {"class": "form-select", "size": 6}


class ApplyToAllForm(forms.Form):
    """举一反三: where to check places like this problem's point."""

    grids = forms.ModelMultipleChoiceField(
        label=_("Grids"), queryset=Grid.objects.none(), required=False, widget=forms.SelectMultiple(attrs=PICKER)
    )
    units = forms.ModelMultipleChoiceField(
        label=_("Units (with the units below)"), queryset=Unit.objects.none(), required=False,
        widget=forms.SelectMultiple(attrs=PICKER),
    )  # fmt: skip

    def __init__(self, *args, problem, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grids"].queryset = Grid.objects.filter(campaign_id=problem.campaign_id).order_by("code")
        self.fields["units"].queryset = (
            Unit.objects.filter(campaign_id=problem.campaign_id, is_active=True, children__isnull=False)
            .distinct()
            .order_by("path")
        )
