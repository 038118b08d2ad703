"""Material review (台账资料): lead units hand in files for the criteria checked by material review; the materials
group of the office reviews each (complete, incomplete, returned) against its due date.

Who hands in for a criterion: the lead of its task division (`TaskAssignment`) — the lead unit, or each member of
the lead group, each in its own area. A criterion without a task division takes files from any unit, and those are
the units it is measured on.

A unit's standing on a criterion is its latest file's verdict: complete, incomplete, returned, waiting for review,
or nothing handed in; overdue when its due date (the file's, else the task division's deadline) has passed without a
complete file.

The material rate of a criterion (for the projected score, `scoring.projection`): of the units measured on it, the
share whose latest file is complete — counted only once the materials group has reviewed at least one file of the
criterion (until then the criterion is unchecked by material review, as a finding counts only once reviewed). A
unit expected to hand in that has not counts as not complete.

Files are checked by their content, not their name: PDF, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), PNG or
JPEG, up to `MATERIAL_MAX_BYTES`. Everything here reads a fixed number of queries whatever the number of criteria,
units and files.
"""

import datetime
import hashlib
import io
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.choices import Method
from campaign.models import Campaign, Indicator, TaskAssignment, Unit, UnitMembership
from core.audit import audit_log
from core.errors import DomainError
from scoring.choices import MaterialStatus
from scoring.models import MaterialSubmission

REVIEW_VERDICTS = (MaterialStatus.COMPLETE, MaterialStatus.INCOMPLETE, MaterialStatus.RETURNED)
# Office Open XML packages: the folder that tells a Word, Excel or PowerPoint file apart.
OOXML = {".docx": "word/", ".xlsx": "xl/", ".pptx": "ppt/"}
RATE = Decimal("0.0001")


def material_criteria(*, campaign: Campaign) -> QuerySet[Indicator]:
    """The leaves of the campaign's current assessment system checked by material review."""
    return (
        Indicator.objects.filter(
            system__campaign=campaign, system__is_current=True, methods__method=Method.MATERIAL_REVIEW
        )
        .exclude(Exists(Indicator.objects.filter(parent=OuterRef("pk"))))
        .distinct()
        .order_by("position", "code")
    )


# --- handing in ---------------------------------------------------------------------------------------------------


def sniff(head: bytes, data: bytes) -> str | None:
    """The extension the content is, or None for anything else."""
    if head.startswith(b"%PDF-"):
        return ".pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if head.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as package:
                names = package.namelist()
        except (zipfile.BadZipFile, ValueError):
            return None
        if "[Content_Types].xml" not in names:
            return None
        for extension, folder in OOXML.items():
            if any(name.startswith(folder) for name in names):
                return extension
    return None


def _read(upload) -> bytes:
    limit = settings.MATERIAL_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise DomainError(_("The file is larger than %(limit)s MB.") % {"limit": round(limit / 1024 / 1024, 1)})
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise DomainError(_("The file is larger than %(limit)s MB.") % {"limit": round(limit / 1024 / 1024, 1)})
    if not data:
        raise DomainError(_("The file is empty."))
    return data


def may_hand_in(*, user, unit: Unit) -> bool:
    """The unit's own head and liaisons, or the office on its behalf."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_office or UnitMembership.objects.filter(user=user, unit=unit).exists()


@transaction.atomic
def material_upload(*, actor, campaign: Campaign, criterion: Indicator, unit: Unit, file, title: str,
                    note: str = "", due_on: datetime.date | None = None) -> MaterialSubmission:  # fmt: skip
    """Hand in a file for a criterion checked by material review."""
    if unit.campaign_id != campaign.pk or not may_hand_in(user=actor, unit=unit):
        raise DomainError(_("Only the unit's own people or the command office hand in its materials."),
                          code="forbidden")  # fmt: skip
    if not material_criteria(campaign=campaign).filter(pk=criterion.pk).exists():
        raise DomainError(_("%(code)s is not checked by material review in the current assessment system.")
                          % {"code": criterion.code})  # fmt: skip
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Give the material a title."))
    data = _read(file)
    extension = sniff(data[:16], data)
    if extension is None:
        raise DomainError(_("Only PDF, Word, Excel, PowerPoint, PNG or JPEG files are accepted; this file is none."))
    name = (getattr(file, "name", "") or "").rsplit("/", 1)[-1][:200]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    if due_on is None:
        due_on = TaskAssignment.objects.filter(indicator=criterion).values_list("deadline", flat=True).first()
    material = MaterialSubmission(
        campaign=campaign, criterion=criterion, unit=unit, title=title[:200], note=note, due_on=due_on,
        filename=f"{stem or 'material'}{extension}", size=len(data), sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor,
    )  # fmt: skip
    material.file.save(material.filename, ContentFile(data), save=False)
    material.save()
    audit_log(action="scoring.material.upload", actor=actor, obj=material,
              data={"criterion": criterion.code, "unit": unit.pk, "size": len(data)})  # fmt: skip
    return material


@transaction.atomic
def material_review(*, actor, material: MaterialSubmission, status: str, note: str = "", now=None):
    """The materials group's verdict; incomplete and returned say what is missing."""
    if actor is None or not actor.is_office:
        raise DomainError(_("Only the command office reviews materials."), code="forbidden")
    if status not in REVIEW_VERDICTS:
        raise DomainError(_("Choose complete, incomplete or returned."))
    note = (note or "").strip()
    if status != MaterialStatus.COMPLETE and not note:
        raise DomainError(_("Say what is missing or wrong."))
    material = MaterialSubmission.objects.select_for_update().get(pk=material.pk)
    material.status = status
    material.review_note = note[:500]
    material.reviewed_by = actor
    material.reviewed_at = now or timezone.now()
    material.save(update_fields=["status", "review_note", "reviewed_by", "reviewed_at"])
    audit_log(action="scoring.material.review", actor=actor, obj=material, data={"status": status, "note": note})
    return material


