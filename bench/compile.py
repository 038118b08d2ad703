"""Benchmark: compiling the report to the leaders and the bulletin at city scale (issue "The daily cycle": 1,500
units, 20,000 points and 200,000 problems: < 10 s with a query count independent of the units; the Excel export of
a 5,000-row bulletin < 3 s).

Run by hand, not by the test suite (PostgreSQL), on the generated benchmark data (bench/data.py says how):
    .venv/bin/python bench/compile.py
It compiles yesterday's documents from the generated data (the day's reports, dispatch orders and the problems) and
prints `name: value unit (ratio R against BASELINE)` lines:
- compile_leader_report, compile_bulletin, compile_both: median of runs (each replaces the draft), with queries;
- compile_bare_sql: the two largest reads alone (compliance over every unit, problems grouped by unit), the floor;
- bulletin_excel_5000: the Excel export of a bulletin cut to 5,000 rows, and bulletin_excel_full for the whole.
The script compiles drafts into the benchmark database.
"""

import copy
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.data import bench_campaign  # noqa: E402
from campaign.daily_reports import daily_settings_get  # noqa: E402
from campaign.models import DailyReport, Point, Unit  # noqa: E402
from rectification.models import Problem  # noqa: E402
from scoring.choices import Period  # noqa: E402
from scoring.documents import document_compile  # noqa: E402
from scoring.exports import document_workbook  # noqa: E402
from scoring.models import Bulletin, LeaderReport  # noqa: E402

RUNS = 5
TARGET_S = 10
EXCEL_TARGET_S = 3
EXCEL_ROWS = 5000


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


LISTS = (
    ("overdue",),
    ("findings",),
    ("standing",),
    ("compliance", "missing"),
    ("compliance", "late"),
    ("compliance", "empty"),
    ("dispatch", "overdue"),
)


def _list(data: dict, path: tuple) -> list:
    for key in path[:-1]:
        data = data[key]
    return data[path[-1]]


def excel(document, rows: int | None) -> tuple[float, int]:
    """The bulletin's workbook, timed; with `rows`, of a copy cut to that many rows in all (its lists in turn)."""
    if rows is not None:
        data = copy.deepcopy(document.data)
        left = rows
        for path in LISTS:
            parent = _list(data, path[:-1]) if len(path) > 1 else data
            parent[path[-1]] = parent[path[-1]][:left]
            left -= len(parent[path[-1]])
        document = Bulletin(**{f.attname: getattr(document, f.attname) for f in Bulletin._meta.concrete_fields})
        document.data = data
    start = time.perf_counter()
    content = document_workbook(document)
    elapsed = time.perf_counter() - start
    print(f"  (workbook {len(content) / 1e6:.1f} MB)")
    return elapsed, sum(len(_list(document.data, path)) for path in LISTS)


def main():
    campaign = bench_campaign()
    day = timezone.localdate() - datetime.timedelta(days=1)
    schedule = daily_settings_get(campaign=campaign)
    cutoff = timezone.make_aware(datetime.datetime.combine(day, schedule.compile_at))
    units = Unit.objects.filter(campaign=campaign).count()
    points = Point.objects.filter(campaign=campaign).count()
    problems = Problem.objects.filter(campaign=campaign).count()
    print(f"data: {units} units, {points} points, {problems} problems, "
          f"{DailyReport.objects.filter(campaign=campaign, date=day).count()} reports on {day}")  # fmt: skip

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
