"""The demo city, built through the same services the app uses. Running it again changes nothing."""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone
from PIL import Image

from campaign.choices import CampaignStatus, CityLevel, DispatchPriority, DispatchSource, TitleLevel
from campaign.dispatch import dispatch_acknowledge, dispatch_complete, dispatch_order_issue
from campaign.imports import (
    GridImport,
    IndicatorImport,
    PairingImport,
    PointImport,
    StandardImport,
    TaskAssignmentImport,
    UnitGroupImport,
)
from campaign.models import Campaign, DailyReport, DispatchOrder, DispatchTarget, Point, Unit
from campaign.services import campaign_create, leader_assign, membership_set, unit_create, unit_update
from core.choices import Role
from core.images import image_clean
from core.models import User

DEMO_DIR = Path(__file__).resolve().parent / "demo"
DEMO_PASSWORD = "Demo@123456"  # noqa: S105 - documented demo password, see README
DEMO_SLUG = "sfs-2027"
OFFICE_GROUP = "创城办"
# What command-office staff may configure in the admin.
OFFICE_PERMISSIONS = [
    ("campaign", "campaign"),
    ("campaign", "unit"),
    ("campaign", "unitmembership"),
    ("campaign", "leaderassignment"),
    ("campaign", "pointtype"),
    ("campaign", "unitgroup"),
    ("campaign", "pairing"),
    ("campaign", "taskassignment"),
    ("campaign", "grid"),
    ("campaign", "point"),
    ("campaign", "responsibility"),
    ("campaign", "operationstandard"),
    ("campaign", "dispatchorder"),
    ("campaign", "dispatchtarget"),
    ("django_celery_beat", "periodictask"),
    ("django_celery_beat", "crontabschedule"),
    ("django_celery_beat", "intervalschedule"),
]


# Demo steps of the apps that build on campaign (rectification, scoring), which campaign must not import: each
# registers its step with `register_seed_step` in its AppConfig.ready(), and seed_demo runs them in its transaction,
# in registration order, with the demo campaign once the campaign's own data is in. A step changes nothing that
# exists, like the rest of the seed.
# Steps registered with `after_daily_reports` run after the demo's daily reports are in (the documents compiled
# from them).
SEED_STEPS: list[Callable[[Campaign], None]] = []
LATE_SEED_STEPS: list[Callable[[Campaign], None]] = []


def register_seed_step(step: Callable[[Campaign], None], *, after_daily_reports: bool = False) -> None:
    steps = LATE_SEED_STEPS if after_daily_reports else SEED_STEPS
    if step not in steps:
        steps.append(step)


@dataclass
class SeedResult:
    campaign: Campaign
    units: int
    users: int


