import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaign.choices import (
    CampaignStatus,
    CityLevel,
    CoordinationStatus,
    DailyReportStatus,
    DispatchPriority,
    DispatchSource,
    DispatchTargetStatus,
    IndicatorKind,
    MembershipRole,
    Method,
    ReportCompliance,
    SelfCheckResult,
    TitleLevel,
    UnitGroupKind,
    UnitType,
)
from campaign.scope import ScopedQuerySet, paths_q
from core.geo import latitude_field, longitude_field, position_constraints
from core.models import PhotoBase


class Campaign(models.Model):
    """One campaign (创建周期) for a title: its target, its assessment window, its status. Everything else hangs
    off a campaign, and several can coexist (this year's national campaign, a county's provincial one)."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("URL name"), max_length=60, unique=True)
    title_level = models.CharField(
        _("title level"), max_length=20, choices=TitleLevel.choices, default=TitleLevel.NATIONAL
    )
    city_level = models.CharField(_("city level"), max_length=20, choices=CityLevel.choices, default=CityLevel.CITY)
    target = models.CharField(
        _("target"), max_length=200, blank=True, help_text=_("In words, e.g. 测评成绩全省第一、不丢一分.")
    )
    target_rank = models.PositiveSmallIntegerField(_("target rank"), null=True, blank=True)
    target_score = models.DecimalField(
        _("target score"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    window_start = models.DateField(_("assessment window starts"), null=True, blank=True)
    window_end = models.DateField(_("assessment window ends"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.PREPARING
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_point_lookup = "points"

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-window_start", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_start__isnull=True)
                | Q(window_end__isnull=True)
                | Q(window_end__gte=models.F("window_start")),
                name="campaign_window_ordered",
            ),
            models.CheckConstraint(condition=Q(status__in=CampaignStatus.values), name="campaign_status_valid"),
        ]

    def __str__(self):
        return self.name

    @staticmethod
    def scope_q(paths):
        return Q(pk__in=Unit.objects.filter(paths_q("", paths)).values("campaign_id"))

    def clean(self):
        if self.window_start and self.window_end and self.window_end < self.window_start:
            raise ValidationError({"window_end": _("The assessment window cannot end before it starts.")})

    def days_to_window(self, *, today=None) -> int | None:
        """Days until the assessment window opens; 0 while it is open; None if no window is set or it is over."""
        if self.window_start is None:
            return None
        today = today or timezone.localdate()
        if today < self.window_start:
            return (self.window_start - today).days
        if self.window_end is None or today <= self.window_end:
            return 0
        return None


class Unit(models.Model):
    """A responsible unit (责任单位): a district, street, community, bureau, property company, school or enterprise.

    Units form a tree per campaign. `path` is the materialised path of primary keys ("/1/5/23/"), kept by the
    services, so "this unit and everything below it" is one indexed prefix match.
    """

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="units")
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="children",
    )
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    type = models.CharField(_("type"), max_length=20, choices=UnitType.choices)
    path = models.CharField(_("tree path"), max_length=255, blank=True, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    head_name = models.CharField(_("head"), max_length=100, blank=True, help_text=_("一把手: name and position."))
    leader_in_charge = models.CharField(_("leader in charge"), max_length=100, blank=True)
    phone = models.CharField(_("office phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_lookup = ""

    class Meta:
        verbose_name = _("responsible unit")
        verbose_name_plural = _("responsible units")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="unit_code_unique_per_campaign"),
            models.CheckConstraint(condition=Q(type__in=UnitType.values), name="unit_type_valid"),
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="unit_not_own_parent"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.parent_id and self.parent.campaign_id != self.campaign_id:
            raise ValidationError({"parent": _("The parent unit belongs to another campaign.")})
        if self.pk and self.parent_id and self.parent.path.startswith(self.path or "\0"):
            raise ValidationError({"parent": _("A unit cannot be placed below itself.")})

    def ancestor_ids(self) -> list[int]:
        """Primary keys from the root down to the parent, read off the path without a query."""
        return [int(part) for part in self.path.strip("/").split("/")[:-1] if part]

    def descendants(self):
        return Unit.objects.filter(path__startswith=self.path).exclude(pk=self.pk)


class UnitMembership(models.Model):
    """A person who works for a unit in the campaign: its head (一把手) or a liaison (联络员)."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="unit_memberships"
    )
    role = models.CharField(_("role in the unit"), max_length=20, choices=MembershipRole.choices)

    objects = ScopedQuerySet.as_manager()
    scope_unit_lookup = "unit"

    class Meta:
        verbose_name = _("unit membership")
        verbose_name_plural = _("unit memberships")
        constraints = [
            models.UniqueConstraint(fields=["unit", "user"], name="membership_unique"),
            models.CheckConstraint(condition=Q(role__in=MembershipRole.values), name="membership_role_valid"),
        ]

    def __str__(self):
        return f"{self.user} · {self.unit} · {self.get_role_display()}"


