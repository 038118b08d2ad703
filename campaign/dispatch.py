"""The daily dispatch (日调度): headquarters' orders to named units, with deadlines, and the units' answers.

The one place a dispatch order or a dispatched unit changes, and the reads every page, the API and (later) the
bulletin use. Each write is one transaction that locks what it changes, checks who may do it, saves only the
fields it sets and writes an audit event.

Who may do what:
- the command office (staff, administrators) issues orders and cancels them with a reason;
- the head or a liaison of a named unit itself (a `UnitMembership` of that unit, not of a unit above it)
  acknowledges the order and reports it done with a note of what was done and, optionally, photos; the order is
  that unit's work, so neither a street for its community nor the office on a unit's behalf answers for it;
- leaders and inspectors read, within their scope.

Acknowledging twice or reporting done twice changes nothing (a double click or a retried request is harmless);
reporting done acknowledges too. A cancelled order takes no answers. A note is required to report done, photos
are not: many orders (a meeting held, a plan submitted) have nothing to photograph.

A dispatched unit's status (`DispatchTargetStatus`) is derived, never stored: cancelled if the order is, done once
reported, overdue when the order's deadline has passed before that, otherwise acknowledged or issued. The same rule
is `DispatchTarget.status()` for one row and `target_status()` in SQL for lists, filters and counts.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, CharField, Count, Prefetch, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campaign.choices import DispatchTargetStatus as S
from campaign.choices import MembershipRole
from campaign.models import Campaign, DispatchEvidence, DispatchOrder, DispatchTarget, Unit, UnitMembership
from campaign.scope import scope_unit_paths
from core.audit import audit_log
from core.errors import DomainError
from core.notifications import Draft, notify

# Fields of an order the office sets when issuing it; the rest (campaign, issuer, times) are the service's.
ORDER_FIELDS = frozenset({"date", "source", "meeting", "priority", "title", "content", "deadline", "follow_up_by"})


# Who may do what ------------------------------------------------------------------------------------------------


def may_issue(user) -> bool:
    """Issuing and cancelling orders is the command office's."""
    return bool(user.is_authenticated and user.is_office)


def member_unit_ids(user) -> set[int]:
    """The units the user is head or liaison of: the units whose orders they answer. One query."""
    if not (user.is_authenticated and user.is_active):
        return set()
    memberships = UnitMembership.objects.filter(user=user, role__in=[MembershipRole.HEAD, MembershipRole.LIAISON])
    return set(memberships.values_list("unit_id", flat=True))


def may_answer(user, target: DispatchTarget) -> bool:
    """Whether the user acknowledges and reports done for this dispatched unit: its own head or liaison."""
    return target.unit_id in member_unit_ids(user)


# Writes ---------------------------------------------------------------------------------------------------------


@transaction.atomic
def dispatch_order_issue(*, actor, campaign: Campaign, units, now=None, **fields) -> DispatchOrder:
    """Issue an order to named units of the campaign, by a deadline, and tell each unit's head and liaisons.

    `fields` are the order's (`ORDER_FIELDS`); the date is today's unless given, and the office member who follows
    the order up is the issuer unless someone else is named. `now` is the moment of issue (the present unless the
    office records an order given earlier, as the demo does)."""
    if not may_issue(actor):
        raise DomainError(_("Only the command office issues dispatch orders."), code="forbidden")
    unknown = set(fields) - ORDER_FIELDS
    if unknown:
        raise TypeError(f"dispatch_order_issue() got unexpected fields: {sorted(unknown)}")
    now = now or timezone.now()
    units = list({unit.pk: unit for unit in units}.values())
    if not units:
        raise ValidationError({"units": _("Name at least one unit.")})
    if any(unit.campaign_id != campaign.pk for unit in units):
        raise ValidationError({"units": _("Choose units of this campaign.")})
    inactive = [unit.name for unit in units if not unit.is_active]
    if inactive:
        raise ValidationError({"units": _("No longer active: %(units)s.") % {"units": "、".join(inactive)}})
    fields["date"] = fields.get("date") or timezone.localdate(now)
    fields["follow_up_by"] = fields.get("follow_up_by") or actor
    order = DispatchOrder(campaign=campaign, issued_by=actor, issued_at=now, **fields)
    order.full_clean()
    if order.deadline <= now:
        raise ValidationError({"deadline": _("The deadline has passed already.")})
    order.save()
    DispatchTarget.objects.bulk_create(
        [DispatchTarget(order=order, unit=unit) for unit in sorted(units, key=lambda unit: unit.path)]
    )
    audit_log(action="campaign.dispatch.issue", actor=actor, obj=order, data={
        "units": sorted(unit.pk for unit in units), "deadline": order.deadline, "source": order.source,
        "priority": order.priority,
    })  # fmt: skip
    dispatch_notify(order=order, step="issued")
    return order