def _read(name):
    with open(DEMO_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _office_group() -> Group:
    group, _created = Group.objects.get_or_create(name=OFFICE_GROUP)
    permissions = Permission.objects.filter(
        content_type__app_label__in={app for app, _model in OFFICE_PERMISSIONS},
        content_type__model__in={model for _app, model in OFFICE_PERMISSIONS},
    )
    group.permissions.add(*permissions)
    return group


@transaction.atomic
def seed_demo() -> SeedResult:
    campaign = Campaign.objects.filter(slug=DEMO_SLUG).first()
    if campaign is None:
        today = timezone.localdate()
        campaign = campaign_create(
            actor=None,
            name="示范市2027年全国文明城市创建",
            slug=DEMO_SLUG,
            title_level=TitleLevel.NATIONAL,
            city_level=CityLevel.CITY,
            target="全国文明城市测评全省第一、不丢一分",
            target_rank=1,
            target_score=Decimal("92.00"),
            window_start=today + timedelta(days=150),
            window_end=today + timedelta(days=164),
            status=CampaignStatus.PREPARING,
        )
    if not Campaign.objects.filter(slug="sfs-2025-review").exists():
        campaign_create(
            actor=None,
            name="示范市2025年省级文明城市复审",
            slug="sfs-2025-review",
            title_level=TitleLevel.PROVINCIAL,
            city_level=CityLevel.CITY,
            target="复审通过",
            status=CampaignStatus.CLOSED,
        )

    existing = {unit.code: unit for unit in Unit.objects.filter(campaign=campaign).select_related("parent")}
    for row in _read("units.csv"):
        fields = {
            "name": row["name"],
            "type": row["type"],
            "head_name": row["head_name"],
            "leader_in_charge": row["leader_in_charge"],
            "phone": row["phone"],
        }
        unit = existing.get(row["code"])
        if unit is None:
            parent = existing[row["parent_code"]] if row["parent_code"] else None
            existing[row["code"]] = unit_create(
                actor=None, campaign=campaign, parent=parent, code=row["code"], **fields
            )
        else:
            unit_update(actor=None, unit=unit, **fields)

    office_group = _office_group()
    for row in _read("users.csv"):
        user = User.objects.filter(username=row["username"]).first()
        if user is None:
            role = row["role"]
            user = User(
                username=row["username"],
                full_name=row["full_name"],
                role=role,
                position=row["position"],
                phone=row["phone"],
                email=f"{row['username']}@demo.invalid",
                is_staff=role in (Role.ADMIN, Role.STAFF),
                is_superuser=role == Role.ADMIN,
            )
            user.set_password(DEMO_PASSWORD)
            user.full_clean()
            user.save()
            if role == Role.STAFF:
                user.groups.add(office_group)
        if row["unit_code"]:
            unit = existing[row["unit_code"]]
            if row["relation"] == "leader":
                leader_assign(actor=None, unit=unit, leader=user)
            else:
                membership_set(actor=None, unit=unit, user=user, role=row["relation"])
    # Unit groups, pairings, the sample assessment system, point types, task division, operations manual, grids
    # and points, imported as the office would import them. 科创街道第二网格 has no points yet, a gap the coverage
    # check shows.
    for importer, filename in [
        (UnitGroupImport, "groups.csv"),
        (PairingImport, "pairings.csv"),
        (IndicatorImport, "demo_city.xlsx"),
        (TaskAssignmentImport, "task_assignments.csv"),
        (StandardImport, "standards.csv"),
        (GridImport, "grids.csv"),
        (PointImport, "points.csv"),
    ]:
        plan = importer(campaign=campaign, filename=filename, data=(DEMO_DIR / filename).read_bytes())
        if plan.has_errors:
            raise RuntimeError(f"the demo file {filename} does not import: {[str(i) for i in plan.issues]}")
        plan.apply(actor=None)
    # Leaders answering for single road sections (路段包保), beyond the units they oversee.
    points = {p.code: p for p in Point.objects.filter(campaign=campaign)}
    for row in _read("road_sections.csv"):
        leader = User.objects.get(username=row["username"])
        leader_assign(actor=None, point=points[row["point_code"]], leader=leader, note=row["note"])
    seed_demo_dispatch(campaign)
    for step in SEED_STEPS:
        step(campaign)
    # After the other apps' steps: a report's self-found problems go into the ledger, which the rectification
    # step fills only while it is empty.
    _seed_daily_reports(campaign)
    for step in LATE_SEED_STEPS:
        step(campaign)
    return SeedResult(campaign=campaign, units=len(existing), users=User.objects.count())


# Yesterday's reports: one on time with a finding and a difficulty, one late, one empty; the bureau's is missing.
DEMO_REPORTS = [
    (
        "liaison_community",
        "SFS-DC-DH-XF",
        -120,
        {
            "work_done": "组织网格员巡查小区楼道和背街小巷，清理楼道堆物5处、小广告23处；对照测评标准检查社区宣传栏。",
            "people_deployed": 12,
            "problems_rectified": 3,
            "volunteers": 8,
            "volunteer_activity": "“文明交通劝导”志愿服务，8名志愿者在幸福路口劝导不文明行为。",
            "draft_findings": "幸福小区3号楼下电动车乱停放、飞线充电",
            "draft_difficulties": "幸福路人行道破损约20平方米，需区住建局协调维修",
        },
    ),
    (
        "head_street",
        "SFS-DC-DH",
        40,
        {
            "work_done": "街道召开创城推进会，督导辖区社区整改上周暗访问题；组织执法中队整治占道经营。",
            "people_deployed": 35,
            "problems_rectified": 6,
        },
    ),
    ("liaison_west", "SFS-XC-XH-LY", -30, {}),
]


def _seed_daily_reports(campaign: Campaign) -> None:
    from campaign.daily_reports import daily_report_submit, daily_settings_get

    if DailyReport.objects.filter(campaign=campaign).exists():
        return
    day = timezone.localdate() - timedelta(days=1)
    deadline = daily_settings_get(campaign=campaign).deadline_on(day)
    units = {unit.code: unit for unit in Unit.objects.filter(campaign=campaign)}
    for username, unit_code, minutes, fields in DEMO_REPORTS:
        daily_report_submit(
            actor=User.objects.get(username=username), unit=units[unit_code], date=day,
            now=deadline + timedelta(minutes=minutes), **fields,
        )  # fmt: skip


def seed_demo_dispatch(campaign: Campaign) -> None:
    """Three dispatch orders, only into a campaign without any, issued and answered through the services by the
    people who would: a commitment made at a dispatch meeting (acknowledged by the street), an urgent order whose
    deadline passed yesterday (one community acknowledged it, the other never answered), and a leader's instruction
    that 幸福社区 reported done with a note and a photo."""
    if DispatchOrder.objects.filter(campaign=campaign).exists():
        return
    users = {user.username: user for user in User.objects.filter(username__in=[
        "office", "head_street", "liaison_community", "liaison_bureau", "liaison_west"])}  # fmt: skip
    units = {unit.code: unit for unit in Unit.objects.filter(campaign=campaign)}
    now = timezone.now()
    evening = timezone.localtime(now).replace(hour=18, minute=0, second=0, microsecond=0)

    def answer(order, code, who, note=""):
        target = DispatchTarget.objects.get(order=order, unit=units[code])
        if note:
            buffer = io.BytesIO()
            Image.new("RGB", (640, 480), "#3e7cb0").save(buffer, "JPEG")
            dispatch_complete(actor=users[who], target=target, note=note, photos=[image_clean(buffer.getvalue())])
        else:
            dispatch_acknowledge(actor=users[who], target=target)

    office = users["office"]
    meeting = dispatch_order_issue(
        actor=office, campaign=campaign, units=[units["SFS-DC-DH"]], source=DispatchSource.MEETING,
        meeting="第12次创城工作调度会", priority=DispatchPriority.IMPORTANT, title="东华路沿街商铺门前三包落实到位",
        content="会上东华街道承诺：三日内完成东华路沿街商铺门前三包责任书签订，清理占道经营和乱堆乱放。",
        deadline=evening + timedelta(days=3), follow_up_by=office,
    )  # fmt: skip
    answer(meeting, "SFS-DC-DH", "head_street")
    overdue = dispatch_order_issue(
        actor=office, campaign=campaign, units=[units["SFS-XC-XH-LY"], units["SFS-DC-DH-HP"]],
        now=now - timedelta(days=3), priority=DispatchPriority.URGENT, title="背街小巷积存垃圾限时清运",
        content="对辖区背街小巷、楼院死角积存垃圾开展集中清运，做到日产日清，完成后上传整改照片。",
        deadline=evening - timedelta(days=1),
    )  # fmt: skip
    answer(overdue, "SFS-XC-XH-LY", "liaison_west")
    instruction = dispatch_order_issue(
        actor=office, campaign=campaign, units=[units["SFS-DC-DH-XF"], units["SFS-B-CGJ"]],
        now=now - timedelta(days=1), source=DispatchSource.INSTRUCTION, meeting="市创城指挥部指挥长批示",
        title="公益广告宣传栏破损更新", content="全面排查辖区公益广告宣传栏，破损、褪色的三日内更新到位。",
        deadline=evening + timedelta(days=2),
    )  # fmt: skip
    answer(instruction, "SFS-DC-DH-XF", "liaison_community", note="已排查宣传栏6处，更新破损褪色宣传画2幅。")
    answer(instruction, "SFS-B-CGJ", "liaison_bureau")
