from django.db import models
from django.utils.translation import gettext_lazy as _


class Period(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class MentionReason(models.TextChoices):
    """Why a bulletin names a unit (点名)."""

    MISSING_REPORT = "missing_report", _("Daily report missing")
    LATE_REPORT = "late_report", _("Daily report late")
    EMPTY_REPORT = "empty_report", _("Daily report without content")
    OVERDUE_PROBLEMS = "overdue_problems", _("Overdue problems")
    OVERDUE_ORDERS = "overdue_orders", _("Overdue dispatch orders")
    BLACK_LIST = "black_list", _("On the black list")


AUDIT_ACTIONS = {
    "scoring.document.compile": _("Compiled a report or bulletin"),
    "scoring.document.edit": _("Wrote the lead of a report or bulletin"),
    "scoring.document.publish": _("Published a report or bulletin"),
    "scoring.document.correct": _("Started a corrected version of a report or bulletin"),
    "scoring.mention.acknowledge": _("Acknowledged being named in a bulletin"),
    "scoring.round.create": _("Planned an inspection round"),
    "scoring.round.close": _("Closed an inspection round"),
    "scoring.inspection.submit": _("Recorded an inspection visit"),
    "scoring.finding.review": _("Reviewed inspection findings"),
    "scoring.projection.snapshot": _("Kept a projected score"),
    "scoring.material.upload": _("Handed in a material"),
    "scoring.material.review": _("Reviewed a material"),
    "scoring.rules.create": _("Saved a new version of the scoring rules"),
    "scoring.ranking.compute": _("Computed rankings"),
    "scoring.ranking.publish": _("Published a ranking"),
    "scoring.settings.update": _("Changed the ranking settings"),
    "scoring.accountability.record": _("Recorded an accountability action"),
    "scoring.accountability.withdraw": _("Withdrew an accountability record"),
}


class RoundKind(models.TextChoices):
    """What an inspection round is: the office's own inspection, an unannounced visit, or a rehearsal of the
    assessors' visit that projects the score."""

    ROUTINE = "routine", _("Routine inspection (督查)")
    COVERT = "covert", _("Covert visit (暗访)")
    MOCK = "mock", _("Mock assessment (模拟测评)")


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class InspectionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class ItemResult(models.TextChoices):
    MET = "met", _("Met")
    NOT_MET = "not_met", _("Not met")
    NOT_APPLICABLE = "na", _("Not applicable")


class ReviewStatus(models.TextChoices):
    """The review of an inspector's finding before it counts."""

    PENDING = "pending", _("Waiting for review")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")
    ON_HOLD = "on_hold", _("On hold")


class MaterialStatus(models.TextChoices):
    """The materials group's review of a unit's file for a criterion (台账资料)."""

    SUBMITTED = "submitted", _("Waiting for review")
    COMPLETE = "complete", _("Complete")
    INCOMPLETE = "incomplete", _("Incomplete")
    RETURNED = "returned", _("Returned")


class RankingPeriod(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


class RankedKind(models.TextChoices):
    """What a ranking ranks: the units of a peer group, or the command groups (scored from their member units)."""

    UNITS = "units", _("Units of a peer group")
    COMMAND_GROUPS = "command_groups", _("Command groups")


class ListKind(models.TextChoices):
    RED = "red", _("Red list")
    BLACK = "black", _("Black list")


class AccountabilityKind(models.TextChoices):
    """问责: what the office decided against a unit or a person."""

    CRITICISM = "criticism", _("Public criticism (通报批评)")
    TALK = "talk", _("Admonishing talk (约谈)")
    ACCOUNTABILITY = "accountability", _("Formal accountability (问责)")
    HONOURS = "honours", _("Loss of eligibility for honours (取消评先资格)")
    BONUS_DEDUCTION = "bonus_deduction", _("Civilization bonus deduction (扣减文明奖)")


# The default escalation ladder for units on the black list again and again: the first time, the second, the third
# and every time after. A campaign sets its own in `ScoringSettings.black_list_ladder`.
DEFAULT_LADDER = [
    _("Talk with the leader in charge (分管领导约谈)"),
    _("Talk with the organisation department (组织部约谈)"),
    _("Formal accountability (正式问责)"),
]
