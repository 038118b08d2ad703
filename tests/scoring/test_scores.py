"""Unit scores against hand-computed examples: every component, minimum denominators with the weights scaled up,
per-case deductions, no data (no score), bundles sharing one score, double-weight sources, and the counts read
from the records in a fixed number of queries."""

import copy
import datetime
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from campaign.choices import DailyReportStatus, UnitGroupKind
from campaign.models import DailyCycleSettings, DailyReport, Point, Responsibility, UnitGroup
from core.errors import DomainError
from rectification.metrics import Metrics
from rectification.problems import problem_create
from rectification.workflow import problem_move
from scoring.choices import ReviewStatus
from scoring.inspections import findings_approve
from scoring.models import InspectionItem
from scoring.rules import DEFAULT_RULES, rule_set_create, rule_set_current, rules_validate
from scoring.scores import Counts, score_from, unit_counts, unit_scores_for_period
from tests.scoring.builders import NOT_MET, a_round, tree, visit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def full_counts(**changes):
    """Visits 2 with 5 points deducted; 4 cases due, 3 handled (2 on time), 1 returned, 1 overdue; 4 of 5 reports on
    time; 1 of 2 orders done; 1 of 1 material complete."""
    counts = Counts(
        visits=2, deducted=Decimal(5),
        metrics=Metrics(due=4, handled=3, handled_on_time=2, returned=1, overdue_unhandled=1),
        reports_on_time=4, reports_due=5, orders_done=1, orders_due=2, materials_complete=1, materials_led=1,
    )  # fmt: skip
    for name, value in changes.items():
        setattr(counts, name, value)
    return counts


def test_a_score_by_hand():
    score, parts = score_from(full_counts(), DEFAULT_RULES)
    # inspection 1 − 5/(2×10) = 0.75; rectification (30×3/4 + 20×2/4 + 20×(1−1/3) + 20×(1−1/4) + 10×1)/100
    # = 0.708333; reports 4/5 = 0.8; dispatch 1/2; materials 1.
    assert {name: parts[name]["value"] for name in DEFAULT_RULES["components"]} == {
        "inspection": Decimal("0.7500"), "rectification": Decimal("0.7083"), "daily_reports": Decimal("0.8000"),
        "dispatch": Decimal("0.5000"), "materials": Decimal("1.0000"),
    }  # fmt: skip
    # 30×0.75 + 40×0.708333 + 15×0.8 + 10×0.5 + 5×1 = 22.5 + 28.3333 + 12 + 5 + 5 = 72.83
    assert score == Decimal("72.83")
    assert parts["rectification"]["points"] == Decimal("28.33")
    assert (parts["daily_reports"]["numerator"], parts["daily_reports"]["denominator"]) == (4, 5)


def test_per_case_deductions_come_off_the_score_and_never_below_zero():
    score, parts = score_from(full_counts(false_rectification=1, passing_the_buck=2), DEFAULT_RULES)
    # 72.83 − 2×1 − 1×2
    assert (score, parts["deductions"]["points"]) == (Decimal("68.83"), Decimal(4))
    assert score_from(full_counts(false_rectification=50), DEFAULT_RULES)[0] == Decimal("0.00")


def test_a_component_under_its_minimum_is_left_out_and_the_others_scale_up():
    score, parts = score_from(full_counts(metrics=Metrics(due=2, handled=2, handled_on_time=2)), DEFAULT_RULES)
    # Rectification (2 cases < 3) is left out: 30, 15, 10, 5 of 60 become 50, 25, 16.67, 8.33.
    assert parts["rectification"]["counted"] is False and parts["rectification"]["weight_used"] == 0
    assert [parts[n]["weight_used"] for n in ("inspection", "daily_reports", "dispatch", "materials")] == [
        Decimal("50.00"), Decimal("25.00"), Decimal("16.67"), Decimal("8.33"),
    ]  # fmt: skip
    # 50×0.75 + 25×0.8 + 16.667×0.5 + 8.333×1 = 37.5 + 20 + 8.333 + 8.333 = 74.17
    assert score == Decimal("74.17")


