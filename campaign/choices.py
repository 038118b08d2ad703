from django.db import models
from django.utils.translation import gettext_lazy as _


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


AUDIT_ACTIONS = {
    "campaign.create": _("Created a campaign"),
    "campaign.update": _("Changed a campaign"),
    "campaign.unit.create": _("Created a unit"),
    "campaign.unit.update": _("Changed a unit"),
    "campaign.unit.move": _("Moved a unit in the tree"),
    "campaign.membership.set": _("Set a unit's head or liaison"),
    "campaign.leader.assign": _("Assigned a leader to a unit"),
}
