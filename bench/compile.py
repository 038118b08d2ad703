"""Benchmark: compiling the report to the leaders and the bulletin at city scale (issue "The daily cycle": 1,500
units, 20,000 points and 200,000 problems: < 10 s with a query count independent of the units; the Excel export of
a 5,000-row bulletin < 3 s).

Run by hand, not by the test suite (PostgreSQL), after `bench/problems.py` has filled the problems:
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc_bench DJANGO_DEBUG=1 ALLOWED_HOSTS=testserver
    .venv/bin/python bench/compile.py
It brings the demo campaign to BENCH_UNITS units (default 1,500) and BENCH_POINTS points (default 20,000) once,
spreads the problems over the units, and writes the benchmark day's daily reports (80 % submitted, a tenth of them
late, a twentieth empty), coordination items and dispatch orders. Then it prints `name: value unit (ratio R
against BASELINE)` lines:
- compile_leader_report, compile_bulletin, compile_both: median of runs (each replaces the draft), with queries;
- compile_bare_sql: the two largest reads alone (compliance over every unit, problems grouped by unit), the floor;
- bulletin_excel_5000: the Excel export of a bulletin cut to 5,000 rows, and bulletin_excel_full for the whole.
The script changes the benchmark database: it adds units, points, reports and orders, and compiles drafts.
"""

import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from campaign.choices import DailyReportStatus, UnitType  # noqa: E402
from campaign.daily_reports import daily_settings_get  # noqa: E402
from campaign.models import (  # noqa: E402
    Campaign,
    CoordinationItem,
    DailyReport,
    DispatchOrder,
    DispatchTarget,
    Grid,
    Point,
    PointType,
    Unit,
)
from core.models import User  # noqa: E402
from rectification.models import Problem  # noqa: E402
from scoring.choices import Period  # noqa: E402
from scoring.documents import document_compile  # noqa: E402
from scoring.exports import document_workbook  # noqa: E402
from scoring.models import Bulletin, LeaderReport  # noqa: E402

UNITS = int(os.environ.get("BENCH_UNITS", "1500"))
POINTS = int(os.environ.get("BENCH_POINTS", "20000"))
RUNS = 5
TARGET_S = 10
EXCEL_TARGET_S = 3
EXCEL_ROWS = 5000


def fill_units(campaign) -> None:
    have = Unit.objects.filter(campaign=campaign).count()
    if have >= UNITS:
        return
    streets = list(Unit.objects.filter(campaign=campaign, type=UnitType.STREET).order_by("pk"))
    rng = random.Random(7)  # noqa: S311 - reproducible benchmark data
    with transaction.atomic():
        new = [
            Unit(campaign=campaign, parent=rng.choice(streets), code=f"BU{n:05d}", name=f"基准社区{n:05d}",
                 type=UnitType.COMMUNITY, path="", depth=0)
            for n in range(UNITS - have)
        ]  # fmt: skip
        Unit.objects.bulk_create(new, batch_size=1000)
        parents = {street.pk: street for street in streets}
        for unit in new:
            parent = parents[unit.parent_id]
            unit.path, unit.depth = f"{parent.path}{unit.pk}/", parent.depth + 1
        Unit.objects.bulk_update(new, ["path", "depth"], batch_size=1000)


def fill_points(campaign) -> None:
    have = Point.objects.filter(campaign=campaign).count()
    if have >= POINTS:
        return
    grid = Grid.objects.filter(campaign=campaign).order_by("pk").first()
    point_type = PointType.objects.filter(campaign=campaign).order_by("pk").first()
    Point.objects.bulk_create(
        [Point(campaign=campaign, grid=grid, point_type=point_type, code=f"BP{n:06d}", name=f"基准点位{n:06d}",
               address=f"基准路{n}号") for n in range(POINTS - have)],
        batch_size=2000,
    )  # fmt: skip


def spread_problems(campaign) -> None:
    """Every problem answers to one of the campaign's units, round robin by id: one UPDATE."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH u AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM campaign_unit WHERE campaign_id = %s),
                 n AS (SELECT count(*) AS c FROM u)
            UPDATE rectification_problem p SET responsible_unit_id = u.id FROM u, n
            WHERE p.campaign_id = %s AND u.i = p.id %% n.c AND p.responsible_unit_id IS DISTINCT FROM u.id
            """,
            [campaign.pk, campaign.pk],
        )


def fill_day(campaign, day: datetime.date) -> None:
    """The day's reports, coordination items and dispatch orders, replaced on every run of the script."""
    deadline = daily_settings_get(campaign=campaign).deadline_on(day)
    units = list(Unit.objects.filter(campaign=campaign).exclude(type=UnitType.CITY).order_by("pk"))
    author = User.objects.get(username="office")
    rng = random.Random(11)  # noqa: S311 - reproducible benchmark data
    with transaction.atomic():
        DailyReport.objects.filter(campaign=campaign, date=day).delete()
        DispatchOrder.objects.filter(campaign=campaign, date=day).delete()
        reports = []
        for unit in units:
            roll = rng.random()
            if roll > 0.8:
                continue
            late = roll > 0.72
            at = deadline + datetime.timedelta(minutes=rng.randint(5, 90) if late else -rng.randint(5, 600))
            empty = roll < 0.04
            reports.append(DailyReport(
                campaign=campaign, unit=unit, date=day, status=DailyReportStatus.SUBMITTED, deadline_at=deadline,
                first_submitted_at=at, submitted_at=at, is_late=late, is_empty=empty,
                work_done="" if empty else "巡查背街小巷，清理卫生死角，劝导不文明行为。" * rng.randint(1, 3),
                people_deployed=0 if empty else rng.randint(2, 60), volunteers=0 if empty else rng.randint(0, 20),
            ))  # fmt: skip
        DailyReport.objects.bulk_create(reports, batch_size=1000)
        CoordinationItem.objects.bulk_create(
            [CoordinationItem(campaign=campaign, unit=report.unit, report=report, text="道路破损需协调维修",
                              raised_on=day) for report in reports[:150]]
        )  # fmt: skip
        for n in range(50):
            order = DispatchOrder.objects.create(
                campaign=campaign, date=day, title=f"基准调度指令{n}", issued_by=author,
                issued_at=deadline - datetime.timedelta(hours=9), deadline=deadline - datetime.timedelta(hours=n % 12),
            )  # fmt: skip
            DispatchTarget.objects.bulk_create(
                [DispatchTarget(order=order, unit=unit, acknowledged_at=deadline if i % 3 else None,
                                completed_at=deadline - datetime.timedelta(hours=12) if i % 3 == 1 else None)
                 for i, unit in enumerate(rng.sample(units, 10))]
            )  # fmt: skip


