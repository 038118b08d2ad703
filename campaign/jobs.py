"""Runners for the campaign's long jobs (imports), registered with core.jobs by kind."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from campaign.imports import (
    GridImport,
    IndicatorImport,
    PairingImport,
    PointImport,
    PointTypeImport,
    StandardImport,
    TaskAssignmentImport,
    UnitGroupImport,
    UnitImport,
)
from campaign.models import Campaign
from core.errors import DomainError
from core.imports import TableSpec
from core.jobs import register_runner

IMPORTERS = {
    "import.indicators": IndicatorImport,
    "import.point_types": PointTypeImport,
    "import.units": UnitImport,
    "import.tasks": TaskAssignmentImport,
    "import.points": PointImport,
    "import.standards": StandardImport,
    "import.grids": GridImport,
    "import.groups": UnitGroupImport,
    "import.pairings": PairingImport,
}


@dataclass(frozen=True)
class RegisteredImport:
    """An import another app offers on the import page: its label in the form, the link text of its template, the
    sheets of that template, and the URL name of the page that shows what it wrote."""

    label: str
    template_label: str
    specs: tuple[TableSpec, ...]
    result_page: str


# Imports of apps that depend on campaign (rectification, scoring), which campaign must not import. The campaign's
# own kinds above are listed in place on the page.
REGISTERED_IMPORTS: dict[str, RegisteredImport] = {}


def register_import(
    kind: str, *, importer, label, template_label, specs: tuple[TableSpec, ...], result_page: str
) -> None:
    """Offer `importer` (a campaign.imports.SheetImport) on the import page and run it as a job of `kind`. Called
    from the other app's AppConfig.ready()."""
    IMPORTERS[kind] = importer
    REGISTERED_IMPORTS[kind] = RegisteredImport(
        label=label, template_label=template_label, specs=tuple(specs), result_page=result_page
    )
    register_runner(kind, run_import)


def run_import(job, progress):
    """Read the file again and re-plan against the database as it is now (it may have changed since the preview),
    then apply the plan in one transaction."""
    campaign = Campaign.objects.get(pk=job.campaign_id)
    progress(done=0, total=2, message=_("Checking the file"))
    with job.file.open("rb") as handle:
        data = handle.read()
    plan = IMPORTERS[job.kind](campaign=campaign, filename=job.filename, data=data)
    if plan.has_errors:
        raise DomainError(_("The file has errors now; nothing was imported. Upload it again to see them."))
    progress(done=1, total=2, message=_("Writing"))
    counts = plan.apply(actor=job.created_by, progress=progress)
    progress(done=2, total=2, message=_("Done"))
    return counts
