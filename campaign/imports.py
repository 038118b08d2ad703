"""Excel/CSV imports of the campaign's structure: preview (a plan of creates, updates, removals, and every problem
with sheet, row, column and reason), then apply the plan in one transaction. Re-importing the same file changes
nothing: rows are matched by code.

Templates follow the sample data's columns (indicators: code, parent_code, level, name, score, method,
point_types, veto; point types: code, name, sample_count), so the office's own sheets import as they are.
"""

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import translation
from django.utils.translation import gettext as _

from campaign.choices import KIND_ALIASES, METHOD_ALIASES, IndicatorKind, Method, UnitGroupKind, UnitType
from campaign.models import (
    Campaign,
    Grid,
    Indicator,
    IndicatorMethod,
    IndicatorSystem,
    OperationStandard,
    Pairing,
    Point,
    PointType,
    Responsibility,
    TaskAssignment,
    Unit,
    UnitGroup,
)
from core.audit import audit_log
from core.errors import DomainError
from core.imports import (
    NOTICE,
    ImportFileError,
    Issue,
    Row,
    Table,
    TableSpec,
    normalize_code,
    parse_decimal,
    parse_int,
    read_upload,
    split_multi,
)

POINT_TYPE_SPEC = TableSpec(
    names=("点位类型", "point_types", "Point types"),
    required=("code", "name"),
    optional=("sample_count",),
    header_aliases={"code": ("编码", "代码"), "name": ("名称",), "sample_count": ("抽样数量", "抽取数量")},
)
INDICATOR_SPEC = TableSpec(
    names=("测评体系", "indicators", "Indicators"),
    required=("code", "parent_code", "level", "name", "score", "method"),
    optional=("point_types", "veto", "kind"),
    header_aliases={
        "code": ("编码", "代码"),
        "parent_code": ("上级编码", "上级代码"),
        "level": ("层级", "级别"),
        "name": ("名称", "内容"),
        "score": ("分值",),
        "method": ("测评方法",),
        "point_types": ("点位类型",),
        "veto": ("一票否决",),
        "kind": ("类别",),
    },
)
# What the columns can store: larger values are refused in the preview, never left to fail in the database.
MAX_SCORE = 9999
MAX_SAMPLE_COUNT = 10000
TRUE_WORDS = {"1", "是", "y", "yes", "true", "√"}
FALSE_WORDS = {"0", "否", "n", "no", "false", ""}


@dataclass
class Change:
    action: str  # create, update, remove
    model: str
    code: str
    name: str
    fields: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "model": self.model,
            "code": self.code,
            "name": self.name,
            "fields": self.fields,
        }


class SheetImport:
    """Read, validate and diff on construction; `apply()` writes the plan in one transaction."""

    kind = ""
    title = ""

    def __init__(self, *, campaign: Campaign, filename: str, data: bytes):
        self.campaign = campaign
        self.issues: list[Issue] = []
        self.changes: list[Change] = []
        try:
            self.read(filename=filename, data=data)
        except ImportFileError as exc:
            self.issues = [exc.issue]
            return
        if not self.has_errors:
            self.diff()

    @property
    def has_errors(self) -> bool:
        return any(issue.level != NOTICE for issue in self.issues)

    def error(self, message: str, *, table: Table | None = None, row: Row | None = None, column: str = ""):
        self.issues.append(
            Issue(
                message,
                sheet=table.sheet if table else "",
                row=row.number if row else None,
                column=row.cells.get(column, "") if row and column else column,
            )
        )

    def notice(self, message: str, *, table: Table | None = None, row: Row | None = None, column: str = ""):
        self.issues.append(
            Issue(
                message,
                sheet=table.sheet if table else "",
                row=row.number if row else None,
                column=row.cells.get(column, "") if row and column else column,
                level=NOTICE,
            )
        )

    def counts(self) -> dict[str, int]:
        counts = {"create": 0, "update": 0, "remove": 0}
        for change in self.changes:
            counts[change.action] += 1
        return counts

    def summary(self) -> dict[str, Any]:
        return {
            "counts": self.counts(),
            "changes": [change.as_dict() for change in self.changes],
            "issues": [issue.as_dict() for issue in self.issues],
        }

    def code_of(self, table: Table, row: Row, column: str = "code") -> str:
        raw = row.get(column)
        code = normalize_code(raw)
        if isinstance(raw, int | float):
            raw = code
        if raw is not None and str(raw) != code and code:
            self.notice(
                _("Code “%(raw)s” was read as “%(code)s” (spaces and full-width characters removed).")
                % {"raw": raw, "code": code},
                table=table,
                row=row,
                column=column,
            )
        return code

    def unique(self, code: str, seen: dict[str, int], table: Table, row: Row, max_length: int = 40) -> bool:
        """A row's code must be present, short enough to store, and not seen before in the sheet; `seen` maps
        codes to their first row."""
        if not code:
            self.error(_("The code is empty."), table=table, row=row, column="code")
            return False
        if len(code) > max_length:
            self.error(
                _("The code “%(code)s” is longer than %(max)d characters.") % {"code": code, "max": max_length},
                table=table,
                row=row,
                column="code",
            )
            return False
        if code in seen:
            self.error(
                _("Code %(code)s appears again (first in row %(row)d).") % {"code": code, "row": seen[code]},
                table=table,
                row=row,
                column="code",
            )
            return False
        seen[code] = row.number
        return True

    def check_parent_cycles(
        self, table: Table, *, parents: dict[str, str | None], rows: dict[str, Row]
    ) -> dict[str, int]:
        """Report each code of `rows` whose chain of parents (`parents`: code → parent code, None or "" at the top)
        comes back round to a code already on it, on that code's row; returns the depth of every other code of
        `rows` (1 at the top). A parent missing from `parents` ends its chain (reported elsewhere, if at all)."""
        depths = {}
        for code, row in rows.items():
            path = [code]
            parent = parents.get(code)
            while parent:
                if parent in path:
                    loop = " → ".join([*path[path.index(parent) :], parent])
                    self.error(
                        _("The parent codes go round in a circle: %(loop)s.") % {"loop": loop},
                        table=table,
                        row=row,
                        column="parent_code",
                    )
                    break
                path.append(parent)
                parent = parents.get(parent)
            else:
                depths[code] = len(path)
        return depths

    def unit_names(self):
        """Units by code, name and short name (spaces and full-width forms folded); sets by name."""
        units: dict[str, Unit] = {}
        for unit in Unit.objects.filter(campaign=self.campaign, is_active=True):
            for key in (unit.short_name, unit.name, unit.code):
                if key:
                    units[normalize_code(key)] = unit
        groups = {normalize_code(g.name): g for g in UnitGroup.objects.filter(campaign=self.campaign)}
        return units, groups

    def unit_by_code(
        self, code: str, units: dict[str, Unit], table: Table, row: Row, column: str, *, raw=None
    ) -> Unit | None:
        """The campaign's active unit with this code (`units`: all its units by code), or None and an error."""
        unit = units.get(code)
        if unit is None:
            self.error(_("Unknown unit “%(name)s”.") % {"name": raw or code}, table=table, row=row, column=column)
        elif not unit.is_active:
            self.error(
                _("Unit %(code)s (%(name)s) is no longer active.") % {"code": code, "name": unit.name},
                table=table,
                row=row,
                column=column,
            )
            return None
        return unit

    def read_table(self, spec: TableSpec, *, filename: str, data: bytes) -> Table | None:
        """Read a file holding one kind of table (a workbook sheet or a CSV file), keeping its issues."""
        result = read_upload(filename=filename, data=data, specs=[spec], csv_spec=spec)
        self.issues += result.issues
        return result.tables.get(spec.title)

    @property
    def audit_action(self) -> str:
        """The audit event an applied import writes; importers of other apps name their own."""
        return f"campaign.{self.kind}.import"

    def read(self, *, filename: str, data: bytes):
        raise NotImplementedError

    def diff(self):
        raise NotImplementedError

    @transaction.atomic
    def apply(self, *, actor, progress=None) -> dict[str, int]:
        """Write the plan in one transaction and record one audit event if anything changed. Refused whole when the
        file has errors."""
        if self.has_errors:
            raise DomainError(_("The file has errors; nothing was imported."), code="import_has_errors")
        self.audited_object = self.campaign
        counts = self.write(actor=actor, progress=progress)
        if any(counts.values()):
            audit_log(action=self.audit_action, actor=actor, obj=self.audited_object, data=counts)
        return counts

    def write(self, *, actor, progress=None) -> dict[str, int]:
        """Apply the plan's creates, updates and removals; return their counts."""
        raise NotImplementedError


