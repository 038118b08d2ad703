"""Excel exports shared by pages and commands."""

from django.utils.translation import gettext as _

from campaign.models import Campaign, Point
from campaign.selectors import criteria_count_by_point_type, manual_points
from core.excel import Column, write_workbook


def manual_columns() -> list[Column]:
    return [
        Column(_("Grid"), 20),
        Column(_("Point code"), 12),
        Column(_("Point"), 28),
        Column(_("Point type"), 16),
        Column(_("Address"), 28),
        Column(_("Responsible leader"), 18),
        Column(_("Responsible unit"), 22),
        Column(_("Person on the post"), 12),
        Column(_("Post"), 18),
        Column(_("Post phone"), 14),
        Column(_("Target criteria"), 10),
    ]


def manual_row(point: Point, target_counts: dict[int, int]) -> list:
    row = getattr(point, "responsibility", None)
    return [
        point.grid.name, point.code, point.name, point.point_type.name, point.address,
        row.leader_name if row else "", str(row.unit) if row and row.unit else "",
        row.post_person if row else "", row.post_position if row else "", row.post_phone if row else "",
        getattr(point, "custom_targets", 0) or target_counts.get(point.point_type_id, 0),
    ]  # fmt: skip


def manual_workbook(*, campaign: Campaign) -> tuple[bytes, int]:
    """The whole manual of a campaign (the command's export; the page exports what its filters select)."""
    target_counts = criteria_count_by_point_type(campaign=campaign)
    points = manual_points(user=None, campaign=campaign)
    rows = [manual_row(point, target_counts) for point in points.iterator(chunk_size=2000)]
    return write_workbook(sheets=[(_("Responsibility manual"), manual_columns(), rows)]), len(rows)
