"""Benchmark data: a whole campaign at a chosen scale, generated from a seed (`manage.py generate_benchmark_data`).

The same scale, seed and day give the same campaign, row for row (only the primary keys depend on what the database
holds already). Each kind of data draws from its own random stream, named after it, so adding a kind leaves the
others as they were. Rows go in with `core.bulk.bulk_load` (COPY on PostgreSQL), not through the services: this is
data for measuring the services, and at province scale it is tens of millions of rows.

campaign makes the campaign itself and the units' inputs to the daily cycle; the apps that build on campaign
(rectification: problems and their histories; scoring: inspections) register a step of their own with
`register_bench_step` in their AppConfig.ready(), as they do for the demo, and `benchmark_generate` runs the steps
in registration order after its own.
"""

import csv
import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from campaign.choices import (
    CampaignStatus,
    DailyReportStatus,
    DispatchPriority,
    DispatchSource,
    MembershipRole,
    Method,
    UnitGroupKind,
    UnitType,
)
from campaign.daily_reports import daily_settings_get
from campaign.models import (
    Campaign,
    DailyReport,
    DispatchOrder,
    DispatchTarget,
    Grid,
    Indicator,
    IndicatorMethod,
    IndicatorSystem,
    LeaderAssignment,
    Point,
    PointType,
    Responsibility,
    Unit,
    UnitGroup,
    UnitMembership,
)
from core.bulk import bulk_load, ids_next
from core.choices import Role
from core.models import User

DEMO_DIR = Path(__file__).resolve().parent / "demo"


@dataclass(frozen=True)
class Scale:
    units: int
    points: int
    criteria: int
    problems: int
    inspections: int  # routine inspection visits over the period (the mock assessment visits every point besides)
    reports: int  # daily reports over the period (a share of the units' days, so about this many)
    days: int  # the period the history covers, ending yesterday
    orders_per_day: int


SCALES = {
    "small": Scale(units=60, points=600, criteria=15, problems=2_000, inspections=40, reports=1_600, days=30,
                   orders_per_day=1),
    "city": Scale(units=1_500, points=20_000, criteria=150, problems=200_000, inspections=2_000, reports=500_000,
                  days=365, orders_per_day=3),
    "province": Scale(units=15_000, points=200_000, criteria=1_500, problems=2_000_000, inspections=20_000,
                      reports=5_000_000, days=365, orders_per_day=30),
}  # fmt: skip


@dataclass(frozen=True)
class UnitRow:
    id: int
    code: str
    type: str
    parent_id: int | None
    path: str


@dataclass(frozen=True)
class PointRow:
    id: int
    grid_id: int
    point_type_id: int
    unit_id: int


@dataclass
class BenchData:
    """What the steps share: the campaign, the scale and seed, and the rows made so far (ids known without
    reading them back)."""

    campaign: Campaign
    scale: Scale
    seed: int
    today: datetime.date
    say: Callable[[str], None]
    users: dict[str, User] = field(default_factory=dict)
    units: list[UnitRow] = field(default_factory=list)
    points: list[PointRow] = field(default_factory=list)
    point_types: list[int] = field(default_factory=list)
    criteria: list[int] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def rng(self, stream: str) -> random.Random:
        """The random stream of one kind of data: the same for the same seed, whatever the other kinds draw."""
        return random.Random(f"{self.seed}:{stream}")  # noqa: S311 - reproducible benchmark data, not secrets

    @property
    def first_day(self) -> datetime.date:
        return self.today - datetime.timedelta(days=self.scale.days)

    def at(self, day: datetime.date, hour: int = 0, minute: int = 0) -> datetime.datetime:
        """An aware moment on `day` in the office's time zone."""
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))

    def counted(self, name: str, count: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + count
        self.say(f"{name}: {count}")

    def units_of(self, *types: str) -> list[UnitRow]:
        return [unit for unit in self.units if unit.type in types]


BENCH_STEPS: list[Callable[[BenchData], None]] = []


def register_bench_step(step: Callable[[BenchData], None]) -> None:
    if step not in BENCH_STEPS:
        BENCH_STEPS.append(step)


def bench_slug(scale: str, seed: int) -> str:
    return f"bench-{scale}-{seed}"


def benchmark_generate(*, scale: str, seed: int, today: datetime.date | None = None,
                       say: Callable[[str], None] = lambda message: None) -> BenchData:  # fmt: skip
    """Make the campaign `bench-<scale>-<seed>` with its users, structure, a period of daily reports and dispatch
    orders, then the registered steps' data, in one transaction. Refuses if the campaign exists."""
    slug = bench_slug(scale, seed)
    if Campaign.objects.filter(slug=slug).exists():
        raise ValueError(f"The campaign {slug} exists already; generate into a fresh database or another seed.")
    today = today or timezone.localdate()
    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=f"基准数据（{scale}，种子 {seed}）", slug=slug, status=CampaignStatus.READY, target="基准测试",
            target_score=Decimal("90.00"),
        )  # fmt: skip
        data = BenchData(campaign=campaign, scale=SCALES[scale], seed=seed, today=today, say=say)
        for step in (_units, _users, _groups, _points, _criteria, _reports, _orders, *BENCH_STEPS):
            step(data)
    return data


