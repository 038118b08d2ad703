from django import forms
from django.utils.translation import gettext_lazy as _

from core.imports import max_upload_bytes

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
