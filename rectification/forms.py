import datetime
import itertools
import time
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from campaign.models import Grid, Indicator, Point, Unit
from core.choices import Role
from core.forms import PhotoField
from core.validators import phone_normalise
from rectification.choices import CalendarExceptionKind, ProblemSource, RecheckResult
from rectification.models import Problem, ProblemCategory
from rectification.selectors import public_categories
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


# A person needs more than this to fill in the report form; a script posting at once is refused.
PUBLIC_MIN_FILL_SECONDS = 3
# A form open longer than this is refused (and shown again to send anew): an old token is not replayed forever.
PUBLIC_MAX_FILL_SECONDS = 2 * 60 * 60
FORM_TOKEN_SALT = "rectification.public_report.started"  # noqa: S105 (a signing salt, not a secret)
COORDINATE_PLACES = Decimal("0.000001")


def public_form_token(*, now: float | None = None) -> str:
    """When the form was handed out, signed, so a client can neither skip the wait nor keep a token for ever."""
    return signing.dumps(now if now is not None else time.time(), salt=FORM_TOKEN_SALT)


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, category):
        return f"{category.parent.name} · {category.name}" if category.parent_id else category.name


class PublicReportForm(forms.Form):
    """The public's report: what (category, description, photos), where (an address, or the phone's position
    filled in by the page's script), and a phone number for the office to call back.

    Against scripts: a field people do not see (a script fills it in), and the signed time the form was handed out
    (refused when sent within seconds, or hours later). These are checked before anything else, photos included."""

    started = forms.CharField(widget=forms.HiddenInput)
    # The honeypot: hidden from people by the page's style, named to tempt a form-filling script.
    website = forms.CharField(
        label=_("Leave this field empty"), required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )  # fmt: skip
    category = CategoryChoiceField(label=_("What kind of problem"), queryset=ProblemCategory.objects.none(),
                                   empty_label=_("Choose…"))  # fmt: skip
    description = forms.CharField(
        label=_("What is wrong"), min_length=5, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Say what you saw and exactly where, e.g. the building or the nearest shop."),
    )  # fmt: skip
    address = forms.CharField(label=_("Where"), max_length=300, required=False,
                              help_text=_("Street and number, or a landmark."))  # fmt: skip
    latitude = forms.DecimalField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    longitude = forms.DecimalField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    photos = PhotoField(label=_("Photos"), required=False, max_count=4,
                        help_text=_("Up to 4 photos of the problem."))  # fmt: skip
    reporter_name = forms.CharField(label=_("Your name (optional)"), max_length=100, required=False)
    reporter_phone = forms.CharField(
        label=_("Your phone number"), max_length=40,
        help_text=_("Only the command office sees it, to call you back about this report."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )  # fmt: skip

    refusal_code: str | None = None

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = public_categories(campaign=campaign)
        if not self.is_bound:
            self.initial["started"] = public_form_token()
        for field in self.fields.values():
            if not isinstance(field.widget, forms.HiddenInput):
                css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                field.widget.attrs.setdefault("class", css)

    def _refusal(self) -> tuple[str, str] | None:
        if self.data.get("website"):
            return "honeypot", _("The report could not be accepted. Please send it again.")
        try:
            started = float(signing.loads(self.data.get("started", ""), salt=FORM_TOKEN_SALT))
        except (signing.BadSignature, TypeError, ValueError):
            return "tampered", _("The report could not be accepted. Please send it again.")
        elapsed = time.time() - started
        if elapsed < PUBLIC_MIN_FILL_SECONDS:
            return "too_fast", _("That was quick: please check your report, then send it again.")
        if elapsed > PUBLIC_MAX_FILL_SECONDS:
            return "expired", _("The form was open too long. Please check your report and send it again.")
        return None

    def full_clean(self):
        # The checks against scripts come first and alone: a refused post costs no photo decoding.
        refusal = self._refusal() if self.is_bound else None
        if refusal is None:
            return super().full_clean()
        self.refusal_code = refusal[0]
        self._errors = ErrorDict()
        self.cleaned_data = {}
        self.add_error(None, ValidationError(refusal[1], code=refusal[0]))

    def clean_reporter_phone(self):
        return phone_normalise(self.cleaned_data["reporter_phone"])

    def _coordinate(self, name):
        value = self.cleaned_data.get(name)
        return value.quantize(COORDINATE_PLACES, rounding=ROUND_HALF_UP) if value is not None else None

    def clean_latitude(self):
        return self._coordinate("latitude")

    def clean_longitude(self):
        return self._coordinate("longitude")

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("latitude") is None) != (cleaned.get("longitude") is None):
            cleaned["latitude"] = cleaned["longitude"] = None
        nowhere = not cleaned.get("address", "").strip() and cleaned.get("latitude") is None
        if nowhere and not {"address", "latitude", "longitude"} & set(self.errors):
            self.add_error("address", _("Say where it is: an address or a landmark, or use your location."))
        return cleaned
