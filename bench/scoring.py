"""Benchmark: the weekly ranking and the projected score at city scale (issue "Scoring": computing and snapshotting
the weekly ranking for 1,500 units from a year of data — 200,000 problems, 2,000 inspections, 500,000 daily
reports — < 10 s in a constant number of queries and ≤ 2× the raw SQL computing the same numbers; the projected
score for 150 criteria and 20,000 points < 2 s).

Run by hand, not by the test suite (PostgreSQL), on the generated benchmark data (bench/data.py says how):
    .venv/bin/python bench/scoring.py
It prints `name: value unit (ratio R against BASELINE)`:
- ranking_compute: the week's rankings computed and written (drafts replaced), median of runs, with its queries;
- ranking_bare_sql: the same SELECT statements the computation issues, run bare through a cursor (no ORM, no
  Python scoring, no writes): the floor for the same numbers;
- projection_compute: the projected score of the mock assessment (every point visited), median of runs.
"""

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

from bench.data import bench_campaign, scale_line  # noqa: E402
from campaign.choices import UnitGroupKind  # noqa: E402
from campaign.models import Unit, UnitGroup  # noqa: E402
from scoring.choices import RankingPeriod, RoundKind  # noqa: E402
from scoring.models import InspectionItem, InspectionRound  # noqa: E402
from scoring.projection import projection_compute  # noqa: E402
from scoring.rankings import ranking_compute  # noqa: E402

RUNS = 3
TARGET_RANKING_S = 10
TARGET_PROJECTION_S = 2


def captured_selects(function) -> tuple[float, list[tuple[str, tuple]]]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        function()
        elapsed = time.perf_counter() - started
    return elapsed, [q["sql"] for q in queries.captured_queries]


def median_run(function) -> tuple[float, int, list[str]]:
    runs = [captured_selects(function) for _ in range(RUNS)]
    seconds = statistics.median(run[0] for run in runs)
    return seconds, len(runs[-1][1]), runs[-1][1]


def bare(statements: list[str]) -> float:
    """The SELECTs run bare, as the database answers them, median of runs."""
    selects = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]

    def once():
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for statement in selects:
                cursor.execute(statement)
                cursor.fetchall()
        return time.perf_counter() - started

    return statistics.median(once() for _ in range(RUNS))


def main():
    campaign = bench_campaign()
    print(scale_line(campaign))
    week_end = timezone.localdate() - datetime.timedelta(days=2)

    def rank():
        ranking_compute(campaign=campaign, period=RankingPeriod.WEEKLY, period_end=week_end)

    rank()  # the default rule set is made once
    seconds, queries, statements = median_run(rank)
    floor = bare(statements)
    groups = UnitGroup.objects.filter(campaign=campaign, kind=UnitGroupKind.PEER).count()
    units = Unit.objects.filter(campaign=campaign, unit_groups__kind=UnitGroupKind.PEER).distinct().count()
    print(f"ranking_compute: {seconds:.2f} s in {queries} queries for {units} units in {groups} peer groups "
          f"(ratio {seconds / floor:.2f} against ranking_bare_sql; {seconds / TARGET_RANKING_S:.2f} against the "
          f"{TARGET_RANKING_S} s target)")  # fmt: skip
    selects = sum(1 for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH")))
    print(
        f"ranking_bare_sql: {floor:.2f} s (baseline: the same {selects} SELECT statements run bare through a cursor)"
    )

    mock = InspectionRound.objects.get(campaign=campaign, kind=RoundKind.MOCK)
    seconds, queries, _statements = median_run(lambda: projection_compute(round=mock))
    print(f"projection_compute: {seconds:.2f} s in {queries} queries for "
          f"{InspectionItem.objects.filter(inspection__round=mock).count()} items "
          f"(ratio {seconds / TARGET_PROJECTION_S:.2f} against the {TARGET_PROJECTION_S} s target)")  # fmt: skip


if __name__ == "__main__":
    main()