@transaction.atomic
def dispatch_order_cancel(*, actor, order: DispatchOrder, reason: str) -> DispatchOrder:
    """Withdraw an order the units need no longer carry out, saying why; the units are told. Cancelling a
    cancelled order changes nothing; an order every unit has reported done is kept as it is."""
    if not may_issue(actor):
        raise DomainError(_("Only the command office cancels dispatch orders."), code="forbidden")
    order = DispatchOrder.objects.select_for_update().get(pk=order.pk)
    if order.is_cancelled:
        return order
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the order is cancelled."), code="reason_required")
    if not order.targets.filter(completed_at__isnull=True).exists():
        raise DomainError(_("Every unit has reported this order done; there is nothing left to cancel."),
                          code="invalid")  # fmt: skip
    order.cancelled_at = timezone.now()
    order.cancel_reason = reason
    order.full_clean()
    order.save(update_fields=["cancelled_at", "cancel_reason"])
    audit_log(action="campaign.dispatch.cancel", actor=actor, obj=order, data={"reason": reason})
    dispatch_notify(order=order, step="cancelled")
    return order


def answer_refusal(user, target: DispatchTarget) -> DomainError | None:
    """Why this person cannot answer for this dispatched unit now (None: they can): not its head or liaison, or
    the order was cancelled."""
    if not may_answer(user, target):
        return DomainError(
            _("Only the head or a liaison of %(unit)s answers this order.") % {"unit": target.unit.name},
            code="forbidden",
        )
    if target.order.is_cancelled:
        return DomainError(_("The order was cancelled: %(reason)s") % {"reason": target.order.cancel_reason},
                           code="cancelled")  # fmt: skip
    return None


def _begin_answer(actor, target: DispatchTarget) -> DispatchTarget:
    """Lock the dispatched unit's row and its order's (so a cancellation and an answer do not cross) and check that
    this person answers for it and the order still stands."""
    target = (
        DispatchTarget.objects.select_for_update(of=("self", "order"))
        .select_related("order", "unit")
        .get(pk=target.pk)
    )
    refusal = answer_refusal(actor, target)
    if refusal is not None:
        raise refusal
    return target


@transaction.atomic
def dispatch_acknowledge(*, actor, target: DispatchTarget) -> DispatchTarget:
    """The unit confirms it has the order (签收). Acknowledging again changes nothing."""
    target = _begin_answer(actor, target)
    if target.acknowledged_at is not None:
        return target
    target.acknowledged_at = timezone.now()
    target.acknowledged_by = actor
    target.save(update_fields=["acknowledged_at", "acknowledged_by"])
    audit_log(action="campaign.dispatch.acknowledge", actor=actor, obj=target,
              data={"order": target.order_id, "unit": target.unit_id})  # fmt: skip
    return target


@transaction.atomic
def dispatch_complete(*, actor, target: DispatchTarget, note: str, photos=()) -> DispatchTarget:
    """The unit reports the order done: what it did (required) and photos of it (`core.images.CleanImage`s,
    optional). Acknowledges the order if the unit had not yet. Reporting done again changes nothing and stores no
    photo twice. Done after the deadline is still done; the audit event records that it was late."""
    target = _begin_answer(actor, target)
    if target.completed_at is not None:
        return target
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Say what was done."), code="note_required")
    now = timezone.now()
    fields = ["completed_at", "completed_by", "completion_note"]
    if target.acknowledged_at is None:
        target.acknowledged_at, target.acknowledged_by = now, actor
        fields += ["acknowledged_at", "acknowledged_by"]
    target.completed_at, target.completed_by, target.completion_note = now, actor, note
    target.save(update_fields=fields)
    for clean in photos:
        DispatchEvidence.build_from(clean, uploaded_by=actor, target=target).save()
    audit_log(action="campaign.dispatch.complete", actor=actor, obj=target, data={
        "order": target.order_id, "unit": target.unit_id, "photos": len(photos), "late": now > target.order.deadline,
    })  # fmt: skip
    return target