@dataclass
class ParsedPointType:
    code: str
    name: str
    sample_count: int


class PointTypeImport(SheetImport):
    kind = "point_types"

    def read(self, *, filename, data):
        self.point_types = self.parse_point_types(self.read_table(POINT_TYPE_SPEC, filename=filename, data=data))

    def parse_point_types(self, table: Table | None) -> dict[str, ParsedPointType]:
        parsed: dict[str, ParsedPointType] = {}
        if table is None:
            return parsed
        first_row: dict[str, int] = {}
        for row in table.rows:
            code = self.code_of(table, row)
            name = row.get("name")
            if not self.unique(code, first_row, table, row, max_length=20):
                continue
            if not name:
                self.error(_("The name is empty."), table=table, row=row, column="name")
                continue
            count = parse_int(row.get("sample_count")) if row.get("sample_count") is not None else 0
            if count is None or not 0 <= count <= MAX_SAMPLE_COUNT:
                self.error(
                    _("“%(value)s” is not a whole number from 0 to %(max)d.")
                    % {"value": row.get("sample_count"), "max": MAX_SAMPLE_COUNT},
                    table=table,
                    row=row,
                    column="sample_count",
                )
                continue
            parsed[code] = ParsedPointType(code=code, name=str(name).strip()[:100], sample_count=count)
        return parsed

    def diff(self):
        self.changes += self.point_type_changes(remove=True)

    def point_type_changes(self, *, remove: bool) -> list[Change]:
        existing = {pt.code: pt for pt in PointType.objects.filter(campaign=self.campaign)}
        changes = []
        for code, parsed in self.point_types.items():
            current = existing.get(code)
            if current is None:
                changes.append(Change("create", "point_type", code, parsed.name))
                continue
            fields = [f for f in ("name", "sample_count") if getattr(current, f) != getattr(parsed, f)]
            if fields:
                changes.append(Change("update", "point_type", code, parsed.name, fields))
        if remove:
            for code, current in existing.items():
                if code not in self.point_types:
                    changes.append(Change("remove", "point_type", code, current.name))
        return changes

    def apply_point_types(self, *, remove: bool):
        existing = {pt.code: pt for pt in PointType.objects.filter(campaign=self.campaign)}
        creates, updates = [], []
        for code, parsed in self.point_types.items():
            current = existing.get(code)
            if current is None:
                creates.append(PointType(campaign=self.campaign, **parsed.__dict__))
            elif (current.name, current.sample_count) != (parsed.name, parsed.sample_count):
                current.name, current.sample_count = parsed.name, parsed.sample_count
                updates.append(current)
        PointType.objects.bulk_create(creates)
        PointType.objects.bulk_update(updates, ["name", "sample_count"])
        removed = [pt.pk for code, pt in existing.items() if code not in self.point_types] if remove else []
        PointType.objects.filter(pk__in=removed).delete()
        return {"create": len(creates), "update": len(updates), "remove": len(removed)}

    def write(self, *, actor, progress=None):
        counts = self.apply_point_types(remove=True)
        return counts


@dataclass
class ParsedIndicator:
    code: str
    parent_code: str
    level: int
    name: str
    score: Decimal
    methods: list[str]
    point_types: list[str]
    is_veto: bool
    kind: str
    position: int
    kind_given: bool = False
    row: Row | None = None


