"""Benchmark: the problem ledger over 200,000 problems (issue "Rectification": a ledger page with filters in a median
≤ 3× the bare SQL for the same page; the overdue sweep over 200,000 open problems < 5 s).

Run by hand, not by the test suite (PostgreSQL), on the generated benchmark data (bench/data.py says how):
    .venv/bin/python bench/problems.py [--sweep-only]
It prints `name: value unit (ratio R against BASELINE)` lines:
- ledger_page: the API list `/api/v1/problems/?open=true&overdue=true&unit=<district>` for the office, median of
  runs, against the bare SQL fetching the same 50 rows with the same joins (the baseline);
- the overdue sweep from a backlog (no problem stamped or notified yet: every overdue problem is newly overdue,
  most are due for escalation too), against bare SQL writing the same rows (one UPDATE stamping as many problems,
  one INSERT … SELECT of as many notification rows of the same length, rolled back) and against the 5 s target:
  overdue_sweep_run, the first run, which stops at RUN_LIMIT problems; overdue_sweep_backlog, that run and the
  ones the task chains after it until the backlog is worked off; overdue_sweep_single_run, the same backlog in one
  run without a limit; then overdue_sweep_again, the run every ten minutes after it (nothing new to write),
  against bare SQL counting the overdue problems.
The script changes the benchmark database: it deletes the problem notifications and clears the sweep's stamps.
"""

import argparse
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

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.data import bench_campaign, bench_user, scale_line  # noqa: E402
from campaign.choices import UnitType  # noqa: E402
from campaign.models import Unit  # noqa: E402
from core.models import Notification  # noqa: E402
from rectification.models import Problem  # noqa: E402
from rectification.sweeps import BATCH_SIZE, RUN_LIMIT, SweepResult, overdue_sweep  # noqa: E402

RUNS = 15
TARGET_S = 5  # the overdue sweep over 200,000 open problems


def median_ms(function) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def ledger(campaign):
    district = Unit.objects.filter(campaign=campaign, type=UnitType.DISTRICT).order_by("code").first()
    office = bench_user(campaign, "office")
    client = Client()
    client.force_login(office)
    url = f"/api/v1/problems/?campaign={campaign.pk}&open=true&overdue=true&unit={district.pk}"
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    page = median_ms(lambda: client.get(url))
    sql = """
        SELECT p.*, c.code, pt.code, u.name FROM rectification_problem p
        LEFT JOIN rectification_problemcategory c ON c.id = p.category_id
        LEFT JOIN campaign_point pt ON pt.id = p.point_id
        LEFT JOIN campaign_unit u ON u.id = p.responsible_unit_id
        WHERE p.campaign_id = %s AND p.status NOT IN ('closed', 'cancelled') AND p.deadline < now()
          AND p.status NOT IN ('closed', 'cancelled', 'submitted', 'suspended') AND u.path LIKE %s
        ORDER BY p.deadline ASC NULLS LAST, p.created_at DESC, p.id DESC LIMIT 50
    """

    def bare():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM rectification_problem p JOIN campaign_unit u ON u.id = "
                           "p.responsible_unit_id WHERE p.campaign_id = %s AND p.deadline < now() AND p.status "
                           "NOT IN ('closed', 'cancelled', 'submitted', 'suspended') AND u.path LIKE %s",
                           [campaign.pk, district.path + "%"])  # fmt: skip
            cursor.fetchall()
            cursor.execute(sql, [campaign.pk, district.path + "%"])
            cursor.fetchall()

    baseline = median_ms(bare)
    print(f"ledger_page: {page:.1f} ms in {len(queries)} queries (ratio {page / baseline:.1f} against bare SQL)")
    print(f"ledger_bare_sql: {baseline:.1f} ms (baseline: count and page with the same joins)")


def vacuum():
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE rectification_problem")
        cursor.execute("VACUUM ANALYZE core_notification")


def bare_writes(*, stamped: int, notices: int) -> float:
    """The floor of the first sweep: the same number of problems stamped and notification rows inserted, in bare
    SQL (one UPDATE, one INSERT … SELECT with keys, titles and links as long as the sweep's), rolled back."""
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE rectification_problem SET overdue_at = now(), escalated_at = now() WHERE id IN "
            "(SELECT id FROM rectification_problem WHERE overdue_at IS NOT NULL ORDER BY id LIMIT %s)",
            [stamped],
        )
        cursor.execute(
            "INSERT INTO core_notification (recipient_id, kind, key, event_key, title, body, link, created_at) "
            "SELECT (SELECT min(id) FROM core_user), 'bench.floor', 'bench.floor:' || i || ':20261123T1730:1', "
            "'bench.floor:' || i || ':20261123T1730', "
            "'超期上报：WT' || lpad(i::text, 6, '0'), '基准问题' || i || '——处置时限为 2026-11-23 17:30。', "
            "'/problems/' || i || '/', now() FROM generate_series(1, %s) AS i",
            [notices],
        )
        transaction.set_rollback(True)
    return time.perf_counter() - start


