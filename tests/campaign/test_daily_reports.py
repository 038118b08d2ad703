"""Units' daily reports: submitting once, the deadline and the lock, unlocking, compliance per day, findings into
the ledger, coordination items, reminders and the scheduled steps of the daily cycle."""

import datetime
import threading
import uuid

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaign.choices import CoordinationStatus, DailyReportStatus, MembershipRole, ReportCompliance
from campaign.cycle import cycle_due, cycle_step_run
from campaign.daily_reports import (
    compliance_counts,
    coordination_item_update,
    daily_report_remind,
    daily_report_save_draft,
    daily_report_submit,
    daily_report_unlock,
    daily_settings_update,
    report_compliance,
)
from campaign.models import CoordinationItem, CycleRun, DailyReport, DailyReportFinding
from campaign.services import membership_set
from core.errors import DomainError
from core.models import AuditEvent, Notification
from rectification.choices import ProblemSource
from rectification.models import Problem
from tests.factories import UnitFactory, UserFactory

DAY = datetime.date(2026, 11, 20)  # a Friday


def at(hour, minute=0, day=DAY):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def submit(city, *, user="unit", unit=None, now=None, **fields):
    return daily_report_submit(
        actor=city.users[user], unit=unit or city.community, date=DAY, now=now or at(16), **fields
    )


def test_an_on_time_report_records_findings_in_the_ledger_and_difficulties_for_the_office(city):
    report = submit(
        city, work_done="清理楼道堆物5处", people_deployed=12, problems_rectified=3,
        draft_findings="3号楼下电动车乱停放\n- 宣传栏破损\n\n3号楼下电动车乱停放",
        draft_difficulties="人行道破损需住建局维修",
    )  # fmt: skip
    assert (report.status, report.is_late, report.is_empty) == (DailyReportStatus.SUBMITTED, False, False)
    assert report.first_submitted_at == report.submitted_at == at(16)
    assert report.draft_findings == report.draft_difficulties == ""
    findings = list(report.findings.order_by("position"))
    assert [f.text for f in findings] == ["3号楼下电动车乱停放", "宣传栏破损"]
    problems = Problem.objects.filter(report_finding__report=report).order_by("pk")
    assert [(p.source, p.responsible_unit, p.description) for p in problems] == [
        (ProblemSource.SELF_FOUND, city.community, "3号楼下电动车乱停放"),
        (ProblemSource.SELF_FOUND, city.community, "宣传栏破损"),
    ]
    assert [f.problem_reference for f in findings] == [p.reference for p in problems]
    item = CoordinationItem.objects.get()
    assert (item.unit, item.report, item.text, item.status, item.raised_on) == (
        city.community,
        report,
        "人行道破损需住建局维修",
        CoordinationStatus.OPEN,
        DAY,
    )
    assert AuditEvent.objects.filter(action="campaign.daily_report.submit", object_id=str(report.pk)).count() == 1


def test_the_same_submission_key_twice_changes_nothing(city):
    key = uuid.uuid4()
    first = submit(city, key=key, work_done="巡查", draft_findings="井盖缺失")
    again = submit(city, key=key, work_done="巡查（改）", draft_findings="井盖缺失\n另一个问题", now=at(16, 5))
    assert again.pk == first.pk
    again.refresh_from_db()
    assert (again.work_done, again.submitted_at) == ("巡查", at(16))
    assert DailyReportFinding.objects.count() == 1
    assert Problem.objects.filter(source=ProblemSource.SELF_FOUND).count() == 1


def test_submitting_again_before_the_deadline_updates_and_adds_only_new_lines(city):
    submit(city, work_done="上午巡查", draft_findings="井盖缺失", draft_difficulties="需协调城管")
    report = submit(city, work_done="全天巡查", draft_findings="井盖缺失\n路灯不亮", draft_difficulties="需协调城管",
                    now=at(16, 30))  # fmt: skip
    assert report.work_done == "全天巡查"
    assert report.first_submitted_at == at(16) and report.submitted_at == at(16, 30)
    assert sorted(report.findings.values_list("text", flat=True)) == ["井盖缺失", "路灯不亮"]
    assert Problem.objects.filter(source=ProblemSource.SELF_FOUND).count() == 2
    assert CoordinationItem.objects.count() == 1


