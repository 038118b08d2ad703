"""The report to the leaders and the bulletin: figures read at a cut-off, drafts replaced by re-runs, publication
frozen in the database, corrections as versions, named units acknowledging, the scheduled steps."""

import datetime
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaign.choices import MembershipRole
from campaign.cycle import cycle_due, cycle_step_run
from campaign.daily_reports import daily_report_submit, daily_settings_update
from campaign.models import DispatchOrder, DispatchTarget
from campaign.services import membership_set
from core.errors import DomainError
from core.models import Notification
from rectification.choices import ProblemSource, ProblemStatus
from rectification.models import Problem
from scoring.choices import DocumentStatus, MentionReason, Period
from scoring.documents import (
    document_compile,
    document_correct,
    document_edit,
    document_publish,
    mention_acknowledge,
)
from scoring.models import Bulletin, BulletinMention, LeaderReport
from tests.factories import UnitFactory, UserFactory

DAY = datetime.date(2026, 11, 20)


def at(hour, minute=0, day=DAY):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def problem(city, *, unit=None, created=None, deadline=None, status=ProblemStatus.ASSIGNED, closed=None,
            source=ProblemSource.INSPECTION, description="垃圾满溢"):  # fmt: skip
    # The ledger's past is written directly: the workflow stamps the real clock, the figures read past moments.
    return Problem.objects.create(
        campaign=city.campaign, source=source, description=description, point=city.point,
        responsible_unit=unit or city.community, status=status, created_at=created or at(9),
        deadline=deadline, closed_at=closed,
    )  # fmt: skip


@pytest.fixture
def day(city):
    """One day in the city: 幸福社区 reports on time with a difficulty, 柳荫社区 late; two findings, one closed;
    one problem of 和平社区 overdue since the day before; a dispatch order 安居物业 has not done."""
    daily_report_submit(actor=city.users["unit"], unit=city.community, date=DAY, now=at(16), work_done="巡查",
                        people_deployed=12, draft_difficulties="人行道破损需协调")  # fmt: skip
    daily_report_submit(actor=city.users["other_unit"], unit=city.elsewhere, date=DAY, now=at(17, 20),
                        work_done="补报")  # fmt: skip
    problem(city, created=at(10), deadline=at(18, 0, DAY + datetime.timedelta(days=2)))
    problem(city, created=at(11), status=ProblemStatus.CLOSED, closed=at(15), description="已整改")
    problem(city, unit=city.neighbour, created=at(9, 0, DAY - datetime.timedelta(days=3)),
            deadline=at(12, 0, DAY - datetime.timedelta(days=1)), description="井盖缺失")  # fmt: skip
    order = DispatchOrder.objects.create(campaign=city.campaign, date=DAY, title="清理主干道两侧小广告",
                                         deadline=at(12), issued_by=city.users["office"], issued_at=at(8))  # fmt: skip
    DispatchTarget.objects.create(order=order, unit=city.company)
    DispatchTarget.objects.create(order=order, unit=city.community, acknowledged_at=at(9), completed_at=at(11))
    return city


def test_the_report_to_the_leaders_states_the_days_figures(day):
    report = document_compile(model=LeaderReport, campaign=day.campaign, period=Period.DAILY, end_date=DAY,
                              now=at(17, 30))  # fmt: skip
    data = report.data
    assert (report.status, report.version, report.cutoff_at) == (DocumentStatus.DRAFT, 1, at(17, 30))
    assert data["compliance"]["counts"] == {"on_time": 1, "late": 1, "missing": 3, "due": 0, "empty": 0}
    assert [e["unit"] for e in data["compliance"]["missing"]] == ["东华街道", "和平社区", "安居物业"]
    assert [e["unit"] for e in data["compliance"]["late"]] == ["柳荫社区"]
    assert (data["problems"]["new"], data["problems"]["closed"], data["problems"]["overdue"]) == (2, 1, 1)
    assert {row["unit"]: (row["new"], row["closed"], row["overdue"]) for row in data["problems"]["by_unit"]} == {
        "幸福社区": (2, 1, 0), "和平社区": (0, 0, 1)
    }  # fmt: skip
    assert (data["dispatch"]["due"], data["dispatch"]["done"], data["dispatch"]["overdue_total"]) == (2, 1, 1)
    assert [o["unit"] for o in data["dispatch"]["overdue"]] == ["安居物业"]
    assert [d["text"] for d in data["difficulties"]] == ["人行道破损需协调"]
    assert [h["unit"] for h in data["highlights"]] == ["幸福社区", "柳荫社区"]


def test_what_comes_after_the_cut_off_is_not_counted(day):
    report = document_compile(model=LeaderReport, campaign=day.campaign, period=Period.DAILY, end_date=DAY,
                              now=at(17, 10))  # fmt: skip
    counts = report.data["compliance"]["counts"]
    assert (counts["on_time"], counts["late"], counts["missing"]) == (1, 0, 4), "柳荫社区 reported at 17:20"


