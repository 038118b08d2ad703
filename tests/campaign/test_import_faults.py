"""A database error in the middle of an import: nothing written, the job failed with a reason.

The error is the database's own: a trigger makes the database refuse the 1,501st point (PostgreSQL raises "disk
full", SQLite "database or disk is full"), after the grids and a first batch of 1,000 points are in. The import runs
as the office runs it, as a job, in a real transaction (not the test's).
"""

import io

import pytest
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection
from openpyxl import Workbook

from campaign.models import Grid, Point, PointType, Responsibility
from core.choices import Role
from core.jobs import job_run
from core.models import AuditEvent, Job
from tests.factories import CampaignFactory, UnitFactory, UserFactory

POINTS = 2500
FAIL_AFTER = 1500

TRIGGERS = {
    "postgresql": (
        [
            "CREATE SEQUENCE test_point_inserts",
            f"""CREATE FUNCTION test_point_insert_fails() RETURNS trigger AS $$
               BEGIN
                   IF nextval('test_point_inserts') > {FAIL_AFTER} THEN
                       RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = '53100';
                   END IF;
                   RETURN NEW;
               END $$ LANGUAGE plpgsql""",
            """CREATE TRIGGER test_point_insert_fails BEFORE INSERT ON campaign_point
               FOR EACH ROW EXECUTE FUNCTION test_point_insert_fails()""",
        ],
        [
            "DROP TRIGGER IF EXISTS test_point_insert_fails ON campaign_point",
            "DROP FUNCTION IF EXISTS test_point_insert_fails()",
            "DROP SEQUENCE IF EXISTS test_point_inserts",
        ],
    ),
    "sqlite": (
        [
            f"""CREATE TRIGGER test_point_insert_fails BEFORE INSERT ON campaign_point
               WHEN (SELECT count(*) FROM campaign_point) >= {FAIL_AFTER}
               BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END""",  # noqa: S608 - a constant
        ],
        ["DROP TRIGGER IF EXISTS test_point_insert_fails"],
    ),
}


@pytest.fixture
def failing_point_inserts():
    create, drop = TRIGGERS[connection.vendor]
    with connection.cursor() as cursor:
        for statement in create:
            cursor.execute(statement)
    yield
    with connection.cursor() as cursor:
        for statement in drop:
            cursor.execute(statement)


def workbook(unit_code: str) -> bytes:
    book = Workbook(write_only=True)
    grids = book.create_sheet("网格")
    grids.append(["code", "name", "unit"])
    for n in range(20):
        grids.append([f"G{n:02d}", f"第{n}网格", unit_code])
    points = book.create_sheet("点位")
    points.append(["code", "name", "point_type", "grid", "address", "unit", "leader", "post_person"])
    for n in range(POINTS):
        points.append([f"P{n:05d}", f"点位{n}", "PT01", f"G{n % 20:02d}", f"示范路{n}号", unit_code, "分管副区长",
                       f"责任人{n % 50}"])  # fmt: skip
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_database_error_mid_import_writes_nothing_and_fails_the_job(failing_point_inserts):
    campaign = CampaignFactory()
    PointType.objects.create(campaign=campaign, code="PT01", name="社区", sample_count=5)
    unit = UnitFactory(campaign=campaign)
    office = UserFactory(role=Role.STAFF)
    job = Job.objects.create(kind="import.points", created_by=office, campaign_id=campaign.pk, filename="p.xlsx",
                             status="queued")  # fmt: skip
    job.file.save("p.xlsx", ContentFile(workbook(unit.code)))
    audit_before = AuditEvent.objects.count()

    with pytest.raises(DatabaseError, match=r"No space left on device|disk is full"):
        job_run(job_id=str(job.pk))

    job.refresh_from_db()
    assert job.status == "failed"
    assert job.result["error"] == "任务因意外错误中止，错误已记录。"  # the office reads it in Chinese
    # The grids went in first and a batch of points after them: all of it was rolled back.
    assert not Grid.objects.filter(campaign=campaign).exists()
    assert not Point.objects.filter(campaign=campaign).exists()
    assert not Responsibility.objects.filter(point__campaign=campaign).exists()
    assert AuditEvent.objects.count() == audit_before
    assert job_run(job_id=str(job.pk)).status == "failed"  # not run again by a redelivery
