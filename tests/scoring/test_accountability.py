"""Accountability records: the office records them against a unit or a person with what caused them; the amount
only for bonus deductions; links stay within the campaign; a record is withdrawn with a reason, never deleted;
units see their own."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import DomainError
from rectification.problems import problem_create
from scoring.accountability import (
    accountability_for_person,
    accountability_for_unit,
    accountability_list,
    accountability_record,
    accountability_withdraw,
    lost_points_of,
)
from scoring.choices import AccountabilityKind, ReviewStatus
from scoring.inspections import findings_approve
from scoring.models import InspectionItem
from tests.factories import CampaignFactory
from tests.scoring.builders import NOT_MET, a_round, tree, visit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def record(city, **changes):
    fields = {"actor": city.users["office"], "campaign": city.campaign, "unit": city.community,
              "kind": AccountabilityKind.TALK, "reason": "连续两周上黑榜", "decided_on": timezone.localdate(),
              "person_name": "陈红梅", "person_position": "社区书记", **changes}  # fmt: skip
    return accountability_record(**fields)


def test_a_record_links_what_caused_it_and_is_withdrawn_not_deleted(city):
    tree(city.campaign, city.point.point_type)
    round = a_round(city.users["office"], city.campaign, [city.point])
    visit(city.users["inspector"], round, city.point, {"A1": NOT_MET})
    findings_approve(actor=city.users["office"], items=list(InspectionItem.objects.filter(result=NOT_MET)))
    lost = list(lost_points_of(unit=city.community))
    assert [item.review_status for item in lost] == [ReviewStatus.APPROVED]
    problem = lost[0].problem

    talk = record(city, problems=[problem], inspection_items=lost)
    assert (list(talk.problems.all()), list(talk.inspection_items.all())) == ([problem], lost)
    bonus = record(city, kind=AccountabilityKind.BONUS_DEDUCTION, amount="2000", person_name="")
    assert bonus.amount == Decimal("2000.00")

    assert list(accountability_for_unit(user=city.users["unit"], unit=city.community)) == [bonus, talk]
    assert list(accountability_for_person(user=city.users["office"], campaign=city.campaign,
                                          person_name="陈红梅")) == [talk]  # fmt: skip
    assert not accountability_list(user=city.users["other_unit"]).exists()

    with pytest.raises(DomainError, match="Say why"):
        accountability_withdraw(actor=city.users["office"], record=talk, reason=" ")
    withdrawn = accountability_withdraw(actor=city.users["office"], record=talk, reason="记录对象有误")
    assert withdrawn.withdrawn_at is not None and withdrawn.withdraw_reason == "记录对象有误"
    with pytest.raises(DomainError, match="already withdrawn"):
        accountability_withdraw(actor=city.users["office"], record=talk, reason="再次")
    assert accountability_list(user=city.users["office"]).count() == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "fine"}, "Choose the action"),
        ({"reason": "  "}, "Say why the action was taken"),
        ({"amount": "500"}, "Only a civilization-bonus deduction has an amount"),
        ({"kind": AccountabilityKind.BONUS_DEDUCTION, "amount": "-5"}, "amount deducted"),
        ({"kind": AccountabilityKind.BONUS_DEDUCTION}, "amount deducted"),
        ({"decided_on": timezone.localdate() + datetime.timedelta(days=2)}, "future"),
    ],
)
def test_bad_records_are_refused_with_the_reason(city, changes, message):
    with pytest.raises(DomainError, match=message):
        record(city, **changes)


def test_only_the_office_records_and_only_within_the_campaign(city):
    for who in ("unit", "leader", "inspector"):
        with pytest.raises(DomainError) as refused:
            record(city, actor=city.users[who])
        assert refused.value.code == "forbidden"
    other = CampaignFactory()
    foreign = problem_create(
        actor=city.users["office"], campaign=other, source="inspection", description="别处", address="别处路1号"
    )
    with pytest.raises(DomainError, match="problems belong to another campaign"):
        record(city, problems=[foreign])


def test_lost_points_are_approved_findings_and_entries_are_of_published_rankings(city):
    from campaign.models import UnitGroup
    from scoring.models import Ranking, RankingEntry
    from scoring.rules import rule_set_current

    tree(city.campaign, city.point.point_type)
    round = a_round(city.users["office"], city.campaign, [city.point])
    visit(city.users["inspector"], round, city.point, {"A1": NOT_MET})
    pending = InspectionItem.objects.get(result=NOT_MET)
    with pytest.raises(DomainError, match="Only approved findings"):
        record(city, inspection_items=[pending])
    group = UnitGroup.objects.create(campaign=city.campaign, name="组", kind="peer")
    today, rules = timezone.localdate(), rule_set_current(campaign=city.campaign)
    draft = Ranking.objects.create(campaign=city.campaign, period="weekly", period_start=today, period_end=today,
                                   ranked="units", peer_group=group, rule_set=rules,
                                   cutoff_at=timezone.now())  # fmt: skip
    entry = RankingEntry.objects.create(ranking=draft, unit=city.community, score=50, rank=1)
    with pytest.raises(DomainError, match="published rankings"):
        record(city, ranking_entries=[entry])
