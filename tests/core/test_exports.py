"""A list's Excel export longer than EXPORT_INLINE_MAX_ROWS is written by a job: same rows, same scope, the user's
language and campaign, progress on the job's page, the file for its owner and the office only."""

import datetime
import io
import os

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from campaign.models import Campaign, Unit
from core.exports import exports_purge
from core.models import AuditEvent, Job, Notification


def rows_of(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True))


@pytest.fixture
def eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


def test_a_long_export_is_written_by_a_job_with_the_rows_of_the_short_one(
    client, demo_users, settings, eager, django_capture_on_commit_callbacks
):
    client.force_login(demo_users["leader_east"])
    query = {"type": "community", "export": "xlsx"}
    written_here = rows_of(client.get("/units/", query).content)
    assert len(written_here) == 5  # the header and the district's four communities

    settings.EXPORT_INLINE_MAX_ROWS = 3
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.get("/units/", query)
    job = Job.objects.get(kind="export.list")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert (job.status, job.created_by, job.progress_total) == ("queued", demo_users["leader_east"], 4)
    waiting = client.get(response["Location"])
    assert "共 4 行" in waiting.content.decode() and 'hx-trigger="every 1s"' in waiting.content.decode()
    assert f"/jobs/{job.pk}/download/" not in waiting.content.decode()
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404  # not written yet

    for callback in queued:
        callback()
    job.refresh_from_db()
    assert job.status == "done" and job.result["outcome"] == {"rows": 4}
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f"/jobs/{job.pk}/download/" in page and "/units/?type=community" in page
    download = client.get(f"/jobs/{job.pk}/download/")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    assert rows_of(b"".join(download.streaming_content)) == written_here

    notice = Notification.objects.get(recipient=demo_users["leader_east"], kind="export.list")
    assert notice.link == f"/jobs/{job.pk}/" and "单位" in notice.title
    assert AuditEvent.objects.filter(action="export.xlsx", data__rows=4, data__job=str(job.pk)).exists()


def test_the_job_keeps_the_language_and_the_campaign_the_user_worked_in(
    client, demo_users, settings, eager, django_capture_on_commit_callbacks
):
    other = Campaign.objects.get(slug="sfs-2025-review")
    Unit.objects.create(campaign=other, code="R1", name="复审单位一", type="bureau")
    Unit.objects.create(campaign=other, code="R2", name="复审单位二", type="bureau")
    client.force_login(demo_users["office"])
    client.post("/campaigns/switch/", {"campaign": other.pk})
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    written_here = rows_of(client.get("/units/", {"export": "xlsx"}).content)
    assert written_here[0][:2] == ("Code", "Name")
    assert sorted(row[1] for row in written_here[1:]) == ["复审单位一", "复审单位二"]

    settings.EXPORT_INLINE_MAX_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/units/", {"export": "xlsx"})
    job = Job.objects.get(kind="export.list")
    assert job.campaign_id == other.pk and job.status == "done"
    download = client.get(f"/jobs/{job.pk}/download/")
    assert rows_of(b"".join(download.streaming_content)) == written_here
    assert "Your export is ready" in Notification.objects.get(kind="export.list").title


def test_the_job_writes_only_what_the_user_sees_and_others_cannot_open_it(
    client, demo_users, settings, eager, django_capture_on_commit_callbacks
):
    client.force_login(demo_users["liaison_community"])
    written_here = rows_of(client.get("/problems/", {"export": "xlsx"}).content)
    assert len(written_here) > 2
    settings.EXPORT_INLINE_MAX_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/problems/", {"export": "xlsx"})
    job = Job.objects.get(kind="export.list")
    assert rows_of(b"".join(client.get(f"/jobs/{job.pk}/download/").streaming_content)) == written_here

    client.force_login(demo_users["liaison_west"])
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404
    client.force_login(demo_users["office"])
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 200


