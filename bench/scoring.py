"""Benchmark: the weekly ranking and the projected score at city scale (issue "Scoring": computing and snapshotting
the weekly ranking for 1,500 units from a year of data — 200,000 problems, 2,000 inspections, 500,000 daily
reports — < 10 s in a constant number of queries and ≤ 2× the raw SQL computing the same numbers; the projected
score for 150 criteria and 20,000 points < 2 s).

Run by hand, not by the test suite (PostgreSQL):
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc_bench DJANGO_DEBUG=1 ALLOWED_HOSTS=testserver
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py seed_demo
    .venv/bin/python bench/scoring.py
Once, it brings the demo campaign to 1,500 units in five peer groups of 300, 20,000 points and 200,000 problems
(`bench/problems.py`'s fill) with a history (dispatch, and for the handled ones a submission and a verification),
a year of daily reports (about nine in ten submitted, a tenth of those late), a year of dispatch orders (one a day
to ten units), 150 criteria checked in the field, 2,000 inspections in 52 weekly rounds (ten items each, a fifth
failing and approved), and a closed mock assessment visiting all 20,000 points (200,000 items). The bulk rows go
in with INSERT … SELECT over generate_series. Then it prints `name: value unit (ratio R against BASELINE)`:
- ranking_compute: the week's rankings computed and written (drafts replaced), median of runs, with its queries;
- ranking_bare_sql: the same SELECT statements the computation issues, run bare through a cursor (no ORM, no
  Python scoring, no writes): the floor for the same numbers;
- projection_compute: the projected score of the mock assessment, median of runs, with its queries.
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

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.compile import fill_points, fill_units, spread_problems  # noqa: E402
from bench.problems import fill as fill_problems  # noqa: E402
from campaign.choices import Method, UnitGroupKind  # noqa: E402
from campaign.daily_reports import daily_settings_get  # noqa: E402
from campaign.models import (  # noqa: E402
    Campaign,
    DailyReport,
    Indicator,
    IndicatorMethod,
    IndicatorSystem,
    Point,
    Unit,
    UnitGroup,
)
from core.models import User  # noqa: E402
from rectification.models import Problem, ProblemTransition  # noqa: E402
from scoring.choices import RankingPeriod, RoundKind, RoundStatus  # noqa: E402
from scoring.models import Inspection, InspectionItem, InspectionRound  # noqa: E402
from scoring.projection import projection_compute  # noqa: E402
from scoring.rankings import ranking_compute  # noqa: E402

RUNS = 3
TARGET_RANKING_S = 10
TARGET_PROJECTION_S = 2
PEER_GROUPS = 5
CRITERIA = 150


def sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def fill_groups(campaign) -> None:
    """Five peer groups of the benchmark communities (300 each)."""
    if UnitGroup.objects.filter(campaign=campaign, name__startswith="基准同类组").exists():
        return
    units = list(
        Unit.objects.filter(campaign=campaign, code__startswith="BU").order_by("pk").values_list("pk", flat=True)
    )
    for n in range(PEER_GROUPS):
        group = UnitGroup.objects.create(campaign=campaign, name=f"基准同类组{n + 1}", kind=UnitGroupKind.PEER)
        group.members.set(units[n::PEER_GROUPS])


def fill_history(campaign) -> None:
    """Each benchmark problem past `new` was dispatched an hour after it was found (with its deadline); those
    handled were submitted two days later, and the closed ones verified a day after that."""
    if ProblemTransition.objects.filter(problem__campaign=campaign, note="基准").exists():
        return
    sql("""
        INSERT INTO rectification_problemtransition (problem_id, action, from_status, to_status, actor_repr, at, note,
                                                     data)
        SELECT p.id, 'assign', 'new', 'assigned', '', p.created_at + interval '1 hour', '基准',
               jsonb_build_object('deadline', to_char(p.deadline AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
        FROM rectification_problem p
        WHERE p.campaign_id = %s AND p.description LIKE '基准%%' AND p.status <> 'new'
    """, [campaign.pk])  # fmt: skip
    sql("""
        INSERT INTO rectification_problemtransition (problem_id, action, from_status, to_status, actor_repr, at, note,
                                                     data)
        SELECT p.id, 'submit', 'rectifying', 'submitted', '', p.created_at + interval '2 days', '基准', '{}'::jsonb
        FROM rectification_problem p
        WHERE p.campaign_id = %s AND p.description LIKE '基准%%' AND p.status IN ('submitted', 'closed')
    """, [campaign.pk])  # fmt: skip
    sql("""
        INSERT INTO rectification_problemtransition (problem_id, action, from_status, to_status, actor_repr, at, note,
                                                     data)
        SELECT p.id, 'verify', 'submitted', 'closed', '', p.created_at + interval '3 days', '基准', '{}'::jsonb
        FROM rectification_problem p
        WHERE p.campaign_id = %s AND p.description LIKE '基准%%' AND p.status = 'closed'
    """, [campaign.pk])  # fmt: skip


def fill_reports(campaign, today: datetime.date) -> None:
    """A year of daily reports for every unit: about nine days in ten, a tenth of them late."""
    first = today - datetime.timedelta(days=365)
    if DailyReport.objects.filter(campaign=campaign, date=first).exists():
        return
    deadline = daily_settings_get(campaign=campaign).report_deadline
    sql("""
        INSERT INTO campaign_dailyreport (campaign_id, unit_id, date, status, work_done, people_deployed,
            problems_rectified, volunteers, volunteer_activity, draft_findings, draft_difficulties, deadline_at,
            created_at, updated_at, first_submitted_at, submitted_at, is_late, is_empty, unlock_reason)
        SELECT %(campaign)s, u.id, d::date, 'submitted', '巡查背街小巷，清理卫生死角。', 10, 0, 0, '', '', '',
               (d::date + %(deadline)s::time) AT TIME ZONE %(zone)s,
               (d::date + %(deadline)s::time) AT TIME ZONE %(zone)s,
               (d::date + %(deadline)s::time) AT TIME ZONE %(zone)s,
               (d::date + %(deadline)s::time) AT TIME ZONE %(zone)s
                   + CASE WHEN (u.id + extract(doy FROM d)::int) %% 10 = 0 THEN interval '1 hour'
                          ELSE interval '-2 hours' END,
               (d::date + %(deadline)s::time) AT TIME ZONE %(zone)s
                   + CASE WHEN (u.id + extract(doy FROM d)::int) %% 10 = 0 THEN interval '1 hour'
                          ELSE interval '-2 hours' END,
               (u.id + extract(doy FROM d)::int) %% 10 = 0, false, ''
        FROM campaign_unit u
        CROSS JOIN generate_series(%(first)s::date, %(last)s::date, interval '1 day') AS d
        WHERE u.campaign_id = %(campaign)s AND u.type <> 'city' AND u.is_active
          AND (u.id * 7 + extract(doy FROM d)::int) %% 11 <> 0
        ON CONFLICT DO NOTHING
    """, {"campaign": campaign.pk, "deadline": deadline.isoformat(), "zone": str(timezone.get_current_timezone()),
          "first": first, "last": today - datetime.timedelta(days=2)})  # fmt: skip


def fill_orders(campaign, today: datetime.date) -> None:
    """A dispatch order a day for a year, each to ten units, two in three done by the deadline."""
    office = User.objects.get(username="office")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM campaign_dispatchorder WHERE title LIKE '基准全年调度%%'")
        if cursor.fetchone()[0]:
            return
    sql("""
        INSERT INTO campaign_dispatchorder (campaign_id, date, title, content, source, meeting, priority, issued_by_id,
                                            issued_at, deadline, follow_up_by_id, cancel_reason)
        SELECT %(campaign)s, d::date, '基准全年调度' || to_char(d, 'YYYY-MM-DD'), '按要求完成整改', 'meeting', '',
               'normal', %(office)s, d, d + interval '1 day', NULL, ''
        FROM generate_series(%(first)s::date, %(last)s::date, interval '1 day') AS d
    """, {"campaign": campaign.pk, "office": office.pk, "first": today - datetime.timedelta(days=365),
          "last": today - datetime.timedelta(days=2)})  # fmt: skip
    sql("""
        INSERT INTO campaign_dispatchtarget (order_id, unit_id, acknowledged_at, completed_at, completion_note)
        SELECT o.id, u.id, o.issued_at + interval '1 hour',
               CASE WHEN (o.id + u.id) %% 3 <> 0 THEN o.deadline - interval '2 hours' END, ''
        FROM campaign_dispatchorder o
        CROSS JOIN LATERAL (
            SELECT id FROM campaign_unit WHERE campaign_id = %(campaign)s AND type <> 'city'
            ORDER BY (id * 31 + o.id * 17) %% 1009 LIMIT 10
        ) u
        WHERE o.title LIKE '基准全年调度%%'
    """, {"campaign": campaign.pk})  # fmt: skip


def fill_criteria(campaign) -> list[int]:
    """150 criteria checked in the field at the benchmark points' type, under one item of the current system."""
    system = IndicatorSystem.objects.get(campaign=campaign, is_current=True)
    have = list(Indicator.objects.filter(system=system, code__startswith="BZ.").values_list("pk", flat=True))
    if len(have) >= CRITERIA:
        return have
    point_type = Point.objects.filter(campaign=campaign, code__startswith="BP").first().point_type
    with transaction.atomic():
        top = Indicator.objects.create(system=system, code="BZ", name="基准测评项目", level=1, score=150, position=900)
        made = Indicator.objects.bulk_create(
            Indicator(system=system, parent=top, code=f"BZ.{n:03d}", name=f"基准测评标准{n}", level=2, score=1,
                      position=901 + n) for n in range(CRITERIA)
        )  # fmt: skip
        IndicatorMethod.objects.bulk_create(IndicatorMethod(indicator=c, method=Method.FIELD_INSPECTION) for c in made)
        Indicator.point_types.through.objects.bulk_create(
            Indicator.point_types.through(indicator_id=c.pk, pointtype_id=point_type.pk) for c in made
        )
    return [c.pk for c in made]


def fill_inspections(campaign, criteria: list[int], today: datetime.date) -> None:
    """52 weekly routine rounds with about 40 visits each (2,000 in all), ten items per visit, a fifth failing and
    approved; and a closed mock assessment of all 20,000 benchmark points."""
    if InspectionRound.objects.filter(campaign=campaign, name__startswith="基准").exists():
        return
    inspector = User.objects.get(username="inspector")
    InspectionRound.objects.bulk_create(
        InspectionRound(campaign=campaign, kind=RoundKind.ROUTINE, name=f"基准督查第{n + 1}周",
                        starts_on=today - datetime.timedelta(days=7 * (52 - n)),
                        ends_on=today - datetime.timedelta(days=7 * (52 - n) - 6), status=RoundStatus.CLOSED)
        for n in range(52)
    )  # fmt: skip
    InspectionRound.objects.create(campaign=campaign, kind=RoundKind.MOCK, name="基准模拟测评",
                                   starts_on=today - datetime.timedelta(days=10),
                                   ends_on=today - datetime.timedelta(days=8), status=RoundStatus.CLOSED)  # fmt: skip
    # Visits: each routine round visits 39 or 38 points (2,000 in all); the mock round visits every point.
    sql("""
        INSERT INTO scoring_inspection (round_id, point_id, unit_id, leader_name, inspector_id, status, started_at,
                                        submitted_at, note)
        SELECT r.id, p.id, (SELECT id FROM campaign_unit WHERE campaign_id = %(campaign)s AND code LIKE 'BU%%'
                            ORDER BY id OFFSET (p.id %% 1500) LIMIT 1),
               '', %(inspector)s, 'submitted', r.starts_on + interval '10 hours', r.starts_on + interval '11 hours', ''
        FROM scoring_inspectionround r
        CROSS JOIN LATERAL (
            SELECT id FROM campaign_point WHERE campaign_id = %(campaign)s AND code LIKE 'BP%%'
            ORDER BY (id * 7919 + r.id * 104729) %% 20011
            LIMIT CASE WHEN r.kind = 'mock' THEN 20000 ELSE 38 + (r.id %% 2) END
        ) p
        WHERE r.campaign_id = %(campaign)s AND r.name LIKE '基准%%'
    """, {"campaign": campaign.pk, "inspector": inspector.pk})  # fmt: skip
    sql("""
        INSERT INTO scoring_inspectionitem (inspection_id, criterion_id, result, deduction, note, review_status,
                                            review_note)
        SELECT i.id, c.id,
               CASE WHEN (i.id + c.id) %% 5 = 0 THEN 'not_met' ELSE 'met' END,
               CASE WHEN (i.id + c.id) %% 5 = 0 THEN 1 ELSE 0 END, '', 'approved', ''
        FROM scoring_inspection i
        JOIN scoring_inspectionround r ON r.id = i.round_id AND r.name LIKE '基准%%'
        CROSS JOIN LATERAL (
            SELECT id FROM campaign_indicator WHERE id = ANY(%(criteria)s)
            ORDER BY (id * 31 + i.id) %% 151 LIMIT 10
        ) c
    """, {"criteria": criteria})  # fmt: skip


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
    campaign = Campaign.objects.get(slug="sfs-2027")
    today = timezone.localdate()
    started = time.perf_counter()
    fill_units(campaign)
    fill_points(campaign)
    fill_problems(campaign)
    spread_problems(campaign)
    fill_groups(campaign)
    fill_history(campaign)
    fill_reports(campaign, today)
    fill_orders(campaign, today)
    criteria = fill_criteria(campaign)
    fill_inspections(campaign, criteria, today)
    sql("VACUUM ANALYZE")
    print(f"data: {Unit.objects.filter(campaign=campaign).count()} units, "
          f"{Point.objects.filter(campaign=campaign).count()} points, "
          f"{Problem.objects.filter(campaign=campaign).count()} problems, "
          f"{ProblemTransition.objects.filter(problem__campaign=campaign).count()} problem steps, "
          f"{DailyReport.objects.filter(campaign=campaign).count()} daily reports, "
          f"{Inspection.objects.filter(round__campaign=campaign, round__kind=RoundKind.ROUTINE).count()} inspections, "
          f"{InspectionItem.objects.filter(inspection__round__campaign=campaign).count()} inspection items "
          f"(filled or checked in {time.perf_counter() - started:.0f} s)")  # fmt: skip

    week_end = today - datetime.timedelta(days=2)

    def rank():
        ranking_compute(campaign=campaign, period=RankingPeriod.WEEKLY, period_end=week_end)

    rank()  # the default rule set is made once
    seconds, queries, statements = median_run(rank)
    floor = bare(statements)
    print(f"ranking_compute: {seconds:.2f} s in {queries} queries for "
          f"{UnitGroup.objects.filter(campaign=campaign, kind=UnitGroupKind.PEER).count()} peer groups "
          f"(ratio {seconds / floor:.2f} against ranking_bare_sql; {seconds / TARGET_RANKING_S:.2f} against the "
          f"{TARGET_RANKING_S} s target)")  # fmt: skip
    selects = sum(1 for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH")))
    print(
        f"ranking_bare_sql: {floor:.2f} s (baseline: the same {selects} SELECT statements run bare through a cursor)"
    )

    mock = InspectionRound.objects.get(campaign=campaign, name="基准模拟测评")
    seconds, queries, _statements = median_run(lambda: projection_compute(round=mock))
    print(f"projection_compute: {seconds:.2f} s in {queries} queries for "
          f"{InspectionItem.objects.filter(inspection__round=mock).count()} items "
          f"(ratio {seconds / TARGET_PROJECTION_S:.2f} against the {TARGET_PROJECTION_S} s target)")  # fmt: skip


if __name__ == "__main__":
    main()
