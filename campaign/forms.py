from django import forms
from django.utils.translation import gettext_lazy as _

from campaign.models import Responsibility, Unit
from campaign.services import criteria_for_targets
from core.choices import Role
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
