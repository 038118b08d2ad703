from campaign.imports import UnitImport
from campaign.management.commands._import_base import ImportCommand


class Command(ImportCommand):
    help = "Import the responsible units (责任单位) from an .xlsx or .csv file (columns: see the import page)."
    importer = UnitImport