# Notifications --------------------------------------------------------------------------------------------------


def dispatch_notify(*, order: DispatchOrder, step: str) -> int:
    """Tell the head and liaisons of every unit named in the order that it was issued (or cancelled). Each
    person is told once per order, unit and step, however often this runs (the outbox's unique key); two queries
    and a batched insert. Notices are in the office's language, as bulletins are."""
    rows = list(
        UnitMembership.objects.filter(
            unit__dispatch_targets__order=order,
            role__in=[MembershipRole.HEAD, MembershipRole.LIAISON],
            user__is_active=True,
        ).values_list("unit_id", "unit__name", "user_id")
    )
    link = reverse("dispatch_detail", args=[order.pk])
    with translation.override(settings.LANGUAGE_CODE):
        if step == "issued":
            title = _("Dispatch order: %(title)s") % {"title": order.title}
            template = _("%(unit)s, by %(deadline)s. %(content)s")
        else:
            title = _("Dispatch order cancelled: %(title)s") % {"title": order.title}
            template = _("%(unit)s: no longer required. %(content)s")
        deadline = timezone.localtime(order.deadline).strftime("%Y-%m-%d %H:%M")
        content = order.cancel_reason if step == "cancelled" else order.content
        drafts = [
            Draft(
                recipient_id=user_id,
                kind=f"dispatch.{step}",
                key=f"dispatch.{step}:{order.pk}:{unit_id}",
                title=title[:200],
                body=template % {"unit": unit_name, "deadline": deadline, "content": content[:200]},
                link=link,
            )
            for unit_id, unit_name, user_id in rows
        ]
    return notify(drafts)


# Reads ----------------------------------------------------------------------------------------------------------


def target_status(*, now) -> Case:
    """A dispatched unit's status as SQL, the same rule as `DispatchTarget.status()`."""
    return Case(
        When(order__cancelled_at__isnull=False, then=Value(S.CANCELLED)),
        When(completed_at__isnull=False, then=Value(S.DONE)),
        When(order__deadline__lt=now, then=Value(S.OVERDUE)),
        When(acknowledged_at__isnull=False, then=Value(S.ACKNOWLEDGED)),
        default=Value(S.ISSUED),
        output_field=CharField(),
    )


def dispatch_target_list(*, user, campaign: Campaign | None = None, now=None) -> QuerySet[DispatchTarget]:
    """The dispatched units the user may see (of one campaign, if given), each with its `state` annotated, with
    the order and the unit joined: one query however many rows. Soonest deadline first."""
    now = now or timezone.now()
    targets = DispatchTarget.objects.visible_to(user)
    if campaign is not None:
        targets = targets.filter(order__campaign=campaign)
    return (
        targets.annotate(state=target_status(now=now))
        .select_related("order", "unit", "acknowledged_by", "completed_by")
        .order_by("-order__date", "order__deadline", "order_id", "unit__path")
    )


def dispatch_targets_of_unit(*, unit: Unit, now=None) -> QuerySet[DispatchTarget]:
    """A unit's orders (the "my orders" of its head and liaisons), with their status, in one query."""
    now = now or timezone.now()
    return (
        DispatchTarget.objects.filter(unit=unit)
        .annotate(state=target_status(now=now))
        .select_related("order")
        .order_by("-order__date", "order__deadline", "order_id")
    )


def _visible_targets_q(user, prefix: str = "targets") -> Q:
    """Restricts a count over an order's targets to those the user may see (everything for the citywide roles)."""
    if scope_unit_paths(user) is None:
        return Q()
    return Q(**{f"{prefix}__in": DispatchTarget.objects.visible_to(user).values("pk")})


