"""The scoring app's part of the demo.

- Yesterday's report to the leaders and bulletin, compiled at yesterday's compile time and published by the office,
  so leaders have something to read and named units something to acknowledge; today's are left for the scheduled
  jobs and the office. Only into a campaign without compiled documents.
- The last two weeks' rankings (with a history of daily reports behind them), published, and accountability records
  for the units at the bottom and for an overdue problem; then a month of closed problems in the ledger, for the
  dashboard's trend. Only into a campaign without rankings.
- Inspections: a sampling draw, two closed mock assessments of the drawn points (five weeks and one week ago, the
  second finding fewer problems, so the projected score rises), a closed covert visit of a few points, and this
  week's routine inspection still open with some points visited and findings waiting for review. Only into a
  campaign without rounds.

Both run after the demo's daily reports.
"""

import datetime
import random
import uuid
from decimal import Decimal

from django.utils import timezone

from campaign.choices import DailyReportStatus
from campaign.daily_reports import daily_settings_get, reporting_units
from campaign.models import Campaign, DailyReport
from campaign.services import sampling_draw
from core.models import User
from rectification.models import Problem
from scoring.accountability import accountability_record
from scoring.choices import AccountabilityKind, ItemResult, ListKind, Period, RankingPeriod, RoundKind
from scoring.documents import document_compile, document_edit, document_publish
from scoring.inspections import (
    ItemInput,
    findings_approve,
    inspection_criteria,
    inspection_submit,
    round_close,
    round_create,
)
from scoring.models import Bulletin, InspectionItem, InspectionRound, LeaderReport, Ranking, RankingEntry
from scoring.rankings import ranking_compute, ranking_publish

LEADS = {
    LeaderReport: "昨日全市各责任单位按要求报送日报告，东华街道迟报，部分单位尚未报送；新发现问题已全部交办，"
    "请各分包领导督促所联系单位按期整改。",
    Bulletin: "现将昨日创城工作情况通报如下。未按时报送日报告、问题超期未整改的单位，请于今日内说明情况并签收本通报。",
}


def seed_demo_documents(campaign: Campaign) -> None:
    if LeaderReport.objects.filter(campaign=campaign).exists() or Bulletin.objects.filter(campaign=campaign).exists():
        return
    office = User.objects.get(username="office")
    day = timezone.localdate() - datetime.timedelta(days=1)
    schedule = daily_settings_get(campaign=campaign)
    compiled = timezone.make_aware(datetime.datetime.combine(day, schedule.compile_at))
    published = timezone.make_aware(datetime.datetime.combine(day, schedule.publish_at))
    for model, lead in LEADS.items():
        document = document_compile(model=model, campaign=campaign, period=Period.DAILY, end_date=day, now=compiled)
        document_edit(actor=office, document=document, lead=lead)
        document_publish(actor=office, document=document, now=published)


# What inspectors write when a criterion is not met (the demo picks one at random, reproducibly).
FINDINGS = [
    "楼道内堆放杂物，影响通行",
    "墙面有乱涂乱画、小广告未清理",
    "公益广告画面破损褪色",
    "垃圾分类投放点满溢，周边有散落垃圾",
    "非机动车乱停乱放",
    "宣传栏内容过期未更新",
    "绿化带内有白色垃圾",
    "志愿服务站无人值守",
]
# (name, kind, weeks ago, share of criteria failing, points visited: None for all drawn, closed)
DEMO_ROUNDS = [
    ("第一次模拟测评", RoundKind.MOCK, 5, 0.3, None, True),
    ("第二次模拟测评", RoundKind.MOCK, 1, 0.12, None, True),
    ("背街小巷专项暗访", RoundKind.COVERT, 2, 0.25, 4, True),
    ("本周常规督查", RoundKind.ROUTINE, 0, 0.2, 3, False),
]


def _demo_visit(*, inspector, round, point, rng, share, when):
    items = []
    for criterion in inspection_criteria(point=point):
        failing = not criterion.is_veto and rng.random() < share
        items.append(ItemInput(criterion_id=criterion.pk, result=ItemResult.NOT_MET if failing else ItemResult.MET,
                               note=rng.choice(FINDINGS) if failing else ""))  # fmt: skip
    key = uuid.uuid5(uuid.NAMESPACE_URL, f"demo-inspection/{round.pk}/{point.pk}")
    inspection_submit(actor=inspector, round=round, point=point, items=items, key=key, now=when)