def median_run(function) -> tuple[float, int]:
    times, queries = [], 0
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            function()
            times.append(time.perf_counter() - start)
        queries = len(captured)
    return statistics.median(times), queries


def bare_sql(campaign, day, cutoff) -> float:
    """The floor: the compliance join over every unit and the problems grouped by unit, as raw SQL."""
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT u.id, r.status, r.is_late, r.is_empty FROM campaign_unit u LEFT JOIN campaign_dailyreport r
               ON r.unit_id = u.id AND r.date = %s WHERE u.campaign_id = %s AND u.is_active""",
            [day, campaign.pk],
        )
        cursor.fetchall()
        cursor.execute(
            """SELECT responsible_unit_id, count(*) FILTER (WHERE created_at >= %s),
                      count(*) FILTER (WHERE closed_at >= %s),
                      count(*) FILTER (WHERE deadline < %s AND closed_at IS NULL)
               FROM rectification_problem WHERE campaign_id = %s GROUP BY responsible_unit_id""",
            [cutoff - datetime.timedelta(days=1), cutoff - datetime.timedelta(days=1), cutoff, campaign.pk],
        )
        cursor.fetchall()
    return time.perf_counter() - start


def excel(document, rows: int | None) -> tuple[float, int]:
    if rows is not None:
        data = dict(document.data)
        overdue = data["overdue"][:rows]
        data["overdue"], data["findings"] = overdue, data["findings"][: max(0, rows - len(overdue))]
        document = Bulletin(**{f.attname: getattr(document, f.attname) for f in Bulletin._meta.concrete_fields})
        document.data = data
    start = time.perf_counter()
    content = document_workbook(document)
    elapsed = time.perf_counter() - start
    total = len(document.data["overdue"]) + len(document.data["findings"]) + len(document.data["standing"])
    total += sum(len(document.data["compliance"][key]) for key in ("late", "missing", "empty"))
    total += len(document.data["dispatch"]["overdue"])
    print(f"  (workbook {len(content) / 1e6:.1f} MB)")
    return elapsed, total


def main():
    campaign = Campaign.objects.get(slug="sfs-2027")
    fill_units(campaign)
    fill_points(campaign)
    spread_problems(campaign)
    day = timezone.localdate() - datetime.timedelta(days=1)
    fill_day(campaign, day)
    schedule = daily_settings_get(campaign=campaign)
    cutoff = timezone.make_aware(datetime.datetime.combine(day, schedule.compile_at))
    units = Unit.objects.filter(campaign=campaign).count()
    points = Point.objects.filter(campaign=campaign).count()
    problems = Problem.objects.filter(campaign=campaign).count()
    print(f"data: {units} units, {points} points, {problems} problems, "
          f"{DailyReport.objects.filter(campaign=campaign, date=day).count()} reports on {day}")  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    def compile_one(model):
        return lambda: document_compile(model=model, campaign=campaign, period=Period.DAILY, end_date=day,
                                        now=cutoff)  # fmt: skip

    floor = statistics.median(bare_sql(campaign, day, cutoff) for _ in range(RUNS))
    report_s, report_q = median_run(compile_one(LeaderReport))
    bulletin_s, bulletin_q = median_run(compile_one(Bulletin))
    both = report_s + bulletin_s
    print(f"compile_leader_report: {report_s:.2f} s in {report_q} queries (ratio {report_s / floor:.1f} against "
          f"compile_bare_sql)")  # fmt: skip
    print(f"compile_bulletin: {bulletin_s:.2f} s in {bulletin_q} queries (ratio {bulletin_s / floor:.1f} against "
          f"compile_bare_sql)")  # fmt: skip
    print(f"compile_both: {both:.2f} s (ratio {both / TARGET_S:.2f} against the {TARGET_S} s target)")
    print(f"compile_bare_sql: {floor * 1000:.0f} ms (baseline: the compliance join and the problems by unit)")
    bulletin = Bulletin.objects.get(campaign=campaign, period=Period.DAILY, period_end=day, status="draft")
    seconds, rows = excel(bulletin, EXCEL_ROWS)
    print(f"bulletin_excel_5000: {seconds:.2f} s for {rows} rows (ratio {seconds / EXCEL_TARGET_S:.2f} against the "
          f"{EXCEL_TARGET_S} s target)")  # fmt: skip
    seconds, rows = excel(bulletin, None)
    print(f"bulletin_excel_full: {seconds:.2f} s for {rows} rows")


if __name__ == "__main__":
    main()