class IndicatorImport(PointTypeImport):
    """The assessment system. A workbook may carry the point types too (sheet 点位类型); they are imported first.
    Indicators missing from the file are removed from the campaign's current version."""

    kind = "indicators"

    def read(self, *, filename, data):
        result = read_upload(
            filename=filename, data=data, specs=[POINT_TYPE_SPEC, INDICATOR_SPEC], csv_spec=INDICATOR_SPEC
        )
        self.issues += result.issues
        self.point_types = self.parse_point_types(result.tables.get(POINT_TYPE_SPEC.title))
        table = result.tables.get(INDICATOR_SPEC.title)
        if table is None:
            if not self.has_errors:
                self.error(_("The workbook has no sheet named %(name)s.") % {"name": INDICATOR_SPEC.title})
            self.indicators = {}
            return
        self.indicators = self.parse_indicators(table)
        self.check_tree(table)

    def known_point_types(self) -> set[str]:
        return set(self.point_types) | set(
            PointType.objects.filter(campaign=self.campaign).values_list("code", flat=True)
        )

    def parse_indicators(self, table: Table) -> dict[str, ParsedIndicator]:
        parsed: dict[str, ParsedIndicator] = {}
        first_row: dict[str, int] = {}
        known_types = self.known_point_types()
        method_words = {**METHOD_ALIASES, **{m.value: m for m in Method}, **{str(m.label).lower(): m for m in Method}}
        kind_words = {**KIND_ALIASES, **{k.value: k for k in IndicatorKind}}
        for position, row in enumerate(table.rows):
            ok = True
            code = self.code_of(table, row)
            if not self.unique(code, first_row, table, row):
                continue
            parent_code = self.code_of(table, row, "parent_code")
            level = parse_int(row.get("level"))
            if level is None or level < 1:
                self.error(
                    _("The level “%(value)s” is not a whole number of 1 or more.") % {"value": row.get("level")},
                    table=table,
                    row=row,
                    column="level",
                )
                ok = False
            name = row.get("name")
            if not name:
                self.error(_("The name is empty."), table=table, row=row, column="name")
                ok = False
            score = parse_decimal(row.get("score"))
            if score is None:
                self.error(
                    _("The score “%(value)s” is not a number.") % {"value": row.get("score") or ""},
                    table=table,
                    row=row,
                    column="score",
                )
                ok = False
            elif abs(score) > MAX_SCORE:
                self.error(
                    _("The score %(score)s is out of range (at most %(max)d).") % {"score": score, "max": MAX_SCORE},
                    table=table,
                    row=row,
                    column="score",
                )
                ok = False
            methods = []
            for word in split_multi(row.get("method")):
                method = method_words.get(word) or method_words.get(word.lower())
                if method is None:
                    self.error(
                        _("Unknown method “%(value)s”. Use: %(allowed)s.")
                        % {"value": word, "allowed": "、".join(METHOD_ALIASES)},
                        table=table,
                        row=row,
                        column="method",
                    )
                    ok = False
                elif method not in methods:
                    methods.append(method)
            point_types = []
            for word in split_multi(row.get("point_types")):
                type_code = normalize_code(word)
                if type_code not in known_types:
                    self.error(
                        _("Unknown point type %(code)s: import the point types first, or add sheet %(sheet)s.")
                        % {"code": type_code, "sheet": POINT_TYPE_SPEC.title},
                        table=table,
                        row=row,
                        column="point_types",
                    )
                    ok = False
                elif type_code not in point_types:
                    point_types.append(type_code)
            veto_word = normalize_code(row.get("veto")).lower()
            if veto_word not in TRUE_WORDS | FALSE_WORDS:
                self.error(
                    _("Veto must be 1 or 0 (是 or 否), not “%(value)s”.") % {"value": row.get("veto")},
                    table=table,
                    row=row,
                    column="veto",
                )
                ok = False
            kind_word = normalize_code(row.get("kind"))
            kind = kind_words.get(kind_word) if kind_word else None
            if kind_word and kind is None:
                self.error(
                    _("Unknown kind “%(value)s”. Use 基本, 加分 or 扣分.") % {"value": row.get("kind")},
                    table=table,
                    row=row,
                    column="kind",
                )
                ok = False
            if not ok:
                continue
            parsed[code] = ParsedIndicator(
                code=code,
                parent_code=parent_code,
                level=level,
                name=str(name).strip()[:500],
                score=score,
                methods=methods,
                point_types=point_types,
                is_veto=veto_word in TRUE_WORDS,
                kind=kind or IndicatorKind.BASE,
                kind_given=kind is not None,
                position=position,
                row=row,
            )
        return parsed

    def check_tree(self, table: Table):
        items = self.indicators
        for item in items.values():
            if item.parent_code and item.parent_code not in items:
                self.error(
                    _("Parent code %(parent)s is not in the sheet.") % {"parent": item.parent_code},
                    table=table,
                    row=item.row,
                    column="parent_code",
                )
        self.check_parent_cycles(
            table,
            parents={code: item.parent_code for code, item in items.items()},
            rows={code: item.row for code, item in items.items()},
        )
        if self.has_errors:
            return
        for item in items.values():
            parent = items.get(item.parent_code)
            expected = parent.level + 1 if parent else 1
            if item.level != expected:
                self.error(
                    _("The level is %(level)d but should be %(expected)d, one below its parent.")
                    % {"level": item.level, "expected": expected},
                    table=table,
                    row=item.row,
                    column="level",
                )
        if self.has_errors:
            return
        self.settle_kinds(table)
        for item in items.values():
            if item.score < 0 and item.kind != IndicatorKind.DEDUCTION:
                self.error(
                    _("The score %(score)s is negative; only deduction items (扣分) may be negative.")
                    % {"score": item.score},
                    table=table,
                    row=item.row,
                    column="score",
                )
        children = defaultdict(list)
        for item in items.values():
            if item.parent_code:
                children[item.parent_code].append(item)
        for code, kids in children.items():
            total = sum((kid.score for kid in kids), Decimal(0))
            parent = items[code]
            if total != parent.score:
                self.notice(
                    _("The children of %(code)s add up to %(total)s, but its score is %(score)s. Kept as written.")
                    % {"code": code, "total": total, "score": parent.score},
                    table=table,
                    row=parent.row,
                    column="score",
                )

    def settle_kinds(self, table: Table):
        """A row without a kind takes its root item's; a root without one is a deduction if its score is negative,
        a bonus if its name says 加分, and base otherwise (the user is told)."""
        items = self.indicators
        for item in items.values():
            if item.parent_code or item.kind_given:
                continue
            if item.score < 0 or "负面清单" in item.name:
                item.kind = IndicatorKind.DEDUCTION
            elif "加分" in item.name:
                item.kind = IndicatorKind.BONUS
            if item.kind != IndicatorKind.BASE:
                self.notice(
                    _("%(code)s is taken as %(kind)s (from its name and score); add a kind column to say so.")
                    % {"code": item.code, "kind": IndicatorKind(item.kind).label},
                    table=table,
                    row=item.row,
                    column="kind",
                )
        for item in sorted(items.values(), key=lambda i: i.level):
            if item.parent_code and not item.kind_given:
                item.kind = items[item.parent_code].kind

    def current_system(self) -> IndicatorSystem | None:
        return IndicatorSystem.objects.filter(campaign=self.campaign, is_current=True).first()

    def existing_indicators(self, system: IndicatorSystem | None) -> dict[str, Indicator]:
        if system is None:
            return {}
        return {
            indicator.code: indicator
            for indicator in Indicator.objects.filter(system=system)
            .select_related("parent")
            .prefetch_related("methods", "point_types")
        }

    def diff(self):
        self.changes += self.point_type_changes(remove=False)
        existing = self.existing_indicators(self.current_system())
        for code, parsed in self.indicators.items():
            current = existing.get(code)
            if current is None:
                self.changes.append(Change("create", "indicator", code, parsed.name))
                continue
            fields = self.changed_fields(current, parsed)
            if fields:
                self.changes.append(Change("update", "indicator", code, parsed.name, fields))
        for code, current in existing.items():
            if code not in self.indicators:
                self.changes.append(Change("remove", "indicator", code, current.name))

    @staticmethod
    def changed_fields(current: Indicator, parsed: ParsedIndicator) -> list[str]:
        fields = [
            name
            for name in ("name", "level", "score", "kind", "is_veto", "position")
            if getattr(current, name) != getattr(parsed, name)
        ]
        if (current.parent.code if current.parent else "") != parsed.parent_code:
            fields.append("parent")
        if sorted(m.method for m in current.methods.all()) != sorted(parsed.methods):
            fields.append("methods")
        if sorted(pt.code for pt in current.point_types.all()) != sorted(parsed.point_types):
            fields.append("point_types")
        return fields

    def write(self, *, actor, progress=None):
        counts = self.apply_point_types(remove=False)
        system = self.current_system()
        if system is None:
            system = IndicatorSystem.objects.create(
                campaign=self.campaign, version=1, name=_("Assessment system"), is_current=True
            )
        existing = self.existing_indicators(system)
        type_ids = dict(PointType.objects.filter(campaign=self.campaign).values_list("code", "id"))
        created, updated, touched = [], [], []
        simple = ("name", "level", "score", "kind", "is_veto", "position")
        for code, parsed in self.indicators.items():
            current = existing.get(code)
            if current is None:
                current = Indicator(system=system, code=code, **{f: getattr(parsed, f) for f in simple})
                created.append(current)
                touched.append(code)
            else:
                fields = self.changed_fields(current, parsed)
                if fields:
                    for name in simple:
                        setattr(current, name, getattr(parsed, name))
                    updated.append(current)
                    touched.append(code)
        Indicator.objects.bulk_create(created)
        by_code = {**existing, **{indicator.code: indicator for indicator in created}}
        for code in touched:
            indicator = by_code[code]
            parent_code = self.indicators[code].parent_code
            indicator.parent = by_code[parent_code] if parent_code else None
        Indicator.objects.bulk_update([by_code[code] for code in touched], [*simple, "parent"])
        touched_ids = [by_code[code].pk for code in touched]
        IndicatorMethod.objects.filter(indicator_id__in=touched_ids).delete()
        IndicatorMethod.objects.bulk_create(
            IndicatorMethod(indicator=by_code[code], method=method)
            for code in touched
            for method in self.indicators[code].methods
        )
        through = Indicator.point_types.through
        through.objects.filter(indicator_id__in=touched_ids).delete()
        through.objects.bulk_create(
            through(indicator_id=by_code[code].pk, pointtype_id=type_ids[type_code])
            for code in touched
            for type_code in self.indicators[code].point_types
        )
        removed = sorted(
            (indicator for code, indicator in existing.items() if code not in self.indicators),
            key=lambda indicator: -indicator.level,
        )
        try:
            for indicator in removed:
                indicator.delete()
        except (ProtectedError, RestrictedError) as exc:
            raise DomainError(
                _("Indicators that records refer to cannot be removed: %(codes)s.")
                % {
                    "codes": ", ".join(
                        sorted(
                            {str(obj) for obj in getattr(exc, "protected_objects", None) or exc.restricted_objects}
                        )[:10]
                    )
                },
                code="import_protected",
            ) from exc
        counts = {
            "create": counts["create"] + len(created),
            "update": counts["update"] + len(updated),
            "remove": len(removed),
        }
        self.audited_object = system
        return counts


