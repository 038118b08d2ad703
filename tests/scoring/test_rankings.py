"""Rankings by hand: ties share a rank, units without a score are listed without one, red and black lists with
ties at the edge, evening-meeting flags, rank changes and the escalation ladder over published weeks, command
groups from their members, a published ranking that cannot change, the scheduled step, and the query count."""

import datetime
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from campaign.choices import UnitGroupKind
from campaign.models import DailyCycleSettings, Unit, UnitGroup
from core.errors import DomainError
from scoring.choices import DEFAULT_LADDER, DocumentStatus, ListKind, RankedKind
from scoring.models import Ranking, RankingEntry, ScoringSettings
from scoring.rankings import (
    competition_ranks,
    cycle_rankings,
    evening_meeting_units,
    list_kinds,
    ranking_compute,
    ranking_list,
    ranking_publish,
)
from scoring.rules import DEFAULT_RULES, rule_set_create
from tests.scoring.builders import NOT_MET, a_round, tree, visit
from tests.scoring.test_scores import reports

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)
LAST_WEEK = YESTERDAY - datetime.timedelta(days=7)


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def week(end):
    return [end - datetime.timedelta(days=n) for n in range(6, -1, -1)]


@pytest.fixture
def peers(city):
    """The three communities and the property company ranked together; reports decide their scores."""
    DailyCycleSettings.objects.create(campaign=city.campaign)
    ScoringSettings.objects.create(campaign=city.campaign, red_list_size=1, black_list_size=1)
    group = UnitGroup.objects.create(campaign=city.campaign, name="社区组", kind=UnitGroupKind.PEER)
    group.members.set([city.community, city.neighbour, city.company, city.elsewhere])
    return group


def entries(ranking):
    return {e.unit.name: (e.score, e.rank, e.list_kind, e.evening_meeting) for e in
            ranking.entries.select_related("unit")}  # fmt: skip


def test_ranks_share_ties_and_skip_and_the_lists_take_ties_at_the_edge():
    scores = {"a": Decimal(90), "b": Decimal(90), "c": Decimal(80), "d": Decimal(70), "e": Decimal(70), "f": None}
    ranks = competition_ranks(scores)
    assert ranks == {"a": 1, "b": 1, "c": 3, "d": 4, "e": 4}
    assert list_kinds(scores, ranks, red=1, black=1) == {"a": "red", "b": "red", "d": "black", "e": "black"}
    # A group smaller than both lists: nobody is on both.
    small = {"a": Decimal(50)}
    assert list_kinds(small, competition_ranks(small), red=3, black=3) == {"a": "red"}


def test_a_weeks_ranking_by_hand(city, peers):
    for unit in (city.community, city.neighbour):
        reports(unit, week(YESTERDAY))  # 7 of 7: 100
    reports(city.company, week(YESTERDAY)[:4])  # 4 of 7: 57.14
    command = UnitGroup.objects.create(campaign=city.campaign, name="市容指挥部", kind=UnitGroupKind.COMMAND)
    command.members.set([city.community, city.company])

    rankings = ranking_compute(actor=city.users["office"], campaign=city.campaign, period="weekly",
                               period_end=YESTERDAY)  # fmt: skip
    units = next(r for r in rankings if r.ranked == RankedKind.UNITS)
    assert (units.peer_group, units.period_start, units.status) == (peers, YESTERDAY - datetime.timedelta(days=6),
                                                                    DocumentStatus.DRAFT)  # fmt: skip
    assert entries(units) == {
        "幸福社区": (Decimal("100.00"), 1, ListKind.RED, False),
        "和平社区": (Decimal("100.00"), 1, ListKind.RED, False),
        "安居物业": (Decimal("57.14"), 3, "", True),
        "柳荫社区": (Decimal("0.00"), 4, ListKind.BLACK, True),
    }
    black = units.entries.get(unit=city.elsewhere)
    assert (black.black_list_count, black.escalation) == (1, str(DEFAULT_LADDER[0]))
    assert Decimal(black.components["daily_reports"]["denominator"]) == 7  # the score drills down to its counts
    # The command group: the mean of its members' scores, (100 + 57.14) / 2.
    groups = next(r for r in rankings if r.ranked == RankedKind.COMMAND_GROUPS)
    assert [(e.group, e.score, e.rank) for e in groups.entries.all()] == [(command, Decimal("78.57"), 1)]
    assert not RankingEntry.objects.filter(unit=city.street).exists()  # not in a peer group

    # Computing again replaces the drafts.
    again = ranking_compute(campaign=city.campaign, period="weekly", period_end=YESTERDAY)
    assert Ranking.objects.count() == 2 and units.pk not in {r.pk for r in again}


