from campaign.imports import PointImport
from campaign.management.commands._import_base import ImportCommand


class Command(ImportCommand):
    help = (
        "Import grids (sheet 网格) and points with their responsibility manual rows (sheet 点位, or a CSV of "
        "points): code, name, point_type, grid, address, longitude, latitude, unit, leader, post_person, "
        "post_position, post_phone."
    )
    importer = PointImport
