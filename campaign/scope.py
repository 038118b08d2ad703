"""Row-level scope: the one place that decides which rows a user may see.

Every UI view, API view, export and dashboard gets its rows through `Model.objects.visible_to(user)`; an object
outside the scope is simply not found (404), never "forbidden", so nothing reveals that it exists.
Anchor: NetBox's RestrictedQuerySet.

The rule:
- administrators, command-office staff and inspectors see every campaign and unit (CITYWIDE_ROLES);
- everyone else sees the units they belong to (head, liaison) or oversee (leader assignments, 分包),
  each with its whole subtree (a street sees its communities), and the campaigns those units are in;
- a leader assigned to single points (road sections, 路段) also sees those points and what hangs off them
  (their manual row, later their problems), and their campaigns, without the unit that answers for them;
- inactive and anonymous users see nothing.

A model joins the scope by using `ScopedQuerySet` and naming, in `scope_unit_lookup`, the path from the model to
the responsible `Unit` ("" for Unit itself, "responsible_unit" for a problem, ...). Campaign-wide reference data
(the assessment system, point types) names `scope_campaign_lookup` instead: visible to everyone in the campaign.
A model whose scope is neither (Campaign) defines `scope_q(paths)`. A model that hangs off a point also names
`scope_point_lookup` (the path to the `Point`, "pk" for Point itself), so point assignments reach it.
"""

from django.db import models
from django.db.models import IntegerField, Q, Value

from core.choices import Role


def scope_unit_paths(user) -> list[str] | None:
    """The tree paths of the units at the top of the user's scope; None means everything.

    Cached on the user object, so a request pays one query however many querysets it scopes.
    """
    if not user.is_authenticated or not user.is_active:
        return []
    if user.sees_citywide:
        return None
    cached = getattr(user, "_scope_unit_paths", None)
    if cached is not None:
        return cached
    from campaign.models import LeaderAssignment, Unit, UnitMembership

    if user.role == Role.LEADER:
        # A leader's units and road sections in one query: their assignments, and any memberships.
        rows = (
            LeaderAssignment.objects.filter(leader=user)
            .values_list("unit__path", "point_id")
            .union(
                UnitMembership.objects.filter(user=user).values_list("unit__path", Value(None, IntegerField())),
                all=True,
            )
        )
        rows = list(rows)
        paths = sorted({path for path, _point in rows if path})
        user._scope_point_ids = sorted({point for _path, point in rows if point})
    else:
        paths = sorted(
            set(
                Unit.objects.filter(Q(memberships__user=user) | Q(leader_assignments__leader=user)).values_list(
                    "path", flat=True
                )
            )
        )
    # Drop paths already covered by an ancestor's path: fewer OR terms in every scoped query.
    tops: list[str] = []
    for path in paths:
        if not any(path.startswith(top) for top in tops):
            tops.append(path)
    user._scope_unit_paths = tops
    return tops


def scope_point_ids(user) -> list[int]:
    """The points a leader answers for directly (road sections), cached on the user; only leaders have them, so
    nobody else pays the query."""
    if not user.is_authenticated or not user.is_active or user.sees_citywide or user.role != Role.LEADER:
        return []
    cached = getattr(user, "_scope_point_ids", None)
    if cached is None:  # read with the unit paths (`scope_unit_paths`) unless asked for first
        from campaign.models import LeaderAssignment

        cached = sorted(
            LeaderAssignment.objects.filter(leader=user, point__isnull=False).values_list("point_id", flat=True)
        )
        user._scope_point_ids = cached
    return cached


def paths_q(lookup: str, paths: list[str]) -> Q:
    prefix = f"{lookup}__" if lookup else ""
    q = Q()
    for path in paths:
        q |= Q(**{f"{prefix}path__startswith": path})
    return q


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user):
        paths = scope_unit_paths(user)
        if paths is None:
            return self.all()
        point_ids = scope_point_ids(user)
        point_lookup = getattr(self.model, "scope_point_lookup", None)
        point_q = Q()
        if point_ids and point_lookup:
            if point_lookup == "pk":
                point_q = Q(pk__in=point_ids)
            else:
                # A subquery rather than a join, so rows never repeat however many points they hang off.
                point_q = Q(pk__in=self.model._base_manager.filter(**{f"{point_lookup}__in": point_ids}).values("pk"))
        if not paths and not point_q:
            return self.none()
        scope_q = getattr(self.model, "scope_q", None)
        if scope_q is not None:
            unit_q = scope_q(paths) if paths else Q(pk__in=[])
        else:
            campaign_lookup = getattr(self.model, "scope_campaign_lookup", None)
            if campaign_lookup is not None:
                from campaign.models import Campaign

                return self.filter(**{f"{campaign_lookup}__in": Campaign.objects.visible_to(user).values("pk")})
            unit_q = paths_q(self.model.scope_unit_lookup, paths) if paths else Q(pk__in=[])
        return self.filter(unit_q | point_q)
