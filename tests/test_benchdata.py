"""The benchmark data generator (`manage.py generate_benchmark_data`): the scale's counts, the same data for the same
seed, data the app's own computations accept, and histories that follow the workflow."""

import datetime
import hashlib
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Max

from campaign.benchdata import SCALES, benchmark_generate
from campaign.models import Campaign, DailyReport, DispatchTarget, Point, Responsibility, Unit, UnitGroup
from core.models import User
from rectification.choices import ProblemStatus
from rectification.models import Problem, ProblemTransition
from rectification.workflow import INTERRUPTIONS, TRANSITIONS
from scoring.choices import RankingPeriod, RoundKind
from scoring.models import Inspection, InspectionItem, InspectionRound
from scoring.projection import projection_compute
from scoring.rankings import ranking_compute

TODAY = datetime.date(2026, 11, 30)
SMALL = SCALES["small"]


def fingerprint(campaign: Campaign) -> str:
    """A digest of the campaign's data by natural keys (codes, names, dates), not by primary keys."""
    parts = [
        sorted(Unit.objects.filter(campaign=campaign).values_list("code", "type", "parent__code", "head_name")),
        sorted(Point.objects.filter(campaign=campaign).values_list(
            "code", "grid__code", "point_type__code", "responsibility__unit__code", "longitude")),
        sorted(DailyReport.objects.filter(campaign=campaign).values_list(
            "unit__code", "date", "status", "submitted_at", "is_late", "is_empty", "people_deployed")),
        sorted(DispatchTarget.objects.filter(order__campaign=campaign).values_list(
            "order__title", "unit__code", "acknowledged_at", "completed_at")),
        sorted(Problem.objects.filter(campaign=campaign).values_list(
            "description", "source", "status", "point__code", "responsible_unit__code", "deadline", "closed_at",
            "created_at")),
        sorted(ProblemTransition.objects.filter(problem__campaign=campaign).values_list(
            "problem__description", "action", "to_status", "at")),
        sorted(InspectionItem.objects.filter(inspection__round__campaign=campaign).values_list(
            "inspection__round__name", "inspection__point__code", "criterion__code", "result", "deduction")),
    ]  # fmt: skip
    return hashlib.sha256(repr(parts).encode()).hexdigest()