def test_a_unit_with_no_data_has_no_score():
    score, parts = score_from(Counts(), DEFAULT_RULES)
    assert score is None and all(part["counted"] is False for part in parts.values())


def test_rules_are_checked_before_they_are_saved(city):
    bad = copy.deepcopy(DEFAULT_RULES)
    bad["components"]["dispatch"]["weight"] = 20
    with pytest.raises(DomainError, match="add up to 110"):
        rules_validate(bad)
    for change, message in [
        (lambda r: r["components"].update(bonus={"weight": 0}), "Unknown components: bonus"),
        (lambda r: r["components"]["materials"].update(weight=-5), "cannot be negative"),
        (lambda r: r["components"]["rectification"]["parts"].update(handling=10), "parts must add up to 100"),
        (lambda r: r.update(double_weight_sources=["gossip"]), "sources that do not exist"),
        (lambda r: r["case_deductions"].update(lateness=1), "per-case deductions are"),
    ]:
        rules = copy.deepcopy(DEFAULT_RULES)
        change(rules)
        with pytest.raises(DomainError, match=message):
            rules_validate(rules)
    first = rule_set_current(campaign=city.campaign)
    assert (first.version, first.rules) == (1, DEFAULT_RULES)
    with pytest.raises(DomainError) as refused:
        rule_set_create(actor=city.users["leader"], campaign=city.campaign, rules=DEFAULT_RULES, name="新", note="x")
    assert refused.value.code == "forbidden"
    second = rule_set_create(actor=city.users["office"], campaign=city.campaign, rules=DEFAULT_RULES, name="第二版",
                             note="提高督查权重")  # fmt: skip
    assert second.version == 2 and rule_set_current(campaign=city.campaign) == second


def reports(unit, days, *, late=()):
    """Submitted reports for `days` (dates), on time unless the date is in `late`."""
    DailyReport.objects.bulk_create(
        DailyReport(campaign=unit.campaign, unit=unit, date=day, status=DailyReportStatus.SUBMITTED,
                    deadline_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(17))),
                    submitted_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(16))),
                    first_submitted_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(16))),
                    is_late=day in late, work_done="巡查")
        for day in days
    )  # fmt: skip