class LeaderAssignment(models.Model):
    """A leader answers (分包) either for a unit and everything below it, or for one point such as a road section
    (路段): exactly one of the two. A point assignment lets the leader follow that point without seeing the whole
    unit that keeps it."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="leader_assignments",
    )  # fmt: skip
    point = models.ForeignKey(
        "Point", verbose_name=_("point (road section)"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="leader_assignments",
    )  # fmt: skip
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leader"),
        on_delete=models.CASCADE,
        related_name="leader_assignments",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_lookup = "unit"
    scope_point_lookup = "point"

    class Meta:
        verbose_name = _("leader assignment")
        verbose_name_plural = _("leader assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "leader"], condition=Q(unit__isnull=False), name="leader_assignment_unique"
            ),
            models.UniqueConstraint(
                fields=["point", "leader"], condition=Q(point__isnull=False), name="leader_assignment_point_unique"
            ),
            models.CheckConstraint(
                condition=Q(unit__isnull=False, point__isnull=True) | Q(unit__isnull=True, point__isnull=False),
                name="leader_assignment_one_target",
            ),
        ]

    def __str__(self):
        return f"{self.leader} → {self.unit or self.point}"

    def clean(self):
        if (self.unit_id is None) == (self.point_id is None):
            raise ValidationError(_("Assign the leader either to a unit or to a point, not both."))
        if self.leader_id and self.leader.role != "leader":
            raise ValidationError({"leader": _("Only a user with the leader role can be assigned.")})


class PointType(models.Model):
    """A kind of site the assessors visit (点位类型): community, trunk road, market, ... and how many of each they
    sample."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="point_types"
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    sample_count = models.PositiveSmallIntegerField(
        _("sampled by assessors"), default=0, help_text=_("How many points of this type the assessors draw.")
    )

    objects = ScopedQuerySet.as_manager()
    scope_campaign_lookup = "campaign"

    class Meta:
        verbose_name = _("point type")
        verbose_name_plural = _("point types")
        ordering = ["campaign", "code"]
        constraints = [models.UniqueConstraint(fields=["campaign", "code"], name="point_type_code_unique")]

    def __str__(self):
        return self.name


class IndicatorSystem(models.Model):
    """One version of the assessment system (测评体系) used by a campaign. A campaign has one current version;
    older versions stay for the records that refer to them."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="indicator_systems"
    )
    version = models.PositiveSmallIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=200)
    is_current = models.BooleanField(_("current"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("assessment system")
        verbose_name_plural = _("assessment systems")
        ordering = ["campaign", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "version"], name="indicator_system_version_unique"),
            models.UniqueConstraint(
                fields=["campaign"], condition=Q(is_current=True), name="indicator_system_one_current"
            ),
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"


class Indicator(models.Model):
    """A node of the assessment system: an item (测评项目), a content (测评内容) or a criterion (测评标准) — any depth.
    Leaves are the criteria that are assessed, divided into tasks and inspected."""

    system = models.ForeignKey(
        IndicatorSystem, verbose_name=_("assessment system"), on_delete=models.CASCADE, related_name="indicators"
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.RESTRICT, related_name="children"
    )
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=500)
    level = models.PositiveSmallIntegerField(_("level"))
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=2)
    kind = models.CharField(_("kind"), max_length=20, choices=IndicatorKind.choices, default=IndicatorKind.BASE)
    is_veto = models.BooleanField(
        _("one-vote veto"), default=False, help_text=_("On a criterion: triggering it voids the title.")
    )
    point_types = models.ManyToManyField(
        PointType, verbose_name=_("applicable point types"), blank=True, related_name="indicators"
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    objects = ScopedQuerySet.as_manager()
    scope_campaign_lookup = "system__campaign"

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["system", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["system", "code"], name="indicator_code_unique_per_system"),
            models.CheckConstraint(condition=Q(kind__in=IndicatorKind.values), name="indicator_kind_valid"),
            models.CheckConstraint(
                condition=Q(score__gte=0) | Q(kind=IndicatorKind.DEDUCTION), name="indicator_score_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        if self.parent_id and self.parent.system_id != self.system_id:
            raise ValidationError({"parent": _("The parent belongs to another version of the assessment system.")})
        if self.score is not None and self.score < 0 and self.kind != IndicatorKind.DEDUCTION:
            raise ValidationError({"score": _("Only a deduction item can have a negative score.")})


class IndicatorMethod(models.Model):
    """One assessment method of an indicator; an indicator may have several."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="methods"
    )
    method = models.CharField(_("method"), max_length=30, choices=Method.choices)

    class Meta:
        verbose_name = _("assessment method")
        verbose_name_plural = _("assessment methods")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "method"], name="indicator_method_unique"),
            models.CheckConstraint(condition=Q(method__in=Method.values), name="indicator_method_valid"),
        ]

    def __str__(self):
        return self.get_method_display()


