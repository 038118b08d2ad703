"""The rectification app's part of the demo city: the sample problem categories and a working-time calendar with
China's public holidays and make-up working days.

`campaign.demo_seed.seed_demo` builds the demo city but must not import this app (dependencies point
scoring → rectification → campaign → core), so this app registers `seed_demo_rectification` with
`campaign.demo_seed.register_seed_step` in its AppConfig.ready(), and seed_demo calls it inside its own transaction.
A registered callable keeps one `seed_demo` command and one transaction for the whole demo, without campaign
knowing which apps add to it; a second management command would have left the demo half-seeded when only one ran.

Like the rest of the seed it changes nothing that exists: categories are imported only into a campaign that has
none, the holidays only into a calendar created by this run, and the sample problems only into a campaign without
problems, so staff edits survive a second `seed_demo`.

The sample problems (`demo/problems.csv`) come from every source and stand at different steps of the workflow:
each is recorded and then moved through `rectification.workflow` by the people who would make each move, so the
demo's history is what the app itself would have written.
"""

import csv
import datetime
from pathlib import Path

from django.contrib.auth.models import Group, Permission

from campaign.demo_seed import OFFICE_GROUP
from campaign.models import Campaign
from rectification.choices import ProblemStatus
from rectification.imports import CategoryImport
from rectification.models import Problem, ProblemCategory, PublicReplyTemplate, WorkCalendar
from rectification.services import calendar_exception_add, work_calendar_ensure

DEMO_DIR = Path(__file__).resolve().parent / "demo"
# What command-office staff may configure in the admin.
OFFICE_PERMISSIONS = ["problemcategory", "workcalendar", "workingperiod", "calendarexception", "publicreplytemplate"]
# What the public is told in each state (the defaults for every category), and one category group's own wording.
PUBLIC_REPLIES = {
    ProblemStatus.NEW: "您反映的问题（编号{reference}，{category}）已收到，我们将尽快核实并交责任单位办理。"
    "感谢您对文明城市创建工作的关心和支持！",
    ProblemStatus.ASSIGNED: "您反映的问题（编号{reference}）已交责任单位办理，要求于{deadline}前整改到位。",
    ProblemStatus.RECTIFYING: "责任单位正在整改您反映的问题（编号{reference}），整改期限为{deadline}。",
    ProblemStatus.SUBMITTED: "责任单位已报告整改完成，创城办正在现场核查整改效果。",
    ProblemStatus.CLOSED: "您反映的问题（编号{reference}）已于{closed_at}整改完毕，经现场核查合格，予以办结。"
    "感谢您的监督，欢迎继续参与文明城市创建！",
    ProblemStatus.CANCELLED: "经核实，您反映的问题（编号{reference}）不属于本次创建工作的受理范围，"
    "或已并入其他问题一并办理，本件予以关闭。如有疑问，请拨打12345热线。",
}
CATEGORY_REPLIES = {
    (
        "BJ01",
        ProblemStatus.CLOSED,
    ): "您反映的公用设施问题（编号{reference}，{category}）已于{closed_at}修复并经现场核查合格。"
    "设施维护离不开大家的爱护，感谢您的监督！",
}


def holiday_rows(path: Path = DEMO_DIR / "holidays.csv") -> list[dict[str, str]]:
    """The rows of a holidays file (date, kind, name); lines starting with # are comments."""
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def seed_demo_rectification(campaign: Campaign) -> None:
    group = Group.objects.filter(name=OFFICE_GROUP).first()
    if group is not None:
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="rectification", content_type__model__in=OFFICE_PERMISSIONS
            )
        )
    if not ProblemCategory.objects.filter(campaign=campaign).exists():
        filename = "problem_categories.csv"
        plan = CategoryImport(campaign=campaign, filename=filename, data=(DEMO_DIR / filename).read_bytes())
        if plan.has_errors:
            raise RuntimeError(f"the demo file {filename} does not import: {[str(i) for i in plan.issues]}")
        plan.apply(actor=None)
    if not WorkCalendar.objects.filter(campaign=campaign).exists():
        calendar = work_calendar_ensure(actor=None, campaign=campaign)
        for row in holiday_rows():
            calendar_exception_add(
                actor=None,
                calendar=calendar,
                date=datetime.date.fromisoformat(row["date"]),
                kind=row["kind"],
                name=row["name"],
            )