def test_a_user_who_lost_the_list_before_the_job_ran_gets_no_file(
    client, demo_users, settings, eager, django_capture_on_commit_callbacks
):
    office = demo_users["office"]
    client.force_login(office)
    settings.EXPORT_INLINE_MAX_ROWS = 0
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.get("/audit/", {"export": "xlsx"})
    office.role = "liaison"
    office.save(update_fields=["role"])
    for callback in queued:
        callback()
    job = Job.objects.get(kind="export.list")
    assert job.status == "failed" and not job.file
    assert job.result["error"] == "您已无权导出这个列表。"
    page = client.get(f"/jobs/{job.pk}/").content.decode()  # their own job, with the reason and the way back
    assert "您已无权导出这个列表。" in page and 'href="/audit/"' in page
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404


def test_a_short_export_is_still_written_in_the_request(client, demo_users):
    client.force_login(demo_users["office"])
    response = client.get("/units/", {"type": "community", "export": "xlsx"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert not Job.objects.exists()


def test_files_of_old_exports_are_removed_and_the_page_says_so(
    client, demo_users, settings, eager, django_capture_on_commit_callbacks
):
    client.force_login(demo_users["leader_east"])
    settings.EXPORT_INLINE_MAX_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/units/", {"type": "community", "export": "xlsx"})
    job = Job.objects.get(kind="export.list")
    path = job.file.path
    assert exports_purge(now=timezone.now() + datetime.timedelta(days=6)) == 0  # kept for a week
    assert exports_purge(now=timezone.now() + datetime.timedelta(days=8)) == 1
    job.refresh_from_db()
    assert not job.file and "purged_at" in job.result
    assert not os.path.exists(path)
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404
    assert "导出文件保留 7 天，已删除" in client.get(f"/jobs/{job.pk}/").content.decode()
    assert exports_purge(now=timezone.now() + datetime.timedelta(days=9)) == 0


def test_a_list_longer_than_an_excel_sheet_is_refused_with_the_reason(client, demo_users, monkeypatch):
    from core import excel

    monkeypatch.setattr(excel, "SHEET_MAX_ROWS", 4)  # a header and three rows
    client.force_login(demo_users["leader_east"])
    response = client.get("/units/", {"type": "community", "export": "xlsx"}, follow=True)
    assert response.redirect_chain == [("/units/?type=community", 302)]
    assert "列表共 4 行，超过 Excel 工作表的容量（3 行）" in response.content.decode()
    assert not Job.objects.exists()
    assert client.get("/units/", {"type": "community", "export": "xlsx"}).status_code == 302
    monkeypatch.setattr(excel, "SHEET_MAX_ROWS", 5)
    assert client.get("/units/", {"type": "community", "export": "xlsx"}).status_code == 200


def test_the_jobs_list_shows_each_user_their_own_and_the_office_every_job(
    client, demo_users, settings, eager, django_capture_on_commit_callbacks
):
    settings.EXPORT_INLINE_MAX_ROWS = 0
    for username in ("liaison_community", "leader_east"):
        client.force_login(demo_users[username])
        with django_capture_on_commit_callbacks(execute=True):
            client.get("/units/", {"export": "xlsx"})
    Job.objects.create(kind="import.indicators", created_by=demo_users["office"], filename="指标体系.xlsx")

    client.force_login(demo_users["liaison_community"])
    page = client.get("/jobs/")
    assert [job.created_by.username for job in page.context["object_list"]] == ["liaison_community"]
    assert "单位" in page.content.decode() and "指标体系" not in page.content.decode()
    client.force_login(demo_users["office"])
    assert len(client.get("/jobs/").context["object_list"]) == 3
    imports = client.get("/jobs/", {"type": "import"}).context["object_list"]
    assert [job.filename for job in imports] == ["指标体系.xlsx"]
    settings.EXPORT_INLINE_MAX_ROWS = 100
    rows = rows_of(client.get("/jobs/", {"type": "export", "export": "xlsx"}).content)
    assert rows[0][:3] == ("开始时间", "类型", "列表或文件") and len(rows) == 3
    assert {row[1] for row in rows[1:]} == {"导出 Excel"} and {row[3] for row in rows[1:]} == {"已完成"}