UNIT_SPEC = TableSpec(
    names=("责任单位", "units", "Units"),
    required=("code", "name", "type"),
    optional=("parent_code", "short_name", "head_name", "leader_in_charge", "phone"),
    header_aliases={
        "code": ("编码", "单位编码"),
        "name": ("名称", "单位名称"),
        "type": ("类型", "单位类型"),
        "parent_code": ("上级编码", "上级单位编码"),
        "short_name": ("简称",),
        "head_name": ("一把手", "负责人"),
        "leader_in_charge": ("分管领导",),
        "phone": ("办公电话", "电话"),
    },
)
UNIT_TYPE_ALIASES = {
    "市": UnitType.CITY, "区": UnitType.DISTRICT, "县": UnitType.DISTRICT, "区县": UnitType.DISTRICT,
    "街道": UnitType.STREET, "乡镇": UnitType.STREET, "镇": UnitType.STREET, "乡": UnitType.STREET,
    "社区": UnitType.COMMUNITY, "村": UnitType.COMMUNITY, "部门": UnitType.BUREAU, "委局": UnitType.BUREAU,
    "单位": UnitType.BUREAU, "物业": UnitType.PROPERTY, "物业公司": UnitType.PROPERTY, "学校": UnitType.SCHOOL,
    "企业": UnitType.ENTERPRISE, "其他": UnitType.OTHER,
}  # fmt: skip
UNIT_FIELDS = ("name", "type", "short_name", "head_name", "leader_in_charge", "phone")


class UnitImport(SheetImport):
    """Responsible units by code. A unit missing from the file is not deleted (records refer to it) but
    deactivated; the preview counts it under "remove"."""

    kind = "units"

    def read(self, *, filename, data):
        table = self.read_table(UNIT_SPEC, filename=filename, data=data)
        self.units: dict[str, dict[str, Any]] = {}
        if table is None:
            return
        type_words = {
            **UNIT_TYPE_ALIASES,
            **{t.value: t for t in UnitType},
            **{str(t.label).lower(): t for t in UnitType},
        }
        with translation.override("zh-hans"):
            type_words.update({str(t.label): t for t in UnitType})
        first_row: dict[str, int] = {}
        existing_codes = set(Unit.objects.filter(campaign=self.campaign).values_list("code", flat=True))
        for row in table.rows:
            code = self.code_of(table, row)
            if not self.unique(code, first_row, table, row):
                continue
            word = str(row.get("type") or "").strip()
            unit_type = type_words.get(word) or type_words.get(word.lower())
            if unit_type is None:
                self.error(
                    _("Unknown unit type “%(value)s”. Use: %(allowed)s.")
                    % {"value": word, "allowed": "、".join(str(t.label) for t in UnitType)},
                    table=table,
                    row=row,
                    column="type",
                )
                continue
            name = str(row.get("name") or "").strip()
            if not name:
                self.error(_("The name is empty."), table=table, row=row, column="name")
                continue
            values = {
                "name": name[:200],
                "type": unit_type,
                "parent_code": self.code_of(table, row, "parent_code"),
                "row": row,
            }
            for column, limit in (("short_name", 60), ("head_name", 100), ("leader_in_charge", 100), ("phone", 30)):
                values[column] = str(row.get(column) or "").strip()[:limit]
            self.units[code] = values
        for code, values in self.units.items():
            parent = values["parent_code"]
            if parent and parent not in self.units and parent not in existing_codes:
                self.error(
                    _("Parent code %(parent)s is neither in the sheet nor in the system.") % {"parent": parent},
                    table=table,
                    row=values["row"],
                    column="parent_code",
                )
            if parent == code:
                self.error(_("A unit cannot be its own parent."), table=table, row=values["row"], column="parent_code")
        if not self.has_errors:
            self.check_cycles(table)

    def check_cycles(self, table):
        """The sheet's units over the ones stored: a unit moved under its own descendant is a loop too."""
        existing = dict(Unit.objects.filter(campaign=self.campaign).values_list("code", "parent__code"))
        parents = {**existing, **{code: values["parent_code"] or None for code, values in self.units.items()}}
        self.check_parent_cycles(
            table, parents=parents, rows={code: values["row"] for code, values in self.units.items()}
        )

    def diff(self):
        existing = {unit.code: unit for unit in Unit.objects.filter(campaign=self.campaign).select_related("parent")}
        for code, values in self.units.items():
            current = existing.get(code)
            if current is None:
                self.changes.append(Change("create", "unit", code, values["name"]))
                continue
            fields = self.changed_fields(current, values)
            if fields:
                self.changes.append(Change("update", "unit", code, values["name"], fields))
        for code, current in existing.items():
            if code not in self.units and current.is_active:
                self.changes.append(Change("remove", "unit", code, current.name, ["is_active"]))

    @staticmethod
    def changed_fields(current: Unit, values: dict[str, Any]) -> list[str]:
        fields = [name for name in UNIT_FIELDS if getattr(current, name) != values[name]]
        if (current.parent.code if current.parent_id else "") != values["parent_code"]:
            fields.append("parent")
        if not current.is_active:
            fields.append("is_active")
        return fields

    def write(self, *, actor, progress=None):
        units = {unit.code: unit for unit in Unit.objects.select_for_update().filter(campaign=self.campaign)}
        created, changed = [], set()
        for code, values in self.units.items():
            unit = units.get(code)
            if unit is None:
                unit = Unit(campaign=self.campaign, code=code, **{f: values[f] for f in UNIT_FIELDS})
                created.append(unit)
                continue
            fields = self.changed_fields(unit, values)
            if fields:
                for name in UNIT_FIELDS:
                    setattr(unit, name, values[name])
                unit.is_active = True
                changed.add(code)
        Unit.objects.bulk_create(created)
        units.update({unit.code: unit for unit in created})
        removed = [code for code, unit in units.items() if code not in self.units and unit.is_active]
        for code in removed:
            units[code].is_active = False
        code_by_pk = {unit.pk: code for code, unit in units.items()}
        parent_code = {}
        for code, unit in units.items():
            if code in self.units:
                parent_code[code] = self.units[code]["parent_code"] or None
                unit.parent_id = units[parent_code[code]].pk if parent_code[code] else None
            else:
                parent_code[code] = code_by_pk.get(unit.parent_id)
        # Paths from the roots down, for the whole campaign: moved subtrees come out right as well.
        children = defaultdict(list)
        for code, unit in units.items():
            children[parent_code[code]].append(unit)
        stack = [(unit, "/", 0) for unit in children[None]]
        while stack:
            unit, prefix, depth = stack.pop()
            path = f"{prefix}{unit.pk}/"
            if (unit.path, unit.depth) != (path, depth):
                unit.path, unit.depth = path, depth
                changed.add(unit.code)
            stack.extend((child, path, depth + 1) for child in children[unit.code])
        touched = [units[code] for code in changed | set(removed) | {u.code for u in created}]
        Unit.objects.bulk_update(touched, [*UNIT_FIELDS, "parent", "path", "depth", "is_active"], batch_size=500)
        counts = {
            "create": len(created),
            "update": len([c for c in changed if c not in {u.code for u in created}]),
            "remove": len(removed),
        }
        return counts


