"""Row-level scope: the one place that decides which rows a user may see.

Every UI view, API view, export and dashboard gets its rows through `Model.objects.visible_to(user)`; an object
outside the scope is simply not found (404), never "forbidden", so nothing reveals that it exists.
Anchor: NetBox's RestrictedQuerySet.

The rule:
- administrators, command-office staff and inspectors see every campaign and unit (CITYWIDE_ROLES);
- everyone else sees the units they belong to (head, liaison) or oversee (leader assignments, 分包),
  each with its whole subtree (a street sees its communities), and the campaigns those units are in;
- inactive and anonymous users see nothing.

A model joins the scope by using `ScopedQuerySet` and naming, in `scope_unit_lookup`, the path from the model to
the responsible `Unit` ("" for Unit itself, "responsible_unit" for a problem, ...). Campaign-wide reference data
(the assessment system, point types) names `scope_campaign_lookup` instead: visible to everyone in the campaign.
A model whose scope is neither (Campaign) defines `scope_q(paths)`.
"""

from django.db import models
from django.db.models import Q


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
    from campaign.models import Unit

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
        if not paths:
            return self.none()
        scope_q = getattr(self.model, "scope_q", None)
        if scope_q is not None:
            return self.filter(scope_q(paths))
        campaign_lookup = getattr(self.model, "scope_campaign_lookup", None)
        if campaign_lookup is not None:
            from campaign.models import Campaign

            return self.filter(**{f"{campaign_lookup}__in": Campaign.objects.filter(Campaign.scope_q(paths))})
        return self.filter(paths_q(self.model.scope_unit_lookup, paths))
