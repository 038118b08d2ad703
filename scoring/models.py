"""What evaluates the campaign and what the office publishes.

- The report to the leaders (日报告) and the bulletin (日通报, 周通报), each a draft until staff publish it, then never
  changed again: a correction is a new version that says what changed. The figures are kept as compiled (`data`),
  with the cut-off they were read at, so a published document reads the same tomorrow as today.
- Inspections (督查, 暗访, 模拟测评): rounds of visits to points, an inspection per point, an item per criterion
  checked; a failing item becomes a ledger problem and counts once reviewed. Mock assessments project the score.
- Materials (台账资料) uploaded per criterion by lead units and reviewed by the materials group.
- Unit scores from a versioned rule set (data, not code), rankings per period and peer group with red and black
  lists, frozen once published; accountability records tied to what caused them."""

import pathlib
import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaign.models import Campaign, Indicator, Point, Sampling, Unit, UnitGroup
from campaign.scope import ScopedQuerySet
from core.models import PhotoBase
from rectification.models import Problem
from scoring.choices import (
    AccountabilityKind,
    DocumentStatus,
    InspectionStatus,
    ItemResult,
    ListKind,
    MaterialStatus,
    MentionReason,
    Period,
    RankedKind,
    RankingPeriod,
    ReviewStatus,
    RoundKind,
    RoundStatus,
)


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


def _user_fk(verbose_name, **options):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=verbose_name, on_delete=models.PROTECT, related_name="+", **options
    )


class InspectionRound(models.Model):
    """A round of visits (督查, 暗访 or 模拟测评) over some days by named inspectors, to a list of points: chosen by
    staff or taken from a sampling draw, the way the assessors draw them."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="inspection_rounds"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=RoundKind.choices)
    name = models.CharField(_("name"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    status = models.CharField(_("status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("inspectors"), related_name="inspection_rounds", blank=True
    )
    sampling = models.ForeignKey(
        Sampling, verbose_name=_("sampling draw"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("The draw the points were taken from, if any."),
    )  # fmt: skip
    points = models.ManyToManyField(
        Point, verbose_name=_("points to visit"), through="RoundPoint", related_name="+", blank=True
    )
    note = models.TextField(_("note"), blank=True)
    created_by = _user_fk(_("created by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_campaign_lookup = "campaign"

    class Meta:
        verbose_name = _("inspection round")
        verbose_name_plural = _("inspection rounds")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=RoundKind.values), name="inspection_round_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=RoundStatus.values), name="inspection_round_status_valid"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="inspection_round_dates"),
        ]

    def __str__(self):
        return self.name


class RoundPoint(models.Model):
    """A point on a round's list, in the order it was chosen or drawn."""

    round = models.ForeignKey(InspectionRound, verbose_name=_("round"), on_delete=models.CASCADE,
                              related_name="round_points")  # fmt: skip
    point = models.ForeignKey(Point, verbose_name=_("point"), on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("point to visit")
        verbose_name_plural = _("points to visit")
        ordering = ["round", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "point"], name="round_point_unique")]

    def __str__(self):
        return f"{self.round} · {self.point}"


