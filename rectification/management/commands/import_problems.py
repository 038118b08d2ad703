from campaign.management.commands._import_base import ImportCommand
from rectification.imports import ProblemImport


class Command(ImportCommand):
    help = (
        "Record problems found offline from a workbook or a CSV with the columns ref and description, optionally "
        "source, found_at, point_code, address, longitude, latitude, category_code, criterion_code, severity, "
        "unit_code. Numbers (ref) imported before are skipped."
    )
    importer = ProblemImport
