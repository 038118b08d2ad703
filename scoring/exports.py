"""A compiled document as an Excel workbook: one sheet per section, every row of every list, as compiled."""

from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.choices import ReportCompliance
from core.excel import Column, write_workbook
from scoring.models import Bulletin


def _local(value):
    if value is None:
        return None
    if isinstance(value, str):
        from django.utils.dateparse import parse_datetime

        value = parse_datetime(value) or value
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def document_workbook(document) -> bytes:
    data = document.data
    compliance = data["compliance"]
    labels = dict(ReportCompliance.choices)
    sheets = [
        (_("Summary"), [Column(_("Item"), 30), Column(_("Value"), 60)], [
            [_("Period"), f"{document.period_start} – {document.period_end}"],
            [_("Version"), document.version],
            [_("Figures as of"), _local(document.cutoff_at)],
            [_("Lead paragraph"), document.lead],
            [_("What this version corrects"), document.correction_note if document.version > 1 else ""],
            *[[str(labels.get(key, _("No content"))), value] for key, value in compliance["counts"].items()],
        ]),
        (_("Late and missing reports"), [Column(_("Date"), 12), Column(_("Code"), 14), Column(_("Unit"), 30),
                                         Column(_("Report"), 12), Column(_("Submitted at"), 18)], [
            *[[e["date"], e["code"], e["unit"], str(labels["missing"]), None] for e in compliance["missing"]],
            *[[e["date"], e["code"], e["unit"], str(labels["late"]), _local(e["submitted_at"])]
              for e in compliance["late"]],
            *[[e["date"], e["code"], e["unit"], _("No content"), None] for e in compliance["empty"]],
        ]),
    ]  # fmt: skip
    if isinstance(document, Bulletin):
        sheets.append((_("Findings"), [Column(_("Number"), 12), Column(_("Source"), 16), Column(_("Found at"), 18),
                                       Column(_("Unit"), 24), Column(_("Category"), 20), Column(_("Place"), 24),
                                       Column(_("Problem"), 60)], [
            [f["reference"], f["source_label"], _local(f["found_at"]), f["unit"], f["category"], f["place"],
             f["description"]] for f in data["findings"]
        ]))  # fmt: skip
        sheets.append((_("Overdue problems"), [Column(_("Number"), 12), Column(_("Unit"), 24),
                                               Column(_("Deadline"), 18), Column(_("Days overdue"), 10),
                                               Column(_("Category"), 20), Column(_("Place"), 24),
                                               Column(_("Problem"), 60)], [
            [o["reference"], o["unit"], _local(o["deadline"]), o["days_over"], o["category"], o["place"],
             o["description"]] for o in data["overdue"]
        ]))  # fmt: skip
        sheets.append((_("Standing"), [Column(_("Position"), 8), Column(_("Code"), 14), Column(_("Unit"), 30),
                                       Column(_("Overdue problems"), 12), Column(_("Closed"), 10),
                                       Column(_("Missed reports"), 12)], [
            [s["position"], s["code"], s["unit"], s["overdue"], s["closed"], s["missed_reports"]]
            for s in data["standing"]
        ]))  # fmt: skip
    else:
        problems = data["problems"]
        sheets.append((_("Problems by unit"), [Column(_("Code"), 14), Column(_("Unit"), 30), Column(_("New"), 8),
                                               Column(_("Closed"), 8), Column(_("Overdue"), 8)], [
            [r["code"], r["unit"], r["new"], r["closed"], r["overdue"]] for r in problems["by_unit"]
        ]))  # fmt: skip
        sheets.append((_("Problems by category"), [Column(_("Code"), 14), Column(_("Category"), 30),
                                                   Column(_("New"), 8), Column(_("Closed"), 8),
                                                   Column(_("Overdue"), 8)], [
            [r["code"], r["category"], r["new"], r["closed"], r["overdue"]] for r in problems["by_category"]
        ]))  # fmt: skip
        sheets.append((_("Difficulties"), [Column(_("Unit"), 24), Column(_("Difficulty"), 60),
                                           Column(_("Owner at the office"), 16)], [
            [d["unit"], d["text"], d["owner"]] for d in data["difficulties"]
        ]))  # fmt: skip
    dispatch = data["dispatch"]
    sheets.append((_("Overdue dispatch orders"), [Column(_("Order"), 40), Column(_("Unit"), 24),
                                                  Column(_("Deadline"), 18)], [
        [o["order"], o["unit"], _local(o["deadline"])] for o in dispatch["overdue"]
    ]))  # fmt: skip
    return write_workbook(sheets=sheets)
