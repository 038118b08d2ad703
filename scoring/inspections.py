"""Inspection rounds (督查, 暗访, 模拟测评), the visits inspectors record at points, and the review of their findings.

A round is created by the office with its kind, dates, inspectors and the points to visit: chosen by hand, or taken
from a sampling draw (`campaign.services.sampling_draw`) in the order drawn, the way the assessors draw them. At a
point the inspector checks the criteria that apply there (`inspection_criteria`: leaves of the current assessment
system checked in the field or by covert visit, for the point's type) and records each as met, not met or not
applicable, with a note, photos, and the points deducted for a failing item (by default the criterion's score).

Submitting is idempotent: the phone sends a key with the form, and the same key again (a double tap, a retry after
a dropped connection) returns the visit already recorded. Each failing item becomes a problem in the ledger at
once, routed through the responsibility manual like any other, and the item and the problem name each other. The
visit keeps the unit and leader the manual named at that moment: lost points stay with whoever answered for the
point then.

A finding counts (in the projected score, in unit scores) only once the office approves it. Returned means the
inspector was wrong: the ledger problem it opened is cancelled with the reviewer's note, and the return is final.
On hold waits for more evidence. Covert visits are not shown to units until their round is closed.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.choices import Method
from campaign.models import Campaign, Indicator, Point, SampledPoint, Sampling
from core.audit import audit_log
from core.choices import Role
from core.errors import DomainError
from core.models import User
from rectification.choices import ProblemSource
from rectification.problems import problem_create, problem_route
from rectification.workflow import problem_cancel
from scoring.choices import InspectionStatus, ItemResult, ReviewStatus, RoundKind, RoundStatus
from scoring.models import Inspection, InspectionItem, InspectionPhoto, InspectionRound, RoundPoint

# The methods whose criteria are checked at a point.
POINT_METHODS = (Method.FIELD_INSPECTION, Method.COVERT_VISIT)
# Where the ledger says a problem found on a round came from.
PROBLEM_SOURCE = {
    RoundKind.ROUTINE: ProblemSource.INSPECTION,
    RoundKind.COVERT: ProblemSource.COVERT_VISIT,
    RoundKind.MOCK: ProblemSource.MOCK_ASSESSMENT,
}
REVIEW_CHOICES = (ReviewStatus.APPROVED, ReviewStatus.RETURNED, ReviewStatus.ON_HOLD)


def _office_only(actor, message: str) -> None:
    if actor is None or not actor.is_office:
        raise DomainError(message, code="forbidden")


def may_inspect(*, user, round: InspectionRound) -> bool:
    """The office, or an inspector named on the round (any inspector when the round names none)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_office:
        return True
    if user.role != Role.INSPECTOR:
        return False
    named = round.inspectors.all()
    return not named.exists() or named.filter(pk=user.pk).exists()


# --- rounds -------------------------------------------------------------------------------------------------------


@transaction.atomic
def round_create(*, actor, campaign: Campaign, kind: str, name: str, starts_on: datetime.date,
                 ends_on: datetime.date, inspectors=(), points=(), sampling: Sampling | None = None,
                 note: str = "") -> InspectionRound:  # fmt: skip
    """A new round. Its points are the ones given, in that order, or else the sampling draw's, in the order drawn."""
    _office_only(actor, _("Only the command office plans inspection rounds."))
    if kind not in RoundKind.values:
        raise DomainError(_("Choose the kind of round."))
    if not (name or "").strip():
        raise DomainError(_("Give the round a name."))
    if ends_on < starts_on:
        raise DomainError(_("The round cannot end before it starts."))
    if sampling is not None and sampling.campaign_id != campaign.pk:
        raise DomainError(_("The sampling draw belongs to another campaign."))
    points = list(points)
    if not points and sampling is not None:
        points = [row.point for row in SampledPoint.objects.filter(sampling=sampling).select_related("point")]
    if not points:
        raise DomainError(_("Choose the points to visit, or a sampling draw to take them from."))
    if any(point.campaign_id != campaign.pk for point in points):
        raise DomainError(_("Some points belong to another campaign."))
    inspectors = list(inspectors)
    wrong = [user for user in inspectors if not (user.role == Role.INSPECTOR or user.is_office)]
    if wrong:
        raise DomainError(_("Only inspectors and command-office staff can be sent on a round: %(names)s.")
                          % {"names": "、".join(str(user) for user in wrong)})  # fmt: skip
    round = InspectionRound.objects.create(
        campaign=campaign, kind=kind, name=name.strip(), starts_on=starts_on, ends_on=ends_on, sampling=sampling,
        note=note, created_by=actor,
    )  # fmt: skip
    seen = set()
    RoundPoint.objects.bulk_create(
        RoundPoint(round=round, point=point, position=position)
        for position, point in enumerate(points, start=1)
        if not (point.pk in seen or seen.add(point.pk))
    )
    round.inspectors.set(inspectors)
    audit_log(action="scoring.round.create", actor=actor, obj=round,
              data={"kind": kind, "points": len(seen), "sampling": sampling.pk if sampling else None})  # fmt: skip
    return round