class UnitGroup(models.Model):
    """A named set of units: a peer group ranked together (streets with streets), a set the office's sheets name
    as one (各区人民政府), a command group (专项整治指挥部, with its commander and deputies, scored from its member
    units) or a bundle (a street with its bureaus and communities, sharing one score)."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=UnitGroupKind.choices, default=UnitGroupKind.SET)
    members = models.ManyToManyField(Unit, verbose_name=_("members"), related_name="unit_groups", blank=True)
    commander = models.CharField(
        _("commander"), max_length=100, blank=True, help_text=_("Command groups: 指挥长 (name and position).")
    )
    deputies = models.CharField(
        _("deputy commanders"), max_length=300, blank=True, help_text=_("Command groups: 副指挥长, separated by 、.")
    )
    lead_unit = models.ForeignKey(
        Unit, verbose_name=_("lead unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("Bundles: the street at its head; command groups: the unit that runs it."),
    )  # fmt: skip

    objects = ScopedQuerySet.as_manager()
    scope_campaign_lookup = "campaign"

    class Meta:
        verbose_name = _("unit group")
        verbose_name_plural = _("unit groups")
        ordering = ["campaign", "name"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "name"], name="unit_group_name_unique"),
            models.CheckConstraint(condition=Q(kind__in=UnitGroupKind.values), name="unit_group_kind_valid"),
        ]

    def __str__(self):
        return self.name


class TaskAssignment(models.Model):
    """任务分工: who answers for a criterion. One lead — a unit, or a named set of units each leading in its own
    area — with cooperating units, the responsible leader, a deadline and the standard to meet (操作手册)."""

    indicator = models.OneToOneField(
        Indicator, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="task_assignment"
    )
    lead_unit = models.ForeignKey(
        Unit, verbose_name=_("lead unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="led_tasks"
    )
    lead_group = models.ForeignKey(
        UnitGroup,
        verbose_name=_("lead units (set)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_tasks",
    )
    cooperating_units = models.ManyToManyField(
        Unit, verbose_name=_("cooperating units"), blank=True, related_name="cooperating_tasks"
    )
    cooperating_groups = models.ManyToManyField(
        UnitGroup, verbose_name=_("cooperating units (sets)"), blank=True, related_name="cooperating_tasks"
    )
    responsible_leader = models.CharField(_("responsible leader"), max_length=100, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    standard = models.TextField(_("standard required"), blank=True, help_text=_("The operations manual's text."))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("task assignment")
        verbose_name_plural = _("task division")
        ordering = ["indicator__position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lead_unit__isnull=True) | Q(lead_group__isnull=True), name="task_one_kind_of_lead"
            ),
        ]

    def __str__(self):
        return str(self.indicator)

    @staticmethod
    def scope_q(paths):
        """A unit sees the tasks it leads or cooperates on, directly or through a set it belongs to."""
        units = Unit.objects.filter(paths_q("", paths)).values("pk")
        groups = UnitGroup.objects.filter(members__in=units).values("pk")
        return (
            Q(lead_unit__in=units)
            | Q(lead_group__in=groups)
            | Q(
                pk__in=TaskAssignment.cooperating_units.through.objects.filter(unit_id__in=units).values(
                    "taskassignment_id"
                )
            )
            | Q(
                pk__in=TaskAssignment.cooperating_groups.through.objects.filter(unitgroup_id__in=groups).values(
                    "taskassignment_id"
                )
            )
        )

    @property
    def lead_name(self) -> str:
        return str(self.lead_unit or self.lead_group or "")

    def clean(self):
        if self.lead_unit_id and self.lead_group_id:
            raise ValidationError(_("A task has one lead: a unit or a set of units, not both."))
        campaign_id = self.indicator.system.campaign_id if self.indicator_id else None
        for field in ("lead_unit", "lead_group"):
            lead = getattr(self, field)
            if lead is not None and campaign_id is not None and lead.campaign_id != campaign_id:
                raise ValidationError({field: _("The lead belongs to another campaign.")})


class TaskAcknowledgement(models.Model):
    """A unit head confirms the unit received its task (签收): the delivery of the 责任清单 is on record."""

    task = models.ForeignKey(
        TaskAssignment, verbose_name=_("task"), on_delete=models.CASCADE, related_name="acknowledgements"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="acknowledgements")
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("acknowledged by"), on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), default=timezone.now)

    class Meta:
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")
        constraints = [models.UniqueConstraint(fields=["task", "unit"], name="task_acknowledged_once_per_unit")]

    def __str__(self):
        return f"{self.unit} · {self.task}"


class Grid(models.Model):
    """An area of the city (网格). Grids cover the city completely; each is kept by a unit (a street or
    community) and holds the points inside it."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="grids")
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit keeping the grid"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="grids",
    )  # fmt: skip

    objects = ScopedQuerySet.as_manager()
    scope_unit_lookup = "unit"

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["campaign", "code"]
        constraints = [models.UniqueConstraint(fields=["campaign", "code"], name="grid_code_unique")]

    def __str__(self):
        return self.name

    def clean(self):
        if self.unit_id and self.campaign_id and self.unit.campaign_id != self.campaign_id:
            raise ValidationError({"unit": _("The unit belongs to another campaign.")})


