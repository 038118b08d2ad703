from campaign.imports import IndicatorImport
from campaign.management.commands._import_base import ImportCommand


class Command(ImportCommand):
    help = (
        "Import the assessment system (测评体系) from a workbook (sheets 测评体系 and optionally 点位类型) or a CSV "
        "with the columns code, parent_code, level, name, score, method, point_types, veto [, kind]."
    )
    importer = IndicatorImport