# --- reading ------------------------------------------------------------------------------------------------------


def material_list(*, user, campaign: Campaign | None = None) -> QuerySet[MaterialSubmission]:
    if not user.is_authenticated:
        return MaterialSubmission.objects.none()
    materials = MaterialSubmission.objects.visible_to(user).select_related(
        "criterion", "unit", "uploaded_by", "reviewed_by"
    )
    return materials.filter(campaign=campaign) if campaign is not None else materials


@dataclass
class Standing:
    criterion: Indicator
    unit_id: int
    unit_name: str
    status: str  # a MaterialStatus value, or "" when nothing was handed in
    material_id: int | None
    due_on: datetime.date | None
    overdue: bool


def _expected(criteria: list[Indicator]) -> tuple[dict[int, set[int]], dict[int, datetime.date]]:
    """Units expected to hand in per criterion (the task division's lead unit or lead group's members), and the
    task division's deadlines."""
    tasks = TaskAssignment.objects.filter(indicator__in=criteria).values_list(
        "indicator_id", "lead_unit_id", "lead_group__members", "deadline"
    )
    expected, deadlines = defaultdict(set), {}
    for criterion_id, lead_unit_id, member_id, deadline in tasks:
        deadlines[criterion_id] = deadline
        for unit_id in (lead_unit_id, member_id):
            if unit_id is not None:
                expected[criterion_id].add(unit_id)
    return expected, deadlines


def _latest(campaign: Campaign, criteria: list[Indicator]) -> dict[tuple[int, int], dict]:
    latest = {}
    rows = (
        MaterialSubmission.objects.filter(campaign=campaign, criterion__in=criteria)
        .order_by("criterion_id", "unit_id", "-uploaded_at", "-id")
        .values("id", "criterion_id", "unit_id", "unit__name", "status", "due_on")
    )
    for row in rows:
        latest.setdefault((row["criterion_id"], row["unit_id"]), row)
    return latest


def material_completeness(*, campaign: Campaign, units=None, today: datetime.date | None = None) -> list[Standing]:
    """Each material-review criterion with each unit measured on it, and where that unit stands (see above)."""
    today = today or timezone.localdate()
    criteria = list(material_criteria(campaign=campaign))
    expected, deadlines = _expected(criteria)
    latest = _latest(campaign, criteria)
    names = dict(Unit.objects.filter(pk__in={u for ids in expected.values() for u in ids}).values_list("pk", "name"))
    wanted = {unit.pk for unit in units} if units is not None else None
    rows = []
    for criterion in criteria:
        measured = expected.get(criterion.pk) or {unit_id for (c, unit_id) in latest if c == criterion.pk}
        for unit_id in sorted(measured):
            if wanted is not None and unit_id not in wanted:
                continue
            row = latest.get((criterion.pk, unit_id))
            status = row["status"] if row else ""
            due = (row["due_on"] if row else None) or deadlines.get(criterion.pk)
            rows.append(Standing(
                criterion=criterion, unit_id=unit_id, unit_name=row["unit__name"] if row else names.get(unit_id, ""),
                status=status, material_id=row["id"] if row else None, due_on=due,
                overdue=bool(due and due < today and status != MaterialStatus.COMPLETE),
            ))  # fmt: skip
    return rows


def material_rates(*, campaign: Campaign) -> dict[int, Decimal]:
    """Per criterion reviewed at least once, the share of the units measured on it whose latest file is complete."""
    standings = material_completeness(campaign=campaign)
    reviewed = set(
        MaterialSubmission.objects.filter(campaign=campaign, status__in=REVIEW_VERDICTS)
        .values_list("criterion_id", flat=True)
        .distinct()
    )
    counts = defaultdict(lambda: [0, 0])
    for standing in standings:
        if standing.criterion.pk in reviewed:
            counts[standing.criterion.pk][1] += 1
            counts[standing.criterion.pk][0] += standing.status == MaterialStatus.COMPLETE
    return {pk: (Decimal(done) / Decimal(total)).quantize(RATE) for pk, (done, total) in counts.items() if total}