def test_counts_from_the_records_and_bundles_share_one_score(city, django_assert_num_queries):
    DailyCycleSettings.objects.create(campaign=city.campaign)
    tree(city.campaign, city.point.point_type)
    end = timezone.localdate() - datetime.timedelta(days=1)
    start = end - datetime.timedelta(days=6)
    week = [start + datetime.timedelta(days=n) for n in range(7)]
    reports(city.community, week, late=week[:2])  # 5 on time of 7
    reports(city.neighbour, week[:3])  # 3 of 7
    # A visit to the community's point a few days ago: A1 failed (40 → capped by points_per_visit at 10 a visit).
    round = a_round(city.users["office"], city.campaign, [city.point], days_ago=3)
    inspection = visit(city.users["inspector"], round, city.point, {"A2": NOT_MET}, deductions={"A2": "4"},
                       now=timezone.now() - datetime.timedelta(days=3))  # fmt: skip
    findings_approve(actor=city.users["office"], items=list(InspectionItem.objects.filter(result=NOT_MET)))
    assert inspection.unit == city.community

    rules = rule_set_current(campaign=city.campaign).rules
    with django_assert_num_queries(12) as few:
        counts = unit_counts(campaign=city.campaign, start=start, end=end, rules=rules)
    community = counts[city.community.pk]
    assert (community.visits, community.deducted, community.reports_on_time, community.reports_due) == (
        1, Decimal("4.00"), 5, 7,
    )  # fmt: skip
    assert counts[city.neighbour.pk].reports_on_time == 3
    # Scores: community: inspection 1 − 4/10 = 0.6 (weight 30), reports 5/7 (weight 15), the rest no data:
    # (30×0.6 + 15×5/7) × 100/45 = (18 + 10.714) / 0.45 = 63.81.
    scores = unit_scores_for_period(campaign=city.campaign, start=start, end=end,
                                    rule_set=rule_set_current(campaign=city.campaign))  # fmt: skip
    assert scores[city.community.pk].score == Decimal("63.81")
    assert scores[city.neighbour.pk].score == Decimal("42.86")  # reports only: 3/7
    assert scores[city.elsewhere.pk].score == Decimal("0.00")  # owed 7 reports, sent none

    # A bundle of the two communities is scored once on their pooled counts: visits 1 (4 deducted), reports 8/14:
    # (30×0.6 + 15×8/14) × 100/45 = (18 + 8.571) / 0.45 = 59.05, for both.
    bundle = UnitGroup.objects.create(campaign=city.campaign, name="东华捆绑", kind=UnitGroupKind.BUNDLE)
    bundle.members.set([city.community, city.neighbour])
    scores = unit_scores_for_period(campaign=city.campaign, start=start, end=end,
                                    rule_set=rule_set_current(campaign=city.campaign))  # fmt: skip
    assert scores[city.community.pk].score == scores[city.neighbour.pk].score == Decimal("59.05")
    assert scores[city.community.pk].bundle_id == bundle.pk

    # More of everything: the same number of queries.
    more = [Point.objects.create(campaign=city.campaign, grid=city.grid, point_type=city.point.point_type,
                                 code=f"Q{n}", name=f"点位{n}") for n in range(3)]  # fmt: skip
    for point in more:
        Responsibility.objects.create(point=point, unit=city.company, leader_name="物业经理")
    second = a_round(city.users["office"], city.campaign, more, name="二", days_ago=2)
    for point in more:
        visit(city.users["inspector"], second, point, {"A1": NOT_MET}, now=timezone.now() - datetime.timedelta(days=2))
    reports(city.company, week)
    with django_assert_num_queries(len(few.captured_queries)):
        unit_counts(campaign=city.campaign, start=start, end=end, rules=rules)


def test_cases_from_double_weight_sources_count_twice(city):
    DailyCycleSettings.objects.create(campaign=city.campaign)
    office = city.users["office"]
    for source in ("media", "inspection"):
        problem = problem_create(actor=office, campaign=city.campaign, source=source, point=city.point,
                                 description=f"{source}问题")  # fmt: skip
        problem_move(actor=office, problem=problem, action="assign", unit=city.community,
                     deadline=timezone.now() + datetime.timedelta(days=3))  # fmt: skip
    today = timezone.localdate()
    rules = rule_set_current(campaign=city.campaign).rules
    counts = unit_counts(campaign=city.campaign, start=today - datetime.timedelta(days=6), end=today, rules=rules)
    assert counts[city.community.pk].metrics.due == 3  # the media case twice, the other once
    single = {**rules, "double_weight_sources": []}
    counts = unit_counts(campaign=city.campaign, start=today - datetime.timedelta(days=6), end=today, rules=single)
    assert counts[city.community.pk].metrics.due == 2


def test_pending_findings_do_not_count_in_a_units_score(city):
    tree(city.campaign, city.point.point_type)
    round = a_round(city.users["office"], city.campaign, [city.point], days_ago=1)
    visit(city.users["inspector"], round, city.point, {"A1": NOT_MET}, key=uuid.uuid4(),
          now=timezone.now() - datetime.timedelta(days=1))  # fmt: skip
    today = timezone.localdate()
    rules = rule_set_current(campaign=city.campaign).rules
    counts = unit_counts(campaign=city.campaign, start=today - datetime.timedelta(days=6), end=today, rules=rules)
    assert (counts[city.community.pk].visits, counts[city.community.pk].deducted) == (1, 0)
    item = InspectionItem.objects.get(result=NOT_MET)
    item.review_status = ReviewStatus.APPROVED
    item.save()
    counts = unit_counts(campaign=city.campaign, start=today - datetime.timedelta(days=6), end=today, rules=rules)
    assert counts[city.community.pk].deducted == Decimal("40.00")