@pytest.mark.usefixtures("english")
def test_after_the_deadline_a_submitted_report_is_locked_until_the_office_unlocks_it(city):
    report = submit(city, work_done="巡查")
    assert report.is_locked(now=at(17, 1))
    with pytest.raises(DomainError, match="The deadline \\(2026-11-20 17:00\\) has passed and the report is locked"):
        submit(city, work_done="补充", now=at(17, 1))
    with pytest.raises(DomainError, match=r"Only the command office unlocks a report\."):
        daily_report_unlock(actor=city.users["street"], report=report, reason="补报", now=at(17, 2))
    with pytest.raises(DomainError, match=r"Give the reason for unlocking\."):
        daily_report_unlock(actor=city.users["office"], report=report, reason="  ", now=at(17, 2))
    daily_report_unlock(actor=city.users["office"], report=report, reason="数字填错，允许更正", now=at(17, 2))
    report = submit(city, work_done="巡查（更正）", now=at(17, 10))
    assert (report.work_done, report.is_late, report.unlock_reason) == ("巡查（更正）", False, "数字填错，允许更正")
    assert report.is_locked(now=at(17, 11)), "submitting after an unlock locks it again"
    event = AuditEvent.objects.get(action="campaign.daily_report.unlock")
    assert (event.actor, event.data) == (city.users["office"], {"reason": "数字填错，允许更正"})


@pytest.mark.usefixtures("english")
def test_a_report_not_locked_cannot_be_unlocked(city):
    report = submit(city, work_done="巡查")
    with pytest.raises(DomainError, match=r"This report is not locked\."):
        daily_report_unlock(actor=city.users["office"], report=report, reason="x", now=at(16, 30))


def test_a_first_submission_after_the_deadline_is_accepted_and_marked_late(city):
    report = submit(city, work_done="补报", now=at(19))
    assert (report.is_late, report.compliance(now=at(19))) == (True, ReportCompliance.LATE)


def test_a_report_with_nothing_in_it_is_flagged(city):
    assert submit(city).is_empty is True
    assert submit(city, unit=city.elsewhere, user="other_unit", volunteers=3).is_empty is False


@pytest.mark.usefixtures("english")
def test_only_the_units_own_head_or_liaisons_write_its_report(city):
    for user in ("street", "office", "leader", "other_unit"):
        with pytest.raises(DomainError, match=r"Only the unit's head or liaisons write its daily report\.") as caught:
            submit(city, user=user)
        assert caught.value.code == "forbidden"
    assert not DailyReport.objects.exists()


@pytest.mark.usefixtures("english")
def test_reports_are_not_written_for_days_to_come(city):
    with pytest.raises(DomainError, match="Reports are written on the day"):
        daily_report_submit(actor=city.users["unit"], unit=city.community, date=DAY + datetime.timedelta(days=1),
                            now=at(16))  # fmt: skip