class Point(models.Model):
    """A concrete site the assessors may visit (点位), of a point type, in a grid."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="points")
    grid = models.ForeignKey(Grid, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="points")
    point_type = models.ForeignKey(
        PointType, verbose_name=_("point type"), on_delete=models.PROTECT, related_name="points"
    )
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    longitude = longitude_field()
    latitude = latitude_field()
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()
    scope_point_lookup = "pk"

    class Meta:
        verbose_name = _("point")
        verbose_name_plural = _("points")
        ordering = ["campaign", "grid", "code"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="point_code_unique"),
            *position_constraints("point"),
        ]
        indexes = [models.Index(fields=["campaign", "point_type"], name="point_campaign_type_idx")]

    def __str__(self):
        return self.name

    @staticmethod
    def scope_q(paths):
        """A point is seen by the unit answering for it and by the unit keeping its grid (and those above)."""
        return paths_q("responsibility__unit", paths) | paths_q("grid__unit", paths)

    def clean(self):
        for field in ("grid", "point_type"):
            related = getattr(self, field, None) if getattr(self, f"{field}_id") else None
            if related is not None and self.campaign_id and related.campaign_id != self.campaign_id:
                raise ValidationError({field: _("It belongs to another campaign.")})


class Responsibility(models.Model):
    """A row of the grid responsibility manual (精细网格化责任手册): who answers for a point — leader, unit, post —
    and the criteria it must meet (by default every criterion applicable to its point type)."""

    point = models.OneToOneField(
        Point, verbose_name=_("point"), on_delete=models.CASCADE, related_name="responsibility"
    )
    leader_name = models.CharField(_("responsible leader"), max_length=100, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("responsible unit"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="responsibilities",
    )  # fmt: skip
    post_person = models.CharField(_("person on the post"), max_length=100, blank=True)
    post_position = models.CharField(_("post"), max_length=100, blank=True)
    post_phone = models.CharField(_("post phone"), max_length=30, blank=True)
    target_criteria = models.ManyToManyField(
        Indicator,
        verbose_name=_("target criteria"),
        blank=True,
        related_name="responsibilities",
        help_text=_("Leave empty for every criterion applicable to the point type."),
    )

    objects = ScopedQuerySet.as_manager()
    scope_unit_lookup = "unit"
    scope_point_lookup = "point"

    class Meta:
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibility manual")

    def __str__(self):
        return f"{self.point} · {self.unit or '—'}"

    @staticmethod
    def gaps_q(prefix: str = "") -> Q:
        """Rows missing leader, unit or post, as a filter; from Point, `prefix="responsibility__"` also catches
        points without a row. The one definition behind the manual's filter, the API and the coverage check."""
        missing = (
            Q(**{f"{prefix}leader_name": ""}) | Q(**{f"{prefix}unit__isnull": True})
            | Q(**{f"{prefix}post_person": ""}) | Q(**{f"{prefix}post_position": ""})
        )  # fmt: skip
        return missing | Q(responsibility__isnull=True) if prefix else missing

    @property
    def gaps(self) -> list[str]:
        """What the manual is missing for this point: leader, unit, post."""
        missing = []
        if not self.leader_name:
            missing.append("leader")
        if not self.unit_id:
            missing.append("unit")
        if not (self.post_person and self.post_position):
            missing.append("post")
        return missing

    def clean(self):
        if self.unit_id and self.point_id and self.unit.campaign_id != self.point.campaign_id:
            raise ValidationError({"unit": _("The unit belongs to another campaign.")})


