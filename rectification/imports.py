"""Excel/CSV import of the problem categories (问题分类), with the same preview-then-apply steps as the campaign's
imports (campaign/imports.py): every problem with sheet, row, column and reason first, then the plan in one
transaction. Rows are matched by code, so importing the same file again changes nothing.

The sample file's columns are code, parent_code, name, default_deadline_hours; the template adds the deadline in
working days, the urgent deadline, the conditions to open and close a case and the default unit type. Optional
columns that are not in the file keep what is stored (conditions typed in by staff survive a re-import of the
codes and deadlines).
"""

from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from campaign.choices import UnitType
from campaign.imports import UNIT_TYPE_ALIASES, Change, SheetImport
from core.imports import Row, Table, TableSpec, normalize_code, parse_decimal, parse_int
from rectification.choices import DeadlineUnit, ProblemSource, Severity
from rectification.models import Problem, ProblemCategory

CATEGORY_SPEC = TableSpec(
    names=("问题分类", "problem_categories", "Problem categories"),
    required=("code", "name"),
    optional=(
        "parent_code",
        "deadline_hours",
        "deadline_days",
        "urgent_deadline",
        "open_condition",
        "close_condition",
        "default_unit_type",
    ),
    header_aliases={
        "code": ("编码", "分类编码", "代码"),
        "parent_code": ("上级编码", "上级分类编码"),
        "name": ("名称", "分类名称"),
        # Headers are read after NFKC folding, so full-width brackets arrive as ( ).
        "deadline_hours": ("default_deadline_hours", "处置时限(工作时)", "处置时限(小时)", "处置时限"),
        "deadline_days": ("default_deadline_days", "处置时限(工作日)"),
        "urgent_deadline": ("紧急处置时限",),
        "open_condition": ("立案条件",),
        "close_condition": ("结案条件",),
        "default_unit_type": ("责任单位类型", "默认责任单位类型"),
    },
)
# Larger deadlines are typing mistakes (9999 working hours is over five years of working time).
MAX_DEADLINE = 9999
DEADLINE_COLUMNS = ("deadline_hours", "deadline_days", "urgent_deadline")
TEXT_COLUMNS = ("open_condition", "close_condition", "default_unit_type")


@dataclass
class ParsedCategory:
    code: str
    parent_code: str
    name: str
    row: Row
    values: dict[str, Any] = field(default_factory=dict)  # only the columns the file has
    level: int = 1


