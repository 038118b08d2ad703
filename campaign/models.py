from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaign.choices import (
    CampaignStatus,
    CityLevel,
    IndicatorKind,
    MembershipRole,
    Method,
    TitleLevel,
    UnitGroupKind,
    UnitType,
)
from campaign.scope import ScopedQuerySet, paths_q
from core.geo import latitude_field, longitude_field, position_constraints


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