def test_the_bulletin_names_units_and_lists_findings_and_overdue_problems(day):
    bulletin = document_compile(model=Bulletin, campaign=day.campaign, period=Period.DAILY, end_date=DAY,
                                now=at(17, 30))  # fmt: skip
    assert [f["description"] for f in bulletin.data["findings"]] == ["垃圾满溢", "已整改"]
    assert [(o["unit"], o["days_over"]) for o in bulletin.data["overdue"]] == [("和平社区", 1)]
    named = {(m.unit.name, m.reason) for m in bulletin.mentions.select_related("unit")}
    assert named == {
        ("东华街道", MentionReason.MISSING_REPORT), ("和平社区", MentionReason.MISSING_REPORT),
        ("安居物业", MentionReason.MISSING_REPORT), ("柳荫社区", MentionReason.LATE_REPORT),
        ("和平社区", MentionReason.OVERDUE_PROBLEMS), ("安居物业", MentionReason.OVERDUE_ORDERS),
    }  # fmt: skip
    assert [(s["unit"], s["overdue"], s["missed_reports"]) for s in bulletin.data["standing"]][:1] == [
        ("和平社区", 1, 1)
    ]


def test_compiling_again_replaces_the_draft(day):
    first = document_compile(model=Bulletin, campaign=day.campaign, period=Period.DAILY, end_date=DAY,
                             now=at(17, 10))  # fmt: skip
    again = document_compile(model=Bulletin, campaign=day.campaign, period=Period.DAILY, end_date=DAY,
                             now=at(17, 30))  # fmt: skip
    assert again.pk == first.pk and Bulletin.objects.count() == 1
    assert again.cutoff_at == at(17, 30)
    assert BulletinMention.objects.filter(bulletin=again, reason=MentionReason.LATE_REPORT).count() == 1