class CategoryImport(SheetImport):
    """Problem categories by code, a tree by parent code (部件 → 公用设施 → 上水井盖). A category missing from the
    file is deactivated, not deleted (problems will refer to it); the preview counts it under "remove"."""

    kind = "categories"
    audit_action = "rectification.categories.import"

    def read(self, *, filename, data):
        self.categories: dict[str, ParsedCategory] = {}
        self.columns: set[str] = set()
        table = self.read_table(CATEGORY_SPEC, filename=filename, data=data)
        if table is None:
            return
        self.columns = set(table.rows[0].values) if table.rows else set()
        unit_types = self.unit_type_words()
        first_row: dict[str, int] = {}
        for row in table.rows:
            code = self.code_of(table, row)
            if not self.unique(code, first_row, table, row):
                continue
            name = str(row.get("name") or "").strip()
            if not name:
                self.error(_("The name is empty."), table=table, row=row, column="name")
                continue
            values: dict[str, Any] = {}
            if self.columns & set(DEADLINE_COLUMNS) and not self.read_deadlines(table, row, values):
                continue
            for column in ("open_condition", "close_condition"):
                if column in self.columns:
                    values[column] = str(row.get(column) or "").strip()
            if "default_unit_type" in self.columns:
                word = str(row.get("default_unit_type") or "").strip()
                unit_type = (unit_types.get(word) or unit_types.get(word.lower())) if word else ""
                if unit_type is None:
                    self.error(
                        _("Unknown unit type “%(value)s”. Use: %(allowed)s.")
                        % {"value": word, "allowed": "、".join(str(t.label) for t in UnitType)},
                        table=table,
                        row=row,
                        column="default_unit_type",
                    )
                    continue
                values["default_unit_type"] = unit_type
            self.categories[code] = ParsedCategory(
                code=code,
                parent_code=self.code_of(table, row, "parent_code"),
                name=name[:100],
                row=row,
                values=values,
            )
        self.check_tree(table)

    @staticmethod
    def unit_type_words() -> dict[str, str]:
        words = {**UNIT_TYPE_ALIASES, **{t.value: t for t in UnitType}, **{str(t.label).lower(): t for t in UnitType}}
        with translation.override("zh-hans"):
            words.update({str(t.label): t for t in UnitType})
        return words

    def read_amount(self, table: Table, row: Row, column: str) -> int | bool | None:
        """A deadline cell: None when blank, False (with an error) when it is not a whole number in range."""
        raw = row.get(column)
        if raw is None:
            return None
        amount = parse_int(raw)
        if amount is None or not 1 <= amount <= MAX_DEADLINE:
            self.error(
                _("The deadline “%(value)s” is not a whole number from 1 to %(max)d.")
                % {"value": raw, "max": MAX_DEADLINE},
                table=table,
                row=row,
                column=column,
            )
            return False
        return amount

    def read_deadlines(self, table: Table, row: Row, values: dict[str, Any]) -> bool:
        hours = self.read_amount(table, row, "deadline_hours")
        days = self.read_amount(table, row, "deadline_days")
        urgent = self.read_amount(table, row, "urgent_deadline")
        if False in (hours, days, urgent):
            return False
        if hours is not None and days is not None:
            self.error(
                _("Give the deadline in working hours or in working days, not both."),
                table=table,
                row=row,
                column="deadline_days",
            )
            return False
        deadline = hours if hours is not None else days
        if urgent is not None and deadline is None:
            self.error(_("An urgent deadline needs a deadline."), table=table, row=row, column="urgent_deadline")
            return False
        if urgent is not None and urgent > deadline:
            self.error(
                _("The urgent deadline %(urgent)d is longer than the deadline %(deadline)d.")
                % {"urgent": urgent, "deadline": deadline},
                table=table,
                row=row,
                column="urgent_deadline",
            )
            return False
        values["deadline"] = deadline
        values["deadline_unit"] = DeadlineUnit.WORKING_DAYS if days is not None else DeadlineUnit.WORKING_HOURS
        values["urgent_deadline"] = urgent
        return True

    def check_tree(self, table: Table):
        """Parents must be in the same file (a category left out is deactivated, so its children could not stay
        below it); no category is its own ancestor. Levels follow from the tree."""
        items = self.categories
        for item in items.values():
            if item.parent_code == item.code:
                self.error(_("A category cannot be its own parent."), table=table, row=item.row, column="parent_code")
            elif item.parent_code and item.parent_code not in items:
                self.error(
                    _("Parent code %(parent)s is not in the sheet.") % {"parent": item.parent_code},
                    table=table,
                    row=item.row,
                    column="parent_code",
                )
        if self.has_errors:
            return
        levels = self.check_parent_cycles(
            table,
            parents={code: item.parent_code for code, item in items.items()},
            rows={code: item.row for code, item in items.items()},
        )
        for code, level in levels.items():
            items[code].level = level

    def existing(self, *, lock: bool = False) -> dict[str, ProblemCategory]:
        """The campaign's categories by code (locked when about to write), each with `parent_code` set from the
        same rows rather than a join, which PostgreSQL cannot lock."""
        categories = ProblemCategory.objects.filter(campaign=self.campaign)
        if lock:
            categories = categories.select_for_update()
        by_pk = {category.pk: category for category in categories}
        for category in by_pk.values():
            category.parent_code = by_pk[category.parent_id].code if category.parent_id else ""
        return {category.code: category for category in by_pk.values()}

    def changed_fields(self, category: ProblemCategory, parsed: ParsedCategory) -> list[str]:
        wanted = {"name": parsed.name, "level": parsed.level, **parsed.values}
        fields = [name for name, value in wanted.items() if getattr(category, name) != value]
        if category.parent_code != parsed.parent_code:
            fields.append("parent")
        if not category.is_active:
            fields.append("is_active")
        return fields

    def diff(self):
        existing = self.existing()
        for code, parsed in self.categories.items():
            category = existing.get(code)
            if category is None:
                self.changes.append(Change("create", "category", code, parsed.name))
            elif fields := self.changed_fields(category, parsed):
                self.changes.append(Change("update", "category", code, parsed.name, fields))
        for code, category in existing.items():
            if code not in self.categories and category.is_active:
                self.changes.append(Change("remove", "category", code, category.name, ["is_active"]))

    def write(self, *, actor, progress=None):
        existing = self.existing(lock=True)
        created, updated = [], []
        for code, parsed in self.categories.items():
            category = existing.get(code)
            if category is None:
                created.append(ProblemCategory(campaign=self.campaign, code=code))
            elif self.changed_fields(category, parsed):
                updated.append(category)
        ProblemCategory.objects.bulk_create(created)
        by_code = {**existing, **{category.code: category for category in created}}
        touched = [*created, *updated]
        for category in touched:
            parsed = self.categories[category.code]
            category.name, category.level, category.is_active = parsed.name, parsed.level, True
            for name, value in parsed.values.items():
                setattr(category, name, value)
            category.parent = by_code[parsed.parent_code] if parsed.parent_code else None
        fields = ["name", "level", "parent", "is_active", "deadline", "deadline_unit", "urgent_deadline",
                  "open_condition", "close_condition", "default_unit_type"]  # fmt: skip
        ProblemCategory.objects.bulk_update(touched, fields, batch_size=500)
        removed = [c.pk for code, c in existing.items() if code not in self.categories and c.is_active]
        ProblemCategory.objects.filter(pk__in=removed).update(is_active=False)
        return {"create": len(created), "update": len(updated), "remove": len(removed)}


