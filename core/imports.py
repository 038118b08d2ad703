"""Reading spreadsheets that offices upload: .xlsx workbooks and UTF-8 (or GB18030) .csv files.

Everything a person can get wrong in a sheet is reported as an `Issue` with sheet, row, column and a reason in the
user's language; nothing is written by this module. Whole-file problems (wrong type, too large, corrupt) raise
`ImportFileError`. Blank rows are skipped and codes are normalised (spaces, full-width characters), and the user is
told so in notices, which do not block an import. Importers (e.g. campaign/imports.py) turn the rows into a plan of
creates, updates and removals, show it as a preview, and apply it in one transaction.
"""

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from lxml import etree
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

ERROR = "error"
NOTICE = "notice"
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Uploaded XML is untrusted: no entities, no network, no huge trees. (openpyxl itself uses defusedxml.)
SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}


@dataclass(frozen=True)
class Issue:
    message: str
    sheet: str = ""
    row: int | None = None
    column: str = ""
    level: str = ERROR

    def as_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }

    def __str__(self):
        where = " ".join(
            part
            for part in [
                self.sheet and _("sheet %(sheet)s") % {"sheet": self.sheet},
                self.row and _("row %(row)d") % {"row": self.row},
                self.column and _("column %(column)s") % {"column": self.column},
            ]
            if part
        )
        return f"{where}: {self.message}" if where else self.message


class ImportFileError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.issue = Issue(message)


@dataclass(frozen=True)
class TableSpec:
    """What one sheet must look like. `names` are the sheet names accepted (the first is the template's)."""

    names: tuple[str, ...]
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    # Chinese or other headers accepted for a column, e.g. {"code": ("编码", "代码")}.
    header_aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.names[0]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


@dataclass
class Row:
    number: int
    values: dict[str, Any]
    cells: dict[str, str]  # column name → cell reference ("B7") or column letter, for messages

    def get(self, column: str) -> Any:
        return self.values.get(column)


@dataclass
class Table:
    spec: TableSpec
    sheet: str
    rows: list[Row]


@dataclass
class ReadResult:
    tables: dict[str, Table]  # by spec title
    issues: list[Issue]

    @property
    def errors(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.level == ERROR]


def max_upload_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_BYTES", 20 * 1024 * 1024)


def read_upload(
    *, filename: str, data: bytes, specs: Iterable[TableSpec], csv_spec: TableSpec | None = None
) -> ReadResult:
    """Read an uploaded file into tables, one per spec found. A CSV file holds one table, `csv_spec`."""
    specs = list(specs)
    limit = max_upload_bytes()
    if len(data) > limit:
        raise ImportFileError(
            _("The file is %(size).1f MB; the limit is %(limit).0f MB. Split it or remove what is not needed.")
            % {"size": len(data) / 1024 / 1024, "limit": limit / 1024 / 1024}
        )
    if not data:
        raise ImportFileError(_("The file is empty."))
    suffix = PurePosixPath(filename.lower()).suffix
    if data.startswith(OLE_MAGIC):
        raise ImportFileError(
            _("This is an old Excel 97-2003 (.xls) file. Open it in Excel or WPS and save it as .xlsx.")
        )
    if data.startswith(XLSX_MAGIC):
        if suffix == ".csv":
            raise ImportFileError(_("The file is named .csv but is an Excel workbook. Rename it to .xlsx."))
        return _read_xlsx(data, specs)
    text = _decode_text(data)
    if text is None:
        raise ImportFileError(_("The file is neither an Excel workbook (.xlsx) nor a text (.csv) file."))
    if suffix == ".xlsx":
        raise ImportFileError(
            _("The file is named .xlsx but is a text (CSV) file. Rename it to .csv, or save it from Excel as .xlsx.")
        )
    if csv_spec is None:
        raise ImportFileError(_("This import needs an Excel workbook (.xlsx) with several sheets."))
    return _read_csv(text, csv_spec)


