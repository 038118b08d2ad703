from campaign.imports import GridImport
from campaign.management.commands._import_base import ImportCommand


class Command(ImportCommand):
    help = (
        "Import the grids (网格) from a workbook or a CSV with the columns code, name, unit_code. Grids missing from "
        "the file are kept."
    )
    importer = GridImport