def test_rank_changes_and_the_escalation_ladder_over_published_weeks(city, peers):
    # Last week: community 2 of 7 (28.57), neighbour and company 7 of 7, elsewhere none.
    reports(city.community, week(LAST_WEEK)[:2])
    for unit in (city.neighbour, city.company):
        reports(unit, week(LAST_WEEK))
    # This week: community and neighbour 7 of 7, company 4 of 7, elsewhere none again.
    for unit in (city.community, city.neighbour):
        reports(unit, week(YESTERDAY))
    reports(city.company, week(YESTERDAY)[:4])
    for end in (LAST_WEEK, YESTERDAY):
        for ranking in ranking_compute(campaign=city.campaign, period="weekly", period_end=end):
            ranking_publish(actor=city.users["office"], ranking=ranking)
    this_week = Ranking.objects.get(period_end=YESTERDAY)
    assert this_week.is_published
    # At the bottom both weeks: the second step of the ladder.
    black = this_week.entries.get(unit=city.elsewhere)
    assert (black.list_kind, black.black_list_count, black.escalation) == (ListKind.BLACK, 2, str(DEFAULT_LADDER[1]))
    changes = {e.unit.name: (e.previous_rank, e.rank, e.rank_change) for e in this_week.entries.select_related("unit")}
    assert changes == {"幸福社区": (3, 1, 2), "和平社区": (1, 1, 0), "安居物业": (1, 3, -2), "柳荫社区": (4, 4, 0)}
    # Published: computing the week again returns it unchanged.
    assert ranking_compute(campaign=city.campaign, period="weekly", period_end=YESTERDAY) == [this_week]
    # Under 60 in the latest published week: the company and the elsewhere community (the community is back above).
    assert set(evening_meeting_units(campaign=city.campaign)) == {city.company, city.elsewhere}


def test_a_published_ranking_cannot_change(city, peers):
    reports(city.community, week(YESTERDAY))
    ranking = ranking_compute(campaign=city.campaign, period="weekly", period_end=YESTERDAY)[0]
    with pytest.raises(DomainError) as refused:
        ranking_publish(actor=city.users["leader"], ranking=ranking)
    assert refused.value.code == "forbidden"
    ranking = ranking_publish(actor=city.users["office"], ranking=ranking)
    assert ranking_publish(actor=city.users["office"], ranking=ranking).published_at == ranking.published_at
    entry = ranking.entries.get(unit=city.community)
    for change in (
        lambda: Ranking.objects.filter(pk=ranking.pk).update(red_list_size=9),
        lambda: RankingEntry.objects.filter(pk=entry.pk).update(score=Decimal(1)),
        lambda: RankingEntry.objects.create(ranking=ranking, unit=city.street, score=Decimal(99)),
    ):
        with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
            change()
    entry.refresh_from_db()
    assert entry.score == Decimal("100.00")


