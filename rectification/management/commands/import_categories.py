from campaign.management.commands._import_base import ImportCommand
from rectification.imports import CategoryImport


class Command(ImportCommand):
    help = (
        "Import the problem categories (问题分类) from a workbook or a CSV with the columns code, parent_code, name "
        "and the deadline (default_deadline_hours or deadline_days, urgent_deadline), optionally open_condition, "
        "close_condition, default_unit_type."
    )
    importer = CategoryImport