TASK_SPEC = TableSpec(
    names=("任务分解", "task_assignments", "Task division"),
    required=("criterion_code", "lead_unit"),
    optional=("support_units", "responsible_leader", "deadline", "standard"),
    header_aliases={
        "criterion_code": ("测评标准编码", "指标编码", "编码"),
        "lead_unit": ("牵头单位",),
        "support_units": ("配合单位", "cooperating_units"),
        "responsible_leader": ("责任领导",),
        "deadline": ("完成时限", "截止日期"),
        "standard": ("工作标准", "操作手册"),
    },
)


class TaskAssignmentImport(SheetImport):
    """The task division (任务分解表) by criterion code. Units are named by code, name or short name; a named set
    (各区人民政府) stands for its members. Criteria missing from the file keep their assignment."""

    kind = "tasks"

    def read(self, *, filename, data):
        table = self.read_table(TASK_SPEC, filename=filename, data=data)
        self.tasks: dict[str, dict[str, Any]] = {}
        if table is None:
            return
        system = IndicatorSystem.objects.filter(campaign=self.campaign, is_current=True).first()
        criteria = {}
        if system is not None:
            leaves = Indicator.objects.filter(system=system, children__isnull=True)
            criteria = {indicator.code: indicator for indicator in leaves}
        units, groups = self.unit_names()
        first_row: dict[str, int] = {}
        for row in table.rows:
            code = self.code_of(table, row, "criterion_code")
            if code not in criteria:
                self.error(
                    _("%(code)s is not a criterion of the current assessment system.") % {"code": code or "—"},
                    table=table,
                    row=row,
                    column="criterion_code",
                )
                continue
            if code in first_row:
                self.error(
                    _("Criterion %(code)s appears again (first in row %(row)d): one lead per criterion.")
                    % {"code": code, "row": first_row[code]},
                    table=table,
                    row=row,
                    column="criterion_code",
                )
                continue
            first_row[code] = row.number
            lead_word = normalize_code(row.get("lead_unit"))
            lead_unit, lead_group = units.get(lead_word), groups.get(lead_word)
            if lead_unit is None and lead_group is None:
                self.error(
                    _("Unknown unit “%(name)s”.") % {"name": row.get("lead_unit") or ""},
                    table=table,
                    row=row,
                    column="lead_unit",
                )
                continue
            support_units, support_groups, ok = [], [], True
            for word in split_multi(row.get("support_units")):
                key = normalize_code(word)
                if key in units:
                    support_units.append(units[key])
                elif key in groups:
                    support_groups.append(groups[key])
                else:
                    self.error(
                        _("Unknown unit “%(name)s”.") % {"name": word}, table=table, row=row, column="support_units"
                    )
                    ok = False
            deadline = self.parse_date(table, row)
            if not ok or deadline is False:
                continue
            self.tasks[code] = {
                "indicator": criteria[code],
                "lead_unit": lead_unit,
                "lead_group": lead_group,
                "support_units": sorted({u.pk for u in support_units}),
                "support_groups": sorted({g.pk for g in support_groups}),
                "responsible_leader": str(row.get("responsible_leader") or "").strip()[:100],
                "deadline": deadline,
                "standard": str(row.get("standard") or "").strip(),
            }

    def parse_date(self, table, row):
        value = row.get("deadline")
        if value is None:
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = normalize_code(value).replace("/", "-").replace(".", "-")
        match = re.fullmatch(r"(\d{4})[-年](\d{1,2})[-月](\d{1,2})日?", text)
        if match:
            try:
                return datetime.date(*map(int, match.groups()))
            except ValueError:
                pass
        self.error(
            _("“%(value)s” is not a date; write it as 2025-06-30.") % {"value": value},
            table=table,
            row=row,
            column="deadline",
        )
        return False

    def current(self) -> dict[str, TaskAssignment]:
        return {
            task.indicator.code: task
            for task in TaskAssignment.objects.filter(indicator__system__campaign=self.campaign)
            .select_related("indicator")
            .prefetch_related("cooperating_units", "cooperating_groups")
        }

    @staticmethod
    def changed_fields(task: TaskAssignment, values: dict[str, Any]) -> list[str]:
        fields = []
        if task.lead_unit_id != (values["lead_unit"].pk if values["lead_unit"] else None):
            fields.append("lead_unit")
        if task.lead_group_id != (values["lead_group"].pk if values["lead_group"] else None):
            fields.append("lead_group")
        for name in ("responsible_leader", "deadline", "standard"):
            if getattr(task, name) != values[name]:
                fields.append(name)
        if sorted(u.pk for u in task.cooperating_units.all()) != values["support_units"]:
            fields.append("cooperating_units")
        if sorted(g.pk for g in task.cooperating_groups.all()) != values["support_groups"]:
            fields.append("cooperating_groups")
        return fields

    def diff(self):
        current = self.current()
        for code, values in self.tasks.items():
            task = current.get(code)
            if task is None:
                self.changes.append(Change("create", "task", code, values["indicator"].name))
            elif fields := self.changed_fields(task, values):
                self.changes.append(Change("update", "task", code, values["indicator"].name, fields))

    def write(self, *, actor, progress=None):
        current = self.current()
        counts = {"create": 0, "update": 0, "remove": 0}
        for code, values in self.tasks.items():
            task = current.get(code)
            fields = self.changed_fields(task, values) if task else ["all"]
            if not fields:
                continue
            counts["create" if task is None else "update"] += 1
            task = task or TaskAssignment(indicator=values["indicator"])
            task.lead_unit, task.lead_group = values["lead_unit"], values["lead_group"]
            task.responsible_leader, task.deadline = values["responsible_leader"], values["deadline"]
            task.standard = values["standard"]
            task.full_clean(validate_unique=False)
            task.save()
            task.cooperating_units.set(values["support_units"])
            task.cooperating_groups.set(values["support_groups"])
        return counts


GRID_SPEC = TableSpec(
    names=("网格", "grids", "Grids"),
    required=("code", "name"),
    optional=("unit_code",),
    header_aliases={
        "code": ("网格编码", "编码"),
        "name": ("网格名称", "名称"),
        "unit_code": ("unit", "单位编码", "责任单位", "所属单位"),
    },
)
POINT_SPEC = TableSpec(
    names=("点位", "points", "Points"),
    required=("code", "name", "point_type", "grid"),
    optional=(
        "address", "longitude", "latitude", "unit", "leader", "post_person", "post_position", "post_phone",
    ),
    header_aliases={
        "code": ("点位编码", "编码"), "name": ("点位名称", "名称"), "point_type": ("点位类型", "类型"),
        "grid": ("网格", "网格编码"), "address": ("地址",), "longitude": ("经度",), "latitude": ("纬度",),
        "unit": ("责任单位", "责任部门"), "leader": ("责任领导",), "post_person": ("责任人", "岗位责任人"),
        "post_position": ("责任岗位", "职务"), "post_phone": ("联系电话", "电话"),
    },
)  # fmt: skip
POINT_FIELDS = ("name", "address", "longitude", "latitude")
RESPONSIBILITY_FIELDS = ("leader_name", "unit_id", "post_person", "post_position", "post_phone")
BATCH = 1000


