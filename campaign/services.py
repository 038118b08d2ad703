"""Writes to the campaign's structure. Each service is one transaction, validates, and records an audit event."""

import random
import secrets
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils.translation import gettext as _

from campaign.choices import CampaignStatus, MembershipRole
from campaign.models import (
    Campaign,
    Grid,
    Indicator,
    IndicatorMethod,
    IndicatorSystem,
    LeaderAssignment,
    OperationStandard,
    Point,
    PointType,
    Responsibility,
    SampledPoint,
    Sampling,
    TaskAcknowledgement,
    TaskAssignment,
    Unit,
    UnitGroup,
    UnitMembership,
)
from core.audit import audit_log
from core.choices import Role
from core.errors import DomainError


@transaction.atomic
def campaign_create(*, actor, **fields) -> Campaign:
    campaign = Campaign(**fields)
    return _create(campaign, action="campaign.create", actor=actor, data={"slug": campaign.slug})


def _update(obj, fields: dict, *, action: str, actor) -> list[str]:
    """Set the fields that differ, validate, save only those and audit which ones changed; [] when nothing did."""
    changed = [name for name, value in fields.items() if getattr(obj, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(obj, name, fields[name])
    obj.full_clean()
    obj.save(update_fields=changed)
    audit_log(action=action, actor=actor, obj=obj, data={"changed": sorted(changed)})
    return changed


def _create(obj, *, action: str, actor, data: dict):
    obj.full_clean()
    obj.save()
    audit_log(action=action, actor=actor, obj=obj, data=data)
    return obj


@transaction.atomic
def campaign_update(*, actor, campaign: Campaign, **fields) -> Campaign:
    _update(campaign, fields, action="campaign.update", actor=actor)
    return campaign


@transaction.atomic
def unit_create(*, actor, campaign: Campaign, parent: Unit | None = None, **fields) -> Unit:
    unit = Unit(campaign=campaign, parent=parent, **fields)
    unit.full_clean(exclude=["path"])
    unit.save()
    # The path needs the primary key, which exists only after the insert.
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.depth = parent.depth + 1 if parent else 0
    unit.save(update_fields=["path", "depth"])
    audit_log(action="campaign.unit.create", actor=actor, obj=unit, data={"code": unit.code})
    return unit


@transaction.atomic
def unit_update(*, actor, unit: Unit, **fields) -> Unit:
    """Change a unit's own fields; moving it in the tree is `unit_move`."""
    if "parent" in fields or "campaign" in fields:
        raise ValueError("Use unit_move to change a unit's parent.")
    _update(unit, fields, action="campaign.unit.update", actor=actor)
    return unit


@transaction.atomic
def unit_move(*, actor, unit: Unit, parent: Unit | None) -> Unit:
    """Move a unit and its whole subtree below a new parent, rewriting their paths in one UPDATE."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    old_parent_id = unit.parent_id
    unit.parent = parent
    unit.full_clean()
    old_path = unit.path
    new_path = f"{parent.path if parent else '/'}{unit.pk}/"
    depth_change = (parent.depth + 1 if parent else 0) - unit.depth
    Unit.objects.filter(pk=unit.pk).update(parent=parent)
    Unit.objects.filter(campaign_id=unit.campaign_id, path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1, Length("path"))),
        depth=F("depth") + depth_change,
    )
    unit.refresh_from_db()
    audit_log(
        action="campaign.unit.move",
        actor=actor,
        obj=unit,
        data={"from_parent": old_parent_id, "to_parent": parent.pk if parent else None},
    )
    return unit


@transaction.atomic
def membership_set(*, actor, unit: Unit, user, role: str) -> UnitMembership:
    membership, created = UnitMembership.objects.select_for_update().get_or_create(
        unit=unit, user=user, defaults={"role": role}
    )
    if not created and membership.role == role:
        return membership
    if not created:
        membership.role = role
        membership.full_clean()
        membership.save(update_fields=["role"])
    audit_log(
        action="campaign.membership.set",
        actor=actor,
        obj=membership,
        data={"unit": unit.pk, "user": user.pk, "role": role},
    )
    return membership


@transaction.atomic
def leader_assign(
    *, actor, leader, unit: Unit | None = None, point: Point | None = None, note: str = ""
) -> LeaderAssignment:
    """Assign a leader (分包) to a unit and its subtree, or to one point such as a road section. Only users with the
    leader role can be assigned; assigning twice changes nothing."""
    if (unit is None) == (point is None):
        raise DomainError(_("Assign the leader either to a unit or to a point, not both."))
    if leader.role != Role.LEADER:
        raise DomainError(_("Only a user with the leader role can be assigned."))
    target = {"unit": unit} if unit is not None else {"point": point}
    assignment, created = LeaderAssignment.objects.get_or_create(leader=leader, **target, defaults={"note": note})
    if created:
        audit_log(
            action="campaign.leader.assign",
            actor=actor,
            obj=assignment,
            data={"unit": unit.pk if unit else None, "point": point.pk if point else None, "leader": leader.pk},
        )
    return assignment


@transaction.atomic
def leader_unassign(*, actor, assignment: LeaderAssignment) -> None:
    data = {"unit": assignment.unit_id, "point": assignment.point_id, "leader": assignment.leader_id}
    audit_log(action="campaign.leader.unassign", actor=actor, obj=assignment, data=data)
    assignment.delete()


@transaction.atomic
def task_acknowledge(*, actor, task: TaskAssignment, unit: Unit) -> TaskAcknowledgement:
    """The head of a unit that leads or cooperates on a task confirms receiving it. Twice is once."""
    if not can_acknowledge(user=actor, unit=unit):
        raise DomainError(_("Only the head of the unit can acknowledge its tasks."), code="not_unit_head")
    if not task_units(task=task).filter(pk=unit.pk).exists():
        raise DomainError(_("This task is not one of the unit's tasks."), code="not_units_task")
    acknowledgement, created = TaskAcknowledgement.objects.get_or_create(
        task=task, unit=unit, defaults={"acknowledged_by": actor}
    )
    if created:
        audit_log(action="campaign.task.acknowledge", actor=actor, obj=task, data={"unit": unit.pk})
    return acknowledgement


def can_acknowledge(*, user, unit: Unit) -> bool:
    return UnitMembership.objects.filter(user=user, unit=unit, role=MembershipRole.HEAD).exists()


def task_units(*, task: TaskAssignment):
    """Every unit the task is delivered to: its lead (or the lead set's members) and its cooperating units."""
    return Unit.objects.filter(
        Q(pk=task.lead_unit_id)
        | Q(unit_groups=task.lead_group_id)
        | Q(cooperating_tasks=task)
        | Q(unit_groups__in=task.cooperating_groups.all())
    ).distinct()


@transaction.atomic
def campaign_set_status(*, actor, campaign: Campaign, status: str, override_reason: str = "") -> Campaign:
    """Move a campaign to another status. "Ready" requires full coverage (every criterion with a lead, every point
    with leader, unit and post, ...) unless staff override with a reason, which is recorded with the open gaps."""
    from campaign.selectors import campaign_coverage

    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if status not in CampaignStatus.values:
        raise DomainError(_("Unknown status."), code="bad_status")
    if campaign.status == status:
        return campaign
    data = {"from": campaign.status, "to": status}
    if status == CampaignStatus.READY:
        gaps = campaign_coverage(campaign=campaign).counts()
        if any(gaps.values()):
            if not override_reason.strip():
                raise DomainError(
                    _("The campaign still has coverage gaps; fix them or give a reason to override."),
                    code="coverage_gaps",
                )
            data.update(override_reason=override_reason.strip(), gaps=gaps)
    campaign.status = status
    campaign.save(update_fields=["status"])
    audit_log(
        action="campaign.status.override" if "override_reason" in data else "campaign.status", actor=actor,
        obj=campaign, data=data,
    )  # fmt: skip
    return campaign


@transaction.atomic
def sampling_draw(*, actor, campaign: Campaign, seed: int | None = None, note: str = "") -> Sampling:
    """Draw points per type as the assessors do: for each point type, `sample_count` active points chosen at
    random. The seed makes it reproducible: the same seed over the same points draws the same points."""
    if seed is None:
        seed = secrets.randbelow(10**9)
    rng = random.Random(seed)  # noqa: S311 - reproducibility, not secrecy, is the point
    points_by_type = defaultdict(list)
    for point_id, type_id in (
        Point.objects.filter(campaign=campaign, is_active=True).order_by("code").values_list("pk", "point_type_id")
    ):
        points_by_type[type_id].append(point_id)
    chosen, shortfall = [], {}
    for point_type in PointType.objects.filter(campaign=campaign, sample_count__gt=0).order_by("code"):
        candidates = points_by_type.get(point_type.pk, [])
        if len(candidates) < point_type.sample_count:
            shortfall[point_type.code] = {
                "name": point_type.name,
                "wanted": point_type.sample_count,
                "available": len(candidates),
            }
        chosen.extend(rng.sample(candidates, min(point_type.sample_count, len(candidates))))
    sampling = Sampling.objects.create(
        campaign=campaign, seed=seed, drawn_by=actor if actor is not None and actor.is_authenticated else None,
        note=note[:200], shortfall=shortfall,
    )  # fmt: skip
    SampledPoint.objects.bulk_create(
        SampledPoint(sampling=sampling, point_id=point_id, position=index) for index, point_id in enumerate(chosen)
    )
    audit_log(action="campaign.sampling.draw", actor=actor, obj=sampling, data={"seed": seed, "points": len(chosen)})
    return sampling


@transaction.atomic
def indicator_system_new_version(*, actor, campaign: Campaign, name: str = "") -> IndicatorSystem:
    """Start a new version of the assessment system (a new 测评体系 edition): a copy of the current one with its
    methods, point types, operations-manual standards and task division, which becomes current. The old version
    stays, unchanged, for the records that refer to it; acknowledgements are not copied (units acknowledge anew)."""
    current = IndicatorSystem.objects.select_for_update().filter(campaign=campaign, is_current=True).first()
    if current is None:
        raise DomainError(_("There is no assessment system to copy yet; import one first."), code="no_system")
    latest = IndicatorSystem.objects.filter(campaign=campaign).order_by("-version").values_list("version", flat=True)
    IndicatorSystem.objects.filter(pk=current.pk).update(is_current=False)
    system = IndicatorSystem.objects.create(
        campaign=campaign, version=latest[0] + 1, name=name.strip()[:200] or current.name, is_current=True
    )
    old = list(Indicator.objects.filter(system=current).order_by("level", "position"))
    copies = {
        indicator.pk: Indicator(
            system=system,
            code=indicator.code,
            name=indicator.name,
            level=indicator.level,
            score=indicator.score,
            kind=indicator.kind,
            is_veto=indicator.is_veto,
            position=indicator.position,
        )
        for indicator in old
    }
    Indicator.objects.bulk_create(copies.values())
    for indicator in old:
        copies[indicator.pk].parent = copies[indicator.parent_id] if indicator.parent_id else None
    Indicator.objects.bulk_update(copies.values(), ["parent"])
    IndicatorMethod.objects.bulk_create(
        IndicatorMethod(indicator=copies[m.indicator_id], method=m.method)
        for m in IndicatorMethod.objects.filter(indicator__system=current)
    )
    through = Indicator.point_types.through
    through.objects.bulk_create(
        through(indicator_id=copies[row.indicator_id].pk, pointtype_id=row.pointtype_id)
        for row in through.objects.filter(indicator__system=current)
    )
    OperationStandard.objects.bulk_create(
        OperationStandard(indicator=copies[s.indicator_id], point_type_id=s.point_type_id, text=s.text)
        for s in OperationStandard.objects.filter(indicator__system=current)
    )
    for task in TaskAssignment.objects.filter(indicator__system=current).prefetch_related(
        "cooperating_units", "cooperating_groups"
    ):
        copy = TaskAssignment.objects.create(
            indicator=copies[task.indicator_id], lead_unit_id=task.lead_unit_id, lead_group_id=task.lead_group_id,
            responsible_leader=task.responsible_leader, deadline=task.deadline, standard=task.standard,
        )  # fmt: skip
        copy.cooperating_units.set(task.cooperating_units.all())
        copy.cooperating_groups.set(task.cooperating_groups.all())
    audit_log(
        action="campaign.indicator_system.version", actor=actor, obj=system,
        data={"from_version": current.version, "to_version": system.version},
    )  # fmt: skip
    return system


# Grids, points and the responsibility manual, one at a time (the Excel import does whole districts at once).


@transaction.atomic
def grid_create(*, actor, campaign: Campaign, code: str, name: str, unit: Unit | None = None) -> Grid:
    grid = Grid(campaign=campaign, code=code, name=name, unit=unit)
    return _create(grid, action="campaign.grid.create", actor=actor, data={"code": code})


@transaction.atomic
def grid_update(*, actor, grid: Grid, **fields) -> Grid:
    _update(grid, fields, action="campaign.grid.update", actor=actor)
    return grid


@transaction.atomic
def point_create(*, actor, campaign: Campaign, grid: Grid, point_type: PointType, code: str, name: str,
                 **fields) -> Point:  # fmt: skip
    """A new point, with an empty manual row so the coverage check lists it until someone answers for it."""
    point = Point(campaign=campaign, grid=grid, point_type=point_type, code=code, name=name, **fields)
    _create(point, action="campaign.point.create", actor=actor, data={"code": code})
    Responsibility.objects.create(point=point)
    return point


@transaction.atomic
def point_update(*, actor, point: Point, **fields) -> Point:
    """Change a point's details, move it to another grid or deactivate it (`is_active`); points are never
    deleted, since inspections and problems refer to them."""
    if "campaign" in fields:
        raise ValueError("A point cannot move to another campaign.")
    _update(point, fields, action="campaign.point.update", actor=actor)
    return point


def criteria_for_targets(*, campaign: Campaign):
    """The criteria a manual row may target: the leaves of the campaign's current assessment system."""
    return Indicator.objects.filter(system__campaign=campaign, system__is_current=True, children__isnull=True)


@transaction.atomic
def responsibility_set(*, actor, point: Point, target_criteria=None, **fields) -> Responsibility:
    """Write a point's manual row: leader, unit, post and, when `target_criteria` is given, the criteria it must
    meet (an empty list goes back to the default: every criterion applicable to the point type)."""
    responsibility, _created = Responsibility.objects.select_for_update().get_or_create(point=point)
    changed = _update(responsibility, fields, action="campaign.responsibility.update", actor=actor)
    if target_criteria is not None:
        wanted = {criterion.pk for criterion in target_criteria}
        allowed = set(criteria_for_targets(campaign=point.campaign).filter(pk__in=wanted).values_list("pk", flat=True))
        if wanted - allowed:
            raise DomainError(_("Targets must be criteria of the campaign's current assessment system."))
        current = set(responsibility.target_criteria.values_list("pk", flat=True))
        if wanted != current:
            responsibility.target_criteria.set(wanted)
            audit_log(
                action="campaign.responsibility.targets",
                actor=actor,
                obj=responsibility,
                data={"point": point.pk, "added": sorted(wanted - current), "removed": sorted(current - wanted),
                      "changed_fields": changed},
            )  # fmt: skip
    return responsibility


@transaction.atomic
def point_leaders_set(*, actor, point: Point, leaders) -> None:
    """Make exactly these leaders answer for the point (路段包保), assigning and removing the difference."""
    wanted = {leader.pk: leader for leader in leaders}
    current = {a.leader_id: a for a in LeaderAssignment.objects.select_for_update().filter(point=point)}
    for leader_id, leader in wanted.items():
        if leader_id not in current:
            leader_assign(actor=actor, leader=leader, point=point)
    for leader_id, assignment in current.items():
        if leader_id not in wanted:
            leader_unassign(actor=actor, assignment=assignment)


# The task division, one criterion at a time.


def _check_same_campaign(campaign_id: int, field: str, objects) -> None:
    if any(obj.campaign_id != campaign_id for obj in objects):
        raise ValidationError({field: _("Some of these belong to another campaign.")})


@transaction.atomic
def task_assignment_create(*, actor, indicator: Indicator, cooperating_units=(), cooperating_groups=(),
                           **fields) -> TaskAssignment:  # fmt: skip
    """Give a criterion of the current assessment system its lead, cooperating units, leader, deadline and
    standard."""
    if not indicator.system.is_current or indicator.children.exists():
        raise DomainError(_("Tasks are assigned on criteria of the current assessment system."))
    task = TaskAssignment(indicator=indicator, **fields)
    _create(task, action="campaign.task.create", actor=actor, data={"criterion": indicator.code})
    _task_set_cooperation(task, cooperating_units, cooperating_groups)
    return task


@transaction.atomic
def task_assignment_update(*, actor, task: TaskAssignment, cooperating_units=None, cooperating_groups=None,
                           **fields) -> TaskAssignment:  # fmt: skip
    if "indicator" in fields and fields["indicator"] != task.indicator:
        raise DomainError(_("A task stays on its criterion; assign the other criterion separately."))
    fields.pop("indicator", None)
    _update(task, fields, action="campaign.task.update", actor=actor)
    if cooperating_units is not None or cooperating_groups is not None:
        before = (set(task.cooperating_units.values_list("pk", flat=True)),
                  set(task.cooperating_groups.values_list("pk", flat=True)))  # fmt: skip
        _task_set_cooperation(task, cooperating_units, cooperating_groups)
        after = (set(task.cooperating_units.values_list("pk", flat=True)),
                 set(task.cooperating_groups.values_list("pk", flat=True)))  # fmt: skip
        if before != after:
            audit_log(
                action="campaign.task.update", actor=actor, obj=task,
                data={"changed": ["cooperating_units", "cooperating_groups"]},
            )  # fmt: skip
    return task


def _task_set_cooperation(task: TaskAssignment, units, groups) -> None:
    campaign_id = task.indicator.system.campaign_id
    if units is not None:
        _check_same_campaign(campaign_id, "cooperating_units", units)
        if task.lead_unit_id and any(unit.pk == task.lead_unit_id for unit in units):
            raise ValidationError({"cooperating_units": _("The lead unit cannot also cooperate on its own task.")})
        task.cooperating_units.set(units)
    if groups is not None:
        _check_same_campaign(campaign_id, "cooperating_groups", groups)
        task.cooperating_groups.set(groups)


# The assessment system, one node at a time (the Excel import replaces whole versions).


def _current_system_only(system: IndicatorSystem) -> None:
    if not system.is_current:
        raise DomainError(_("Only the current version of the assessment system can be changed."))


@transaction.atomic
def indicator_create(*, actor, system: IndicatorSystem, code: str, name: str, score, parent: Indicator | None = None,
                     methods=(), point_types=(), **fields) -> Indicator:  # fmt: skip
    """Add a node below `parent` (or an item at the top); it goes after its siblings. Totals are not adjusted:
    the tree page reports a parent whose children no longer add up."""
    _current_system_only(system)
    last = Indicator.objects.filter(system=system).order_by("-position").values_list("position", flat=True).first()
    indicator = Indicator(
        system=system, parent=parent, code=code, name=name, score=score, level=parent.level + 1 if parent else 1,
        position=(last or 0) + 1, **fields,
    )  # fmt: skip
    _create(indicator, action="campaign.indicator.create", actor=actor, data={"code": code})
    _indicator_set_lists(indicator, methods, point_types)
    return indicator


@transaction.atomic
def indicator_update(*, actor, indicator: Indicator, methods=None, point_types=None, **fields) -> Indicator:
    """Change a node's name, score, kind, veto flag, methods or point types; its place in the tree stays."""
    _current_system_only(indicator.system)
    if set(fields) & {"parent", "system", "level", "code"}:
        raise DomainError(_("The code and the place in the tree change through the Excel import."))
    _update(indicator, fields, action="campaign.indicator.update", actor=actor)
    if methods is not None or point_types is not None:
        _indicator_set_lists(indicator, methods, point_types)
        audit_log(action="campaign.indicator.update", actor=actor, obj=indicator,
                  data={"changed": [name for name, value in (("methods", methods), ("point_types", point_types))
                                    if value is not None]})  # fmt: skip
    return indicator


def _indicator_set_lists(indicator: Indicator, methods, point_types) -> None:
    if methods is not None:
        IndicatorMethod.objects.filter(indicator=indicator).exclude(method__in=methods).delete()
        IndicatorMethod.objects.bulk_create(
            [IndicatorMethod(indicator=indicator, method=method) for method in methods], ignore_conflicts=True
        )
    if point_types is not None:
        _check_same_campaign(indicator.system.campaign_id, "point_types", point_types)
        indicator.point_types.set(point_types)


# Unit groups (sets, peer groups, command groups, bundles), one at a time (the Excel import does them all).


@transaction.atomic
def unit_group_create(*, actor, campaign: Campaign, members=(), **fields) -> UnitGroup:
    group = UnitGroup(campaign=campaign, **fields)
    _create(group, action="campaign.group.create", actor=actor, data={"name": group.name})
    _group_set_members(group, members)
    return group


@transaction.atomic
def unit_group_update(*, actor, group: UnitGroup, members=None, **fields) -> UnitGroup:
    if "campaign" in fields and fields.pop("campaign") != group.campaign:
        raise ValidationError({"campaign": _("A group cannot move to another campaign.")})
    _update(group, fields, action="campaign.group.update", actor=actor)
    if members is not None:
        before = set(group.members.values_list("pk", flat=True))
        _group_set_members(group, members)
        if before != {unit.pk for unit in members}:
            audit_log(action="campaign.group.update", actor=actor, obj=group, data={"changed": ["members"]})
    return group


def _group_set_members(group: UnitGroup, members) -> None:
    _check_same_campaign(group.campaign_id, "members", members)
    if group.lead_unit_id and group.lead_unit.campaign_id != group.campaign_id:
        raise ValidationError({"lead_unit": _("The unit belongs to another campaign.")})
    group.members.set(members)
