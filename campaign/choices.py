from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TitleLevel(models.TextChoices):
    NATIONAL = "national", _("National civilized city")
    PROVINCIAL = "provincial", _("Provincial civilized city")


class CityLevel(models.TextChoices):
    CITY = "city", _("Prefecture-level city")
    COUNTY = "county", _("County-level city or county")


class CampaignStatus(models.TextChoices):
    PREPARING = "preparing", _("Preparing")
    READY = "ready", _("Ready")
    IN_ASSESSMENT = "in_assessment", _("In assessment")
    CLOSED = "closed", _("Closed")


class UnitType(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District or county")
    STREET = "street", _("Street or town")
    COMMUNITY = "community", _("Community")
    BUREAU = "bureau", _("Bureau or department")
    PROPERTY = "property", _("Property company")
    SCHOOL = "school", _("School")
    ENTERPRISE = "enterprise", _("Enterprise")
    OTHER = "other", _("Other")


class MembershipRole(models.TextChoices):
    HEAD = "head", _("Head")
    LIAISON = "liaison", _("Liaison")


class Method(models.TextChoices):
    """测评方法: how the assessors check a criterion."""

    FIELD_INSPECTION = "field_inspection", _("Field inspection")
    MATERIAL_REVIEW = "material_review", _("Material review")
    ONLINE_SUBMISSION = "online_submission", _("Online submission")
    QUESTIONNAIRE = "questionnaire", _("Questionnaire")
    COVERT_VISIT = "covert_visit", _("Covert visit")


# How offices write the methods in their sheets.
METHOD_ALIASES = {
    "实地考察": Method.FIELD_INSPECTION,
    "实地测评": Method.FIELD_INSPECTION,
    "材料审核": Method.MATERIAL_REVIEW,
    "台账审核": Method.MATERIAL_REVIEW,
    "网上申报": Method.ONLINE_SUBMISSION,
    "问卷调查": Method.QUESTIONNAIRE,
    "暗访": Method.COVERT_VISIT,
    "明察暗访": Method.COVERT_VISIT,
}


class IndicatorKind(models.TextChoices):
    BASE = "base", _("Base score")
    BONUS = "bonus", _("Bonus")
    DEDUCTION = "deduction", _("Deduction")


KIND_ALIASES = {"基本": IndicatorKind.BASE, "基本指标": IndicatorKind.BASE, "加分": IndicatorKind.BONUS,
                "加分项": IndicatorKind.BONUS, "扣分": IndicatorKind.DEDUCTION, "减分": IndicatorKind.DEDUCTION,
                "负面清单": IndicatorKind.DEDUCTION}  # fmt: skip


AUDIT_ACTIONS = {
    "campaign.create": _("Created a campaign"),
    "campaign.update": _("Changed a campaign"),
    "campaign.unit.create": _("Created a unit"),
    "campaign.unit.update": _("Changed a unit"),
    "campaign.unit.move": _("Moved a unit in the tree"),
    "campaign.membership.set": _("Set a unit's head or liaison"),
    "campaign.leader.assign": _("Assigned a leader to a unit or road section"),
    "campaign.leader.unassign": _("Removed a leader's assignment"),
    "campaign.indicators.import": _("Imported the assessment system"),
    "campaign.point_types.import": _("Imported the point types"),
    "campaign.units.import": _("Imported the units"),
    "campaign.tasks.import": _("Imported the task division"),
    "campaign.points.import": _("Imported grids and points"),
    "campaign.standards.import": _("Imported the operations manual"),
    "campaign.grids.import": _("Imported the grids"),
    "campaign.groups.import": _("Imported the unit groups"),
    "campaign.pairings.import": _("Imported the pairings"),
    "campaign.status": _("Changed the campaign's status"),
    "campaign.sampling.draw": _("Drew a random sample of points"),
    "campaign.indicator_system.version": _("Started a new version of the assessment system"),
    "campaign.status.override": _("Overrode coverage gaps to change the status"),
    "campaign.task.acknowledge": _("Acknowledged a task"),
    "campaign.task.create": _("Assigned a criterion's task"),
    "campaign.task.update": _("Changed a criterion's task"),
    "campaign.indicator.create": _("Added an indicator"),
    "campaign.indicator.update": _("Changed an indicator"),
    "campaign.group.create": _("Created a unit group"),
    "campaign.group.update": _("Changed a unit group"),
    "campaign.grid.create": _("Created a grid"),
    "campaign.grid.update": _("Changed a grid"),
    "campaign.point.create": _("Created a point"),
    "campaign.point.update": _("Changed a point"),
    "campaign.responsibility.update": _("Changed a point's manual row"),
    "campaign.responsibility.targets": _("Changed a point's target criteria"),
    "campaign.daily_settings.update": _("Changed the daily cycle's schedule"),
    "campaign.daily_report.submit": _("Submitted a daily report"),
    "campaign.daily_report.unlock": _("Unlocked a daily report"),
    "campaign.coordination.update": _("Changed a coordination item"),
    "campaign.dispatch.issue": _("Issued a dispatch order"),
    "campaign.dispatch.cancel": _("Cancelled a dispatch order"),
    "campaign.dispatch.acknowledge": _("Acknowledged a dispatch order"),
    "campaign.dispatch.complete": _("Reported a dispatch order done"),
}


class UnitGroupKind(models.TextChoices):
    PEER = "peer", _("Peer group (ranked together)")
    SET = "set", _("Named set (e.g. 各区人民政府)")
    COMMAND = "command", _("Command group (专项整治指挥部)")
    BUNDLE = "bundle", _("Bundle sharing reward and penalty (捆绑式考评)")


class DailyReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class ReportCompliance(models.TextChoices):
    """Where a unit stands with one day's report: what the compiled report and the bulletin name."""

    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")
    MISSING = "missing", _("Missing")
    DUE = "due", _("Not yet due")


class SelfCheckResult(models.TextChoices):
    MET = "met", _("Met")
    PARTLY = "partly", _("Partly met")
    NOT_MET = "not_met", _("Not met")


class CoordinationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class DispatchPriority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    IMPORTANT = "important", _("Important")
    URGENT = "urgent", _("Urgent")


class DispatchSource(models.TextChoices):
    DISPATCH = "dispatch", _("Daily dispatch (日调度)")
    MEETING = "meeting", _("Commitment at a dispatch meeting (调度会承诺)")
    INSTRUCTION = "instruction", _("Leader's instruction (领导批示)")


class DispatchTargetStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("dispatch status", "Acknowledged")
    DONE = "done", _("Done")
    OVERDUE = "overdue", _("Overdue")
    CANCELLED = "cancelled", _("Cancelled")