class GridImport(SheetImport):
    """Grids (网格) by code, with the unit keeping each (named by code, or by name as in the 网格 sheet of the points
    workbook). Grids missing from the file are kept: points refer to them."""

    kind = "grids"

    def read(self, *, filename, data):
        table = self.read_table(GRID_SPEC, filename=filename, data=data)
        self.grids: dict[str, dict[str, Any]] = {}
        if table is not None:
            units, _groups = self.unit_names()
            self.read_grids(table, units)

    def read_grids(self, table, units):
        seen: dict[str, int] = {}
        for row in table.rows:
            code = self.code_of(table, row)
            if not self.unique(code, seen, table, row):
                continue
            name = str(row.get("name") or "").strip()
            if not name:
                self.error(_("The name is empty."), table=table, row=row, column="name")
                continue
            unit = None
            if row.get("unit_code") is not None:
                unit = units.get(normalize_code(row.get("unit_code")))
                if unit is None:
                    self.error(_("Unknown unit “%(name)s”.") % {"name": row.get("unit_code")}, table=table,
                               row=row, column="unit_code")  # fmt: skip
                    continue
            self.grids[code] = {"name": name[:200], "unit_id": unit.pk if unit else None}

    def existing_grids(self) -> dict[str, Grid]:
        return {grid.code: grid for grid in Grid.objects.filter(campaign=self.campaign)}

    def grid_changes(self, grids: dict[str, Grid]) -> list[Change]:
        changes = []
        for code, values in self.grids.items():
            grid = grids.get(code)
            if grid is None:
                changes.append(Change("create", "grid", code, values["name"]))
            elif fields := [f for f in ("name", "unit_id") if getattr(grid, f) != values[f]]:
                changes.append(Change("update", "grid", code, values["name"], [f.removesuffix("_id") for f in fields]))
        return changes

    def write_grids(self, grids: dict[str, Grid]) -> dict[str, int]:
        created, updated = [], []
        for code, values in self.grids.items():
            grid = grids.get(code)
            if grid is None:
                created.append(Grid(campaign=self.campaign, code=code, **values))
            elif (grid.name, grid.unit_id) != (values["name"], values["unit_id"]):
                grid.name, grid.unit_id = values["name"], values["unit_id"]
                updated.append(grid)
        Grid.objects.bulk_create(created)
        Grid.objects.bulk_update(updated, ["name", "unit"])
        return {"create": len(created), "update": len(updated), "remove": 0}

    def diff(self):
        self.changes += self.grid_changes(self.existing_grids())

    def write(self, *, actor, progress=None):
        return self.write_grids(self.existing_grids())


class PointImport(GridImport):
    """Grids and points with their responsibility manual rows, by code. A workbook may carry a 网格 sheet (grids
    are created or renamed first); a CSV holds points only. Points missing from the file are deactivated.
    Built for 20,000 rows: one query per table to plan, batched writes to apply."""

    kind = "points"

    def read(self, *, filename, data):
        result = read_upload(filename=filename, data=data, specs=[GRID_SPEC, POINT_SPEC], csv_spec=POINT_SPEC)
        self.issues += result.issues
        self.grids: dict[str, dict[str, Any]] = {}
        self.points: dict[str, dict[str, Any]] = {}
        units, _groups = self.unit_names()
        grid_table = result.tables.get(GRID_SPEC.title)
        if grid_table is not None:
            self.read_grids(grid_table, units)
        table = result.tables.get(POINT_SPEC.title)
        if table is None:
            if not self.has_errors:
                self.error(_("The workbook has no sheet named %(name)s.") % {"name": POINT_SPEC.title})
            return
        self.read_points(table, units)

    def read_points(self, table, units):
        types = {}
        for point_type in PointType.objects.filter(campaign=self.campaign):
            types[normalize_code(point_type.code)] = point_type.pk
            types[normalize_code(point_type.name)] = point_type.pk
        grids = dict(Grid.objects.filter(campaign=self.campaign).values_list("code", "pk"))
        seen: dict[str, int] = {}
        for row in table.rows:
            code = self.code_of(table, row)
            if not self.unique(code, seen, table, row):
                continue
            ok = True
            name = str(row.get("name") or "").strip()
            if not name:
                self.error(_("The name is empty."), table=table, row=row, column="name")
                ok = False
            type_id = types.get(normalize_code(row.get("point_type")))
            if type_id is None:
                self.error(_("Unknown point type “%(value)s”.") % {"value": row.get("point_type") or ""},
                           table=table, row=row, column="point_type")  # fmt: skip
                ok = False
            grid_code = normalize_code(row.get("grid"))
            if grid_code not in grids and grid_code not in self.grids:
                self.error(_("Unknown grid “%(value)s”: add it to the 网格 sheet or import the grids first.")
                           % {"value": row.get("grid") or ""}, table=table, row=row, column="grid")  # fmt: skip
                ok = False
            coordinates = {}
            for column, limit in (("longitude", 180), ("latitude", 90)):
                raw = row.get(column)
                value = parse_decimal(raw, places=6) if raw is not None else None
                if raw is not None and (value is None or abs(value) > limit):
                    message = (
                        _("“%(value)s” is not a valid longitude.")
                        if column == "longitude"
                        else _("“%(value)s” is not a valid latitude.")
                    )
                    self.error(message % {"value": raw}, table=table, row=row, column=column)
                    ok = False
                coordinates[column] = value
            unit = None
            if row.get("unit") is not None:
                unit = units.get(normalize_code(row.get("unit")))
                if unit is None:
                    self.error(_("Unknown unit “%(name)s”.") % {"name": row.get("unit")}, table=table, row=row,
                               column="unit")  # fmt: skip
                    ok = False
            if not ok:
                continue
            self.points[code] = {
                "name": name[:200],
                "point_type_id": type_id,
                "grid_code": grid_code,
                "address": str(row.get("address") or "").strip()[:300],
                **coordinates,
                "leader_name": str(row.get("leader") or "").strip()[:100],
                "unit_id": unit.pk if unit else None,
                "post_person": str(row.get("post_person") or "").strip()[:100],
                "post_position": str(row.get("post_position") or "").strip()[:100],
                "post_phone": str(row.get("post_phone") or "").strip()[:30],
            }

    def existing(self):
        grids = self.existing_grids()
        points = {
            point.code: point
            for point in Point.objects.filter(campaign=self.campaign).select_related("grid", "responsibility")
        }
        return grids, points

    def point_changes(self, point: Point, values: dict[str, Any]) -> list[str]:
        fields = [name for name in POINT_FIELDS if getattr(point, name) != values[name]]
        if point.point_type_id != values["point_type_id"]:
            fields.append("point_type")
        if point.grid.code != values["grid_code"]:
            fields.append("grid")
        if not point.is_active:
            fields.append("is_active")
        responsibility = getattr(point, "responsibility", None)
        for name in RESPONSIBILITY_FIELDS:
            if (getattr(responsibility, name) if responsibility else ("" if name != "unit_id" else None)) != values[
                name
            ]:
                fields.append(name.removesuffix("_id"))
        return fields

    def diff(self):
        grids, points = self.existing()
        self.changes += self.grid_changes(grids)
        for code, values in self.points.items():
            point = points.get(code)
            if point is None:
                self.changes.append(Change("create", "point", code, values["name"]))
            elif fields := self.point_changes(point, values):
                self.changes.append(Change("update", "point", code, values["name"], fields))
        for code, point in points.items():
            if code not in self.points and point.is_active:
                self.changes.append(Change("remove", "point", code, point.name, ["is_active"]))

    def write(self, *, actor, progress=None):
        total = len(self.points) + len(self.grids)
        done = 0
        grids, points = self.existing()
        counts = self.write_grids(grids)
        grid_ids = dict(Grid.objects.filter(campaign=self.campaign).values_list("code", "pk"))
        new_points, changed_points, new_rows, changed_rows = [], [], [], []
        for code, values in self.points.items():
            point = points.get(code)
            point_values = {
                "name": values["name"], "address": values["address"], "longitude": values["longitude"],
                "latitude": values["latitude"], "point_type_id": values["point_type_id"],
                "grid_id": grid_ids[values["grid_code"]], "is_active": True,
            }  # fmt: skip
            row_values = {name: values[name] for name in RESPONSIBILITY_FIELDS}
            if point is None:
                new_points.append((Point(campaign=self.campaign, code=code, **point_values), row_values))
                continue
            if not self.point_changes(point, values):
                continue
            counts["update"] += 1
            for name, value in point_values.items():
                setattr(point, name, value)
            changed_points.append(point)
            responsibility = getattr(point, "responsibility", None)
            if responsibility is None:
                new_rows.append(Responsibility(point=point, **row_values))
            else:
                for name, value in row_values.items():
                    setattr(responsibility, name, value)
                changed_rows.append(responsibility)
        for start in range(0, len(new_points), BATCH):
            batch = new_points[start : start + BATCH]
            Point.objects.bulk_create([point for point, _values in batch])
            Responsibility.objects.bulk_create([Responsibility(point=point, **values) for point, values in batch])
            done += len(batch)
            if progress:
                progress(done=done, total=total, message=_("Writing points"))
        counts["create"] += len(new_points)
        Point.objects.bulk_update(
            changed_points, ["name", "address", "longitude", "latitude", "point_type_id", "grid_id", "is_active"],
            batch_size=BATCH,
        )  # fmt: skip
        Responsibility.objects.bulk_create(new_rows, batch_size=BATCH)
        Responsibility.objects.bulk_update(changed_rows, list(RESPONSIBILITY_FIELDS), batch_size=BATCH)
        removed = [point.pk for code, point in points.items() if code not in self.points and point.is_active]
        Point.objects.filter(pk__in=removed).update(is_active=False)
        counts["remove"] = len(removed)
        if progress:
            progress(done=total, total=total, message=_("Done"))
        return counts