def test_a_draft_keeps_typed_lines_and_only_the_submission_turns_them_into_findings(city):
    draft = daily_report_save_draft(actor=city.users["unit"], unit=city.community, date=DAY, now=at(10),
                                    work_done="上午巡查", draft_findings="井盖缺失")  # fmt: skip
    assert (draft.status, draft.draft_findings, draft.submitted_at) == (DailyReportStatus.DRAFT, "井盖缺失", None)
    assert not DailyReportFinding.objects.exists()
    report = submit(city, draft_findings=draft.draft_findings)
    assert report.pk == draft.pk and report.findings.count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_submissions_make_one_report(city):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race is real on PostgreSQL (CI's second pass)")
    errors, barrier = [], threading.Barrier(20)

    def post():
        try:
            barrier.wait()
            submit(city, key=uuid.uuid4(), work_done="巡查", draft_findings="井盖缺失")
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert DailyReport.objects.count() == 1
    assert DailyReportFinding.objects.count() == 1
    assert Problem.objects.filter(source=ProblemSource.SELF_FOUND).count() == 1


def test_compliance_of_every_unit_for_a_day(city):
    submit(city, work_done="巡查", now=at(16))
    submit(city, unit=city.elsewhere, user="other_unit", now=at(18))
    membership_set(actor=None, unit=city.neighbour, user=UserFactory(), role=MembershipRole.LIAISON)
    daily_report_submit(actor=city.neighbour.memberships.get().user, unit=city.neighbour, date=DAY, now=at(15))
    rows = {unit.code: unit.compliance for unit in report_compliance(campaign=city.campaign, date=DAY, now=at(18))}
    assert rows == {"ST": ReportCompliance.MISSING, "XF": ReportCompliance.ON_TIME, "HP": ReportCompliance.ON_TIME,
                    "WY": ReportCompliance.MISSING, "LY": ReportCompliance.LATE}  # fmt: skip
    before = {unit.code: unit.compliance for unit in report_compliance(campaign=city.campaign, date=DAY, now=at(16))}
    assert before["ST"] == ReportCompliance.DUE
    counts = compliance_counts(campaign=city.campaign, date=DAY, now=at(18))
    assert counts == {"on_time": 2, "late": 1, "missing": 2, "due": 0, "empty": 2}
    mine = report_compliance(campaign=city.campaign, date=DAY, user=city.users["unit"], now=at(18))
    assert [unit.code for unit in mine] == ["XF"]


def test_compliance_takes_the_same_queries_for_more_units(city):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            list(report_compliance(campaign=city.campaign, date=DAY, now=at(18)))
            compliance_counts(campaign=city.campaign, date=DAY, now=at(18))
        return len(captured)

    small = queries()
    for number in range(10):
        unit = UnitFactory(campaign=city.campaign, parent=city.street, code=f"N{number}")
        user = UserFactory()
        membership_set(actor=None, unit=unit, user=user, role=MembershipRole.LIAISON)
        daily_report_submit(actor=user, unit=unit, date=DAY, now=at(12))
    assert queries() == small


def test_the_schedule_moves_the_deadline(city):
    daily_settings_update(actor=city.users["office"], campaign=city.campaign, report_deadline=datetime.time(12, 0),
                          compile_at=datetime.time(12, 30))  # fmt: skip
    assert submit(city, work_done="巡查", now=at(13)).is_late is True


@pytest.mark.usefixtures("english")
def test_the_schedule_refuses_compiling_before_the_deadline(city):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Compile after the report deadline"):
        daily_settings_update(actor=city.users["office"], campaign=city.campaign, compile_at=datetime.time(16, 0))
    with pytest.raises(DomainError):
        daily_settings_update(actor=city.users["unit"], campaign=city.campaign, compile_at=datetime.time(18, 0))


def test_the_reminder_reaches_units_that_have_not_reported_once(city):
    submit(city, work_done="巡查", now=at(16))
    assert daily_report_remind(campaign=city.campaign, date=DAY, now=at(16, 30)) == 2  # street head, 柳荫 liaison
    assert daily_report_remind(campaign=city.campaign, date=DAY, now=at(16, 40)) == 0
    recipients = set(Notification.objects.values_list("recipient__username", flat=True))
    assert recipients == {"head", "liaison_ly"}


def test_the_office_owns_and_resolves_a_coordination_item(city):
    submit(city, draft_difficulties="人行道破损")
    item = CoordinationItem.objects.get()
    with pytest.raises(DomainError):
        coordination_item_update(actor=city.users["unit"], item=item, resolve=True)
    with pytest.raises(DomainError):
        coordination_item_update(actor=city.users["office"], item=item, resolve=True)  # no resolution yet
    item = coordination_item_update(actor=city.users["office"], item=item, owner=city.users["office2"],
                                    resolution="已协调区住建局，11月25日前修复", resolve=True, now=at(18))  # fmt: skip
    assert (item.owner, item.status, item.resolved_by, item.resolved_at) == (
        city.users["office2"],
        CoordinationStatus.RESOLVED,
        city.users["office"],
        at(18),
    )


def test_the_reminder_step_comes_due_at_its_time_and_runs_once_a_day(city, settings):
    assert (city.campaign.pk, DAY, "remind") not in cycle_due(now=at(16, 29))
    assert (city.campaign.pk, DAY, "remind") in cycle_due(now=at(16, 30))
    run = cycle_step_run(campaign=city.campaign, date=DAY, step="remind", now=at(16, 30))
    assert (run.runs, run.result) == (1, {"notified": 3})
    assert (city.campaign.pk, DAY, "remind") not in cycle_due(now=at(16, 45))
    again = cycle_step_run(campaign=city.campaign, date=DAY, step="remind", now=at(16, 45))
    assert again.runs == 1, "a queued duplicate does not run a finished step"
    forced = cycle_step_run(campaign=city.campaign, date=DAY, step="remind", now=at(16, 50), force=True)
    assert (forced.runs, forced.result) == (2, {"notified": 0})
    assert Notification.objects.count() == 3
    assert CycleRun.objects.count() == 1


def test_run_daily_cycle_reruns_a_step_by_hand(city, capsys):
    call_command("run_daily_cycle", "--campaign", city.campaign.slug, "--date", "2026-11-20", "--step", "remind")
    call_command("run_daily_cycle", "--campaign", city.campaign.slug, "--date", "2026-11-20")
    output = capsys.readouterr().out
    assert "remind: run 1 (notified 3)" in output and "remind: run 2 (notified 0)" in output
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Unknown step 'publish-all'"):
        call_command("run_daily_cycle", "--campaign", city.campaign.slug, "--date", "2026-11-20", "--step",
                     "publish-all")  # fmt: skip


# --- pages ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def unit_client(client, city):
    client.force_login(city.users["unit"])
    session = client.session
    session["campaign_id"] = city.campaign.pk
    session.save()
    return client


def test_a_liaison_submits_the_days_report_from_the_page(unit_client, city):
    page = unit_client.get(reverse("daily_report_form"))
    assert page.status_code == 200
    key = page.context["form"]["key"].value()
    data = {"key": key, "work_done": "巡查", "people_deployed": "4", "problems_rectified": "0", "volunteers": "0",
            "volunteer_activity": "", "draft_findings": "井盖缺失", "draft_difficulties": ""}  # fmt: skip
    response = unit_client.post(reverse("daily_report_form"), data)
    report = DailyReport.objects.get()
    assert response.status_code == 302 and response.url == reverse("daily_report_detail", args=[report.pk])
    unit_client.post(reverse("daily_report_form"), data)  # the double click
    assert DailyReport.objects.count() == 1 and DailyReportFinding.objects.count() == 1
    detail = unit_client.get(response.url)
    assert "井盖缺失" in detail.content.decode()


def test_the_page_autosaves_a_draft(unit_client, city):
    data = {"autosave": "1", "work_done": "上午巡查", "people_deployed": "2"}
    response = unit_client.post(reverse("daily_report_form"), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    report = DailyReport.objects.get()
    assert (report.status, report.work_done, report.people_deployed) == (DailyReportStatus.DRAFT, "上午巡查", 2)


def test_office_staff_have_no_report_form(client, city):
    client.force_login(city.users["office"])
    assert client.get(reverse("daily_report_form")).status_code == 404


def test_the_compliance_page_and_its_export(client, city):
    import io

    import openpyxl

    submit(city, work_done="巡查", now=at(16))
    client.force_login(city.users["office"])
    session = client.session
    session["campaign_id"] = city.campaign.pk
    session.save()
    page = client.get(reverse("daily_compliance"), {"date": "2026-11-20"})
    assert page.status_code == 200 and page.context["counts"]["on_time"] == 1
    export = client.get(reverse("daily_compliance"), {"date": "2026-11-20", "export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [(row[1], row[3]) for row in rows[1:]] == [
        ("东华街道", str(ReportCompliance.MISSING.label)),
        ("幸福社区", str(ReportCompliance.ON_TIME.label)),
        ("和平社区", str(ReportCompliance.MISSING.label)),
        ("安居物业", str(ReportCompliance.MISSING.label)),
        ("柳荫社区", str(ReportCompliance.MISSING.label)),
    ]


# --- API -------------------------------------------------------------------------------------------------------------


def test_the_api_submits_once_per_key_and_only_for_the_users_unit(client, city):
    client.force_login(city.users["unit"])
    key = str(uuid.uuid4())
    body = {"unit": city.community.pk, "date": str(timezone.localdate()), "key": key, "work_done": "巡查",
            "findings": ["井盖缺失"], "difficulties": ["需协调"]}  # fmt: skip
    first = client.post("/api/v1/daily-reports/", body, content_type="application/json")
    assert first.status_code == 201, first.content
    again = client.post("/api/v1/daily-reports/", body, content_type="application/json")
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert first.json()["findings"][0]["text"] == "井盖缺失"
    assert DailyReportFinding.objects.count() == 1
    other = client.post("/api/v1/daily-reports/", {**body, "unit": city.elsewhere.pk}, content_type="application/json")
    assert other.status_code == 400 and list(other.json()["error"]["fields"]) == ["unit"]


def test_the_api_refuses_a_unit_the_user_does_not_write_for(client, city):
    client.force_login(city.users["street"])
    response = client.post("/api/v1/daily-reports/", {"unit": city.community.pk}, content_type="application/json")
    assert response.status_code == 403


def test_the_api_compliance_lists_units_of_the_scope(client, city):
    submit(city, work_done="巡查", now=at(16))
    client.force_login(city.users["leader"])
    response = client.get("/api/v1/daily-reports/compliance/", {"campaign": city.campaign.pk, "date": "2026-11-20"})
    assert response.status_code == 200
    rows = {row["code"]: row["compliance"] for row in response.json()["results"]}
    assert rows == {"ST": "missing", "XF": "on_time", "HP": "missing", "WY": "missing"}
    assert client.get("/api/v1/daily-reports/compliance/").status_code == 400


def test_saving_a_coordination_item_never_redirects_off_the_site(client, city):
    submit(city, draft_difficulties="人行道破损")
    item = CoordinationItem.objects.get()
    client.force_login(city.users["office"])
    data = {f"item{item.pk}-action": "save", f"item{item.pk}-resolution": "已协调", "next": "https://evil.example/"}
    response = client.post(reverse("coordination_item", args=[item.pk]), data)
    assert response.url == reverse("coordination_list")
    item.refresh_from_db()
    assert item.resolution == "已协调"


def test_autosave_keeps_what_it_can_of_a_number_too_large(unit_client, city):
    data = {"autosave": "1", "work_done": "上午巡查", "people_deployed": "99999999999"}
    response = unit_client.post(reverse("daily_report_form"), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    report = DailyReport.objects.get()
    assert (report.work_done, report.people_deployed) == ("上午巡查", 0)
    page = unit_client.post(reverse("daily_report_form"), {**data, "autosave": "", "key": str(uuid.uuid4())})
    assert page.status_code == 200 and "people_deployed" in page.context["form"].errors
    assert DailyReport.objects.get().status == DailyReportStatus.DRAFT
