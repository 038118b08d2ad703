"""Benchmark: the dashboard at city scale (issue "Leader dashboards": with the benchmark data — 1,500 units, 200,000
problems, a year of reports — each dashboard endpoint runs a constant number of queries and its median time is ≤ 2×
the raw SQL computing the same numbers; the dashboard page is usable in < 1.5 s in headless Chromium on this 2-core
machine).

Run by hand, not by the test suite (PostgreSQL), on the generated benchmark data (bench/data.py says how):
    .venv/bin/python bench/dashboard.py
Once, it publishes the last full week's rankings and keeps the mock assessment's projection (what the dashboard
reads). Then, for each panel, read as the office (the whole city) and as a leader of one district, it prints
`name: value unit (ratio R against BASELINE)`:
- `dashboard_<panel>[office|leader]`: the panel's selector, uncached (median of runs), with its queries, against
  the same SELECT statements run bare through a cursor (no ORM, no Python, no cache): the floor for the same numbers;
- `dashboard_cached[<panel>]`: the same panel read again through the cache;
- `dashboard_page_usable`: in headless Chromium (Debian's, driven by Playwright) against `manage.py runserver`, the
  time from navigation to every chart drawn, with the panels' cache empty (after a first visit has loaded the
  server's code and the browser's static files), then warm (read again), then `warmed`: the first visit after
  `dashboard_warm` (what the workers run after a publication and every four minutes), whose time is
  `dashboard_warm`.
"""

import datetime
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.data import bench_campaign, bench_user, scale_line  # noqa: E402
from bench.scoring import bare, captured_selects  # noqa: E402
from campaign.middleware import SESSION_KEY as CAMPAIGN_SESSION_KEY  # noqa: E402
from campaign.models import Campaign, Unit  # noqa: E402
from core.models import User  # noqa: E402
from scoring.choices import DocumentStatus, RankingPeriod, RoundKind, RoundStatus  # noqa: E402
from scoring.dashboard import PANELS, dashboard_panel, dashboard_warm, period_default  # noqa: E402
from scoring.models import InspectionRound, Projection, Ranking  # noqa: E402
from scoring.projection import projection_compute, projection_snapshot, projection_trend  # noqa: E402
from scoring.rankings import ranking_compute, ranking_publish  # noqa: E402

RUNS = 5
TARGET_RATIO = 2
TARGET_PAGE_S = 1.5
CHROMIUM = "/usr/bin/chromium"
ADDRESS = "127.0.0.1:8765"


def prepare(campaign) -> None:
    """What the dashboard reads: a published weekly ranking of every peer group (the week ending today, later than
    the demo's own) and a kept projection."""
    office = bench_user(campaign, "office")
    today = timezone.localdate()
    published = Ranking.objects.filter(campaign=campaign, period=RankingPeriod.WEEKLY, status=DocumentStatus.PUBLISHED)
    if not published.filter(period_end=today).exists():
        for ranking in ranking_compute(campaign=campaign, period=RankingPeriod.WEEKLY, period_end=today):
            ranking_publish(actor=office, ranking=ranking)
    mock = InspectionRound.objects.filter(campaign=campaign, kind=RoundKind.MOCK, status=RoundStatus.CLOSED)
    for round in mock.exclude(pk__in=Projection.objects.values("round")):
        projection_snapshot(actor=office, round=round)


