"""A dashboard panel's table cell: the value as the panel gives it, linked to the records behind it."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


def number_text(value: float) -> str:
    """As the dashboard's script writes numbers: 100, 81.9, 64.29."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


@register.filter
def figure(value):
    return number_text(value) if isinstance(value, float) else value


@register.simple_tag
def panel_cell(row: dict, column: dict):
    key = column["key"]
    value = row.get(key)
    if key == "change" and value is not None:
        if value > 0:
            text = format_html('<span class="text-success" title="{}">▲ {}</span>', _("Up"), value)
        elif value < 0:
            text = format_html('<span class="text-danger" title="{}">▼ {}</span>', _("Down"), -value)
        else:
            text = format_html('<span class="text-body-secondary" title="{}">＝</span>', _("Unchanged"))
    elif isinstance(value, bool):
        text = _("Yes") if value else ""
    elif value is None or value == "":
        text = "—"
    elif isinstance(value, float):
        text = number_text(value)
    else:
        text = value
    if key == "list" and value:
        badge = "danger" if row.get("list_kind") == "black" else "success"
        text = format_html('<span class="badge text-bg-{}">{}</span>', badge, value)
    url = (row.get("urls") or {}).get(key) or (row.get("url") if column is not None and column.get("first") else "")
    if url and text not in ("—", ""):
        return format_html('<a href="{}">{}</a>', url, text)
    return format_html("{}", text)