class Sampling(models.Model):
    """A random draw of points the way assessors draw them: per point type, as many as its sample count. Seeded,
    so the same seed over the same points gives the same draw; kept for later mock assessments."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="samplings"
    )
    seed = models.BigIntegerField(_("seed"))
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drawn by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    drawn_at = models.DateTimeField(_("drawn at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=200, blank=True)
    shortfall = models.JSONField(
        _("shortfall"), default=dict, blank=True, help_text=_("Point types with fewer points than the sample count.")
    )

    objects = ScopedQuerySet.as_manager()
    scope_campaign_lookup = "campaign"

    class Meta:
        verbose_name = _("sampling draw")
        verbose_name_plural = _("sampling draws")
        ordering = ["-drawn_at"]

    def __str__(self):
        return f"{self.campaign} · {timezone.localtime(self.drawn_at):%Y-%m-%d %H:%M} · {self.seed}"


class SampledPoint(models.Model):
    sampling = models.ForeignKey(
        Sampling, verbose_name=_("sampling draw"), on_delete=models.CASCADE, related_name="sampled_points"
    )
    point = models.ForeignKey(Point, verbose_name=_("point"), on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(_("order drawn"))

    class Meta:
        verbose_name = _("sampled point")
        verbose_name_plural = _("sampled points")
        ordering = ["sampling", "position"]
        constraints = [models.UniqueConstraint(fields=["sampling", "point"], name="sampled_point_once")]

    def __str__(self):
        return str(self.point)


class Pairing(models.Model):
    """结对共建: a bureau paired with a community (or another unit) it helps."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="pairings")
    partner = models.ForeignKey(
        Unit, verbose_name=_("paired with"), on_delete=models.CASCADE, related_name="paired_by"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        constraints = [
            models.UniqueConstraint(fields=["unit", "partner"], name="pairing_unique"),
            models.CheckConstraint(condition=~Q(unit=models.F("partner")), name="pairing_not_self"),
        ]

    def __str__(self):
        return f"{self.unit} ↔ {self.partner}"

    @staticmethod
    def scope_q(paths):
        return paths_q("unit", paths) | paths_q("partner", paths)


class OperationStandard(models.Model):
    """操作手册: what a criterion requires at a point type, in the words inspectors check against (e.g. for
    "no exposed rubbish" at a back street: 路面无垃圾、无积水, 垃圾桶不满溢)."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("criterion"), on_delete=models.CASCADE, related_name="standards"
    )
    point_type = models.ForeignKey(
        PointType, verbose_name=_("point type"), on_delete=models.CASCADE, related_name="standards"
    )
    text = models.TextField(_("standard"))

    objects = ScopedQuerySet.as_manager()
    scope_campaign_lookup = "point_type__campaign"

    class Meta:
        verbose_name = _("operations-manual standard")
        verbose_name_plural = _("operations manual")
        ordering = ["indicator__position", "point_type__code"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "point_type"], name="standard_once_per_point_type"),
        ]

    def __str__(self):
        return f"{self.indicator.code} · {self.point_type}"


# The daily cycle's inputs (日报告、日调度): the units' daily reports and the orders dispatched to them. What the
# office compiles from them (the leaders' report, the bulletins) belongs to scoring.


class DailyCycleSettings(models.Model):
    """The campaign's daily rhythm: when units' reports are due, when those who have not reported are reminded,
    and when the office's report and bulletin are compiled and published. Staff edit it; the scheduled jobs read
    it on every run, so a change takes effect the same day."""

    campaign = models.OneToOneField(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="daily_cycle_settings"
    )
    report_deadline = models.TimeField(
        _("daily report deadline"), default=datetime.time(17, 0),
        help_text=_("Units report the day's work by this time; a report is locked after it."),
    )  # fmt: skip
    remind_before_minutes = models.PositiveSmallIntegerField(
        _("remind before the deadline (minutes)"), default=30, validators=[MaxValueValidator(720)],
        help_text=_("Units that have not reported by then are reminded; 0 sends no reminder."),
    )  # fmt: skip
    compile_at = models.TimeField(_("compile at"), default=datetime.time(17, 30))
    publish_at = models.TimeField(
        _("publish by"), default=datetime.time(18, 30),
        help_text=_("When the compiled report and bulletin should be out; staff are reminded of drafts not yet "
                    "published."),
    )  # fmt: skip
    auto_publish = models.BooleanField(
        _("publish automatically"), default=False,
        help_text=_("At the publishing time, publish the compiled drafts as they are; otherwise staff are reminded "
                    "to review and publish them."),
    )  # fmt: skip
    weekly_weekday = models.PositiveSmallIntegerField(
        _("weekly summary on"), default=4, validators=[MaxValueValidator(6)],
        help_text=_("The weekday the week is summed up (0 is Monday)."),
    )  # fmt: skip
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_campaign_lookup = "campaign"

    class Meta:
        verbose_name = _("daily cycle schedule")
        verbose_name_plural = _("daily cycle schedules")
        constraints = [
            models.CheckConstraint(condition=Q(weekly_weekday__lte=6), name="daily_settings_weekday_valid"),
            models.CheckConstraint(condition=Q(remind_before_minutes__lte=720), name="daily_settings_remind_valid"),
        ]

    def __str__(self):
        return f"{self.campaign} · {self.report_deadline:%H:%M}"

    def clean(self):
        if self.compile_at and self.report_deadline and self.compile_at < self.report_deadline:
            raise ValidationError(
                {"compile_at": _("Compile after the report deadline, or late reports would be missed.")}
            )
        if self.publish_at and self.compile_at and self.publish_at < self.compile_at:
            raise ValidationError({"publish_at": _("Publishing comes after compiling.")})

    def deadline_on(self, date: datetime.date) -> datetime.datetime:
        """The aware moment reports for `date` are due, in the office's time zone."""
        return timezone.make_aware(datetime.datetime.combine(date, self.report_deadline))

    def remind_at(self, date: datetime.date) -> datetime.datetime | None:
        if not self.remind_before_minutes:
            return None
        return self.deadline_on(date) - datetime.timedelta(minutes=self.remind_before_minutes)


class CycleRun(models.Model):
    """One step of the daily cycle (remind, compile, publish, weekly) run for a campaign and a date: unique per
    campaign, date and step, so the scheduler starts each step once a day however often it ticks, and a re-run by
    hand (`run_daily_cycle`) counts on the same row. The steps themselves are idempotent."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("date"))
    step = models.CharField(_("step"), max_length=30)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    runs = models.PositiveIntegerField(_("runs"), default=0)
    result = models.JSONField(_("result"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("daily cycle run")
        verbose_name_plural = _("daily cycle runs")
        ordering = ["-date", "step"]
        constraints = [models.UniqueConstraint(fields=["campaign", "date", "step"], name="cycle_run_once_per_day")]

    def __str__(self):
        return f"{self.campaign} · {self.date} · {self.step}"


class DailyReport(models.Model):
    """A unit's report of one day (日报告): what it did, with how many people, what it found and fixed itself,
    what it needs coordinated, volunteer work and photos, and how it checks against the criteria it leads.

    One per unit and day (a database constraint), so a retried or double-clicked submission finds the same row.
    Editable until the day's deadline, then locked; staff may unlock it with a reason, until the unit submits
    again. Whether it came on time is fixed at the first submission."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="daily_reports")
    date = models.DateField(_("date"))
    status = models.CharField(
        _("status"), max_length=20, choices=DailyReportStatus.choices, default=DailyReportStatus.DRAFT
    )
    work_done = models.TextField(_("work done"), blank=True)
    people_deployed = models.PositiveIntegerField(_("people deployed"), default=0)
    problems_rectified = models.PositiveIntegerField(
        _("problems rectified"), default=0, help_text=_("Problems the unit fixed today, found by itself or others.")
    )
    volunteers = models.PositiveIntegerField(_("volunteers"), default=0)
    volunteer_activity = models.TextField(_("volunteer activity"), blank=True)
    # Lines typed but not yet submitted: on submission each line becomes a finding or a coordination item, which
    # then live on (a ledger problem, an owner at the office) and are no longer edited as text.
    draft_findings = models.TextField(_("self-found problems, one per line"), blank=True)
    draft_difficulties = models.TextField(_("difficulties needing coordination, one per line"), blank=True)
    deadline_at = models.DateTimeField(_("deadline"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("saved at"), default=timezone.now)
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    is_late = models.BooleanField(_("late"), default=False)
    is_empty = models.BooleanField(
        _("no content"), default=False, help_text=_("Submitted with no work, people, findings or photos.")
    )
    submission_key = models.UUIDField(_("submission key"), null=True, blank=True, editable=False)
    unlocked_at = models.DateTimeField(_("unlocked at"), null=True, blank=True)
    unlocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("unlocked by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    unlock_reason = models.CharField(_("reason for unlocking"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_lookup = "unit"

    class Meta:
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        ordering = ["-date", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "date"], name="daily_report_once_per_unit_and_day"),
            models.CheckConstraint(condition=Q(status__in=DailyReportStatus.values), name="daily_report_status_valid"),
            models.CheckConstraint(
                condition=Q(status=DailyReportStatus.DRAFT) | Q(submitted_at__isnull=False),
                name="daily_report_submitted_has_time",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "date"], name="daily_report_day_idx")]

    def __str__(self):
        return f"{self.unit} · {self.date}"

    @property
    def is_submitted(self) -> bool:
        return self.status == DailyReportStatus.SUBMITTED

    @property
    def is_unlocked(self) -> bool:
        """Staff reopened it after the deadline and the unit has not submitted since."""
        return self.unlocked_at is not None and (self.submitted_at is None or self.submitted_at < self.unlocked_at)

    def is_locked(self, *, now=None) -> bool:
        """A submitted report is locked once its deadline has passed, unless staff unlocked it. A unit that has
        not reported can still report late: that report is marked late, not refused."""
        now = now or timezone.now()
        return self.is_submitted and now > self.deadline_at and not self.is_unlocked

    def compliance(self, *, now=None) -> str:
        if self.is_submitted:
            return ReportCompliance.LATE if self.is_late else ReportCompliance.ON_TIME
        now = now or timezone.now()
        return ReportCompliance.MISSING if now > self.deadline_at else ReportCompliance.DUE


