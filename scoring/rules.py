"""The rules a unit's score is computed by, as data (`ScoreRuleSet.rules`), versioned: staff change them by saving a
new version, and every score and ranking names the version it was computed with.

A rule set is a dict:

- `components`: what the 100 points are made of, each with its `weight` (the weights add up to 100) and its
  `min_denominator`: below that many cases (visits, reports due, orders due, criteria led) the component is left
  out for that unit as noise, and the weights of the components it does have are scaled up to 100. A unit with no
  component left gets no score and no rank. The components (see `scoring.scores` for how each is counted):
  - `inspection`: approved inspection deductions at the points the unit answered for, against
    `points_per_visit` (the deduction that zeroes one visit): 1 − deductions / (visits × points_per_visit), not
    below 0.
  - `rectification`: the composite of rectification's metrics (`rectification.metrics`), with its own `parts`
    weights (adding up to 100): 处置率 `handling`, 按期处置率 `on_time`, 1 − 返工率 `no_rework`, 1 − 超期待处置率
    `no_overdue`, 1 − 延期率 `no_extension`. Its denominator is the cases due (应处置数).
  - `daily_reports`: daily reports submitted on time / days due.
  - `dispatch`: dispatch orders done by their deadline / orders due in the period.
  - `materials`: criteria checked by material review the unit leads whose latest file is complete / criteria it
    leads.
- `case_deductions`: points taken off the weighted score per case in the period: `false_rectification` (a re-check
  found it never fixed, 虚假整改) and `passing_the_buck` (a responsibility dispute decided back onto the unit that
  raised it, 推诿扯皮). The score does not go below 0.
- `double_weight_sources`: problem sources whose cases count twice in the rectification counts (for example
  superiors' feedback, where a leader assigned the case, and media exposure).
"""

from copy import deepcopy
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from campaign.models import Campaign
from core.audit import audit_log
from core.errors import DomainError
from rectification.choices import ProblemSource
from scoring.models import ScoreRuleSet

COMPONENTS = ("inspection", "rectification", "daily_reports", "dispatch", "materials")
RECTIFICATION_PARTS = ("handling", "on_time", "no_rework", "no_overdue", "no_extension")
CASE_DEDUCTIONS = ("false_rectification", "passing_the_buck")

DEFAULT_RULES = {
    "components": {
        "inspection": {"weight": 30, "min_denominator": 1, "points_per_visit": 10},
        "rectification": {
            "weight": 40,
            "min_denominator": 3,
            "parts": {"handling": 30, "on_time": 20, "no_rework": 20, "no_overdue": 20, "no_extension": 10},
        },
        "daily_reports": {"weight": 15, "min_denominator": 3},
        "dispatch": {"weight": 10, "min_denominator": 1},
        "materials": {"weight": 5, "min_denominator": 1},
    },
    "case_deductions": {"false_rectification": 2, "passing_the_buck": 1},
    "double_weight_sources": [ProblemSource.SUPERIOR.value, ProblemSource.MEDIA.value],
}


def _number(value, what: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise DomainError(_("%(what)s must be a number.") % {"what": what}) from None
    if not number.is_finite() or number < 0:
        raise DomainError(_("%(what)s cannot be negative.") % {"what": what})
    return number


def rules_validate(rules) -> dict:
    """The rules if they are sound; otherwise a DomainError saying what is wrong."""
    if not isinstance(rules, dict) or not isinstance(rules.get("components"), dict) or not rules["components"]:
        raise DomainError(_("The rules need at least one component."))
    components = rules["components"]
    unknown = sorted(set(components) - set(COMPONENTS))
    if unknown:
        raise DomainError(_("Unknown components: %(names)s.") % {"names": "、".join(unknown)})
    total = Decimal(0)
    for name, component in components.items():
        if not isinstance(component, dict):
            raise DomainError(_("Component %(name)s must give its weight.") % {"name": name})
        total += _number(component.get("weight"), _("The weight of %(name)s") % {"name": name})
        _number(component.get("min_denominator", 0), _("The minimum denominator of %(name)s") % {"name": name})
        if name == "inspection" and _number(component.get("points_per_visit", 10), _("Points per visit")) == 0:
            raise DomainError(_("Points per visit must be more than 0."))
        if name == "rectification":
            parts = component.get("parts")
            if not isinstance(parts, dict) or set(parts) - set(RECTIFICATION_PARTS):
                raise DomainError(_("The rectification parts are: %(names)s.")
                                  % {"names": "、".join(RECTIFICATION_PARTS)})  # fmt: skip
            if sum(_number(v, _("The weight of %(name)s") % {"name": k}) for k, v in parts.items()) != 100:
                raise DomainError(_("The rectification parts must add up to 100."))
    if total != 100:
        raise DomainError(_("The component weights add up to %(total)s; they must add up to 100.")
                          % {"total": f"{total.normalize():f}"})  # fmt: skip
    deductions = rules.get("case_deductions", {})
    if not isinstance(deductions, dict) or set(deductions) - set(CASE_DEDUCTIONS):
        raise DomainError(_("The per-case deductions are: %(names)s.") % {"names": "、".join(CASE_DEDUCTIONS)})
    for name, points in deductions.items():
        _number(points, _("The deduction for %(name)s") % {"name": name})
    sources = rules.get("double_weight_sources", [])
    if not isinstance(sources, list) or set(sources) - set(ProblemSource.values):
        raise DomainError(_("Double weight names problem sources that do not exist."))
    return rules


def rule_set_current(*, campaign: Campaign) -> ScoreRuleSet:
    """The campaign's latest rule set; version 1 from the defaults if it has none."""
    current = ScoreRuleSet.objects.filter(campaign=campaign).order_by("-version").first()
    if current is not None:
        return current
    try:
        with transaction.atomic():
            return ScoreRuleSet.objects.create(campaign=campaign, version=1, name=_("Default rules"),
                                               rules=deepcopy(DEFAULT_RULES))  # fmt: skip
    except IntegrityError:  # created by another request meanwhile
        return ScoreRuleSet.objects.filter(campaign=campaign).order_by("-version").first()


@transaction.atomic
def rule_set_create(*, actor, campaign: Campaign, rules, name: str, note: str = "") -> ScoreRuleSet:
    """Save changed rules as the next version; the earlier versions stay, with the scores computed by them."""
    if actor is None or not actor.is_office:
        raise DomainError(_("Only the command office changes the scoring rules."), code="forbidden")
    rules_validate(rules)
    if not (name or "").strip():
        raise DomainError(_("Name the rule set."))
    if not (note or "").strip():
        raise DomainError(_("Say what changed."))
    Campaign.objects.select_for_update().filter(pk=campaign.pk).order_by().first()
    latest = ScoreRuleSet.objects.filter(campaign=campaign).aggregate(latest=Max("version"))["latest"] or 0
    rule_set = ScoreRuleSet.objects.create(campaign=campaign, version=latest + 1, name=name.strip()[:200],
                                           rules=rules, note=note.strip(), created_by=actor)  # fmt: skip
    audit_log(action="scoring.rules.create", actor=actor, obj=rule_set, data={"version": rule_set.version})
    return rule_set