def test_units_without_data_are_listed_without_a_score_or_rank(city, peers):
    rules = {**DEFAULT_RULES, "components": {"inspection": {"weight": 100, "min_denominator": 1,
                                                            "points_per_visit": 10}}}  # fmt: skip
    rule_set_create(actor=city.users["office"], campaign=city.campaign, rules=rules, name="只计督查", note="试行")
    tree(city.campaign, city.point.point_type)
    round = a_round(city.users["office"], city.campaign, [city.point], days_ago=2)
    visit(city.users["inspector"], round, city.point, {"A1": NOT_MET},
          now=timezone.now() - datetime.timedelta(days=2))  # fmt: skip
    ranking = ranking_compute(campaign=city.campaign, period="weekly", period_end=YESTERDAY)[0]
    assert ranking.rule_set.name == "只计督查"
    assert entries(ranking) == {
        "幸福社区": (Decimal("100.00"), 1, ListKind.RED, False),  # the finding is not approved: nothing deducted
        "和平社区": (None, None, "", False),
        "安居物业": (None, None, "", False),
        "柳荫社区": (None, None, "", False),
    }


def test_the_scheduled_step_computes_and_publishes_the_week(city, peers):
    reports(city.community, week(YESTERDAY))
    result = cycle_rankings(campaign=city.campaign, date=YESTERDAY, now=timezone.now())
    assert result == {"rankings": 1, "published": 1}
    assert cycle_rankings(campaign=city.campaign, date=YESTERDAY, now=timezone.now()) == {"rankings": 1,
                                                                                          "published": 0}  # fmt: skip
    ScoringSettings.objects.filter(campaign=city.campaign).update(auto_publish=False)
    result = cycle_rankings(campaign=city.campaign, date=LAST_WEEK, now=timezone.now())
    assert result == {"rankings": 1, "published": 0}
    assert [r.is_published for r in ranking_list(user=city.users["office"], campaign=city.campaign)] == [True, False]
    assert [r.period_end for r in ranking_list(user=city.users["unit"], campaign=city.campaign)] == [YESTERDAY]


def test_computing_a_ranking_reads_a_fixed_number_of_queries(city, peers, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    reports(city.community, week(YESTERDAY))
    ranking_compute(campaign=city.campaign, period="weekly", period_end=YESTERDAY)  # the default rules are made
    with CaptureQueriesContext(connection) as few:
        ranking_compute(campaign=city.campaign, period="weekly", period_end=YESTERDAY)
    for n in range(8):
        unit = Unit.objects.create(campaign=city.campaign, parent=city.street, code=f"N{n}", name=f"新社区{n}",
                                   type="community", path="")  # fmt: skip
        unit.path = f"{city.street.path}{unit.pk}/"
        unit.save()
        peers.members.add(unit)
        reports(unit, week(YESTERDAY)[: n % 7])
    with django_assert_num_queries(len(few.captured_queries)):
        ranking_compute(campaign=city.campaign, period="weekly", period_end=YESTERDAY)
    assert RankingEntry.objects.count() == 12


def test_the_weekly_bulletin_names_the_black_list(city, peers):
    from scoring.choices import MentionReason, Period
    from scoring.documents import document_compile
    from scoring.models import Bulletin

    reports(city.community, week(YESTERDAY))
    for ranking in ranking_compute(campaign=city.campaign, period="weekly", period_end=YESTERDAY):
        ranking_publish(actor=city.users["office"], ranking=ranking)
    bulletin = document_compile(model=Bulletin, campaign=city.campaign, period=Period.WEEKLY, end_date=YESTERDAY)
    named = bulletin.mentions.filter(reason=MentionReason.BLACK_LIST)
    # Three units tie at 0 at the bottom: all three are on the black list.
    assert {m.unit for m in named} == {city.neighbour, city.company, city.elsewhere}
    assert all(str(DEFAULT_LADDER[0]) in m.detail for m in named)
    assert [row["unit"] for row in bulletin.data["black_list"]] == ["和平社区", "安居物业", "柳荫社区"]
    daily = document_compile(model=Bulletin, campaign=city.campaign, period=Period.DAILY, end_date=YESTERDAY)
    assert not daily.mentions.filter(reason=MentionReason.BLACK_LIST).exists()
