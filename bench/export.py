"""Benchmark: the Excel export of 100,000 ledger rows (issue "Proof at scale": against openpyxl write_only writing the
same pre-fetched rows, with peak memory).

Run by hand, not by the test suite (PostgreSQL), on the generated benchmark data (bench/data.py says how):
    .venv/bin/python bench/export.py
The ledger's filter "found from" is set to the day that leaves about 100,000 of the campaign's problems. Each
measurement runs in a fresh process (so that one's memory does not count in another's), RUNS times:
- ledger_export_xlsx: the office's request `/problems/?created_after=<day>&export=xlsx` through Django's test
  client, which queues an export job (longer than EXPORT_INLINE_MAX_ROWS), then the job as a worker runs it
  (`core.exports.export_run`): the filtered query streamed in chunks, each row formatted by the page's
  `export_row`, the workbook written by `core.excel` into a temporary file and stored as the job's file; the
  request alone is reported too (what the user waits for before the job's page shows its progress);
- openpyxl_write_only: the baseline: the same rows, fetched and formatted before the clock starts, appended to an
  openpyxl write-only workbook and saved to memory.
Peak memory is the growth of the process's resident set (VmHWM, reset just before) over what it held before the
measured step: for the baseline, on top of the pre-fetched rows it already holds.
"""

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db.models import F  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.data import bench_campaign, bench_user, scale_line  # noqa: E402
from campaign.middleware import SESSION_KEY as CAMPAIGN_SESSION_KEY  # noqa: E402
from core.jobs import job_run  # noqa: E402
from core.models import Job  # noqa: E402
from core.tasks import run_job  # noqa: E402
from rectification.models import Problem  # noqa: E402

ROWS = 100_000
RUNS = 3


def rss_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(field)


def peak_reset() -> float:
    """Start a new high-water mark of the resident set; returns the resident set now."""
    Path("/proc/self/clear_refs").write_text("5")
    return rss_mb("VmRSS")


def cut_day(campaign):
    """The local day from which about ROWS problems were found."""
    created = (
        Problem.objects.filter(campaign=campaign).order_by(F("created_at").desc()).values_list("created_at", flat=True)
    )[ROWS - 1]
    return timezone.localtime(created).date()


def part_app(campaign, day) -> dict:
    client = Client()
    client.force_login(bench_user(campaign, "office"))
    session = client.session
    session[CAMPAIGN_SESSION_KEY] = campaign.pk
    session.save()
    url = f"/problems/?created_after={day:%Y-%m-%d}&export=xlsx"
    sent = []
    # The worker's part is run here, in this process, after the request: the message to the workers is kept.
    run_job.apply_async = lambda *args, **kwargs: sent.append(kwargs)
    before = peak_reset()
    started = time.perf_counter()
    response = client.get(url)
    request_seconds = time.perf_counter() - started
    assert response.status_code == 302 and len(sent) == 1, response.status_code
    job = Job.objects.get(pk=response["Location"].split("/")[-2])
    job = job_run(job_id=str(job.pk))
    seconds = time.perf_counter() - started
    assert job.status == "done", job.result
    size = job.file.size
    job.file.delete(save=False)
    job.delete()
    return {"seconds": seconds, "request_seconds": request_seconds, "peak_mb": rss_mb("VmHWM") - before,
            "bytes": size}  # fmt: skip


def part_openpyxl(campaign, day) -> dict:
    import io

    from openpyxl import Workbook

    from core.excel import cell_value
    from rectification.filters import ProblemPageFilterSet
    from rectification.selectors import problem_list
    from rectification.views import ProblemListView

    office = bench_user(campaign, "office")
    view = ProblemListView()
    queryset = ProblemPageFilterSet(
        {"created_after": f"{day:%Y-%m-%d}"}, queryset=problem_list(user=office, campaign=campaign), request=None
    ).qs
    headers = [str(column.header) for column in view.export_columns]
    rows = [[cell_value(value) for value in view.export_row(problem)] for problem in queryset.iterator(2000)]
    before = peak_reset()
    started = time.perf_counter()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Sheet1")
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_mb": rss_mb("VmHWM") - before, "bytes": len(buffer.getvalue()),
            "rows": len(rows)}  # fmt: skip


def child(part: str, day: str) -> dict:
    import datetime

    campaign = bench_campaign()
    day = datetime.date.fromisoformat(day)
    return (part_app if part == "app" else part_openpyxl)(campaign, day)


def measure(part: str, day) -> list[dict]:
    runs = []
    for _ in range(RUNS):
        output = subprocess.run(  # noqa: S603 - this script, with its own arguments
            [sys.executable, __file__, "--part", part, f"{day:%Y-%m-%d}"],
            check=True, capture_output=True, text=True, cwd=ROOT,
        ).stdout  # fmt: skip
        runs.append(json.loads(output.strip().splitlines()[-1]))
    return runs


def main():
    campaign = bench_campaign()
    print(scale_line(campaign))
    day = cut_day(campaign)
    rows = Problem.objects.filter(campaign=campaign, created_at__date__gte=day).count()
    app, baseline = measure("app", day), measure("openpyxl", day)
    app_s = statistics.median(run["seconds"] for run in app)
    base_s = statistics.median(run["seconds"] for run in baseline)
    app_mb, base_mb = max(run["peak_mb"] for run in app), max(run["peak_mb"] for run in baseline)
    request_s = statistics.median(run["request_seconds"] for run in app)
    print(f"ledger_export_request: {request_s:.2f} s to queue the job and answer (ratio "
          f"{request_s / base_s:.3f} against openpyxl_write_only)")  # fmt: skip
    print(f"ledger_export_xlsx: {app_s:.2f} s for {rows} rows, {app[0]['bytes'] / 1e6:.1f} MB, peak memory "
          f"+{app_mb:.0f} MB (ratio {app_s / base_s:.2f} against openpyxl_write_only; memory ratio "
          f"{app_mb / base_mb:.2f})")  # fmt: skip
    print(f"openpyxl_write_only: {base_s:.2f} s for {baseline[0]['rows']} pre-fetched rows, "
          f"{baseline[0]['bytes'] / 1e6:.1f} MB, peak memory +{base_mb:.0f} MB (baseline)")  # fmt: skip


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--part":
        print(json.dumps(child(sys.argv[2], sys.argv[3])))
    else:
        main()
