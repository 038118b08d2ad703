from campaign.imports import UnitGroupImport
from campaign.management.commands._import_base import ImportCommand


class Command(ImportCommand):
    help = (
        "Import the unit groups (单位分组) from a workbook or a CSV with the columns name, kind, members (unit codes "
        "separated by |), lead_unit_code, commander, deputies. A group's members become exactly the file's list."
    )
    importer = UnitGroupImport