def timed(function) -> tuple[float, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        function()
        elapsed = time.perf_counter() - started
    return elapsed, [q["sql"] for q in queries.captured_queries]


def fresh(user: User) -> User:
    """A request's user: no scope cached on it yet."""
    return User.objects.get(pk=user.pk)


def computing_floors(campaign) -> dict[str, float]:
    """For the panels that read snapshots (published rankings, kept projections), the raw SQL computing their numbers
    from the records: the weekly ranking's SELECT statements (a draft week, replaced on every run) and the
    projection's, run bare."""
    end = timezone.localdate() - datetime.timedelta(days=3)
    published = Ranking.objects.filter(campaign=campaign, status=DocumentStatus.PUBLISHED)
    while published.filter(period_end=end).exists():
        end -= datetime.timedelta(days=1)
    _seconds, ranking = captured_selects(
        lambda: ranking_compute(campaign=campaign, period=RankingPeriod.WEEKLY, period_end=end)
    )
    mock = projection_trend(campaign=campaign).last().round  # the kept projection the panels read
    _seconds, projection = captured_selects(lambda: projection_compute(round=mock))
    ranking_floor, projection_floor = bare(ranking), bare(projection)
    print(f"dashboard_snapshot_floors: the ranking's SQL {ranking_floor:.2f} s, the projection's "
          f"{projection_floor:.3f} s (computing from the records what the snapshot panels read)")  # fmt: skip
    return {"rankings": ranking_floor, "lists": ranking_floor, "projection": projection_floor,
            "shortfalls": projection_floor}  # fmt: skip


def panels(campaign, readers, floors: dict[str, float]) -> tuple[list[float], list[float]]:
    period = period_default()
    now = timezone.now()
    ratios, against_computing = [], []
    for name, panel in PANELS.items():
        for label, reader in readers.items():

            def read(panel=panel, reader=reader):
                panel.selector(user=fresh(reader), campaign=campaign, period=period, now=now)

            runs = [timed(read) for _ in range(RUNS)]
            seconds = statistics.median(run[0] for run in runs)
            # The reader's own lookup (the scope's paths) is part of the request, not of the numbers.
            statements = [s for s in runs[-1][1] if not s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE"))]
            floor = bare(statements)
            ratio = seconds / floor if floor else float("nan")
            ratios.append(ratio)
            print(f"dashboard_{name}[{label}]: {seconds * 1000:.1f} ms in {len(statements)} queries "
                  f"(ratio {ratio:.2f} against the same SELECTs run bare, {floor * 1000:.1f} ms)")  # fmt: skip
            if name in floors:
                against_computing.append(seconds / floors[name])
                print(f"dashboard_{name}[{label}]: ratio {seconds / floors[name]:.3f} against the raw SQL computing "
                      f"its numbers from the records ({floors[name] * 1000:.0f} ms)")  # fmt: skip
            else:
                against_computing.append(ratio)
        user = fresh(readers["office"])
        dashboard_panel(name=name, user=user, campaign=campaign, period=period)

        def read_cached(name=name, user=user):
            dashboard_panel(name=name, user=user, campaign=campaign, period=period)

        cached = statistics.median(timed(read_cached)[0] for _ in range(RUNS))
        print(f"dashboard_cached[{name}]: {cached * 1000:.2f} ms (read back from the cache)")
    return ratios, against_computing


def session_for(user: User, campaign: Campaign) -> str:
    session = SessionStore()
    session[CAMPAIGN_SESSION_KEY] = campaign.pk
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def drawn_in(tab) -> float:
    """Seconds from navigating to the dashboard to every chart on it drawn."""
    started = time.perf_counter()
    tab.goto(f"http://{ADDRESS}/dashboard/")
    tab.wait_for_function(
        "Array.from(document.querySelectorAll('.dash-chart')).every(c => c.dataset.drawn === 'true')"
    )
    return time.perf_counter() - started


def warm_up(campaign: Campaign) -> tuple[float, int]:
    started = time.perf_counter()
    warmed = dashboard_warm(campaign=campaign)
    seconds = time.perf_counter() - started
    connection.close()
    return seconds, warmed


def page(user: User, campaign: Campaign) -> None:
    if not os.path.exists(CHROMIUM):
        print("dashboard_page_usable: skipped (no /usr/bin/chromium)")
        return
    from playwright.sync_api import sync_playwright

    session = session_for(user, campaign)  # before Playwright's event loop, which Django's ORM refuses to run under
    command = [sys.executable, "manage.py", "runserver", ADDRESS, "--noreload"]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    try:
        time.sleep(4)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session,
                                  "url": f"http://{ADDRESS}"}])  # fmt: skip
            tab = context.new_page()
            # The server is up, has loaded its code and templates, and the browser has the static files.
            tab.goto(f"http://{ADDRESS}/dashboard/")
            for state in ("cold", "warm", "warm", "warm"):
                if state == "cold":
                    cache.clear()
                seconds = drawn_in(tab)
                print(f"dashboard_page_usable[{state}]: {seconds:.2f} s from navigation to every chart drawn "
                      f"(ratio {seconds / TARGET_PAGE_S:.2f} against the {TARGET_PAGE_S} s target)")  # fmt: skip
            # What a reader finds after a publication or between two scheduled warm-ups: the panels computed by the
            # worker's warm-up (here in a thread: the ORM refuses to run under Playwright's event loop).
            cache.clear()
            with ThreadPoolExecutor(1) as thread:
                warm_s, warmed = thread.submit(warm_up, campaign).result()
            readers = warmed // len(PANELS)
            print(f"dashboard_warm: {warm_s:.2f} s for {warmed} panels, {readers} readers: the city-wide scope and "
                  f"every leader (ratio {warm_s / 240:.3f} against the 240 s between scheduled warm-ups)")  # fmt: skip
            seconds = drawn_in(tab)
            print(f"dashboard_page_usable[warmed]: {seconds:.2f} s from navigation to every chart drawn, the first "
                  f"visit after the warm-up (ratio {seconds / TARGET_PAGE_S:.2f} against the {TARGET_PAGE_S} s "
                  "target)")  # fmt: skip
            browser.close()
    finally:
        server.terminate()
        server.wait()


def main():
    campaign = bench_campaign()
    print(scale_line(campaign))
    prepare(campaign)
    readers = {"office": bench_user(campaign, "office"), "leader": bench_user(campaign, "leader")}
    units = Unit.objects.filter(campaign=campaign).count()
    print(f"data: {units} units; reader 'leader' sees "
          f"{Unit.objects.visible_to(readers['leader']).filter(campaign=campaign).count()} of them")  # fmt: skip
    ratios, against_computing = panels(campaign, readers, computing_floors(campaign))
    print(f"dashboard_worst_ratio: {max(against_computing):.2f} against the raw SQL computing each panel's numbers "
          f"(target ≤ {TARGET_RATIO}); {max(ratios):.2f} against each panel's own SELECTs run bare")  # fmt: skip
    page(readers["office"], campaign)


if __name__ == "__main__":
    main()