class Inspection(models.Model):
    """One visit of a round to one point by an inspector: where and when it was recorded, and an item per
    criterion checked. `unit` is the unit the responsibility manual named for the point when the visit was
    submitted: lost points stay with the unit that answered for the point then."""

    round = models.ForeignKey(InspectionRound, verbose_name=_("round"), on_delete=models.CASCADE,
                              related_name="inspections")  # fmt: skip
    point = models.ForeignKey(Point, verbose_name=_("point"), on_delete=models.PROTECT, related_name="inspections")
    unit = models.ForeignKey(
        Unit, verbose_name=_("responsible unit"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="inspections",
    )  # fmt: skip
    leader_name = models.CharField(_("responsible leader"), max_length=100, blank=True)
    inspector = _user_fk(_("inspector"))
    status = models.CharField(
        _("status"), max_length=10, choices=InspectionStatus.choices, default=InspectionStatus.DRAFT
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    located_at = models.DateTimeField(_("located at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    submission_key = models.UUIDField(_("submission key"), null=True, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()
    # Units see the visits to the points they answer for (and leaders the points assigned to them); the office
    # and inspectors see all. Which of them a unit may see before a round closes is the views' rule (covert
    # visits).
    scope_unit_lookup = "unit"
    scope_point_lookup = "point"

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "point"], name="inspection_round_point_unique"),
            models.CheckConstraint(condition=Q(status__in=InspectionStatus.values), name="inspection_status_valid"),
            models.CheckConstraint(
                condition=Q(status=InspectionStatus.DRAFT) | Q(submitted_at__isnull=False),
                name="inspection_submitted_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.round} · {self.point}"


class InspectionItem(models.Model):
    """A criterion checked at an inspection: met, not met (a finding, with the points deducted) or not applicable,
    with a note and photos. A finding becomes a ledger problem (`problem`) and counts only once approved."""

    inspection = models.ForeignKey(Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE,
                                   related_name="items")  # fmt: skip
    criterion = models.ForeignKey(Indicator, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("result"), max_length=10, choices=ItemResult.choices)
    deduction = models.DecimalField(_("points deducted"), max_digits=6, decimal_places=2, default=0)
    note = models.CharField(_("note"), max_length=500, blank=True)
    problem = models.OneToOneField(
        Problem, verbose_name=_("ledger problem"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="inspection_item",
    )  # fmt: skip
    review_status = models.CharField(
        _("review"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    reviewed_by = _user_fk(_("reviewed by"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_lookup = "inspection__unit"
    scope_point_lookup = "inspection__point"

    class Meta:
        verbose_name = _("inspection item")
        verbose_name_plural = _("inspection items")
        ordering = ["inspection", "criterion__position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "criterion"], name="inspection_item_unique"),
            models.CheckConstraint(condition=Q(result__in=ItemResult.values), name="inspection_item_result_valid"),
            models.CheckConstraint(
                condition=Q(review_status__in=ReviewStatus.values), name="inspection_item_review_valid"
            ),
            models.CheckConstraint(condition=Q(deduction__gte=0), name="inspection_item_deduction_positive"),
            models.CheckConstraint(
                condition=Q(result=ItemResult.NOT_MET) | Q(deduction=0), name="inspection_item_deduction_on_finding"
            ),
        ]

    def __str__(self):
        return f"{self.inspection} · {self.criterion.code}"


class InspectionPhoto(PhotoBase):
    """Evidence for an inspection item, taken on the inspector's phone."""

    item = models.ForeignKey(InspectionItem, verbose_name=_("inspection item"), on_delete=models.CASCADE,
                             related_name="photos")  # fmt: skip

    class Meta(PhotoBase.Meta):
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")


def material_upload_to(instance, filename):
    """A random name under materials/ with the file's checked extension (`scoring.materials` sets `filename`
    from the sniffed type), so paths cannot be guessed and the uploader's name is kept only in the row."""
    extension = pathlib.Path(filename).suffix.lower()
    return f"materials/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{extension}"


class MaterialSubmission(models.Model):
    """A file a unit hands in for a criterion checked by material review (台账资料), and the materials group's
    verdict: complete, incomplete or returned, against the due date."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="+")
    criterion = models.ForeignKey(Indicator, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=material_upload_to, max_length=255)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    note = models.TextField(_("note"), blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=MaterialStatus.choices, default=MaterialStatus.SUBMITTED
    )
    uploaded_by = _user_fk(_("uploaded by"), null=True, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    reviewed_by = _user_fk(_("reviewed by"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_lookup = "unit"

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=MaterialStatus.values), name="material_status_valid"),
        ]

    def __str__(self):
        return self.title


class Projection(models.Model):
    """The projected score of a mock assessment, kept when the round is closed so the trend over mock assessments
    reads the same later: the total, the target, and per criterion what was met, lost and who owns the loss."""

    round = models.OneToOneField(InspectionRound, verbose_name=_("round"), on_delete=models.CASCADE,
                                 related_name="projection")  # fmt: skip
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)
    total = models.DecimalField(_("projected total"), max_digits=7, decimal_places=2)
    full_score = models.DecimalField(_("full score"), max_digits=7, decimal_places=2)
    target = models.DecimalField(_("target"), max_digits=7, decimal_places=2, null=True, blank=True)
    vetoed = models.BooleanField(_("vetoed"), default=False)
    data = models.JSONField(_("figures"), default=dict, encoder=DjangoJSONEncoder)

    objects = ScopedQuerySet.as_manager()
    scope_campaign_lookup = "round__campaign"

    class Meta:
        verbose_name = _("projected score")
        verbose_name_plural = _("projected scores")
        ordering = ["-round__ends_on"]

    def __str__(self):
        return f"{self.round} · {self.total}"


class ScoreRuleSet(models.Model):
    """The rules a unit's score is computed by, as data: components and their weights, minimum denominators,
    per-case deductions and weights. Versioned: a change is a new version; scores and rankings name the version
    they were computed with. Never edited in place (append-only in the database)."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=200)
    rules = models.JSONField(_("rules"), encoder=DjangoJSONEncoder)
    note = models.TextField(_("what changed"), blank=True)
    created_by = _user_fk(_("created by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_campaign_lookup = "campaign"

    class Meta:
        verbose_name = _("score rule set")
        verbose_name_plural = _("score rule sets")
        ordering = ["campaign", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "version"], name="score_rule_set_version_unique"),
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"


class ScoringSettings(models.Model):
    """Per campaign: how long the red and black lists are, the evening-meeting line, and the ladder of steps for
    units on the black list again and again."""

    campaign = models.OneToOneField(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="scoring_settings"
    )
    red_list_size = models.PositiveSmallIntegerField(_("red list size"), default=3)
    black_list_size = models.PositiveSmallIntegerField(_("black list size"), default=3)
    meeting_below = models.DecimalField(
        _("evening meeting below"), max_digits=5, decimal_places=2, default=60,
        help_text=_("Units scoring under this in the weekly ranking hold the evening meeting (晚例会)."),
    )  # fmt: skip
    black_list_ladder = models.JSONField(
        _("black-list escalation ladder"), default=list, blank=True,
        help_text=_("One step per repeat black-list entry: the first, second, third time …"),
    )  # fmt: skip
    auto_publish = models.BooleanField(_("publish rankings on schedule"), default=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("scoring settings")
        verbose_name_plural = _("scoring settings")

    def __str__(self):
        return str(self.campaign)


class Ranking(models.Model):
    """The scores and ranks of one peer group (or of the command groups) for a week or a month, computed with a
    rule set. A draft is replaced when computed again; once published it never changes (a database trigger refuses
    it, for the ranking and its entries)."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="+")
    period = models.CharField(_("period"), max_length=10, choices=RankingPeriod.choices)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    ranked = models.CharField(_("ranks"), max_length=20, choices=RankedKind.choices, default=RankedKind.UNITS)
    peer_group = models.ForeignKey(
        UnitGroup, verbose_name=_("peer group"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rule_set = models.ForeignKey(ScoreRuleSet, verbose_name=_("rule set"), on_delete=models.PROTECT,
                                 related_name="rankings")  # fmt: skip
    status = models.CharField(_("status"), max_length=20, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)
    cutoff_at = models.DateTimeField(_("figures as of"))
    red_list_size = models.PositiveSmallIntegerField(_("red list size"), default=3)
    black_list_size = models.PositiveSmallIntegerField(_("black list size"), default=3)
    meeting_below = models.DecimalField(_("evening meeting below"), max_digits=5, decimal_places=2, default=60)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = _user_fk(_("published by"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_campaign_lookup = "campaign"

    class Meta:
        verbose_name = _("ranking")
        verbose_name_plural = _("rankings")
        ordering = ["-period_end", "period", "ranked", "peer_group__name"]
        constraints = [
            # One per period and peer group, and one of the command groups (no peer group): two partial indexes,
            # which every database keeps (NULLS NOT DISTINCT is PostgreSQL's only).
            models.UniqueConstraint(
                fields=["campaign", "period", "period_end", "ranked", "peer_group"],
                condition=Q(peer_group__isnull=False),
                name="ranking_one_per_period",
            ),
            models.UniqueConstraint(
                fields=["campaign", "period", "period_end", "ranked"],
                condition=Q(peer_group__isnull=True),
                name="ranking_one_per_period_of_groups",
            ),
            models.CheckConstraint(condition=Q(period__in=RankingPeriod.values), name="ranking_period_valid"),
            models.CheckConstraint(condition=Q(ranked__in=RankedKind.values), name="ranking_ranked_valid"),
            models.CheckConstraint(condition=Q(status__in=DocumentStatus.values), name="ranking_status_valid"),
            models.CheckConstraint(
                condition=Q(ranked=RankedKind.COMMAND_GROUPS, peer_group__isnull=True)
                | Q(ranked=RankedKind.UNITS, peer_group__isnull=False),
                name="ranking_peer_group_for_units",
            ),
            models.CheckConstraint(
                condition=Q(status=DocumentStatus.DRAFT) | Q(published_at__isnull=False),
                name="ranking_published_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.get_period_display()} · {self.peer_group or self.get_ranked_display()} · {self.period_end}"

    @property
    def is_published(self) -> bool:
        return self.status == DocumentStatus.PUBLISHED


class RankingEntry(models.Model):
    """A unit's (or a command group's) line in a ranking: its score with the components behind it, its rank (ties
    share a rank; no rank without data), the change from the previous period, and the lists and flags it earned."""

    ranking = models.ForeignKey(Ranking, verbose_name=_("ranking"), on_delete=models.CASCADE, related_name="entries")
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="ranking_entries"
    )
    group = models.ForeignKey(
        UnitGroup, verbose_name=_("command group"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="ranking_entries",
    )  # fmt: skip
    bundle = models.ForeignKey(
        UnitGroup, verbose_name=_("bundle"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("Set when the unit shares its bundle's score."),
    )  # fmt: skip
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    components = models.JSONField(_("components"), default=dict, encoder=DjangoJSONEncoder)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    previous_rank = models.PositiveIntegerField(_("previous rank"), null=True, blank=True)
    list_kind = models.CharField(_("list"), max_length=10, choices=ListKind.choices, blank=True)
    evening_meeting = models.BooleanField(_("evening meeting"), default=False)
    black_list_count = models.PositiveSmallIntegerField(_("times on the black list"), default=0)
    escalation = models.CharField(_("escalation step"), max_length=200, blank=True)

    # Published rankings are read by everyone in the campaign, as the bulletin is.
    objects = ScopedQuerySet.as_manager()
    scope_campaign_lookup = "ranking__campaign"

    class Meta:
        verbose_name = _("ranking entry")
        verbose_name_plural = _("ranking entries")
        ordering = ["ranking", F("rank").asc(nulls_last=True), "id"]
        constraints = [
            models.UniqueConstraint(fields=["ranking", "unit"], name="ranking_entry_unit_unique"),
            models.UniqueConstraint(fields=["ranking", "group"], name="ranking_entry_group_unique"),
            models.CheckConstraint(
                condition=Q(unit__isnull=False, group__isnull=True) | Q(unit__isnull=True, group__isnull=False),
                name="ranking_entry_unit_or_group",
            ),
            models.CheckConstraint(
                condition=Q(list_kind="") | Q(list_kind__in=ListKind.values), name="ranking_entry_list_valid"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=False) | Q(rank__isnull=True), name="ranking_entry_rank_needs_score"
            ),
        ]

    def __str__(self):
        return f"{self.ranking} · {self.unit or self.group}"

    @property
    def rank_change(self) -> int | None:
        """Places gained since the previous period (positive: up)."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank


class AccountabilityRecord(models.Model):
    """问责: an action the office decided against a unit or a person in it, with what caused it — the lost points,
    overdue problems or ranking entries it answers — so the record page shows why. Withdrawn, never deleted."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="accountability")
    person_name = models.CharField(_("person"), max_length=100, blank=True,
                                   help_text=_("Empty when the action is against the unit."))  # fmt: skip
    person_position = models.CharField(_("position"), max_length=100, blank=True)
    kind = models.CharField(_("action"), max_length=20, choices=AccountabilityKind.choices)
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True,
        help_text=_("Civilization bonus deductions: how much."),
    )  # fmt: skip
    reason = models.TextField(_("reason"))
    decided_on = models.DateField(_("decided on"))
    decided_by = models.CharField(_("decided by"), max_length=200, blank=True)
    problems = models.ManyToManyField(Problem, verbose_name=_("problems"), related_name="+", blank=True)
    inspection_items = models.ManyToManyField(
        InspectionItem, verbose_name=_("lost points"), related_name="accountability", blank=True
    )
    ranking_entries = models.ManyToManyField(
        RankingEntry, verbose_name=_("ranking entries"), related_name="accountability", blank=True
    )
    recorded_by = _user_fk(_("recorded by"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = _user_fk(_("withdrawn by"), null=True, blank=True)
    withdraw_reason = models.CharField(_("reason for withdrawing"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_lookup = "unit"

    class Meta:
        verbose_name = _("accountability record")
        verbose_name_plural = _("accountability records")
        ordering = ["-decided_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AccountabilityKind.values), name="accountability_kind_valid"),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(kind=AccountabilityKind.BONUS_DEDUCTION),
                name="accountability_amount_for_bonus",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | ~Q(withdraw_reason=""), name="accountability_withdraw_reason"
            ),
        ]

    def __str__(self):
        return f"{self.unit} · {self.person_name or '-'} · {self.get_kind_display()}"