def reset_sweep(campaign):
    """Back to before the first sweep: no problem notices, no stamps."""
    Notification.objects.filter(kind__startswith="problem.").delete()
    Problem.objects.filter(campaign=campaign).update(overdue_at=None, escalated_at=None)
    vacuum()


def timed_sweep(**kwargs) -> tuple[float, SweepResult]:
    start = time.perf_counter()
    result = overdue_sweep(**kwargs)
    return time.perf_counter() - start, result


def ratios(seconds: float, floor: float) -> str:
    return (f"ratio {seconds / floor:.1f} against bare SQL writing the same rows; ratio {seconds / TARGET_S:.2f} "
            f"against the {TARGET_S} s target")  # fmt: skip


def sweep(campaign):
    open_count = Problem.objects.filter(campaign=campaign).open().count()
    print(f"sweep_data: {open_count} open problems, RUN_LIMIT {RUN_LIMIT}, BATCH_SIZE {BATCH_SIZE}")
    # The backlog as the scheduled task works it off: one run stopping at the limit, then the runs it chains.
    reset_sweep(campaign)
    runs = [timed_sweep()]
    while runs[-1][1].more:
        runs.append(timed_sweep())
    first_s, first = runs[0]
    total = SweepResult(**{name: sum(getattr(result, name) for _, result in runs)
                           for name in ("marked", "notified", "escalated")})  # fmt: skip
    total_s = sum(seconds for seconds, _ in runs)
    first_floor = bare_writes(stamped=first.marked, notices=first.notified + first.escalated)
    vacuum()
    backlog_floor = bare_writes(stamped=total.marked, notices=total.notified + total.escalated)
    vacuum()
    print(f"overdue_sweep_run: {first_s:.2f} s for {first.marked} newly overdue problems and "
          f"{first.notified + first.escalated} notifications, the first run of the backlog ({first}) "
          f"({ratios(first_s, first_floor)})")  # fmt: skip
    print(f"overdue_sweep_backlog: {total_s:.2f} s in {len(runs)} runs (longest {max(s for s, _ in runs):.2f} s) "
          f"for {total.marked} newly overdue problems and {total.notified + total.escalated} notifications "
          f"({ratios(total_s, backlog_floor)})")  # fmt: skip
    # The same backlog in one run without a limit: the figure the target reads most strictly.
    reset_sweep(campaign)
    single_s, single = timed_sweep(limit=None)
    single_floor = bare_writes(stamped=single.marked, notices=single.notified + single.escalated)
    vacuum()
    print(f"overdue_sweep_single_run: {single_s:.2f} s for {single.marked} newly overdue problems and "
          f"{single.notified + single.escalated} notifications in one run without a limit ({single}) "
          f"({ratios(single_s, single_floor)})")  # fmt: skip
    for name, seconds, result in (("run", first_floor, first), ("backlog", backlog_floor, total),
                                  ("single_run", single_floor, single)):  # fmt: skip
        print(f"overdue_sweep_bare_sql_{name}: {seconds:.2f} s (baseline: {result.marked} problems stamped and "
              f"{result.notified + result.escalated} notification rows inserted in one UPDATE and one "
              "INSERT … SELECT)")  # fmt: skip
    again_s, again = timed_sweep()
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM rectification_problem WHERE deadline < now() AND status NOT IN "
                       "('closed', 'cancelled', 'submitted', 'suspended')")  # fmt: skip
        cursor.fetchall()
    count_s = time.perf_counter() - start
    print(
        f"overdue_sweep_again: {again_s:.2f} s, nothing new ({again}) (ratio {again_s / count_s:.1f} against "
        f"bare SQL counting the overdue problems; ratio {again_s / TARGET_S:.2f} against the {TARGET_S} s target)"
    )
    print(f"overdue_count_bare_sql: {count_s * 1000:.0f} ms (baseline)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sweep-only", action="store_true", help="measure the overdue sweep only")
    args = parser.parse_args()
    campaign = bench_campaign()
    print(scale_line(campaign))
    if not args.sweep_only:
        ledger(campaign)
    sweep(campaign)


if __name__ == "__main__":
    main()