@transaction.atomic
def round_close(*, actor, round: InspectionRound, now=None) -> InspectionRound:
    """Close a round: no more visits. Closing a mock assessment keeps its projected score. Closing again changes
    nothing."""
    _office_only(actor, _("Only the command office closes an inspection round."))
    round = InspectionRound.objects.select_for_update().get(pk=round.pk)
    if round.status == RoundStatus.CLOSED:
        return round
    round.status = RoundStatus.CLOSED
    round.closed_at = now or timezone.now()
    round.save(update_fields=["status", "closed_at"])
    audit_log(action="scoring.round.close", actor=actor, obj=round, data={"kind": round.kind})
    if round.kind == RoundKind.MOCK:
        from scoring.projection import projection_round_closed

        projection_round_closed(actor=actor, round=round)
    return round


def round_list(*, user, campaign: Campaign | None = None) -> QuerySet[InspectionRound]:
    """Rounds with their counts (points, visits submitted, findings, findings waiting for review), in one query.
    Units and leaders do not see a covert round before it is closed."""
    if not user.is_authenticated:
        return InspectionRound.objects.none()
    rounds = InspectionRound.objects.visible_to(user)
    if campaign is not None:
        rounds = rounds.filter(campaign=campaign)
    if not user.sees_citywide:
        rounds = rounds.exclude(kind=RoundKind.COVERT, status=RoundStatus.OPEN)
    findings = Q(inspections__items__result=ItemResult.NOT_MET)
    return (
        rounds.annotate(
            point_count=Count("round_points", distinct=True),
            visit_count=Count("inspections", filter=Q(inspections__status=InspectionStatus.SUBMITTED), distinct=True),
            finding_count=Count("inspections__items", filter=findings, distinct=True),
            pending_count=Count(
                "inspections__items",
                filter=findings & Q(inspections__items__review_status=ReviewStatus.PENDING),
                distinct=True,
            ),
        )
        .select_related("campaign")
        .order_by("-starts_on", "-id")
    )


def round_points(*, round: InspectionRound) -> QuerySet[RoundPoint]:
    """The round's list of points with the visit recorded at each, if any (for the inspector's to-do list)."""
    visits = Inspection.objects.filter(round=round, point=OuterRef("point"), status=InspectionStatus.SUBMITTED)
    return (
        RoundPoint.objects.filter(round=round)
        .select_related("point", "point__point_type", "point__grid")
        .annotate(visited=Exists(visits))
        .order_by("position", "id")
    )


# --- visiting a point ---------------------------------------------------------------------------------------------


def inspection_criteria(*, point: Point) -> QuerySet[Indicator]:
    """The criteria an inspector checks at the point: leaves of the campaign's current assessment system checked in
    the field (or by covert visit) that name the point's type."""
    leaves = Indicator.objects.filter(system__campaign_id=point.campaign_id, system__is_current=True).exclude(
        Exists(Indicator.objects.filter(parent=OuterRef("pk")))
    )
    return (
        leaves.filter(methods__method__in=POINT_METHODS, point_types=point.point_type_id)
        .distinct()
        .order_by("position", "code")
    )


@dataclass(frozen=True)
class ItemInput:
    """What the inspector recorded for one criterion. `photos` are cleaned images (`core.images.image_clean`)."""

    criterion_id: int
    result: str
    deduction: Decimal | None = None
    note: str = ""
    photos: tuple = field(default=(), repr=False)


def _deduction(value, *, criterion: Indicator, result: str) -> Decimal:
    full = abs(criterion.score)
    if result != ItemResult.NOT_MET:
        return Decimal(0)
    if value in (None, ""):
        return full
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise DomainError(_("%(code)s: the points deducted must be a number.") % {"code": criterion.code}) from None
    if not amount.is_finite() or amount < 0 or amount > full:
        raise DomainError(_("%(code)s: the points deducted must be between 0 and %(score)s.")
                          % {"code": criterion.code, "score": full})  # fmt: skip
    return amount.quantize(Decimal("0.01"))


