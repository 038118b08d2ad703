"""Benchmark: import 20,000 points with their responsibility rows (issue: < 30 s, bounded memory).

Run by hand, not by the test suite:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc_bench DJANGO_DEBUG=1 .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc_bench DJANGO_DEBUG=1 .venv/bin/python bench/import_points.py
It builds a workbook (200 grids, 20,000 points over the sample point types, every point with a unit, leader and
post), imports it into a throw-away campaign, imports it again (nothing to change), and prints
`name: value unit (ratio R against BASELINE)` lines. The baseline is openpyxl reading the same workbook in
read-only mode: the floor any import of it pays.
"""

import io
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from openpyxl import Workbook, load_workbook  # noqa: E402

from campaign.imports import IndicatorImport, PointImport, UnitImport  # noqa: E402
from campaign.models import Campaign  # noqa: E402

POINTS = int(os.environ.get("BENCH_POINTS", "20000"))
GRIDS = 200


def build_workbook(type_codes: list[str]) -> bytes:
    book = Workbook(write_only=True)
    grids = book.create_sheet("网格")
    grids.append(["code", "name", "unit"])
    for g in range(GRIDS):
        grids.append([f"G{g:04d}", f"第{g}网格", f"U{g % 50:03d}"])
    points = book.create_sheet("点位")
    points.append(["code", "name", "point_type", "grid", "address", "longitude", "latitude", "unit", "leader",
                   "post_person", "post_position", "post_phone"])  # fmt: skip
    for p in range(POINTS):
        points.append([
            f"P{p:06d}", f"点位{p}", type_codes[p % len(type_codes)], f"G{p % GRIDS:04d}", f"示范路{p}号",
            113.5 + (p % 1000) / 10000, 34.7 + (p % 997) / 10000, f"U{p % 50:03d}", "分管副市长", f"责任人{p % 300}",
            "网格长", "13800000000",
        ])  # fmt: skip
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def units_csv() -> bytes:
    lines = ["code,parent_code,name,type", "U-ROOT,,基准市,city"]
    lines += [f"U{u:03d},U-ROOT,基准单位{u},community" for u in range(50)]
    return ("\n".join(lines) + "\n").encode()


def main():
    campaign = Campaign.objects.create(name="基准测试", slug=f"bench-{int(time.time())}")
    try:
        IndicatorImport(
            campaign=campaign, filename="demo_city.xlsx", data=(ROOT / "campaign/demo/demo_city.xlsx").read_bytes()
        ).apply(actor=None)
        UnitImport(campaign=campaign, filename="units.csv", data=units_csv()).apply(actor=None)
        type_codes = list(campaign.point_types.values_list("code", flat=True))
        data = build_workbook(type_codes)

        started = time.perf_counter()
        workbook = load_workbook(io.BytesIO(data), read_only=True)
        rows = sum(1 for _ in workbook["点位"].iter_rows(values_only=True))
        workbook.close()
        baseline = time.perf_counter() - started

        started = time.perf_counter()
        plan = PointImport(campaign=campaign, filename="points.xlsx", data=data)
        planned = time.perf_counter() - started
        assert not plan.has_errors, plan.issues[:5]
        started = time.perf_counter()
        with transaction.atomic():
            counts = plan.apply(actor=None)
        applied = time.perf_counter() - started
        started = time.perf_counter()
        again = PointImport(campaign=campaign, filename="points.xlsx", data=data)
        replanned = time.perf_counter() - started
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from campaign.selectors import campaign_coverage

        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            gaps = campaign_coverage(campaign=campaign).counts()
        coverage_time = time.perf_counter() - started
        total = planned + applied
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"workbook: {len(data) / 1024 / 1024:.1f} MB, {rows - 1} point rows, created {counts}")
        print(f"import_points_plan: {planned:.2f} s (ratio {planned / baseline:.1f} against openpyxl read-only read)")
        print(f"import_points_apply: {applied:.2f} s")
        print(f"import_points_total: {total:.2f} s (ratio {total / baseline:.1f} against openpyxl read-only read)")
        print(f"import_points_reimport_plan: {replanned:.2f} s, changes {again.counts()}")
        print(f"openpyxl_read_only_read: {baseline:.2f} s (baseline)")
        print(f"coverage_check: {coverage_time * 1000:.0f} ms in {len(queries)} queries over {POINTS} points: {gaps}")
        print(f"peak_rss: {peak:.0f} MB")
    finally:
        with transaction.atomic():
            campaign.points.all().delete()
            campaign.grids.all().delete()
            campaign.delete()


if __name__ == "__main__":
    main()
