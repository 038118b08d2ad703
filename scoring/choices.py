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


AUDIT_ACTIONS = {
    "scoring.document.compile": _("Compiled a report or bulletin"),
    "scoring.document.edit": _("Wrote the lead of a report or bulletin"),
    "scoring.document.publish": _("Published a report or bulletin"),
    "scoring.document.correct": _("Started a corrected version of a report or bulletin"),
    "scoring.mention.acknowledge": _("Acknowledged being named in a bulletin"),
}