PROBLEM_SPEC = TableSpec(
    names=("问题", "问题台账", "problems", "Problems"),
    required=("ref", "description"),
    optional=(
        "source", "found_at", "point_code", "address", "longitude", "latitude", "category_code", "criterion_code",
        "severity", "unit_code",
    ),
    header_aliases={
        "ref": ("编号", "问题编号", "序号"),
        "description": ("问题描述", "描述", "问题"),
        "source": ("来源", "问题来源"),
        "found_at": ("发现时间", "发现日期"),
        "point_code": ("点位编码", "点位"),
        "address": ("地址", "位置"),
        "longitude": ("经度",),
        "latitude": ("纬度",),
        "category_code": ("问题分类编码", "问题分类"),
        "criterion_code": ("测评标准编码", "测评标准"),
        "severity": ("紧急程度",),
        "unit_code": ("责任单位编码", "责任单位"),
    },
)  # fmt: skip


@dataclass
class ParsedProblem:
    ref: str
    row: Row
    fields: dict[str, Any]


class ProblemImport(SheetImport):
    """Problems found offline (an inspection sheet filled in on paper or in Excel), recorded as new problems of
    the ledger and routed through the manual like any other. Rows are matched by their number in the sheet
    (`ref`): a number already imported is skipped, so importing the same sheet again changes nothing. Problems are
    never updated or removed by an import: after recording, they move only through the workflow."""

    kind = "problems"
    audit_action = "rectification.problems.import"

    def read(self, *, filename, data):
        from campaign.models import Indicator, Point

        self.parsed: dict[str, ParsedProblem] = {}
        table = self.read_table(PROBLEM_SPEC, filename=filename, data=data)
        if table is None:
            return
        points = {p.code: p for p in Point.objects.filter(campaign=self.campaign, is_active=True)}
        categories = {c.code: c for c in ProblemCategory.objects.filter(campaign=self.campaign, is_active=True)}
        leaves = set(
            ProblemCategory.objects.filter(campaign=self.campaign, children__isnull=True).values_list(
                "code", flat=True
            )
        )
        criteria = {
            i.code: i
            for i in Indicator.objects.filter(
                system__campaign=self.campaign, system__is_current=True, children__isnull=True
            )
        }
        units, _groups = self.unit_names()
        sources = self.words(ProblemSource)
        severities = self.words(Severity)
        seen: dict[str, int] = {}
        for row in table.rows:
            ref = self.code_of(table, row, "ref")
            if not self.unique(ref, seen, table, row):
                continue
            fields: dict[str, Any] = {}
            description = str(row.get("description") or "").strip()
            if not description:
                self.error(_("The description is empty."), table=table, row=row, column="description")
            fields["description"] = description
            source = normalize_code(row.get("source")) or ProblemSource.INSPECTION
            fields["source"] = sources.get(source.lower())
            if fields["source"] is None:
                self.error(_("Unknown source “%(value)s”.") % {"value": row.get("source")}, table=table, row=row,
                           column="source")  # fmt: skip
            severity = normalize_code(row.get("severity")) or Severity.NORMAL
            fields["severity"] = severities.get(severity.lower())
            if fields["severity"] is None:
                self.error(_("Unknown severity “%(value)s”.") % {"value": row.get("severity")}, table=table,
                           row=row, column="severity")  # fmt: skip
            for column, lookup, field_name, message in [
                ("point_code", points, "point", _("Unknown point “%(value)s”.")),
                ("category_code", categories, "category", _("Unknown problem category “%(value)s”.")),
                ("criterion_code", criteria, "criterion", _("“%(value)s” is not a criterion of the current "
                                                            "assessment system.")),
            ]:  # fmt: skip
                code = self.code_of(table, row, column) if row.get(column) not in (None, "") else ""
                if code:
                    fields[field_name] = lookup.get(code)
                    if fields[field_name] is None:
                        self.error(message % {"value": code}, table=table, row=row, column=column)
            if fields.get("category") is not None and fields["category"].code not in leaves:
                self.error(_("Choose a category without subcategories."), table=table, row=row,
                           column="category_code")  # fmt: skip
            unit_code = self.code_of(table, row, "unit_code") if row.get("unit_code") not in (None, "") else ""
            if unit_code:
                fields["responsible_unit"] = self.unit_by_code(unit_code, units, table, row, "unit_code")
            fields["address"] = str(row.get("address") or "").strip()[:300]
            for column, low, high in (("longitude", -180, 180), ("latitude", -90, 90)):
                raw = row.get(column)
                if raw in (None, ""):
                    continue
                value = parse_decimal(raw, places=6)
                if value is None or not low <= value <= high:
                    self.error(_("“%(value)s” is not a valid %(column)s.") % {"value": raw, "column": column},
                               table=table, row=row, column=column)  # fmt: skip
                fields[column] = value
            if not (fields.get("point") or fields["address"] or ("longitude" in fields and "latitude" in fields)):
                self.error(_("Give a point, an address or a GPS position."), table=table, row=row,
                           column="address")  # fmt: skip
            found_at = row.get("found_at")
            if found_at not in (None, ""):
                fields["created_at"] = self.moment(found_at)
                if fields["created_at"] is None:
                    self.error(_("“%(value)s” is not a date.") % {"value": found_at}, table=table, row=row,
                               column="found_at")  # fmt: skip
            self.parsed[ref] = ParsedProblem(ref=ref, row=row, fields=fields)

    @staticmethod
    def words(choices) -> dict[str, str]:
        """A choice by its value or its label in either language, as offices write them."""
        words = {}
        for value, label in choices.choices:
            for language in ("en", "zh-hans"):
                with translation.override(language):
                    words[normalize_code(str(label)).lower()] = value
            words[value] = value
        return words

    @staticmethod
    def moment(value):
        import datetime

        from django.utils import timezone

        if isinstance(value, datetime.datetime):
            moment = value
        elif isinstance(value, datetime.date):
            moment = datetime.datetime.combine(value, datetime.time(9, 0))
        else:
            try:
                moment = datetime.datetime.fromisoformat(str(value).strip().replace("/", "-"))
            except ValueError:
                return None
        return timezone.make_aware(moment) if timezone.is_naive(moment) else moment

    def existing_refs(self) -> set[str]:
        return set(
            Problem.objects.filter(campaign=self.campaign, external_ref__in=list(self.parsed)).values_list(
                "external_ref", flat=True
            )
        )

    def diff(self):
        done = self.existing_refs()
        for ref, parsed in self.parsed.items():
            if ref in done:
                self.notice(_("Problem %(ref)s was imported before; it is skipped.") % {"ref": ref},
                            row=parsed.row, column="ref")  # fmt: skip
            else:
                self.changes.append(Change("create", "problem", ref, parsed.fields["description"][:60]))

    def write(self, *, actor, progress=None):
        from rectification.problems import problems_record_bulk

        done = self.existing_refs()
        rows = [{**parsed.fields, "external_ref": ref} for ref, parsed in self.parsed.items() if ref not in done]
        created = problems_record_bulk(actor=actor, campaign=self.campaign, rows=rows)
        return {"create": len(created), "update": 0, "remove": 0}
