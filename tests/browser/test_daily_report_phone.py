"""A liaison fills the day's report on a phone: the page fits the screen, the draft saves itself while typed, one
tap submits, and coming back shows the report submitted, once."""

import datetime

import pytest
from django.utils import timezone

from campaign.choices import DailyReportStatus
from campaign.models import DailyCycleSettings, DailyReport, DailyReportFinding

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_liaison_reports_the_day_on_a_phone(phone, live_server, city, tmp_path):
    # Reports lock at the deadline (17:00 by default); this walk happens before it, whatever the hour of the run.
    last = datetime.time(23, 59, 59)
    DailyCycleSettings.objects.create(campaign=city.campaign, report_deadline=last, compile_at=last, publish_at=last)
    page = phone.sign_in(city.users["unit"], campaign=city.campaign)
    page.goto(f"{live_server.url}/daily-report/")
    assert page.locator("h1").inner_text().startswith("日报告")
    # Nothing wider than the phone's screen: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.screenshot(path=str(tmp_path / "daily-report-form.png"), full_page=True)
    page.fill("#id_work_done", "巡查背街小巷3条，清理楼道堆物5处")
    page.fill("#id_people_deployed", "12")
    page.fill("#id_draft_findings", "3号楼下电动车乱停放")
    page.wait_for_function("document.getElementById('autosave-status').textContent.includes('草稿已于')",
                           timeout=15000)  # fmt: skip
    draft = DailyReport.objects.get(unit=city.community, date=timezone.localdate())
    assert (draft.status, draft.work_done, draft.people_deployed) == (
        DailyReportStatus.DRAFT,
        "巡查背街小巷3条，清理楼道堆物5处",
        12,
    )

    button = page.locator("#daily-report-submit")
    assert button.is_visible()
    with page.expect_navigation():
        button.click()
    assert "/daily-reports/" in page.url
    assert "3号楼下电动车乱停放" in page.content()
    page.screenshot(path=str(tmp_path / "daily-report-phone.png"), full_page=True)
    report = DailyReport.objects.get(unit=city.community, date=timezone.localdate())
    assert report.status == DailyReportStatus.SUBMITTED
    assert DailyReportFinding.objects.filter(report=report).count() == 1

    # The browser's back button and a second tap on the same form: the same key, nothing new.
    page.go_back()
    page.reload()
    assert page.locator("#daily-report-submit").inner_text() == "重新报送"
    assert DailyReport.objects.filter(unit=city.community).count() == 1
