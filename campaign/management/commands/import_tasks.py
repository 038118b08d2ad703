from campaign.imports import TaskAssignmentImport
from campaign.management.commands._import_base import ImportCommand


class Command(ImportCommand):
    help = "Import the task division (任务分解) from an .xlsx or .csv file (columns: see the import page)."
    importer = TaskAssignmentImport
