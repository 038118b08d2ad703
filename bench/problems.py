"""Benchmark: the problem ledger over 200,000 problems (issue "Rectification": a ledger page with filters in a median
≤ 3× the bare SQL for the same page; the overdue sweep over 200,000 open problems < 5 s).

Run by hand, not by the test suite (PostgreSQL):
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc_bench DJANGO_DEBUG=1 ALLOWED_HOSTS=testserver
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py seed_demo
    .venv/bin/python bench/problems.py
It adds BENCH_PROBLEMS problems (default 200,000) to the demo campaign once (bulk inserts, a realistic mix of states
and deadlines, 40 % of the open ones past their deadline), then prints `name: value unit (ratio R against
BASELINE)` lines:
- ledger_page: the API list `/api/v1/problems/?open=true&overdue=true&unit=<district>` for the office, median of
  runs, against the bare SQL fetching the same 50 rows with the same joins (the baseline);
- overdue_sweep_first: the sweep marking and notifying every overdue problem (the heaviest run), and
  overdue_sweep_again: the run every ten minutes after it (nothing new to write).
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

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from campaign.models import Campaign, Point, Unit  # noqa: E402
from core.models import Notification, User  # noqa: E402
from rectification.choices import ProblemSource, ProblemStatus  # noqa: E402
from rectification.models import Problem, ProblemCategory  # noqa: E402
from rectification.sweeps import overdue_sweep  # noqa: E402

COUNT = int(os.environ.get("BENCH_PROBLEMS", "200000"))
RUNS = 15
STATES = [ProblemStatus.NEW] * 5 + [ProblemStatus.ASSIGNED] * 15 + [ProblemStatus.RECTIFYING] * 20 + [
    ProblemStatus.SUBMITTED] * 10 + [ProblemStatus.CLOSED] * 45 + [ProblemStatus.RETURNED] * 5  # fmt: skip


def fill(campaign):
    have = Problem.objects.filter(campaign=campaign, description__startswith="基准").count()
    if have >= COUNT:
        return
    rng = random.Random(7)  # noqa: S311 (reproducible benchmark data, not secrets)
    units = list(Unit.objects.filter(campaign=campaign).values_list("pk", flat=True))
    points = list(Point.objects.filter(campaign=campaign).values_list("pk", "grid_id"))
    categories = list(
        ProblemCategory.objects.filter(campaign=campaign, children__isnull=True).values_list("pk", flat=True)
    )
    now = timezone.now()
    batch = []
    for n in range(have, COUNT):
        status = rng.choice(STATES)
        point, grid = rng.choice(points)
        created = now - datetime.timedelta(hours=rng.randint(1, 24 * 300))
        deadline = now + datetime.timedelta(hours=rng.randint(-24 * 40, 24 * 60))
        batch.append(Problem(
            campaign=campaign, source=rng.choice(ProblemSource.values), category_id=rng.choice(categories),
            point_id=point, grid_id=grid, description=f"基准问题{n}", status=status,
            responsible_unit_id=rng.choice(units), deadline=None if status == ProblemStatus.NEW else deadline,
            created_at=created, closed_at=created + datetime.timedelta(days=3) if status == "closed" else None,
        ))  # fmt: skip
        if len(batch) == 5000:
            Problem.objects.bulk_create(batch)
            batch = []
    Problem.objects.bulk_create(batch)


def median_ms(function) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main():
    campaign = Campaign.objects.get(slug="sfs-2027")
    start = time.perf_counter()
    fill(campaign)
    total = Problem.objects.filter(campaign=campaign).count()
    print(f"fill: {time.perf_counter() - start:.1f} s for {total} problems")
    district = Unit.objects.get(campaign=campaign, code="SFS-DC")
    office = User.objects.get(username="office")
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

    Notification.objects.filter(kind__startswith="problem.").delete()
    Problem.objects.filter(campaign=campaign).update(overdue_at=None)
    open_count = Problem.objects.filter(campaign=campaign).open().count()
    start = time.perf_counter()
    result = overdue_sweep()
    first = time.perf_counter() - start
    print(f"overdue_sweep_first: {first:.2f} s over {open_count} open problems ({result})")
    start = time.perf_counter()
    result = overdue_sweep()
    print(f"overdue_sweep_again: {time.perf_counter() - start:.2f} s ({result})")


if __name__ == "__main__":
    main()