def _check_items(items, criteria: dict[int, Indicator]) -> list[tuple[ItemInput, Indicator, Decimal]]:
    if not criteria:
        raise DomainError(_("No criterion of the assessment system is checked at this point's type."))
    checked, seen = [], set()
    for item in items:
        criterion = criteria.get(item.criterion_id)
        if criterion is None:
            raise DomainError(_("A criterion that is not checked at this point was sent."))
        if item.criterion_id in seen:
            raise DomainError(_("%(code)s was answered twice.") % {"code": criterion.code})
        seen.add(item.criterion_id)
        if item.result not in ItemResult.values:
            raise DomainError(_("%(code)s: choose met, not met or not applicable.") % {"code": criterion.code})
        if item.result == ItemResult.NOT_MET and not item.note.strip():
            raise DomainError(_("%(code)s: say what was found.") % {"code": criterion.code})
        deduction = _deduction(item.deduction, criterion=criterion, result=item.result)
        checked.append((item, criterion, deduction))
    missing = [criterion.code for pk, criterion in criteria.items() if pk not in seen]
    if missing:
        raise DomainError(_("Answer every criterion; not yet answered: %(codes)s.") % {"codes": "、".join(missing)})
    return checked


@transaction.atomic
def inspection_submit(*, actor, round: InspectionRound, point: Point, items, key=None, latitude=None,
                      longitude=None, note: str = "", now=None) -> Inspection:  # fmt: skip
    """Record the visit to `point` with an item per applicable criterion; each failing item opens a routed
    problem in the ledger. The same `key` again returns the visit already recorded."""
    now = now or timezone.now()
    round = InspectionRound.objects.select_for_update().get(pk=round.pk)
    if not may_inspect(user=actor, round=round):
        raise DomainError(_("Only the round's inspectors and the command office record its visits."), code="forbidden")
    existing = Inspection.objects.filter(round=round, point=point).select_related("inspector").first()
    if existing is not None and existing.status == InspectionStatus.SUBMITTED:
        if key is not None and str(existing.submission_key) == str(key):
            return existing
        raise DomainError(
            _("This point was already inspected on this round (%(who)s, %(when)s).")
            % {
                "who": existing.inspector,
                "when": timezone.localtime(existing.submitted_at).strftime("%Y-%m-%d %H:%M"),
            },
            code="conflict",
        )
    if round.status != RoundStatus.OPEN:
        raise DomainError(_("The round is closed; no more visits can be recorded."))
    if not RoundPoint.objects.filter(round=round, point=point).exists():
        raise DomainError(_("This point is not on the round's list."))
    if (latitude is None) != (longitude is None):
        raise DomainError(_("Send both the latitude and the longitude, or neither."))
    criteria = {criterion.pk: criterion for criterion in inspection_criteria(point=point)}
    checked = _check_items(list(items), criteria)

    route = problem_route(campaign=round.campaign, point=point)
    inspection = existing or Inspection(round=round, point=point)
    inspection.unit = route.unit
    inspection.leader_name = route.leader
    inspection.inspector = actor
    inspection.status = InspectionStatus.SUBMITTED
    inspection.submitted_at = now
    inspection.latitude, inspection.longitude = latitude, longitude
    inspection.located_at = now if latitude is not None else None
    inspection.note = note
    inspection.submission_key = key
    inspection.save()
    InspectionItem.objects.filter(inspection=inspection).delete()
    rows = InspectionItem.objects.bulk_create(
        InspectionItem(
            inspection=inspection,
            criterion=criterion,
            result=item.result,
            deduction=deduction,
            note=item.note.strip()[:500],
        )
        for item, criterion, deduction in checked
    )
    source = PROBLEM_SOURCE[round.kind]
    for row, (item, criterion, _deducted) in zip(rows, checked, strict=True):
        for clean in item.photos:
            InspectionPhoto.build_from(clean, uploaded_by=actor, item=row).save()
        if row.result != ItemResult.NOT_MET:
            continue
        row.problem = problem_create(
            actor=actor, campaign=round.campaign, source=source, point=point,
            description=f"{criterion.code} {criterion.name}：{row.note}"[:2000], photos=item.photos,
            responsible_unit=route.unit, latitude=latitude, longitude=longitude,
        )  # fmt: skip
        row.save(update_fields=["problem"])
    findings = sum(row.result == ItemResult.NOT_MET for row in rows)
    audit_log(action="scoring.inspection.submit", actor=actor, obj=inspection,
              data={"round": round.pk, "point": point.pk, "findings": findings})  # fmt: skip
    return inspection


# --- reviewing findings -------------------------------------------------------------------------------------------


def _review_one(item: InspectionItem, *, actor, status: str, note: str, now) -> InspectionItem:
    if item.result != ItemResult.NOT_MET:
        raise DomainError(_("Only failing items are reviewed."))
    if item.review_status == ReviewStatus.RETURNED:
        raise DomainError(_("A returned finding stays returned; the inspector records it again on a new visit."))
    if status == ReviewStatus.RETURNED and item.problem_id and item.problem.is_open:
        problem_cancel(actor=actor, problem=item.problem,
                       note=_("Inspection finding returned: %(note)s") % {"note": note})  # fmt: skip
    item.review_status = status
    item.review_note = note[:500]
    item.reviewed_by = actor
    item.reviewed_at = now
    item.save(update_fields=["review_status", "review_note", "reviewed_by", "reviewed_at"])
    return item


