"""Accountability (问责): what the office decided against a unit or a person in it — public criticism, an
admonishing talk, formal accountability, loss of eligibility for honours, a civilization-bonus deduction — linked to
what caused it: lost points (approved inspection findings), overdue problems, ranking entries. A record is never
deleted: a mistaken one is withdrawn with the reason, and stays on the record pages marked so."""

import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.models import Campaign, Unit
from core.audit import audit_log
from core.errors import DomainError
from rectification.models import Problem
from scoring.choices import AccountabilityKind, DocumentStatus, ItemResult, ListKind, ReviewStatus
from scoring.models import AccountabilityRecord, InspectionItem, RankingEntry


def _office_only(actor, message: str) -> None:
    if actor is None or not actor.is_office:
        raise DomainError(message, code="forbidden")


def _amount(kind: str, amount) -> Decimal | None:
    if kind != AccountabilityKind.BONUS_DEDUCTION:
        if amount not in (None, ""):
            raise DomainError(_("Only a civilization-bonus deduction has an amount."))
        return None
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        raise DomainError(_("Give the amount deducted, in yuan.")) from None
    if not value.is_finite() or value <= 0 or value >= Decimal("1e8"):
        raise DomainError(_("Give the amount deducted, in yuan."))
    return value.quantize(Decimal("0.01"))


def _check_links(campaign: Campaign, problems, items, entries) -> None:
    """Links stay within the campaign; lost points are approved findings; ranking entries are of published
    rankings (a draft's entries are replaced when it is computed again, and the link would go with them)."""
    if any(problem.campaign_id != campaign.pk for problem in problems):
        raise DomainError(_("Some problems belong to another campaign."))
    items = InspectionItem.objects.filter(pk__in=[i.pk for i in items])
    if items.exclude(inspection__round__campaign=campaign).exists():
        raise DomainError(_("Some lost points belong to another campaign."))
    if items.exclude(result=ItemResult.NOT_MET, review_status=ReviewStatus.APPROVED).exists():
        raise DomainError(_("Only approved findings count as lost points."))
    if any(entry.ranking.campaign_id != campaign.pk for entry in entries):
        raise DomainError(_("Some ranking entries belong to another campaign."))
    if any(entry.ranking.status != DocumentStatus.PUBLISHED for entry in entries):
        raise DomainError(_("Only entries of published rankings can be cited."))


@transaction.atomic
def accountability_record(*, actor, campaign: Campaign, unit: Unit, kind: str, reason: str,
                          decided_on: datetime.date, person_name: str = "", person_position: str = "",
                          amount=None, decided_by: str = "", problems=(), inspection_items=(),
                          ranking_entries=()) -> AccountabilityRecord:  # fmt: skip
    """Record an action the office decided, with what caused it."""
    _office_only(actor, _("Only the command office records accountability."))
    if unit.campaign_id != campaign.pk:
        raise DomainError(_("The unit belongs to another campaign."))
    if kind not in AccountabilityKind.values:
        raise DomainError(_("Choose the action taken."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the action was taken."))
    if decided_on > timezone.localdate():
        raise DomainError(_("The decision date cannot be in the future."))
    problems, items, entries = list(problems), list(inspection_items), list(ranking_entries)
    for entry in entries:
        entry.ranking  # noqa: B018 - loaded for the campaign check below
    _check_links(campaign, problems, items, entries)
    record = AccountabilityRecord.objects.create(
        campaign=campaign, unit=unit, kind=kind, reason=reason, decided_on=decided_on,
        person_name=(person_name or "").strip()[:100], person_position=(person_position or "").strip()[:100],
        amount=_amount(kind, amount), decided_by=(decided_by or "").strip()[:200], recorded_by=actor,
    )  # fmt: skip
    record.problems.set(problems)
    record.inspection_items.set(items)
    record.ranking_entries.set(entries)
    audit_log(action="scoring.accountability.record", actor=actor, obj=record,
              data={"kind": kind, "unit": unit.pk, "person": record.person_name})  # fmt: skip
    return record


@transaction.atomic
def accountability_withdraw(*, actor, record: AccountabilityRecord, reason: str, now=None) -> AccountabilityRecord:
    """Withdraw a record made in error; it stays, marked withdrawn, with the reason."""
    _office_only(actor, _("Only the command office withdraws accountability records."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the record is withdrawn."))
    record = AccountabilityRecord.objects.select_for_update().get(pk=record.pk)
    if record.withdrawn_at is not None:
        raise DomainError(_("This record was already withdrawn."))
    record.withdrawn_at = now or timezone.now()
    record.withdrawn_by = actor
    record.withdraw_reason = reason[:300]
    record.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
    audit_log(action="scoring.accountability.withdraw", actor=actor, obj=record, data={"reason": reason})
    return record


def accountability_list(*, user, campaign: Campaign | None = None) -> QuerySet[AccountabilityRecord]:
    """The records the user may see: the office and leaders of the units concerned, and the units themselves."""
    if not user.is_authenticated:
        return AccountabilityRecord.objects.none()
    records = AccountabilityRecord.objects.visible_to(user).select_related("unit", "recorded_by", "withdrawn_by")
    return records.filter(campaign=campaign) if campaign is not None else records


def accountability_for_unit(*, user, unit: Unit) -> QuerySet[AccountabilityRecord]:
    return accountability_list(user=user).filter(unit=unit)


def accountability_for_person(*, user, campaign: Campaign, person_name: str) -> QuerySet[AccountabilityRecord]:
    return accountability_list(user=user, campaign=campaign).filter(person_name=person_name.strip())


def overdue_problems_of(*, unit: Unit) -> QuerySet[Problem]:
    """The unit's problems overdue now: what a record may cite."""
    return Problem.objects.filter(responsible_unit=unit).open().filter(Problem.overdue_q()).order_by("deadline")


def lost_points_of(*, unit: Unit) -> QuerySet[InspectionItem]:
    """The approved findings at the points the unit answered for: what a record may cite."""
    return InspectionItem.objects.filter(
        inspection__unit=unit, result=ItemResult.NOT_MET, review_status=ReviewStatus.APPROVED
    ).select_related("inspection__round", "inspection__point", "criterion")


def black_list_entries_of(*, unit: Unit) -> QuerySet[RankingEntry]:
    return RankingEntry.objects.filter(
        unit=unit, list_kind=ListKind.BLACK, ranking__status=DocumentStatus.PUBLISHED
    ).select_related("ranking")