def test_a_published_bulletin_is_frozen_and_told_once(day):
    bulletin = document_compile(model=Bulletin, campaign=day.campaign, period=Period.DAILY, end_date=DAY,
                                now=at(17, 30))  # fmt: skip
    document_edit(actor=day.users["office"], document=bulletin, lead="通报如下")
    document_publish(actor=day.users["office"], document=bulletin, now=at(18))
    sent = Notification.objects.count()
    # 东华街道's head, 柳荫社区's liaison (named) and the leader of 东华街道.
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"head", "liaison_ly", "leader"}
    document_publish(actor=day.users["office"], document=bulletin, now=at(18, 5))
    assert Notification.objects.count() == sent
    bulletin.refresh_from_db()
    assert (bulletin.status, bulletin.published_at, bulletin.published_by) == (
        DocumentStatus.PUBLISHED,
        at(18),
        day.users["office"],
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        Bulletin.objects.filter(pk=bulletin.pk).update(lead="改过了")
    with pytest.raises(DomainError):
        document_edit(actor=day.users["office"], document=bulletin, lead="改过了")
    assert document_compile(model=Bulletin, campaign=day.campaign, period=Period.DAILY, end_date=DAY,
                            now=at(19)) is None  # fmt: skip
    assert Bulletin.objects.count() == 1


@pytest.mark.usefixtures("english")
def test_a_correction_is_a_new_version_that_says_what_it_corrects(day):
    bulletin = document_compile(model=Bulletin, campaign=day.campaign, period=Period.DAILY, end_date=DAY,
                                now=at(17, 30))  # fmt: skip
    document_publish(actor=day.users["office"], document=bulletin, now=at(18))
    with pytest.raises(DomainError, match="Only the command office"):
        document_correct(actor=day.users["unit"], document=bulletin)
    draft = document_correct(actor=day.users["office"], document=bulletin)
    bulletin.refresh_from_db()
    draft.refresh_from_db()
    assert (draft.version, draft.status, draft.data) == (2, DocumentStatus.DRAFT, bulletin.data)
    assert draft.mentions.count() == bulletin.mentions.count() == 6
    with pytest.raises(DomainError, match=r"A corrected version is already being prepared\."):
        document_correct(actor=day.users["office"], document=bulletin)
    document_edit(actor=day.users["office"], document=draft, lead="更正", correction_note="")
    with pytest.raises(DomainError, match="Say what this version corrects"):
        document_publish(actor=day.users["office"], document=draft)
    document_edit(actor=day.users["office"], document=draft, lead="更正", correction_note="柳荫社区系按时报送，更正")
    document_publish(actor=day.users["office"], document=draft, now=at(19))
    assert list(Bulletin.objects.order_by("version").values_list("version", "status", "lead")) == [
        (1, "published", ""), (2, "published", "更正")
    ]  # fmt: skip


@pytest.mark.usefixtures("english")
def test_a_named_unit_acknowledges_once_after_publication(day):
    bulletin = document_compile(model=Bulletin, campaign=day.campaign, period=Period.DAILY, end_date=DAY,
                                now=at(17, 30))  # fmt: skip
    mention = bulletin.mentions.get(unit=day.elsewhere)
    with pytest.raises(DomainError, match=r"The bulletin is not published yet\."):
        mention_acknowledge(actor=day.users["other_unit"], mention=mention)
    document_publish(actor=day.users["office"], document=bulletin, now=at(18))
    with pytest.raises(DomainError, match=r"Only the named unit's head or liaisons acknowledge\."):
        mention_acknowledge(actor=day.users["unit"], mention=mention)
    mention_acknowledge(actor=day.users["other_unit"], mention=mention, now=at(18, 30))
    mention_acknowledge(actor=day.users["other_unit"], mention=mention, now=at(19))
    mention.refresh_from_db()
    assert (mention.acknowledged_at, mention.acknowledged_by) == (at(18, 30), day.users["other_unit"])


def test_compiling_takes_the_same_queries_for_more_units_and_problems(day):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            for model in (LeaderReport, Bulletin):
                document_compile(model=model, campaign=day.campaign, period=Period.DAILY, end_date=DAY,
                                 now=at(17, 30))  # fmt: skip
        return len(captured)

    queries()  # the drafts exist from here on: every later run replaces them
    small = queries()
    for number in range(8):
        unit = UnitFactory(campaign=day.campaign, parent=day.street, code=f"N{number}", name=f"新单位{number}")
        user = UserFactory()
        membership_set(actor=None, unit=unit, user=user, role=MembershipRole.LIAISON)
        daily_report_submit(actor=user, unit=unit, date=DAY, now=at(18), work_done="巡查")
        problem(day, unit=unit, created=at(8), deadline=at(9))
        problem(day, unit=unit, created=at(10), status=ProblemStatus.CLOSED, closed=at(12))
    assert queries() == small


def test_the_weekly_documents_cover_seven_days(day):
    report = document_compile(model=LeaderReport, campaign=day.campaign, period=Period.WEEKLY, end_date=DAY,
                              now=at(17, 30))  # fmt: skip
    assert (report.period_start, report.period_end) == (DAY - datetime.timedelta(days=6), DAY)
    counts = report.data["compliance"]["counts"]
    assert sum(counts[key] for key in ("on_time", "late", "missing", "due")) == 5 * 7


def test_the_scheduled_steps_compile_and_publish_on_time(day):
    assert {step for _c, _d, step in cycle_due(now=at(17, 29))} == {"remind"}
    # A Friday: the week's rankings and the weekly documents too.
    assert {step for _c, _d, step in cycle_due(now=at(17, 30))} == {"remind", "compile", "rankings", "weekly"}
    cycle_step_run(campaign=day.campaign, date=DAY, step="compile", now=at(17, 30))
    cycle_step_run(campaign=day.campaign, date=DAY, step="weekly", now=at(17, 30))
    run = cycle_step_run(campaign=day.campaign, date=DAY, step="publish", now=at(18, 30))
    # The daily and the weekly drafts, each told to the office's three members (two staff, one administrator).
    assert run.result == {"waiting": 4, "notified": 12}
    daily_settings_update(actor=day.users["office"], campaign=day.campaign, auto_publish=True)
    run = cycle_step_run(campaign=day.campaign, date=DAY, step="publish", now=at(18, 40), force=True)
    assert run.result == {"published": 4}
    call_command("run_daily_cycle", "--campaign", day.campaign.slug, "--date", "2026-11-20", "--step", "compile")
    call_command("run_daily_cycle", "--campaign", day.campaign.slug, "--date", "2026-11-20", "--step", "publish")
    assert LeaderReport.objects.count() == Bulletin.objects.count() == 2  # daily and weekly
    assert not LeaderReport.objects.filter(status=DocumentStatus.DRAFT).exists()


def test_the_weekly_step_comes_due_on_its_weekday(day):
    friday = DAY  # 2026-11-20 is a Friday, the default weekly day (4)
    assert "weekly" in {step for _c, _d, step in cycle_due(now=at(17, 30, friday))}
    thursday = DAY - datetime.timedelta(days=1)
    assert "weekly" not in {step for _c, _d, step in cycle_due(now=at(17, 30, thursday))}


# --- pages and API ---------------------------------------------------------------------------------------------------


@pytest.fixture
def published(day):
    for model in (LeaderReport, Bulletin):
        document = document_compile(model=model, campaign=day.campaign, period=Period.DAILY, end_date=DAY,
                                    now=at(17, 30))  # fmt: skip
        document_publish(actor=day.users["office"], document=document, now=at(18))
    return day


def client_for(client, city, user):
    client.force_login(city.users[user])
    session = client.session
    session["campaign_id"] = city.campaign.pk
    session.save()
    return client


def test_a_named_unit_reads_the_bulletin_and_acknowledges_from_the_page(client, published):
    bulletin = Bulletin.objects.get()
    client_for(client, published, "other_unit")
    page = client.get(reverse("document_detail", args=["bulletin", bulletin.pk]))
    assert page.status_code == 200
    mention = page.context["my_mentions"][0]
    assert mention.unit == published.elsewhere
    client.post(reverse("mention_acknowledge", args=[mention.pk]))
    mention.refresh_from_db()
    assert mention.acknowledged_by == published.users["other_unit"]
    report = LeaderReport.objects.get()
    assert client.get(reverse("document_detail", args=["leader_report", report.pk])).status_code == 404


def test_the_bulletins_excel_has_a_sheet_per_section(client, published):
    client_for(client, published, "leader")
    response = client.get(reverse("document_detail", args=["bulletin", Bulletin.objects.get().pk]),
                          {"export": "xlsx"})  # fmt: skip
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert len(workbook.sheetnames) == 6
    overdue = list(workbook.worksheets[3].iter_rows(values_only=True))
    assert [(row[0], row[1], row[3]) for row in overdue[1:]] == [
        (f"WT{Problem.objects.get(description='井盖缺失').pk:06d}", "和平社区", 1)
    ]


def test_drafts_are_the_offices(client, day):
    document_compile(model=Bulletin, campaign=day.campaign, period=Period.DAILY, end_date=DAY, now=at(17, 30))
    client_for(client, day, "leader")
    assert client.get(reverse("document_list", args=["bulletin"])).context["page_obj"].paginator.count == 0
    assert client.get("/api/v1/bulletins/").json()["count"] == 0
    client_for(client, day, "office")
    assert client.get("/api/v1/bulletins/").json()["count"] == 1


def test_the_api_publishes_and_corrects_for_the_office_only(client, day):
    bulletin = document_compile(model=Bulletin, campaign=day.campaign, period=Period.DAILY, end_date=DAY,
                                now=at(17, 30))  # fmt: skip
    client_for(client, day, "unit")
    assert client.post(f"/api/v1/bulletins/{bulletin.pk}/publish/").status_code == 403
    client_for(client, day, "office")
    assert client.post(f"/api/v1/bulletins/{bulletin.pk}/publish/").json()["status"] == "published"
    correction = client.post(f"/api/v1/bulletins/{bulletin.pk}/correct/")
    assert correction.status_code == 201 and correction.json()["version"] == 2
    refused = client.post(f"/api/v1/bulletins/{correction.json()['id']}/publish/")
    assert refused.status_code == 400
    compiled = client.post("/api/v1/bulletins/compile/", {"campaign": day.campaign.pk, "date": "2026-11-19"},
                           content_type="application/json")  # fmt: skip
    assert compiled.status_code == 201 and compiled.json()["period_end"] == "2026-11-19"
    tomorrow = str(timezone.localdate() + datetime.timedelta(days=1))
    refused = client.post("/api/v1/bulletins/compile/", {"campaign": day.campaign.pk, "date": tomorrow},
                          content_type="application/json")  # fmt: skip
    assert refused.status_code == 400 and Bulletin.objects.filter(period_end=tomorrow).count() == 0


def test_a_findings_photo_is_served_to_readers_of_the_bulletin_only_when_cited(client, day):
    from PIL import Image

    from core.images import image_clean
    from rectification.problems import problem_create

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
    found = problem_create(
        actor=day.users["inspector"], campaign=day.campaign, source=ProblemSource.COVERT_VISIT,
        description="暗访发现占道经营", point=day.point, photos=[image_clean(buffer.getvalue())],
    )  # fmt: skip
    Problem.objects.filter(pk=found.pk).update(created_at=at(14))
    bulletin = document_compile(model=Bulletin, campaign=day.campaign, period=Period.DAILY, end_date=DAY,
                                now=at(17, 30))  # fmt: skip
    document_publish(actor=day.users["office"], document=bulletin, now=at(18))
    photo = found.photos.get()
    assert [f["photo_id"] for f in bulletin.data["findings"] if f["photo_id"]] == [photo.pk]
    client_for(client, day, "other_unit")  # 柳荫社区 does not see the problem itself, but reads the bulletin
    assert client.get(reverse("problem_photo", args=[found.pk, photo.pk])).status_code == 404
    response = client.get(reverse("bulletin_photo", args=[bulletin.pk, photo.pk]), {"size": "thumb"})
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert client.get(reverse("bulletin_photo", args=[bulletin.pk, photo.pk + 1])).status_code == 404