@pytest.fixture(scope="module")
def small_module(django_db_setup, django_db_blocker):
    """One small campaign for the tests that only read it, rolled back at the module's end."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield benchmark_generate(scale="small", seed=1, today=TODAY)
        transaction.set_rollback(True)


@pytest.fixture
def small(small_module, db):
    return small_module


def test_small_scale_has_the_scales_counts(small):
    campaign = small.campaign
    assert Unit.objects.filter(campaign=campaign).count() == SMALL.units
    assert Point.objects.filter(campaign=campaign).count() == SMALL.points
    assert Responsibility.objects.filter(point__campaign=campaign, unit__isnull=False).count() == SMALL.points
    assert Problem.objects.filter(campaign=campaign).count() == SMALL.problems
    assert small.counts["criteria"] == SMALL.criteria
    routine = Inspection.objects.filter(round__campaign=campaign, round__kind=RoundKind.ROUTINE)
    assert routine.count() == SMALL.inspections
    assert Inspection.objects.filter(round__campaign=campaign, round__kind=RoundKind.MOCK).count() == SMALL.points
    reports = DailyReport.objects.filter(campaign=campaign)
    # Each unit reports on a day with the chance that makes the scale's total: near it, not exactly it.
    assert 0.85 * SMALL.reports < reports.count() < 1.15 * SMALL.reports
    assert reports.aggregate(last=Max("date"))["last"] == TODAY - datetime.timedelta(days=1)
    assert reports.filter(is_late=True).exists() and reports.filter(status="draft").exists()
    # The logins of the campaign, one per role, and peer groups of every unit but the city.
    assert set(User.objects.filter(username__startswith=campaign.slug).values_list("role", flat=True)) == {
        "staff", "inspector", "leader", "unit_head", "liaison"}  # fmt: skip
    grouped = Unit.objects.filter(campaign=campaign, unit_groups__kind="peer").distinct().count()
    assert grouped == SMALL.units - 1 - Unit.objects.filter(campaign=campaign, type="district").count()
    assert UnitGroup.objects.filter(campaign=campaign).count() == small.counts["peer groups"]


def test_unit_paths_are_the_trees(small):
    for unit in Unit.objects.filter(campaign=small.campaign).select_related("parent"):
        assert unit.path == (f"{unit.parent.path}{unit.pk}/" if unit.parent else f"/{unit.pk}/")
        assert unit.depth == unit.path.count("/") - 2


def test_problems_have_a_realistic_mix_and_follow_the_workflow(small):
    problems = Problem.objects.filter(campaign=small.campaign)
    mix = Counter(problems.values_list("status", flat=True))
    assert mix[ProblemStatus.CLOSED] > SMALL.problems / 2
    assert {ProblemStatus.NEW, ProblemStatus.RECTIFYING, ProblemStatus.SUBMITTED, ProblemStatus.RETURNED} <= set(mix)
    now = small.at(TODAY)
    assert problems.filter(overdue_at__isnull=False, closed_at__isnull=True).exists()
    steps = {}
    for problem_id, action, before, after, at in (
        ProblemTransition.objects.filter(problem__campaign=small.campaign)
        .values_list("problem_id", "action", "from_status", "to_status", "at")
        .order_by("problem_id", "at", "id")
    ):
        steps.setdefault(problem_id, []).append((action, before, after, at))
    assert len(steps) == SMALL.problems
    for problem in problems.only("id", "status", "resume_status", "created_at", "closed_at", "assigned_at"):
        walk = steps[problem.pk]
        assert walk[0][:3] == ("create", "", ProblemStatus.NEW)
        assert walk[0][3] == problem.created_at
        status = ProblemStatus.NEW
        for action, before, after, at in walk[1:]:
            transition = TRANSITIONS[action]
            assert before == status and status in transition.sources, (problem.pk, walk)
            assert after == (transition.target or after)
            assert at <= now
            status = after
        assert status == problem.status
        if status in INTERRUPTIONS:
            assert problem.resume_status
        if status == ProblemStatus.CLOSED:
            assert problem.closed_at == walk[-1][3]


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(db):
    with transaction.atomic():
        first = fingerprint(benchmark_generate(scale="small", seed=5, today=TODAY).campaign)
        transaction.set_rollback(True)
    again = benchmark_generate(scale="small", seed=5, today=TODAY)
    assert fingerprint(again.campaign) == first
    other = benchmark_generate(scale="small", seed=6, today=TODAY)
    assert fingerprint(other.campaign) != first


def test_the_apps_computations_run_on_it(small):
    """The weekly ranking covers every peer-grouped unit; the projection reads the mock assessment."""
    campaign = small.campaign
    rankings = ranking_compute(campaign=campaign, period=RankingPeriod.WEEKLY, period_end=TODAY)
    assert sum(ranking.entries.count() for ranking in rankings) == sum(
        UnitGroup.objects.filter(campaign=campaign).annotate(n=Count("members")).values_list("n", flat=True)
    )
    result = projection_compute(round=InspectionRound.objects.get(campaign=campaign, kind=RoundKind.MOCK))
    assert 0 < result.total < 100


def test_the_generated_office_sees_the_ledger(small, client):
    client.force_login(small.users["office"])
    response = client.get(f"/api/v1/problems/?campaign={small.campaign.pk}&open=true")
    assert response.status_code == 200
    open_count = Problem.objects.filter(campaign=small.campaign).open().count()
    assert response.json()["count"] == open_count > 0


def test_the_command_refuses_a_campaign_that_exists(db):
    call_command("generate_benchmark_data", "--scale", "small", "--seed", "2", "--today", "2026-11-30", verbosity=0)
    assert Campaign.objects.filter(slug="bench-small-2").exists()
    with pytest.raises(CommandError, match="bench-small-2 exists already"):
        call_command("generate_benchmark_data", "--scale", "small", "--seed", "2", verbosity=0)
