from django.db import models
from django.utils.translation import gettext_lazy as _


class DeadlineUnit(models.TextChoices):
    """What a deadline (处置时限) is counted in: working time, never calendar time."""

    WORKING_HOURS = "working_hours", _("working hours")
    WORKING_DAYS = "working_days", _("working days")


class CalendarExceptionKind(models.TextChoices):
    """A dated exception to the working week."""

    HOLIDAY = "holiday", _("Public holiday (法定节假日)")
    WORKDAY = "workday", _("Make-up working day (调休上班)")


# How offices write a deadline's unit in their sheets.
DEADLINE_UNIT_ALIASES = {
    "工作时": DeadlineUnit.WORKING_HOURS,
    "工作小时": DeadlineUnit.WORKING_HOURS,
    "小时": DeadlineUnit.WORKING_HOURS,
    "时": DeadlineUnit.WORKING_HOURS,
    "h": DeadlineUnit.WORKING_HOURS,
    "hours": DeadlineUnit.WORKING_HOURS,
    "工作日": DeadlineUnit.WORKING_DAYS,
    "天": DeadlineUnit.WORKING_DAYS,
    "日": DeadlineUnit.WORKING_DAYS,
    "d": DeadlineUnit.WORKING_DAYS,
    "days": DeadlineUnit.WORKING_DAYS,
}


class ProblemSource(models.TextChoices):
    """Where a problem was found or reported."""

    INSPECTION = "inspection", _("Inspection (督查)")
    MOCK_ASSESSMENT = "mock", _("Mock assessment (模拟测评)")
    COVERT_VISIT = "covert", _("Covert visit (暗访)")
    SUPERIOR = "superior", _("Superiors' feedback (上级反馈)")
    PUBLIC = "public", _("Public report (群众投诉)")
    HOTLINE = "hotline", _("Hotline 12345")
    NETIZEN = "netizen", _("Netizen report (网民投诉)")
    MEDIA = "media", _("Media exposure (媒体曝光)")
    SELF_FOUND = "self", _("Found by the unit itself (自查)")
    RECHECK = "recheck", _("Re-check (回头看)")
    ALIKE = "alike", _("Check of like places (举一反三)")


# Sources whose reporter is a member of the public: only these keep a reporter's contact.
PUBLIC_SOURCES = frozenset({ProblemSource.PUBLIC, ProblemSource.HOTLINE, ProblemSource.NETIZEN})


class Severity(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class ProblemStatus(models.TextChoices):
    """The states of a problem; the legal moves between them are in `rectification.workflow`."""

    NEW = "new", _("New (待交办)")
    ASSIGNED = "assigned", _("Assigned (已交办)")
    ACCEPTED = "accepted", _("Accepted (已受理)")
    RECTIFYING = "rectifying", _("Rectifying (整改中)")
    SUBMITTED = "submitted", _("Submitted for verification (待核查)")
    RETURNED = "returned", _("Returned for rework (退回重办)")
    DISPUTED = "disputed", _("Responsibility disputed (职责争议)")
    EXTENSION_REQUESTED = "extension", _("Extension requested (申请延期)")
    SUSPENDED = "suspended", _("Suspended (挂账)")
    CLOSED = "closed", _("Verified and closed (已销号)")
    CANCELLED = "cancelled", _("Cancelled (已撤销)")


CLOSED_STATUSES = frozenset({ProblemStatus.CLOSED, ProblemStatus.CANCELLED})
# States in which a problem's deadline does not run: done, or waiting on the office (verification, suspension).
CLOCK_STOPPED_STATUSES = CLOSED_STATUSES | {ProblemStatus.SUBMITTED, ProblemStatus.SUSPENDED}


class PublicStatus(models.TextChoices):
    """Where a report stands, in the words the public is told (the tracking page, Open311)."""

    RECEIVED = "received", _("Received (已受理)")
    IN_PROGRESS = "in_progress", _("Being handled (处理中)")
    CHECKING = "checking", _("Being checked (核查中)")
    RESOLVED = "resolved", _("Resolved (已办结)")
    CLOSED = "closed", _("Closed (已关闭)")


PUBLIC_STATUS = {
    ProblemStatus.NEW: PublicStatus.RECEIVED,
    ProblemStatus.SUBMITTED: PublicStatus.CHECKING,
    ProblemStatus.CLOSED: PublicStatus.RESOLVED,
    ProblemStatus.CANCELLED: PublicStatus.CLOSED,
}  # Every other state: being handled.
# A state without a reply of its own borrows the reply of the state the public sees it as.
PUBLIC_REPLY_FALLBACK = {
    ProblemStatus.ACCEPTED: ProblemStatus.RECTIFYING,
    ProblemStatus.RETURNED: ProblemStatus.RECTIFYING,
    ProblemStatus.EXTENSION_REQUESTED: ProblemStatus.RECTIFYING,
    ProblemStatus.SUSPENDED: ProblemStatus.RECTIFYING,
    ProblemStatus.DISPUTED: ProblemStatus.ASSIGNED,
}


class PhotoKind(models.TextChoices):
    BEFORE = "before", _("Before (as found)")
    AFTER = "after", _("After (as fixed)")
    EVIDENCE = "evidence", _("Other evidence")


class RecheckReason(models.TextChoices):
    RULE = "rule", _("Category rule")
    RANDOM = "random", _("Random audit")
    MANUAL = "manual", _("Ordered by the office")


class RecheckResult(models.TextChoices):
    HELD = "held", _("Fix held")
    RECURRED = "recurred", _("Came back (反弹回潮)")
    NEVER_FIXED = "never_fixed", _("Never fixed (虚假整改)")


AUDIT_ACTIONS = {
    "rectification.categories.import": _("Imported the problem categories"),
    "rectification.calendar.create": _("Created the working-time calendar"),
    "rectification.calendar.update": _("Changed the working hours and weekdays"),
    "rectification.calendar.exception.add": _("Added a holiday or make-up working day"),
    "rectification.calendar.exception.remove": _("Removed a holiday or make-up working day"),
    "rectification.problem.create": _("Recorded a problem"),
    "rectification.problem.assign": _("Assigned a problem"),
    "rectification.problem.accept": _("Accepted a problem"),
    "rectification.problem.start": _("Started rectifying a problem"),
    "rectification.problem.submit": _("Submitted a rectification"),
    "rectification.problem.verify": _("Verified and closed a problem"),
    "rectification.problem.return": _("Returned a problem for rework"),
    "rectification.problem.dispute": _("Disputed a problem's responsibility"),
    "rectification.problem.decide_dispute": _("Decided a responsibility dispute"),
    "rectification.problem.transfer": _("Transferred a problem"),
    "rectification.problem.request_extension": _("Asked for more time on a problem"),
    "rectification.problem.approve_extension": _("Approved an extension"),
    "rectification.problem.reject_extension": _("Refused an extension"),
    "rectification.problem.suspend": _("Suspended a problem"),
    "rectification.problem.resume": _("Resumed a problem"),
    "rectification.problem.cancel": _("Cancelled a problem"),
    "rectification.recheck.record": _("Recorded a re-check"),
    "rectification.problems.import": _("Imported problems found offline"),
    "rectification.dispute.escalate": _("Took a dispute up the arbitration ladder"),
    "rectification.problem.apply_to_all": _("Opened checks of like places (举一反三)"),
    "rectification.problem.public_report": _("Received a report from the public"),
    "rectification.problem.open311_create": _("Received a service request through Open311"),
    "rectification.open311_client.create": _("Created an Open311 client key"),
}