def seed_demo_public_replies(campaign: Campaign) -> None:
    """The public replies, only into a campaign that has none (staff edit them in the admin)."""
    if PublicReplyTemplate.objects.filter(campaign=campaign).exists():
        return
    categories = {category.code: category for category in ProblemCategory.objects.filter(campaign=campaign)}
    PublicReplyTemplate.objects.bulk_create(
        [PublicReplyTemplate(campaign=campaign, status=status, text=text) for status, text in PUBLIC_REPLIES.items()]
        + [
            PublicReplyTemplate(campaign=campaign, category=categories[code], status=status, text=text)
            for (code, status), text in CATEGORY_REPLIES.items()
            if code in categories
        ]
    )


def demo_photo(color: str):
    """A plain picture standing in for a phone photo, cleaned like any upload."""
    import io

    from PIL import Image

    from core.images import image_clean

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), color).save(buffer, "JPEG")
    return image_clean(buffer.getvalue())


def seed_demo_problems(campaign: Campaign) -> None:
    from django.utils import timezone

    from campaign.models import Point, Unit
    from core.models import User
    from rectification import workflow
    from rectification.choices import PUBLIC_SOURCES
    from rectification.problems import problem_create, problem_report_public

    if Problem.objects.filter(campaign=campaign).exists():
        return
    users = {user.username: user for user in User.objects.filter(username__in=["office", "inspector",
                                                                               "liaison_community"])}  # fmt: skip
    office, inspector = users["office"], users["inspector"]
    points = {point.code: point for point in Point.objects.filter(campaign=campaign)}
    categories = {category.code: category for category in ProblemCategory.objects.filter(campaign=campaign)}
    with open(DEMO_DIR / "problems.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        point = points.get(row["point"])
        if row["source"] in PUBLIC_SOURCES:
            # As the public report page and the hotline feed them in: no account, a place, a tracking code.
            problem = problem_report_public(
                campaign=campaign, source=row["source"], category=categories[row["category"]],
                description=row["description"], reporter_name=row["reporter_name"],
                reporter_phone=row["reporter_phone"], address=row["address"] or (point.address if point else ""),
                longitude=point.longitude if point else None, latitude=point.latitude if point else None,
                photos=[demo_photo("#b0413e")],
            )  # fmt: skip
        else:
            problem = problem_create(
                actor=users[row["recorded_by"]], campaign=campaign, source=row["source"], point=point,
                address=row["address"], category=categories[row["category"]], description=row["description"],
                severity=row["severity"], photos=[demo_photo("#b0413e")],
            )  # fmt: skip
        for move in row["moves"].split():
            if move == "assign":
                unit = problem.responsible_unit or Unit.objects.get(campaign=campaign, code="SFS-DC-DH")
                deadline = None
                if row["deadline_hours_ago"]:
                    deadline = timezone.now() - datetime.timedelta(hours=int(row["deadline_hours_ago"]))
                problem = workflow.problem_assign(actor=office, problem=problem, unit=unit, deadline=deadline)
            elif move == "submit":
                problem = workflow.problem_submit(actor=office, problem=problem, note="已按要求整改，附整改后照片。",
                                                  photos=[demo_photo("#3e7cb0")])  # fmt: skip
            elif move in ("verify", "return"):
                note = "复核合格，予以销号。" if move == "verify" else "复核发现仍有杂物堆放，退回重办。"
                problem = workflow.problem_move(actor=inspector, problem=problem, action=move, note=note)
            else:
                notes = {"dispute": "该宣传栏属物业管理区域，应由物业公司负责。"}
                problem = workflow.problem_move(actor=office, problem=problem, action=move,
                                                note=notes.get(move, ""))  # fmt: skip