STANDARD_SPEC = TableSpec(
    names=("操作手册", "standards", "Operations manual"),
    required=("criterion_code", "point_type", "standard"),
    header_aliases={
        "criterion_code": ("测评标准编码", "指标编码", "编码"),
        "point_type": ("点位类型",),
        "standard": ("标准", "操作标准", "工作标准"),
    },
)


class StandardImport(SheetImport):
    """The operations manual (操作手册): the standard of a criterion at a point type, by (criterion, type)."""

    kind = "standards"

    def read(self, *, filename, data):
        result = read_upload(filename=filename, data=data, specs=[STANDARD_SPEC], csv_spec=STANDARD_SPEC)
        self.issues += result.issues
        self.standards: dict[tuple[str, str], dict[str, Any]] = {}
        table = result.tables.get(STANDARD_SPEC.title)
        if table is None:
            return
        criteria = {
            indicator.code: indicator
            for indicator in Indicator.objects.filter(
                system__campaign=self.campaign, system__is_current=True, children__isnull=True
            ).prefetch_related("point_types")
        }
        types = {}
        for point_type in PointType.objects.filter(campaign=self.campaign):
            types[normalize_code(point_type.code)] = point_type
            types[normalize_code(point_type.name)] = point_type
        seen: dict[tuple[str, str], int] = {}
        for row in table.rows:
            code = self.code_of(table, row, "criterion_code")
            criterion = criteria.get(code)
            if criterion is None:
                self.error(
                    _("%(code)s is not a criterion of the current assessment system.") % {"code": code or "—"},
                    table=table,
                    row=row,
                    column="criterion_code",
                )
                continue
            point_type = types.get(normalize_code(row.get("point_type")))
            if point_type is None:
                self.error(_("Unknown point type “%(value)s”.") % {"value": row.get("point_type") or ""},
                           table=table, row=row, column="point_type")  # fmt: skip
                continue
            applicable = {pt.pk for pt in criterion.point_types.all()}
            if applicable and point_type.pk not in applicable:
                self.notice(
                    _("%(type)s is not among the point types %(code)s applies to; the standard is kept.")
                    % {"type": point_type.name, "code": code},
                    table=table,
                    row=row,
                    column="point_type",
                )
            text = str(row.get("standard") or "").strip()
            if not text:
                self.error(_("The standard is empty."), table=table, row=row, column="standard")
                continue
            key = (code, point_type.code)
            if key in seen:
                self.error(
                    _("%(code)s at %(type)s appears again (first in row %(row)d).")
                    % {"code": code, "type": point_type.name, "row": seen[key]},
                    table=table,
                    row=row,
                    column="criterion_code",
                )
                continue
            seen[key] = row.number
            self.standards[key] = {"indicator": criterion, "point_type": point_type, "text": text}

    def current(self) -> dict[tuple[str, str], OperationStandard]:
        return {
            (standard.indicator.code, standard.point_type.code): standard
            for standard in OperationStandard.objects.filter(
                indicator__system__campaign=self.campaign, indicator__system__is_current=True
            ).select_related("indicator", "point_type")
        }

    def diff(self):
        current = self.current()
        for key, values in self.standards.items():
            name = f"{values['indicator'].name} · {values['point_type'].name}"
            if key not in current:
                self.changes.append(Change("create", "standard", key[0], name))
            elif current[key].text != values["text"]:
                self.changes.append(Change("update", "standard", key[0], name, ["text"]))

    def write(self, *, actor, progress=None):
        current = self.current()
        created, updated = [], []
        for key, values in self.standards.items():
            standard = current.get(key)
            if standard is None:
                created.append(OperationStandard(**values))
            elif standard.text != values["text"]:
                standard.text = values["text"]
                updated.append(standard)
        OperationStandard.objects.bulk_create(created)
        OperationStandard.objects.bulk_update(updated, ["text"])
        counts = {"create": len(created), "update": len(updated), "remove": 0}
        return counts


GROUP_SPEC = TableSpec(
    names=("单位分组", "groups", "Unit groups"),
    required=("name", "kind", "members"),
    optional=("lead_unit_code", "commander", "deputies"),
    header_aliases={
        "name": ("名称", "分组名称"),
        "kind": ("类型", "分组类型"),
        "members": ("成员单位", "成员单位编码", "成员"),
        "lead_unit_code": ("lead_unit", "牵头单位编码", "牵头单位"),
        "commander": ("指挥长",),
        "deputies": ("副指挥长",),
    },
)
GROUP_KIND_ALIASES = {
    "同类组": UnitGroupKind.PEER, "同类": UnitGroupKind.PEER, "集合": UnitGroupKind.SET,
    "单位集合": UnitGroupKind.SET, "指挥部": UnitGroupKind.COMMAND, "专项整治指挥部": UnitGroupKind.COMMAND,
    "捆绑": UnitGroupKind.BUNDLE, "捆绑考评": UnitGroupKind.BUNDLE, "捆绑考评组": UnitGroupKind.BUNDLE,
    "捆绑式考评": UnitGroupKind.BUNDLE,
}  # fmt: skip
GROUP_FIELDS = ("name", "kind", "lead_unit_id", "commander", "deputies")
MAX_GROUP_NAME = 100