def seed_demo_inspections(campaign: Campaign) -> None:
    if InspectionRound.objects.filter(campaign=campaign).exists():
        return
    office, inspector = User.objects.get(username="office"), User.objects.get(username="inspector")
    draw = sampling_draw(actor=office, campaign=campaign, seed=2027, note="模拟测评点位抽样")
    drawn = [row.point for row in draw.sampled_points.select_related("point", "point__grid").order_by("position")]
    rng = random.Random(2027)  # noqa: S311 - a reproducible demo, not a secret
    today = timezone.localdate()
    for name, kind, weeks_ago, share, count, closed in DEMO_ROUNDS:
        if closed:
            starts_on = today - datetime.timedelta(days=7 * weeks_ago)
            ends_on = starts_on + datetime.timedelta(days=2)
        else:  # this week, Monday to Sunday
            starts_on = today - datetime.timedelta(days=today.weekday())
            ends_on = starts_on + datetime.timedelta(days=6)
        points = drawn if count is None else rng.sample(drawn, count)
        round = round_create(actor=office, campaign=campaign, kind=kind, name=name, starts_on=starts_on,
                             ends_on=ends_on, points=points, inspectors=[inspector],
                             sampling=draw if kind == RoundKind.MOCK else None)  # fmt: skip
        visited = points if closed else points[: max(1, len(points) - 1)]
        when = timezone.make_aware(datetime.datetime.combine(starts_on, datetime.time(10, 0)))
        for point in visited:
            _demo_visit(inspector=inspector, round=round, point=point, rng=rng, share=share,
                        when=min(when, timezone.now()))  # fmt: skip
        if closed:
            findings = InspectionItem.objects.filter(inspection__round=round, result=ItemResult.NOT_MET)
            findings_approve(actor=office, items=list(findings))
            round_close(actor=office, round=round)


# Units that report less diligently than the rest, so the demo's rankings have a black list and an evening meeting.
LAGGARDS = {"SFS-XC-XH-LY": 0.15, "SFS-B-TSW": 0.3, "SFS-XC-JN": 0.35}
WORK_DONE = ["巡查背街小巷，清理乱堆乱放", "组织志愿者开展文明劝导", "整治非机动车乱停放", "更新公益广告和宣传栏",
             "督促商户落实门前三包", "开展楼道堆物清理"]  # fmt: skip


def _seed_report_history(campaign: Campaign, first: datetime.date, last: datetime.date) -> None:
    """Daily reports for the days from `first` to `last` that have none: most units report on time most days."""
    rng = random.Random(20270101)  # noqa: S311 - a reproducible demo, not a secret
    schedule = daily_settings_get(campaign=campaign)
    units = list(reporting_units(campaign=campaign).order_by("code"))
    taken = set(DailyReport.objects.filter(campaign=campaign, date__gte=first, date__lte=last)
                .values_list("unit_id", "date"))  # fmt: skip
    rows = []
    for unit in units:
        diligence = LAGGARDS.get(unit.code, 0.55 + rng.random() * 0.45)
        for n in range((last - first).days + 1):
            day = first + datetime.timedelta(days=n)
            if (unit.pk, day) in taken or rng.random() > diligence:
                continue
            deadline = schedule.deadline_on(day)
            late = rng.random() < 0.1
            submitted = deadline + datetime.timedelta(minutes=40) if late else deadline - datetime.timedelta(hours=1)
            rows.append(DailyReport(
                campaign=campaign, unit=unit, date=day, status=DailyReportStatus.SUBMITTED, deadline_at=deadline,
                submitted_at=submitted, first_submitted_at=submitted, is_late=late, work_done=rng.choice(WORK_DONE),
                people_deployed=rng.randint(3, 30), created_at=submitted, updated_at=submitted,
            ))  # fmt: skip
    DailyReport.objects.bulk_create(rows, batch_size=500)


