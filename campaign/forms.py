from django import forms
from django.core.validators import MaxValueValidator
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from campaign.choices import SelfCheckResult
from campaign.models import DailyCycleSettings, DailyReport, Responsibility, Unit
from campaign.services import criteria_for_targets
from core.choices import OFFICE_ROLES, Role
from core.forms import PhotoField
from core.imports import max_upload_bytes
from core.models import User

IMPORT_KINDS = [
    ("import.indicators", _("Assessment system (测评体系), with point types if the workbook has them")),
    ("import.point_types", _("Point types (点位类型)")),
    ("import.units", _("Responsible units (责任单位)")),
    ("import.tasks", _("Task division (任务分解)")),
    ("import.points", _("Grids, points and the responsibility manual (网格、点位、责任手册)")),
    ("import.standards", _("Operations manual: standards per criterion and point type (操作手册)")),
    ("import.grids", _("Grids and the units keeping them (网格)")),
    ("import.groups", _("Unit groups: sets, peer groups, command groups, bundles (单位分组)")),
    ("import.pairings", _("Pairings (结对共建); pairings not in the file are removed")),
]


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What to import"), choices=IMPORT_KINDS)
    file = forms.FileField(
        label=_("File"),
        help_text=_("An Excel workbook (.xlsx) or a CSV file (UTF-8), with the columns of the template."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = max_upload_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size).1f MB; the limit is %(limit).0f MB.")
                % {"size": upload.size / 1024 / 1024, "limit": limit / 1024 / 1024}
            )
        return upload


class CriterionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, criterion):
        return f"{criterion.code} {criterion.name}"


class ResponsibilityForm(forms.ModelForm):
    """A point's manual row: who answers for it, the post on the spot, its target criteria and the leaders who
    answer for it as a road section (路段包保)."""

    target_criteria = CriterionChoiceField(
        label=_("Target criteria"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick none to keep the default: every criterion applicable to the point type."),
    )
    road_leaders = forms.ModelMultipleChoiceField(
        label=_("Leaders answering for this point (路段包保)"),
        queryset=User.objects.filter(role=Role.LEADER, is_active=True).order_by("full_name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Responsibility
        fields = ["leader_name", "unit", "post_person", "post_position", "post_phone", "target_criteria"]

    def __init__(self, *args, point, **kwargs):
        super().__init__(*args, **kwargs)
        self.point = point
        self.fields["unit"].queryset = Unit.objects.filter(campaign=point.campaign, is_active=True).order_by("path")
        self.fields["target_criteria"].queryset = criteria_for_targets(campaign=point.campaign).order_by("position")
        self.fields["road_leaders"].initial = list(point.leader_assignments.values_list("leader_id", flat=True))
        self.applicable_ids = set(
            criteria_for_targets(campaign=point.campaign)
            .filter(point_types=point.point_type)
            .values_list("pk", flat=True)
        )


# People, problems and volunteers of one unit's day; the API allows the same.
MAX_COUNT = 1_000_000


class DailyReportForm(forms.ModelForm):
    """The unit's daily report on a phone: the day's work in a few fields, lines for what it found and what it
    needs, photos, and a self-check of the criteria it leads. `key` makes a double-clicked submit count once."""

    key = forms.UUIDField(widget=forms.HiddenInput)
    photos = PhotoField(label=_("Photos of the day's work"), required=False, max_count=9)

    class Meta:
        model = DailyReport
        fields = [
            "work_done",
            "people_deployed",
            "problems_rectified",
            "volunteers",
            "volunteer_activity",
            "draft_findings",
            "draft_difficulties",
        ]
        widgets = {
            "work_done": forms.Textarea(attrs={"rows": 4}),
            "volunteer_activity": forms.Textarea(attrs={"rows": 2}),
            "draft_findings": forms.Textarea(attrs={"rows": 3}),
            "draft_difficulties": forms.Textarea(attrs={"rows": 2}),
            "people_deployed": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": MAX_COUNT}),
            "problems_rectified": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": MAX_COUNT}),
            "volunteers": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": MAX_COUNT}),
        }
        help_texts = {
            "draft_findings": _("One problem per line; each goes into the problem ledger for your unit."),
            "draft_difficulties": _("One per line; the command office takes each on."),
        }

    def __init__(self, *args, criteria=(), checks=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("people_deployed", "problems_rectified", "volunteers"):
            self.fields[name].max_value = MAX_COUNT
            self.fields[name].validators.append(MaxValueValidator(MAX_COUNT))
        self.criteria = list(criteria)
        checks = checks or {}
        for criterion in self.criteria:
            result, note = checks.get(criterion.pk, ("", ""))
            self.fields[f"check_{criterion.pk}"] = forms.ChoiceField(
                label=criterion.name, required=False, initial=result,
                choices=[("", _("Not checked today")), *SelfCheckResult.choices],
            )  # fmt: skip
            self.fields[f"check_note_{criterion.pk}"] = forms.CharField(
                label=_("Note"), required=False, max_length=300, initial=note
            )
        for name, field in self.fields.items():
            if name in ("key", "photos"):
                continue
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def check_rows(self):
        """(criterion, result field, note field) for the template."""
        return [(c, self[f"check_{c.pk}"], self[f"check_note_{c.pk}"]) for c in self.criteria]

    def report_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}

    def checks(self) -> dict[int, tuple[str, str]] | None:
        if not self.criteria:
            return None
        data = self.cleaned_data
        return {c.pk: (data[f"check_{c.pk}"], data[f"check_note_{c.pk}"]) for c in self.criteria}

    def _post_clean(self):
        # The service validates the report as it is locked for writing; the unsaved instance is only the form's.
        pass


class DailyReportUnlockForm(forms.Form):
    reason = forms.CharField(label=_("Reason for unlocking"), max_length=300)


class DailyCycleSettingsForm(forms.ModelForm):
    class Meta:
        model = DailyCycleSettings
        fields = [
            "report_deadline",
            "remind_before_minutes",
            "compile_at",
            "publish_at",
            "auto_publish",
            "weekly_weekday",
        ]
        widgets = {
            "report_deadline": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "compile_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "publish_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "weekly_weekday": forms.Select(choices=sorted(WEEKDAYS.items())),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "form-check-input")
                continue
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class CoordinationItemForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("Owner at the office"), queryset=User.objects.none(), required=False)
    resolution = forms.CharField(label=_("Resolution"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    action = forms.ChoiceField(
        choices=[("save", _("Save")), ("resolve", _("Resolve")), ("reopen", _("Reopen"))], initial="save"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(is_active=True, role__in=OFFICE_ROLES).order_by("username")
