"""Runners for the campaign's long jobs (imports), registered with core.jobs by kind."""

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