def _decode_text(data: bytes) -> str | None:
    if b"\x00" in data[:4096]:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _read_csv(text: str, spec: TableSpec) -> ReadResult:
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise ImportFileError(_("The CSV file cannot be read: %(reason)s") % {"reason": exc}) from exc
    sheet = spec.title
    letters = [get_column_letter(i + 1) for i in range(max((len(r) for r in rows), default=0))]
    issues: list[Issue] = []
    table = _build_table(spec, sheet, ((n, row, letters) for n, row in enumerate(rows, start=1)), issues)
    tables = {spec.title: table} if table else {}
    return ReadResult(tables=tables, issues=issues)


def _read_xlsx(data: bytes, specs: list[TableSpec]) -> ReadResult:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ImportFileError(
            _("The workbook is damaged or not an Excel file (%(reason)s). Open and save it again in Excel or WPS.")
            % {"reason": type(exc).__name__}
        ) from exc
    issues: list[Issue] = []
    tables: dict[str, Table] = {}
    merged = _merged_ranges(data)
    found = False
    try:
        sheet_names = workbook.sheetnames
        for spec in specs:
            name = next((n for n in sheet_names if n.strip() in spec.names), None)
            if name is None:
                continue
            found = True
            for ref in merged.get(name, []):
                issues.append(
                    Issue(
                        _("Cells %(range)s are merged. Unmerge them and fill every cell.") % {"range": ref},
                        sheet=name,
                        row=_first_row(ref),
                    )
                )
            worksheet = workbook[name]
            table = _build_table(spec, name, _xlsx_rows(worksheet, name, issues), issues)
            if table:
                tables[spec.title] = table
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError, ValueError) as exc:
        raise ImportFileError(
            _("The workbook is damaged (%(reason)s). Open and save it again in Excel or WPS.")
            % {"reason": type(exc).__name__}
        ) from exc
    finally:
        workbook.close()
    if not found:
        expected = "、".join(spec.title for spec in specs)
        raise ImportFileError(
            _("No sheet of this workbook has the expected name (%(expected)s).") % {"expected": expected}
        )
    return ReadResult(tables=tables, issues=issues)


def _xlsx_rows(worksheet, sheet: str, issues: list[Issue]):
    for row in worksheet.iter_rows():
        values, letters = [], []
        number = None
        for cell in row:
            if not hasattr(cell, "column_letter"):  # EmptyCell in read-only mode
                values.append(None)
                letters.append("")
                continue
            number = cell.row
            value = cell.value
            if (
                cell.data_type == "f"
                or (isinstance(value, str) and value.startswith("="))
                or type(value).__name__
                in (
                    "ArrayFormula",
                    "DataTableFormula",
                )
            ):
                issues.append(
                    Issue(
                        _("Cell %(cell)s holds a formula. Copy the column and paste it as values.")
                        % {"cell": cell.coordinate},
                        sheet=sheet,
                        row=cell.row,
                        column=cell.column_letter,
                    )
                )
                value = None
            values.append(value)
            letters.append(cell.column_letter)
        if number is not None:
            yield number, values, letters


def _build_table(spec: TableSpec, sheet: str, rows, issues: list[Issue]) -> Table | None:
    header: dict[int, str] | None = None
    letters_by_index: list[str] = []
    table_rows: list[Row] = []
    pending_blank: list[int] = []
    last_number = 0
    for number, values, letters in rows:
        # Rows with nothing in them may be missing from the file altogether: a gap in the numbers is blank rows.
        if header is not None:
            pending_blank.extend(range(last_number + 1, number))
        last_number = number
        if header is None:
            if all(_blank(v) for v in values):
                continue
            header = _read_header(spec, sheet, number, values, letters, issues)
            if header is None:
                return None
            letters_by_index = letters
            continue
        if all(_blank(values[i]) if i < len(values) else True for i in header):
            pending_blank.append(number)
            continue
        for blank in pending_blank:
            issues.append(Issue(_("Blank row skipped."), sheet=sheet, row=blank, level=NOTICE))
        pending_blank = []
        row_values = {name: _clean(values[i]) if i < len(values) else None for i, name in header.items()}
        cells = {
            name: f"{letters_by_index[i] if i < len(letters_by_index) else get_column_letter(i + 1)}"
            for i, name in header.items()
        }
        table_rows.append(Row(number=number, values=row_values, cells=cells))
    if header is None:
        issues.append(Issue(_("The sheet is empty."), sheet=sheet))
        return None
    return Table(spec=spec, sheet=sheet, rows=table_rows)


