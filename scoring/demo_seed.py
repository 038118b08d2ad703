"""The scoring app's part of the demo.

- Yesterday's report to the leaders and bulletin, compiled at yesterday's compile time and published by the office,
  so leaders have something to read and named units something to acknowledge; today's are left for the scheduled
  jobs and the office. Only into a campaign without compiled documents.
- Inspections: a sampling draw, two closed mock assessments of the drawn points (five weeks and one week ago, the
  second finding fewer problems, so the projected score rises), a closed covert visit of a few points, and this
  week's routine inspection still open with some points visited and findings waiting for review. Only into a
  campaign without rounds.

Both run after the demo's daily reports.
"""

import datetime
import random
import uuid

from django.utils import timezone

from campaign.daily_reports import daily_settings_get
from campaign.models import Campaign
from campaign.services import sampling_draw
from core.models import User
from scoring.choices import ItemResult, Period, RoundKind
from scoring.documents import document_compile, document_edit, document_publish
from scoring.inspections import (
    ItemInput,
    findings_approve,
    inspection_criteria,
    inspection_submit,
    round_close,
    round_create,
)
from scoring.models import Bulletin, InspectionItem, InspectionRound, LeaderReport

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
