import datetime
import itertools

from django import forms
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from rectification.choices import CalendarExceptionKind

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
