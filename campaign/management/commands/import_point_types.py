from campaign.imports import PointTypeImport
from campaign.management.commands._import_base import ImportCommand


class Command(ImportCommand):
    help = "Import the point types (点位类型) from a workbook or a CSV with the columns code, name, sample_count."
    importer = PointTypeImport