def _read_header(spec, sheet, number, values, letters, issues) -> dict[int, str] | None:
    aliases = {name: name for name in spec.columns}
    for name, others in spec.header_aliases.items():
        for other in others:
            aliases[other] = name
    header: dict[int, str] = {}
    seen: dict[str, str] = {}
    for index, raw in enumerate(values):
        if _blank(raw):
            continue
        label = unicodedata.normalize("NFKC", str(raw)).strip()
        name = aliases.get(label) or aliases.get(label.lower())
        letter = letters[index] if index < len(letters) and letters[index] else get_column_letter(index + 1)
        if name is None:
            issues.append(
                Issue(
                    _("Column “%(label)s” is not used and was ignored.") % {"label": label},
                    sheet=sheet,
                    row=number,
                    column=letter,
                    level=NOTICE,
                )
            )
            continue
        if name in seen:
            issues.append(
                Issue(
                    _("Column “%(name)s” appears twice (also in column %(other)s).")
                    % {"name": name, "other": seen[name]},
                    sheet=sheet,
                    row=number,
                    column=letter,
                )
            )
            continue
        seen[name] = letter
        header[index] = name
    missing = [name for name in spec.required if name not in seen]
    if missing:
        issues.append(
            Issue(
                _("Required columns are missing: %(columns)s. The first row must hold the column names: %(all)s.")
                % {"columns": ", ".join(missing), "all": ", ".join(spec.columns)},
                sheet=sheet,
                row=number,
            )
        )
        return None
    return header


def _merged_ranges(data: bytes) -> dict[str, list[str]]:
    """Merged cell ranges per sheet name, read from the workbook XML (read-only mode does not expose them)."""
    result: dict[str, list[str]] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
            return result
        rels = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"), parser=SAFE_XML)
        targets = {rel.get("Id"): rel.get("Target") for rel in rels.findall("rel:Relationship", NS)}
        workbook = etree.fromstring(archive.read("xl/workbook.xml"), parser=SAFE_XML)
        for sheet in workbook.findall("m:sheets/m:sheet", NS):
            target = targets.get(sheet.get(f"{{{NS['r']}}}id"), "")
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            if path not in names:
                continue
            refs = re.findall(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+\d+:[A-Z]+\d+)"', archive.read(path))
            if refs:
                result[sheet.get("name")] = [ref.decode() for ref in refs]
    return result


def _first_row(ref: str) -> int | None:
    match = re.search(r"\d+", ref)
    return int(match.group()) if match else None


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _clean(value):
    """Blank text becomes None; other text is kept as typed, so importers can tell the user what they changed."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


# Values ---------------------------------------------------------------------------------------------------------


def normalize_code(value) -> str:
    """Codes as people type them: full-width letters and digits become half-width, spaces go."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value))
    return re.sub(r"\s+", "", text)


def parse_decimal(value, *, places: int = 2) -> Decimal | None:
    """A number from a cell, or None if the cell does not hold one."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
    if not number.is_finite():
        return None
    return number.quantize(Decimal(1).scaleb(-places))


def parse_int(value) -> int | None:
    number = parse_decimal(value, places=0) if not isinstance(value, float) or value.is_integer() else None
    if number is None:
        return None
    if parse_decimal(value, places=6) != number:
        return None
    return int(number)


def split_multi(value) -> list[str]:
    """Multi-valued cells use | (also accepted: the full-width ｜, Chinese 、 and ；)."""
    if value is None:
        return []
    text = unicodedata.normalize("NFKC", str(value))
    return [part.strip() for part in re.split(r"[|、;；,，]", text) if part.strip()]
