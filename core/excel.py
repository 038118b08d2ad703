"""Excel export of any list: openpyxl in write-only mode, rows streamed from the database in chunks."""

import datetime
import functools
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils import timezone, translation
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows an Excel sheet holds, its header included.
SHEET_MAX_ROWS = 1_048_576
# Text that Excel would read as a formula is written with a leading apostrophe (CSV/formula injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    header: str
    width: int = 16


@functools.cache
def _choice_labels(model, field_name: str, language: str | None) -> dict:
    return {value: str(label) for value, label in model._meta.get_field(field_name).flatchoices}


def choice_label(obj, field_name: str) -> str:
    """`obj.get_<field>_display()` for exports: the labels of the field's choices worked out once per language, not
    on every row (Django rebuilds and hashes the lazy labels on each call, which dominates a 100,000-row export)."""
    value = getattr(obj, field_name)
    return _choice_labels(type(obj), field_name, translation.get_language()).get(value, value)


def cell_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | datetime.date):
        return value
    if isinstance(value, Decimal):
        return float(value)
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def write_xlsx(*, title: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> bytes:
    return write_workbook(sheets=[(title, columns, rows)])


def write_workbook(*, sheets: Sequence[tuple[str, Sequence[Column], Iterable[Sequence[Any]]]], out=None) -> bytes:
    """One sheet per (title, columns, rows), streamed row by row. Returns the file's bytes, or, given a binary file
    `out`, writes into it and returns b"" (a long export goes to a temporary file, not memory)."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, columns, rows in sheets:
        sheet = workbook.create_sheet(title=str(title)[:31] or "Sheet1")
        for index, column in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.freeze_panes = "A2"
        header = []
        for column in columns:
            cell = WriteOnlyCell(sheet, value=str(column.header))
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in rows:
            sheet.append([cell_value(value) for value in row])
    if out is not None:
        workbook.save(out)
        return b""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(*, filename: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'{filename}-{stamp}.xlsx')}"
    return response