@transaction.atomic
def finding_review(*, actor, item: InspectionItem, status: str, note: str = "", now=None) -> InspectionItem:
    """Approve, return or hold an inspector's finding. Returning needs a reason and cancels the ledger problem it
    opened."""
    _office_only(actor, _("Only the command office reviews inspection findings."))
    if status not in REVIEW_CHOICES:
        raise DomainError(_("Choose approve, return or hold."))
    note = (note or "").strip()
    if status == ReviewStatus.RETURNED and not note:
        raise DomainError(_("Say why the finding is returned."))
    item = InspectionItem.objects.select_for_update(of=("self",)).select_related("problem").get(pk=item.pk)
    item = _review_one(item, actor=actor, status=status, note=note, now=now or timezone.now())
    audit_log(action="scoring.finding.review", actor=actor, obj=item, data={"status": status, "note": note})
    return item


@transaction.atomic
def findings_approve(*, actor, items, now=None) -> int:
    """Approve many findings at once (those waiting or on hold); returned ones are left as they are. Returns how
    many were approved."""
    _office_only(actor, _("Only the command office reviews inspection findings."))
    now = now or timezone.now()
    ids = [item.pk for item in items]
    approved = (
        InspectionItem.objects.select_for_update()
        .filter(pk__in=ids, result=ItemResult.NOT_MET, review_status__in=[ReviewStatus.PENDING, ReviewStatus.ON_HOLD])
        .update(review_status=ReviewStatus.APPROVED, reviewed_by=actor, reviewed_at=now, review_note="")
    )
    if approved:
        label = _("%(count)s findings") % {"count": approved}
        audit_log(action="scoring.finding.review", actor=actor, object_repr=label,
                  data={"status": ReviewStatus.APPROVED, "items": ids, "approved": approved})  # fmt: skip
    return approved


# --- reading ------------------------------------------------------------------------------------------------------


def _without_open_covert(queryset: QuerySet, user: User, prefix: str) -> QuerySet:
    if user.sees_citywide:
        return queryset
    return queryset.exclude(**{f"{prefix}round__kind": RoundKind.COVERT, f"{prefix}round__status": RoundStatus.OPEN})


def inspection_list(*, user, campaign: Campaign | None = None, round: InspectionRound | None = None,
                    unit=None) -> QuerySet[Inspection]:  # fmt: skip
    """Visits the user may see, with their failing-item counts."""
    if not user.is_authenticated:
        return Inspection.objects.none()
    visits = _without_open_covert(Inspection.objects.visible_to(user), user, "")
    if campaign is not None:
        visits = visits.filter(round__campaign=campaign)
    if round is not None:
        visits = visits.filter(round=round)
    if unit is not None:
        visits = visits.filter(unit=unit)
    return (
        visits.select_related("round", "point", "unit", "inspector")
        .annotate(
            finding_count=Count("items", filter=Q(items__result=ItemResult.NOT_MET)),
            lost=Sum("items__deduction", filter=Q(items__review_status=ReviewStatus.APPROVED)),
        )
        .order_by("-started_at", "-id")
    )


def finding_list(*, user, campaign: Campaign | None = None, round: InspectionRound | None = None,
                 review_status: str | None = None, unit=None) -> QuerySet[InspectionItem]:  # fmt: skip
    """Failing items the user may see, newest visit first."""
    if not user.is_authenticated:
        return InspectionItem.objects.none()
    items = _without_open_covert(
        InspectionItem.objects.visible_to(user).filter(result=ItemResult.NOT_MET), user, "inspection__"
    )
    if campaign is not None:
        items = items.filter(inspection__round__campaign=campaign)
    if round is not None:
        items = items.filter(inspection__round=round)
    if review_status:
        items = items.filter(review_status=review_status)
    if unit is not None:
        items = items.filter(inspection__unit=unit)
    return items.select_related(
        "inspection",
        "inspection__round",
        "inspection__point",
        "inspection__unit",
        "criterion",
        "problem",
        "reviewed_by",
    ).order_by("-inspection__submitted_at", "criterion__position", "id")


def photo_list(*, user) -> QuerySet[InspectionPhoto]:
    """Photos of the inspection items the user may see (the same rule as `inspection_list`)."""
    if not user.is_authenticated:
        return InspectionPhoto.objects.none()
    items = _without_open_covert(InspectionItem.objects.visible_to(user), user, "inspection__")
    return InspectionPhoto.objects.filter(item__in=items.values("pk"))
