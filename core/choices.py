from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a person does in the campaign. Scope (which units they see) follows from role and memberships."""

    ADMIN = "admin", _("Administrator")
    STAFF = "staff", _("Command-office staff")
    INSPECTOR = "inspector", _("Inspector")
    UNIT_HEAD = "unit_head", _("Unit head")
    LIAISON = "liaison", _("Unit liaison")
    LEADER = "leader", _("Leader")


# Roles that see every unit of every campaign. Inspectors read everywhere because any point may be sampled,
# but they write only what their own inspections produce.
CITYWIDE_ROLES = frozenset({Role.ADMIN, Role.STAFF, Role.INSPECTOR})
# Roles that configure the campaign.
OFFICE_ROLES = frozenset({Role.ADMIN, Role.STAFF})


class HeartbeatKind(models.TextChoices):
    SCHEDULER = "scheduler", _("Scheduled jobs (worker and beat)")


class JobStatus(models.TextChoices):
    PREVIEW = "preview", _("Preview")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class WebhookKind(models.TextChoices):
    """The JSON a group-chat robot expects."""

    WECOM = "wecom", _("WeCom group robot (企业微信)")
    DINGTALK = "dingtalk", _("DingTalk group robot (钉钉)")
    GENERIC = "generic", _("Generic JSON")


class DeliveryChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Group chat")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