def _units(data: BenchData) -> None:
    """A city, its districts (one per 150 units) with six streets each, bureaus (one per 40 units) under the city,
    and communities under the streets for the rest."""
    scale, campaign = data.scale, data.campaign
    rng = data.rng("units")
    districts = max(2, scale.units // 150)
    streets = districts * 6
    bureaus = max(3, scale.units // 40)
    communities = scale.units - 1 - districts - streets - bureaus
    next_id = ids_next(Unit)

    def add(code, name, type_, parent: UnitRow | None):
        nonlocal next_id
        row = UnitRow(next_id, code, type_, parent.id if parent else None,
                      f"{parent.path if parent else '/'}{next_id}/")  # fmt: skip
        next_id += 1
        data.units.append(row)
        return row, name

    named = [add("CITY", "基准市", UnitType.CITY, None)]
    city = named[0][0]
    district_rows = [add(f"D{n:03d}", f"基准第{n}区", UnitType.DISTRICT, city) for n in range(1, districts + 1)]
    named += district_rows
    street_rows = [add(f"S{n:04d}", f"基准第{n}街道", UnitType.STREET, district_rows[(n - 1) // 6][0])
                   for n in range(1, streets + 1)]  # fmt: skip
    named += street_rows
    named += [add(f"B{n:03d}", f"基准第{n}局", UnitType.BUREAU, city) for n in range(1, bureaus + 1)]
    named += [add(f"C{n:05d}", f"基准第{n}社区", UnitType.COMMUNITY, rng.choice(street_rows)[0])
              for n in range(1, communities + 1)]  # fmt: skip
    surnames = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
    written = bulk_load(
        Unit, ["id", "campaign_id", "parent_id", "code", "name", "type", "path", "depth", "head_name"],
        ((row.id, campaign.pk, row.parent_id, row.code, name, row.type, row.path, row.path.count("/") - 2,
          f"{rng.choice(surnames)}主任") for row, name in named),
    )  # fmt: skip
    data.counted("units", written)


def _users(data: BenchData) -> None:
    """One login per role, named after the campaign: the office, an inspector, the leader of the first district,
    and the head and the liaison of the first community. Their password is the demo's."""
    from campaign.demo_seed import DEMO_PASSWORD

    slug = data.campaign.slug
    district = data.units_of(UnitType.DISTRICT)[0]
    community = data.units_of(UnitType.COMMUNITY)[0]
    for key, role, name in (("office", Role.STAFF, "基准创城办"), ("inspector", Role.INSPECTOR, "基准督查员"),
                            ("leader", Role.LEADER, "基准区领导"), ("head", Role.UNIT_HEAD, "基准社区书记"),
                            ("liaison", Role.LIAISON, "基准社区联络员")):  # fmt: skip
        user = User(username=f"{slug}-{key}", full_name=name, role=role, is_staff=role == Role.STAFF)
        user.set_password(DEMO_PASSWORD)
        user.save()
        data.users[key] = user
    LeaderAssignment.objects.create(leader=data.users["leader"], unit_id=district.id)
    UnitMembership.objects.bulk_create([
        UnitMembership(unit_id=community.id, user=data.users["head"], role=MembershipRole.HEAD),
        UnitMembership(unit_id=community.id, user=data.users["liaison"], role=MembershipRole.LIAISON),
    ])  # fmt: skip
    data.counted("users", len(data.users))


def _groups(data: BenchData) -> None:
    """Peer groups for the rankings: the streets, the bureaus, and the communities in groups of about 300."""
    communities = data.units_of(UnitType.COMMUNITY)
    parts = max(1, round(len(communities) / 300))
    groups = [("基准街道组", data.units_of(UnitType.STREET)), ("基准局委办组", data.units_of(UnitType.BUREAU))]
    groups += [(f"基准社区组{n + 1}", communities[n::parts]) for n in range(parts)]
    made = UnitGroup.objects.bulk_create(
        UnitGroup(campaign=data.campaign, name=name, kind=UnitGroupKind.PEER) for name, _ in groups
    )
    if made[0].pk is None:
        made = list(UnitGroup.objects.filter(campaign=data.campaign).order_by("pk"))
    through = UnitGroup.members.through
    bulk_load(
        through,
        ["unitgroup_id", "unit_id"],
        ((group.pk, unit.id) for group, (_, members) in zip(made, groups, strict=True) for unit in members),
    )
    data.counted("peer groups", len(made))


def _points(data: BenchData) -> None:
    """The sample point types, one grid per community, the points spread over the grids, and every point's
    responsibility: most with the grid's community, a fifth with a bureau."""
    campaign = data.campaign
    rng = data.rng("points")
    with (DEMO_DIR / "point_types.csv").open(encoding="utf-8") as file:
        types = list(csv.DictReader(file))
    first_type = ids_next(PointType)
    bulk_load(PointType, ["id", "campaign_id", "code", "name", "sample_count"],
              ((first_type + n, campaign.pk, row["code"], row["name"], int(row["sample_count"]))
               for n, row in enumerate(types)))  # fmt: skip
    data.point_types = [first_type + n for n in range(len(types))]
    communities = data.units_of(UnitType.COMMUNITY)
    bureaus = data.units_of(UnitType.BUREAU)
    first_grid = ids_next(Grid)
    bulk_load(Grid, ["id", "campaign_id", "code", "name", "unit_id"],
              ((first_grid + n, campaign.pk, f"G{n + 1:05d}", f"基准网格{n + 1}", unit.id)
               for n, unit in enumerate(communities)))  # fmt: skip
    first_point = ids_next(Point)
    for n in range(data.scale.points):
        grid = rng.randrange(len(communities))
        unit = rng.choice(bureaus) if rng.random() < 0.2 else communities[grid]
        data.points.append(PointRow(first_point + n, first_grid + grid, rng.choice(data.point_types), unit.id))
    bulk_load(Point, ["id", "campaign_id", "grid_id", "point_type_id", "code", "name", "address", "longitude",
                      "latitude"],
              ((p.id, campaign.pk, p.grid_id, p.point_type_id, f"P{n + 1:06d}", f"基准点位{n + 1}",
                f"基准路{n + 1}号", Decimal(f"{113 + rng.random():.6f}"), Decimal(f"{23 + rng.random():.6f}"))
               for n, p in enumerate(data.points)))  # fmt: skip
    surnames = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
    bulk_load(Responsibility, ["point_id", "leader_name", "unit_id", "post_person", "post_position"],
              ((p.id, f"{rng.choice(surnames)}副区长", p.unit_id, f"{rng.choice(surnames)}网格员", "网格员")
               for p in data.points))  # fmt: skip
    data.counted("grids", len(communities))
    data.counted("points", len(data.points))


def _criteria(data: BenchData) -> None:
    """An indicator system: ten items, the criteria evenly under them, each checked in the field at one to three
    point types."""
    rng = data.rng("criteria")
    system = IndicatorSystem.objects.create(campaign=data.campaign, version=1, name="基准测评体系", is_current=True)
    per_item = -(-data.scale.criteria // 10)
    first = ids_next(Indicator)
    items = [(first + n, f"I{n + 1:02d}") for n in range(10)]
    data.criteria = [first + 10 + n for n in range(data.scale.criteria)]
    rows = [(id_, system.pk, None, code, f"基准测评项目{n + 1}", 1, Decimal(per_item), n)
            for n, (id_, code) in enumerate(items)]  # fmt: skip
    rows += [(id_, system.pk, items[n // per_item][0], f"{items[n // per_item][1]}.{n + 1:04d}",
              f"基准测评标准{n + 1}", 2, Decimal(1), 10 + n) for n, id_ in enumerate(data.criteria)]  # fmt: skip
    bulk_load(Indicator, ["id", "system_id", "parent_id", "code", "name", "level", "score", "position"], rows)
    bulk_load(IndicatorMethod, ["indicator_id", "method"], ((id_, Method.FIELD_INSPECTION) for id_ in data.criteria))
    bulk_load(Indicator.point_types.through, ["indicator_id", "pointtype_id"],
              ((id_, type_) for id_ in data.criteria
               for type_ in rng.sample(data.point_types, rng.randint(1, 3))))  # fmt: skip
    data.counted("criteria", len(data.criteria))


def _reports(data: BenchData) -> None:
    """Daily reports of every unit but the city over the period: a unit reports on a day with the chance that makes
    the scale's total, a tenth of the reports late, one in twenty empty, a few left as drafts."""
    rng = data.rng("reports")
    reporting = [unit for unit in data.units if unit.type != UnitType.CITY]
    chance = min(1.0, data.scale.reports / (len(reporting) * data.scale.days))
    schedule = daily_settings_get(campaign=data.campaign)
    campaign_id, liaison = data.campaign.pk, data.users["liaison"].pk
    liaison_unit = data.units_of(UnitType.COMMUNITY)[0].id
    works = ["巡查背街小巷，清理卫生死角。", "劝导不文明行为，整治占道经营。", "清理小广告，规范非机动车停放。",
             "组织志愿者开展文明交通劝导。"]  # fmt: skip
    minute = datetime.timedelta(minutes=1)
    first = ids_next(DailyReport)  # not in the generator: it runs while the rows are copied

    def rows():
        n = 0
        for offset in range(data.scale.days):
            day = data.first_day + datetime.timedelta(days=offset)
            deadline = schedule.deadline_on(day)
            for unit in reporting:
                if rng.random() >= chance:
                    continue
                roll = rng.random()
                created = deadline - rng.randint(60, 600) * minute
                if roll < 0.01:  # a draft never submitted
                    yield (first + n, campaign_id, unit.id, day, DailyReportStatus.DRAFT, rng.choice(works), 0, 0,
                           0, deadline, created, created, None, None, None, False, False)  # fmt: skip
                else:
                    late = roll > 0.9
                    empty = roll < 0.06
                    at = deadline + (rng.randint(5, 240) if late else -rng.randint(5, 480)) * minute
                    yield (first + n, campaign_id, unit.id, day, DailyReportStatus.SUBMITTED,
                           "" if empty else rng.choice(works), 0 if empty else rng.randint(2, 60),
                           0 if empty else rng.randint(0, 12), 0 if empty else rng.randint(0, 20), deadline,
                           created, at, at, at, liaison if unit.id == liaison_unit else None, late, empty)  # fmt: skip
                n += 1

    written = bulk_load(
        DailyReport,
        ["id", "campaign_id", "unit_id", "date", "status", "work_done", "people_deployed", "problems_rectified",
         "volunteers", "deadline_at", "created_at", "updated_at", "first_submitted_at", "submitted_at",
         "submitted_by_id", "is_late", "is_empty"],
        rows(),
    )  # fmt: skip
    data.counted("daily reports", written)


def _orders(data: BenchData) -> None:
    """Dispatch orders over the period, each to five to fifteen units, due the next day: most acknowledged, two in
    three done by the deadline, a few cancelled."""
    rng = data.rng("orders")
    office = data.users["office"].pk
    targets = [unit for unit in data.units if unit.type != UnitType.CITY]
    first = ids_next(DispatchOrder)
    orders, order_targets = [], []
    n = 0
    for offset in range(data.scale.days):
        day = data.first_day + datetime.timedelta(days=offset)
        for k in range(data.scale.orders_per_day):
            issued = data.at(day, 8 + k % 10, rng.randint(0, 59))
            deadline = issued + datetime.timedelta(days=1)
            cancelled = rng.random() < 0.02
            orders.append((first + n, data.campaign.pk, day, rng.choice(DispatchSource.values),
                           rng.choice(DispatchPriority.values), f"基准调度指令{day:%m%d}-{k + 1}", "按要求整改并报送",
                           deadline, office, issued, issued + datetime.timedelta(hours=2) if cancelled else None,
                           "重复下发" if cancelled else ""))  # fmt: skip
            for unit in rng.sample(targets, min(len(targets), rng.randint(5, 15))):
                roll = rng.random()
                acknowledged = issued + datetime.timedelta(minutes=rng.randint(10, 300)) if roll < 0.9 else None
                done = roll < 0.67
                completed = deadline - datetime.timedelta(hours=rng.randint(1, 12)) if done else None
                order_targets.append((first + n, unit.id, acknowledged, completed, "已完成" if done else ""))
            n += 1
    bulk_load(DispatchOrder, ["id", "campaign_id", "date", "source", "priority", "title", "content", "deadline",
                              "issued_by_id", "issued_at", "cancelled_at", "cancel_reason"], orders)  # fmt: skip
    bulk_load(DispatchTarget, ["order_id", "unit_id", "acknowledged_at", "completed_at", "completion_note"],
              order_targets)  # fmt: skip
    data.counted("dispatch orders", len(orders))
    data.counted("dispatch targets", len(order_targets))
