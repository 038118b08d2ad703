"""What the office compiles from the day and the week and publishes: the report to the leaders (日报告) and the
bulletin (日通报, 周通报), each a draft until staff publish it, then never changed again: a correction is a new
version that says what changed. The figures are kept as compiled (`data`), with the cut-off they were read at, so
a published document reads the same tomorrow as today."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaign.models import Campaign, Unit
from campaign.scope import ScopedQuerySet
from scoring.choices import DocumentStatus, MentionReason, Period


class CompiledDocument(models.Model):
    """A compiled document of the daily cycle for a campaign and a period (a day, or a week ending on a day)."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="+")
    period = models.CharField(_("period"), max_length=10, choices=Period.choices, default=Period.DAILY)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=20, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT)
    cutoff_at = models.DateTimeField(_("figures as of"))
    compiled_at = models.DateTimeField(_("compiled at"), default=timezone.now)
    data = models.JSONField(_("figures"), default=dict, encoder=DjangoJSONEncoder)
    lead = models.TextField(_("lead paragraph"), blank=True)
    correction_note = models.TextField(
        _("what this version corrects"), blank=True, help_text=_("Required to publish a version after the first.")
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("published by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip

    objects = ScopedQuerySet.as_manager()
    scope_campaign_lookup = "campaign"

    class Meta:
        abstract = True
        ordering = ["-period_end", "period", "-version"]

    @property
    def is_published(self) -> bool:
        return self.status == DocumentStatus.PUBLISHED

    @classmethod
    def constraints_for(cls, prefix: str) -> list:
        return [
            models.UniqueConstraint(
                fields=["campaign", "period", "period_end", "version"], name=f"{prefix}_version_unique"
            ),
            # One draft at a time per campaign and period: a re-run replaces it.
            models.UniqueConstraint(
                fields=["campaign", "period", "period_end"],
                condition=Q(status=DocumentStatus.DRAFT),
                name=f"{prefix}_one_draft",
            ),
            models.CheckConstraint(condition=Q(status__in=DocumentStatus.values), name=f"{prefix}_status_valid"),
            models.CheckConstraint(condition=Q(period__in=Period.values), name=f"{prefix}_period_valid"),
            models.CheckConstraint(
                condition=Q(status=DocumentStatus.DRAFT) | Q(published_at__isnull=False),
                name=f"{prefix}_published_has_time",
            ),
            models.CheckConstraint(
                condition=Q(version=1) | Q(status=DocumentStatus.DRAFT) | ~Q(correction_note=""),
                name=f"{prefix}_correction_says_what",
            ),
        ]


class LeaderReport(CompiledDocument):
    """日报告 (周报告): the office's report to the leaders: who reported, the day's problems by unit and category,
    dispatch completion, difficulties raised and highlights, under the office's lead paragraph."""

    class Meta(CompiledDocument.Meta):
        verbose_name = _("report to the leaders")
        verbose_name_plural = _("reports to the leaders")
        constraints = CompiledDocument.constraints_for("leader_report")

    def __str__(self):
        return f"{self.campaign} · {self.get_period_display()} · {self.period_end} · v{self.version}"


class Bulletin(CompiledDocument):
    """日通报 (周通报): the published bulletin: the day's findings with photos, overdue problems with their units,
    late and missing reports, overdue dispatch orders and where units stand. Every unit it names must acknowledge."""

    class Meta(CompiledDocument.Meta):
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")
        constraints = CompiledDocument.constraints_for("bulletin")

    def __str__(self):
        return f"{self.campaign} · {self.get_period_display()} · {self.period_end} · v{self.version}"


class BulletinMention(models.Model):
    """A unit named in a bulletin (点名), for a reason; once the bulletin is published the unit acknowledges it."""

    bulletin = models.ForeignKey(Bulletin, verbose_name=_("bulletin"), on_delete=models.CASCADE,
                                 related_name="mentions")  # fmt: skip
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=30, choices=MentionReason.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("acknowledged by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip

    objects = ScopedQuerySet.as_manager()
    scope_unit_lookup = "unit"

    class Meta:
        verbose_name = _("unit named in a bulletin")
        verbose_name_plural = _("units named in bulletins")
        ordering = ["bulletin", "unit__path", "reason"]
        constraints = [
            models.UniqueConstraint(fields=["bulletin", "unit", "reason"], name="bulletin_mention_unique"),
            models.CheckConstraint(condition=Q(reason__in=MentionReason.values), name="bulletin_mention_reason_valid"),
        ]

    def __str__(self):
        return f"{self.unit} · {self.get_reason_display()}"