def dispatch_order_list(*, user, campaign: Campaign | None = None, now=None) -> QuerySet[DispatchOrder]:
    """The orders the user may see (of one campaign, if given), newest date first. Each carries, over the
    dispatched units the user may see, `target_count`, `acknowledged_count`, `done_count` and `overdue_count`, and
    `shown_targets` (those units with their `state`): two queries however many orders and units."""
    now = now or timezone.now()
    orders = DispatchOrder.objects.visible_to(user)
    if campaign is not None:
        orders = orders.filter(campaign=campaign)
    seen = _visible_targets_q(user)
    shown = dispatch_target_list(user=user, now=now).select_related(None).select_related("unit")
    return (
        orders.select_related("issued_by", "follow_up_by")
        .annotate(
            target_count=Count("targets", filter=seen),
            acknowledged_count=Count("targets", filter=seen & Q(targets__acknowledged_at__isnull=False)),
            done_count=Count("targets", filter=seen & Q(targets__completed_at__isnull=False)),
            overdue_count=Count(
                "targets",
                filter=seen & Q(cancelled_at__isnull=True, deadline__lt=now, targets__completed_at__isnull=True),
            ),
        )
        .prefetch_related(Prefetch("targets", queryset=shown.order_by("unit__path"), to_attr="shown_targets"))
        .order_by("-date", "deadline", "-id")
    )


def dispatch_order_get_visible(*, user, pk, now=None) -> DispatchOrder | None:
    """One order with what its page shows: the dispatched units the user may see, each with its status, who
    answered and its photos; None if it does not exist or is outside the user's scope. Four queries."""
    now = now or timezone.now()
    shown = (
        dispatch_target_list(user=user, now=now)
        .select_related(None)
        .select_related("unit", "acknowledged_by", "completed_by")
        .prefetch_related(Prefetch("evidence", queryset=DispatchEvidence.objects.order_by("uploaded_at", "pk")))
        .order_by("unit__path")
    )
    return (
        DispatchOrder.objects.visible_to(user)
        .select_related("campaign", "issued_by", "follow_up_by")
        .prefetch_related(Prefetch("targets", queryset=shown, to_attr="shown_targets"))
        .filter(pk=pk)
        .first()
    )


def dispatch_target_get_visible(*, user, pk) -> DispatchTarget | None:
    return DispatchTarget.objects.visible_to(user).select_related("order", "unit").filter(pk=pk).first()


def dispatch_counters(*, user, campaign: Campaign, now=None) -> dict[str, int]:
    """The counters on a unit person's home page, in one aggregate query: the orders of their own units (for
    leaders, of the units they oversee) still open, not yet acknowledged, due today and overdue."""
    now = now or timezone.now()
    targets = DispatchTarget.objects.visible_to(user).filter(order__campaign=campaign)
    own = member_unit_ids(user)
    if own:
        targets = targets.filter(unit_id__in=own)
    end_of_today = timezone.localtime(now).replace(hour=23, minute=59, second=59, microsecond=999999)
    live = Q(order__cancelled_at__isnull=True, completed_at__isnull=True)
    return targets.aggregate(
        open=Count("pk", filter=live),
        unacknowledged=Count("pk", filter=live & Q(acknowledged_at__isnull=True)),
        due_today=Count("pk", filter=live & Q(order__deadline__gte=now, order__deadline__lte=end_of_today)),
        overdue=Count("pk", filter=DispatchTarget.overdue_q(now=now)),
    )


def dispatch_overdue_targets(*, campaign: Campaign, date: datetime.date, at=None) -> QuerySet[DispatchTarget]:
    """The dispatched units overdue as the day `date` stood at `at` (its end, by default): the order was issued
    and its deadline passed by then, and it was neither done nor cancelled by then. What the bulletin of that day
    names; a past day's list does not change when units report done later. One query, by unit."""
    if at is None:
        at = timezone.make_aware(datetime.datetime.combine(date + datetime.timedelta(days=1), datetime.time.min))
    return (
        DispatchTarget.objects.filter(
            order__campaign=campaign, order__issued_at__lte=at, order__deadline__lt=at,
        )
        .filter(Q(completed_at__isnull=True) | Q(completed_at__gt=at))
        .filter(Q(order__cancelled_at__isnull=True) | Q(order__cancelled_at__gt=at))
        .select_related("order", "unit")
        .order_by("unit__path", "order__deadline", "order_id")
    )  # fmt: skip