class UnitGroupImport(SheetImport):
    """Unit groups (单位分组: sets, peer groups, command groups, bundles) by name, with their members named by unit
    code; a re-import sets the members to the file's list. Groups missing from the file are kept: tasks refer to
    them."""

    kind = "groups"

    def read(self, *, filename, data):
        table = self.read_table(GROUP_SPEC, filename=filename, data=data)
        self.groups: dict[str, dict[str, Any]] = {}  # by name, folded as unit_names() folds it
        if table is None:
            return
        # Values, aliases and the labels in both languages, compared without spaces, case or full-width forms.
        kind_words = {**GROUP_KIND_ALIASES, **{k.value: k for k in UnitGroupKind}}
        kind_words.update({str(k.label): k for k in UnitGroupKind})
        with translation.override("zh-hans"):
            kind_words.update({str(k.label): k for k in UnitGroupKind})
        kind_words = {normalize_code(word).lower(): kind for word, kind in kind_words.items()}
        units = {unit.code: unit for unit in Unit.objects.filter(campaign=self.campaign)}
        first_row: dict[str, int] = {}
        for row in table.rows:
            name = str(row.get("name") or "").strip()
            key = normalize_code(name)
            if not name:
                self.error(_("The name is empty."), table=table, row=row, column="name")
                continue
            if len(name) > MAX_GROUP_NAME:
                self.error(
                    _("The name is longer than %(max)d characters.") % {"max": MAX_GROUP_NAME},
                    table=table,
                    row=row,
                    column="name",
                )
                continue
            if key in first_row:
                self.error(
                    _("Group %(name)s appears again (first in row %(row)d).") % {"name": name, "row": first_row[key]},
                    table=table,
                    row=row,
                    column="name",
                )
                continue
            first_row[key] = row.number
            ok = True
            kind = kind_words.get(normalize_code(row.get("kind")).lower())
            if kind is None:
                self.error(
                    _("Unknown group kind “%(value)s”. Use: %(allowed)s.")
                    % {"value": row.get("kind") or "", "allowed": "、".join(str(k.label) for k in UnitGroupKind)},
                    table=table,
                    row=row,
                    column="kind",
                )
                ok = False
            members: list[int] = []
            for member in split_multi(row.get("members")):
                unit = self.unit_by_code(normalize_code(member), units, table, row, "members", raw=member)
                if unit is None:
                    ok = False
                elif unit.pk not in members:
                    members.append(unit.pk)
            lead_unit = None
            lead_code = self.code_of(table, row, "lead_unit_code")
            if lead_code:
                lead_unit = self.unit_by_code(lead_code, units, table, row, "lead_unit_code")
                ok = ok and lead_unit is not None
            if not ok:
                continue
            self.groups[key] = {
                "name": name,
                "kind": kind,
                "lead_unit_id": lead_unit.pk if lead_unit else None,
                "commander": str(row.get("commander") or "").strip()[:100],
                "deputies": str(row.get("deputies") or "").strip()[:300],
                "members": sorted(members),
            }

    def existing(self) -> dict[str, UnitGroup]:
        return {
            normalize_code(group.name): group
            for group in UnitGroup.objects.filter(campaign=self.campaign).prefetch_related("members")
        }

    @staticmethod
    def changed_fields(group: UnitGroup, values: dict[str, Any]) -> list[str]:
        fields = [name.removesuffix("_id") for name in GROUP_FIELDS if getattr(group, name) != values[name]]
        if sorted(unit.pk for unit in group.members.all()) != values["members"]:
            fields.append("members")
        return fields

    def diff(self):
        existing = self.existing()
        for key, values in self.groups.items():
            group = existing.get(key)
            if group is None:
                self.changes.append(Change("create", "group", values["name"], values["name"]))
            elif fields := self.changed_fields(group, values):
                self.changes.append(Change("update", "group", values["name"], values["name"], fields))

    def write(self, *, actor, progress=None):
        existing = self.existing()
        created, updated, touched = [], [], []
        for key, values in self.groups.items():
            group = existing.get(key)
            fields = {name: values[name] for name in GROUP_FIELDS}
            if group is None:
                group = UnitGroup(campaign=self.campaign, **fields)
                created.append(group)
                touched.append((group, values["members"]))
                continue
            changed = self.changed_fields(group, values)
            if not changed:
                continue
            for name, value in fields.items():
                setattr(group, name, value)
            updated.append(group)
            if "members" in changed:
                touched.append((group, values["members"]))
        UnitGroup.objects.bulk_create(created)
        UnitGroup.objects.bulk_update(updated, [name.removesuffix("_id") for name in GROUP_FIELDS])
        through = UnitGroup.members.through
        through.objects.filter(unitgroup_id__in=[group.pk for group, _members in touched]).delete()
        through.objects.bulk_create(
            through(unitgroup_id=group.pk, unit_id=unit_id) for group, members in touched for unit_id in members
        )
        return {"create": len(created), "update": len(updated), "remove": 0}


PAIRING_SPEC = TableSpec(
    names=("结对共建", "pairings", "Pairings"),
    required=("unit_code", "partner_code"),
    optional=("note",),
    header_aliases={
        "unit_code": ("unit", "单位编码", "单位"),
        "partner_code": ("partner", "结对单位编码", "结对单位"),
        "note": ("备注", "内容"),
    },
)


class PairingImport(SheetImport):
    """结对共建 by (unit, partner), both named by unit code. The file is the whole list: pairings missing from it are
    removed (nothing else refers to a pairing)."""

    kind = "pairings"

    def read(self, *, filename, data):
        table = self.read_table(PAIRING_SPEC, filename=filename, data=data)
        self.pairings: dict[tuple[str, str], dict[str, Any]] = {}
        if table is None:
            return
        units = {unit.code: unit for unit in Unit.objects.filter(campaign=self.campaign)}
        first_row: dict[tuple[str, str], int] = {}
        for row in table.rows:
            found = {}
            for column in ("unit_code", "partner_code"):
                code = self.code_of(table, row, column)
                if not code:
                    self.error(_("The code is empty."), table=table, row=row, column=column)
                    found[column] = None
                else:
                    found[column] = self.unit_by_code(code, units, table, row, column)
            unit, partner = found["unit_code"], found["partner_code"]
            if unit is None or partner is None:
                continue
            if unit.pk == partner.pk:
                self.error(_("A unit cannot be paired with itself."), table=table, row=row, column="partner_code")
                continue
            key = (unit.code, partner.code)
            if key in first_row:
                self.error(
                    _("The pairing %(unit)s ↔ %(partner)s appears again (first in row %(row)d).")
                    % {"unit": unit.code, "partner": partner.code, "row": first_row[key]},
                    table=table,
                    row=row,
                    column="partner_code",
                )
                continue
            first_row[key] = row.number
            self.pairings[key] = {
                "unit": unit,
                "partner": partner,
                "note": str(row.get("note") or "").strip()[:200],
            }

    def existing(self) -> dict[tuple[str, str], Pairing]:
        return {
            (pairing.unit.code, pairing.partner.code): pairing
            for pairing in Pairing.objects.filter(unit__campaign=self.campaign).select_related("unit", "partner")
        }

    @staticmethod
    def label(unit: Unit, partner: Unit) -> tuple[str, str]:
        """A change's code and name: unit ↔ partner, by code and by name."""
        return f"{unit.code} ↔ {partner.code}", f"{unit.name} ↔ {partner.name}"

    def diff(self):
        existing = self.existing()
        for key, values in self.pairings.items():
            pairing = existing.get(key)
            if pairing is None:
                self.changes.append(Change("create", "pairing", *self.label(values["unit"], values["partner"])))
            elif pairing.note != values["note"]:
                self.changes.append(
                    Change("update", "pairing", *self.label(values["unit"], values["partner"]), ["note"])
                )
        for key, pairing in existing.items():
            if key not in self.pairings:
                self.changes.append(Change("remove", "pairing", *self.label(pairing.unit, pairing.partner)))

    def write(self, *, actor, progress=None):
        existing = self.existing()
        created, updated = [], []
        for key, values in self.pairings.items():
            pairing = existing.get(key)
            if pairing is None:
                created.append(Pairing(**values))
            elif pairing.note != values["note"]:
                pairing.note = values["note"]
                updated.append(pairing)
        removed = [pairing.pk for key, pairing in existing.items() if key not in self.pairings]
        Pairing.objects.filter(pk__in=removed).delete()
        Pairing.objects.bulk_create(created)
        Pairing.objects.bulk_update(updated, ["note"])
        return {"create": len(created), "update": len(updated), "remove": len(removed)}