class DailyReportFinding(models.Model):
    """A problem the unit found itself and reports (自查问题). Each becomes a problem in the ledger, answered for
    by the unit; `problem_reference` is the ledger's number once it exists."""

    report = models.ForeignKey(
        DailyReport, verbose_name=_("daily report"), on_delete=models.CASCADE, related_name="findings"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("finding"), max_length=500)
    point = models.ForeignKey(
        "Point", verbose_name=_("point"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    problem_reference = models.CharField(_("ledger number"), max_length=20, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_lookup = "report__unit"

    class Meta:
        verbose_name = _("self-found problem")
        verbose_name_plural = _("self-found problems")
        ordering = ["report", "position", "id"]

    def __str__(self):
        return self.text


class CoordinationItem(models.Model):
    """A difficulty a unit cannot solve alone (需协调解决的困难), raised in its daily report: routed to the office,
    where a member of staff owns it until it is resolved."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(
        Unit, verbose_name=_("raised by"), on_delete=models.CASCADE, related_name="coordination_items"
    )
    report = models.ForeignKey(
        DailyReport, verbose_name=_("daily report"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="difficulties",
    )  # fmt: skip
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("difficulty"), max_length=500)
    raised_on = models.DateField(_("raised on"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner at the office"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    status = models.CharField(
        _("status"), max_length=20, choices=CoordinationStatus.choices, default=CoordinationStatus.OPEN
    )
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("resolved by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip

    objects = ScopedQuerySet.as_manager()
    scope_unit_lookup = "unit"

    class Meta:
        verbose_name = _("coordination item")
        verbose_name_plural = _("coordination items")
        ordering = ["-raised_on", "unit__path", "position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CoordinationStatus.values), name="coordination_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=CoordinationStatus.OPEN) | Q(resolved_at__isnull=False),
                name="coordination_resolved_has_time",
            ),
        ]

    def __str__(self):
        return self.text


class DailyReportCheck(models.Model):
    """The unit's own check of one criterion it leads, as part of a daily report (自查)."""

    report = models.ForeignKey(
        DailyReport, verbose_name=_("daily report"), on_delete=models.CASCADE, related_name="checks"
    )
    indicator = models.ForeignKey(Indicator, verbose_name=_("criterion"), on_delete=models.CASCADE, related_name="+")
    result = models.CharField(_("result"), max_length=20, choices=SelfCheckResult.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("self-check")
        verbose_name_plural = _("self-checks")
        ordering = ["report", "indicator__position", "indicator__id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "indicator"], name="daily_report_check_once"),
            models.CheckConstraint(condition=Q(result__in=SelfCheckResult.values), name="daily_report_check_valid"),
        ]

    def __str__(self):
        return f"{self.indicator} · {self.get_result_display()}"


class DailyReportPhoto(PhotoBase):
    """A photo of the day's work, attached to a daily report; served only to those who may see the report."""

    report = models.ForeignKey(
        DailyReport, verbose_name=_("daily report"), on_delete=models.CASCADE, related_name="photos"
    )

    class Meta(PhotoBase.Meta):
        verbose_name = _("daily report photo")
        verbose_name_plural = _("daily report photos")


class DispatchOrder(models.Model):
    """An order from headquarters' daily dispatch (日调度): a priority of the day with concrete work for named
    units by a deadline. Commitments made at dispatch meetings and leaders' instructions are recorded the same
    way, with the office member who follows them up, so none is lost."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("dispatch date"))
    source = models.CharField(
        _("source"), max_length=20, choices=DispatchSource.choices, default=DispatchSource.DISPATCH
    )
    meeting = models.CharField(
        _("meeting"),
        max_length=200,
        blank=True,
        help_text=_("The dispatch meeting or instruction, e.g. 第12次调度会."),
    )
    priority = models.CharField(
        _("priority"), max_length=20, choices=DispatchPriority.choices, default=DispatchPriority.NORMAL
    )
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("orders"), blank=True)
    deadline = models.DateTimeField(_("deadline"))
    follow_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("followed up by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("dispatch order")
        verbose_name_plural = _("dispatch orders")
        ordering = ["-date", "deadline", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(source__in=DispatchSource.values), name="dispatch_source_valid"),
            models.CheckConstraint(condition=Q(priority__in=DispatchPriority.values), name="dispatch_priority_valid"),
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True) | ~Q(cancel_reason=""), name="dispatch_cancel_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["campaign", "date"], name="dispatch_order_day_idx")]

    def __str__(self):
        return self.title

    def clean(self):
        errors = {}
        if self.deadline and self.date and timezone.localdate(self.deadline) < self.date:
            errors["deadline"] = _("The deadline comes before the dispatch date.")
        if self.source == DispatchSource.MEETING:
            # A commitment made at a meeting is recorded with the meeting and an owner, or it gets lost.
            if not self.meeting.strip():
                errors["meeting"] = _("Name the meeting the commitment was made at.")
            if self.follow_up_by_id is None:
                errors["follow_up_by"] = _("A commitment needs someone at the office who follows it up.")
        if self.follow_up_by_id is not None and not self.follow_up_by.is_office:
            errors["follow_up_by"] = _("Orders are followed up by a member of the command office.")
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def scope_q(paths):
        return Q(pk__in=DispatchTarget.objects.filter(paths_q("unit", paths)).values("order_id"))

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class DispatchTarget(models.Model):
    """One unit named in a dispatch order: it acknowledges the order, then reports it done with a note and
    evidence. Overdue when the order's deadline passes before it is done."""

    order = models.ForeignKey(
        DispatchOrder, verbose_name=_("dispatch order"), on_delete=models.CASCADE, related_name="targets"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="dispatch_targets")
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("acknowledged by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    completed_at = models.DateTimeField(_("done at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported done by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    completion_note = models.TextField(_("what was done"), blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_lookup = "unit"

    class Meta:
        verbose_name = _("dispatched unit")
        verbose_name_plural = _("dispatched units")
        ordering = ["order", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["order", "unit"], name="dispatch_target_once_per_unit"),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True) | Q(acknowledged_at__isnull=False),
                name="dispatch_target_done_after_acknowledged",
            ),
        ]

    def __str__(self):
        return f"{self.order} → {self.unit}"

    @staticmethod
    def overdue_q(*, now) -> Q:
        """Not done, not cancelled, and past the order's deadline: set-based, for lists and the bulletin."""
        return Q(completed_at__isnull=True, order__cancelled_at__isnull=True, order__deadline__lt=now)

    def status(self, *, now=None) -> str:
        if self.order.is_cancelled:
            return DispatchTargetStatus.CANCELLED
        if self.completed_at is not None:
            return DispatchTargetStatus.DONE
        now = now or timezone.now()
        if now > self.order.deadline:
            return DispatchTargetStatus.OVERDUE
        if self.acknowledged_at is not None:
            return DispatchTargetStatus.ACKNOWLEDGED
        return DispatchTargetStatus.ISSUED


class DispatchEvidence(PhotoBase):
    """A photo proving a dispatched unit did the work."""

    target = models.ForeignKey(
        DispatchTarget, verbose_name=_("dispatched unit"), on_delete=models.CASCADE, related_name="evidence"
    )

    class Meta(PhotoBase.Meta):
        verbose_name = _("dispatch evidence")
        verbose_name_plural = _("dispatch evidence")
