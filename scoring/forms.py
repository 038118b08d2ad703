"""Forms of the inspection pages: planning a round, the inspector's visit at a point (phone first), reviewing a
finding. They check the input's shape; the rules are the services' (`scoring.inspections`)."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from campaign.models import Point, Sampling
from core.choices import Role
from core.forms import PhotoField
from core.models import User
from scoring.choices import ItemResult, ReviewStatus, RoundKind
from scoring.inspections import REVIEW_CHOICES, ItemInput


def styled(form: forms.Form) -> forms.Form:
    """Bootstrap's classes on every field's widget."""
    for field in form.fields.values():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css)
    return form


class RoundForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=RoundKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    starts_on = forms.DateField(label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Ends on"), widget=forms.DateInput(attrs={"type": "date"}))
    inspectors = forms.ModelMultipleChoiceField(
        label=_("Inspectors"), queryset=User.objects.none(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("None chosen: any inspector may record the visits."),
    )  # fmt: skip
    sampling = forms.ModelChoiceField(
        label=_("Take the points from a sampling draw"), queryset=Sampling.objects.none(), required=False,
        empty_label=_("No, choose points below"),
    )  # fmt: skip
    points = forms.ModelMultipleChoiceField(
        label=_("Points to visit"), queryset=Point.objects.none(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )  # fmt: skip
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspectors"].queryset = User.objects.filter(
            is_active=True, role__in=[Role.INSPECTOR, Role.STAFF]
        ).order_by("role", "full_name")
        self.fields["sampling"].queryset = Sampling.objects.filter(campaign=campaign).order_by("-drawn_at")
        self.fields["points"].queryset = (
            Point.objects.filter(campaign=campaign, is_active=True).select_related("point_type").order_by("code")
        )
        self.fields["points"].label_from_instance = lambda point: f"{point.code} {point.name}（{point.point_type}）"
        styled(self)

    def clean(self):
        data = super().clean()
        if not data.get("points") and not data.get("sampling"):
            raise forms.ValidationError(_("Choose the points to visit, or a sampling draw to take them from."))
        return data


class VisitForm(forms.Form):
    """One block per criterion that applies at the point: met, not met or not applicable; for a failing item, what
    was found, photos and the points deducted (empty: the criterion's score)."""

    key = forms.UUIDField(widget=forms.HiddenInput)
    latitude = forms.DecimalField(max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput,
                                  min_value=-90, max_value=90)  # fmt: skip
    longitude = forms.DecimalField(max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput,
                                   min_value=-180, max_value=180)  # fmt: skip
    note = forms.CharField(label=_("Note on the visit"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))  # fmt: skip

    def __init__(self, *args, criteria, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            pk = criterion.pk
            self.fields[f"result_{pk}"] = forms.ChoiceField(
                label=f"{criterion.code} {criterion.name}", choices=ItemResult.choices, initial=ItemResult.MET,
                widget=forms.RadioSelect,
            )  # fmt: skip
            self.fields[f"deduction_{pk}"] = forms.DecimalField(
                label=_("Points deducted"), required=False, min_value=0, max_digits=6, decimal_places=2,
                widget=forms.NumberInput(attrs={"class": "form-control form-control-sm", "step": "0.01",
                                                "inputmode": "decimal", "placeholder": str(abs(criterion.score))}),
            )  # fmt: skip
            self.fields[f"note_{pk}"] = forms.CharField(
                label=_("What was found"), required=False, max_length=500,
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            )  # fmt: skip
            photos = PhotoField(label=_("Photos"), required=False, max_count=6)
            photos.widget.attrs = {**photos.widget.attrs, "class": "form-control form-control-sm"}
            self.fields[f"photos_{pk}"] = photos

    def blocks(self):
        """(criterion, result, deduction, note, photos) bound fields, for the template."""
        for criterion in self.criteria:
            pk = criterion.pk
            yield criterion, self[f"result_{pk}"], self[f"deduction_{pk}"], self[f"note_{pk}"], self[f"photos_{pk}"]

    def items(self) -> list[ItemInput]:
        data = self.cleaned_data
        return [
            ItemInput(
                criterion_id=c.pk,
                result=data[f"result_{c.pk}"],
                deduction=data.get(f"deduction_{c.pk}"),
                note=data.get(f"note_{c.pk}") or "",
                photos=tuple(data.get(f"photos_{c.pk}") or ()),
            )
            for c in self.criteria
        ]


class ReviewForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Decision"),
        choices=[(value, label) for value, label in ReviewStatus.choices if value in REVIEW_CHOICES],
    )
    note = forms.CharField(label=_("Reason"), required=False, max_length=500)