def seed_demo_rankings(campaign: Campaign) -> None:
    """The last two weeks' rankings, published on their weekly day, and the office's accountability records for
    the unit at the bottom twice."""
    if Ranking.objects.filter(campaign=campaign).exists():
        return
    office = User.objects.get(username="office")
    schedule = daily_settings_get(campaign=campaign)
    today = timezone.localdate()
    last = today - datetime.timedelta(days=(today.weekday() - schedule.weekly_weekday - 1) % 7 + 1)
    weeks = [last - datetime.timedelta(days=7), last]
    _seed_report_history(campaign, weeks[0] - datetime.timedelta(days=6), last)
    for end in weeks:
        moment = timezone.make_aware(datetime.datetime.combine(end, schedule.compile_at))
        for ranking in ranking_compute(campaign=campaign, period=RankingPeriod.WEEKLY, period_end=end, now=moment):
            ranking_publish(actor=office, ranking=ranking, now=moment + datetime.timedelta(minutes=30))
    black = (
        RankingEntry.objects.filter(ranking__campaign=campaign, ranking__period_end=last, list_kind=ListKind.BLACK,
                                    unit__isnull=False)
        .select_related("unit", "ranking").order_by("-black_list_count", "score", "unit__code")
    )  # fmt: skip
    for entry in black[:2]:
        unit = entry.unit
        accountability_record(
            actor=office, campaign=campaign, unit=unit, kind=AccountabilityKind.CRITICISM, decided_on=last,
            reason=f"{last:%m月%d日}周排名列入黑榜（{entry.score}分），在全市通报批评。", decided_by="市创城指挥部",
            ranking_entries=[entry],
        )  # fmt: skip
        if entry.black_list_count >= 2:
            accountability_record(
                actor=office, campaign=campaign, unit=unit, kind=AccountabilityKind.TALK, decided_on=last,
                person_name=unit.leader_in_charge or "", person_position="分管领导",
                reason="连续两周列入黑榜，由分管领导约谈。", decided_by="市创城指挥部", ranking_entries=[entry],
            )  # fmt: skip
    overdue = (
        Problem.objects.filter(campaign=campaign)
        .open()
        .filter(Problem.overdue_q())
        .select_related("responsible_unit")
        .exclude(responsible_unit=None)
        .order_by("deadline")
        .first()
    )
    if overdue is not None:
        accountability_record(
            actor=office, campaign=campaign, unit=overdue.responsible_unit, decided_on=today,
            kind=AccountabilityKind.BONUS_DEDUCTION, amount=Decimal("2000"), decided_by="市创城指挥部",
            reason=f"问题{overdue.reference}超期未整改，扣减文明奖。", problems=[overdue],
        )  # fmt: skip
    _seed_ledger_history(campaign, today - datetime.timedelta(days=30), today - datetime.timedelta(days=4))


HISTORY_FINDINGS = [
    "垃圾桶满溢未及时清运", "公益广告破损", "非机动车乱停放", "占道经营", "绿化带内有垃圾", "墙面乱张贴", "井盖破损",
    "路面坑洼积水", "宣传栏内容过期", "楼道堆放杂物",
]  # fmt: skip


def _seed_ledger_history(campaign: Campaign, first: datetime.date, last: datetime.date) -> None:
    """A month of the ledger behind the dashboard's trend: a few problems found at manual points every day, each
    dispatched an hour later with two days to rectify, handed in and closed within three days, about a fifth of
    them after the deadline. Written after the rankings are published, so the published figures stay as computed;
    all closed before today, so nobody is told of them as overdue."""
    from campaign.models import Point
    from rectification.choices import ProblemSource, ProblemStatus
    from rectification.models import ProblemCategory, ProblemTransition

    rng = random.Random(202711)  # noqa: S311 - a reproducible demo, not a secret
    points = list(
        Point.objects.filter(campaign=campaign, is_active=True, responsibility__unit__isnull=False)
        .select_related("grid", "responsibility__unit")
        .order_by("code")
    )
    categories = list(ProblemCategory.objects.filter(campaign=campaign, parent__isnull=False).order_by("code"))
    if not points:
        return
    problems = []
    for n in range((last - first).days + 1):
        day = first + datetime.timedelta(days=n)
        for _ in range(rng.randint(2, 6)):
            point = rng.choice(points)
            found = timezone.make_aware(datetime.datetime.combine(day, datetime.time(rng.randint(8, 16),
                                                                                     rng.randint(0, 59))))  # fmt: skip
            closed = found + datetime.timedelta(hours=rng.choice([20, 26, 30, 36, 40, 44, 46, 56, 66]))
            problems.append(Problem(
                campaign=campaign, source=ProblemSource.INSPECTION, category=rng.choice(categories) if categories
                else None, point=point, grid=point.grid, address=point.address or point.name,
                description=f"{point.name}：{rng.choice(HISTORY_FINDINGS)}", status=ProblemStatus.CLOSED,
                responsible_unit=point.responsibility.unit, responsible_leader=point.responsibility.leader_name,
                created_at=found, assigned_at=found + datetime.timedelta(hours=1),
                deadline=found + datetime.timedelta(hours=49), handled_at=closed - datetime.timedelta(hours=3),
                closed_at=closed,
            ))  # fmt: skip
    problems = Problem.objects.bulk_create(problems)
    steps = []
    for problem in problems:
        steps += [
            ProblemTransition(problem=problem, action="assign", from_status=ProblemStatus.NEW,
                              to_status=ProblemStatus.ASSIGNED, actor_repr="创城办", at=problem.assigned_at,
                              data={"deadline": problem.deadline.isoformat()}),
            ProblemTransition(problem=problem, action="submit", from_status=ProblemStatus.RECTIFYING,
                              to_status=ProblemStatus.SUBMITTED, actor_repr=problem.responsible_unit.name,
                              at=problem.handled_at),
            ProblemTransition(problem=problem, action="verify", from_status=ProblemStatus.SUBMITTED,
                              to_status=ProblemStatus.CLOSED, actor_repr="创城办", at=problem.closed_at),
        ]  # fmt: skip
    ProblemTransition.objects.bulk_create(steps)
