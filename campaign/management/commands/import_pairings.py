from campaign.imports import PairingImport
from campaign.management.commands._import_base import ImportCommand


class Command(ImportCommand):
    help = (
        "Import the pairings (结对共建) from a workbook or a CSV with the columns unit_code, partner_code, note. The "
        "file is the whole list: pairings missing from it are removed."
    )
    importer = PairingImport
