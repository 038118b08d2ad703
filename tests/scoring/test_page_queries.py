"""Query-count guards for the scoring pages: each costs the same number of queries with a city of four ranked units
and one of fourteen, more rankings, entries, accountability records, rounds and findings."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaign.choices import UnitType
from campaign.models import Grid, Point, Responsibility
from scoring.accountability import accountability_record
from scoring.choices import AccountabilityKind, RoundKind
from scoring.models import Ranking, RankingEntry
from scoring.rankings import ranking_compute, ranking_publish
from tests.factories import UnitFactory
from tests.scoring.builders import NOT_MET, a_round, tree, visit
from tests.scoring.test_rankings import YESTERDAY, peers, week  # noqa: F401
from tests.scoring.test_scores import reports

pytestmark = pytest.mark.django_db

PAGES = ["ranking_list", "ranking_detail", "ranking_entry", "accountability_list", "inspection_round_list",
         "inspection_round_detail", "finding_list", "material_list"]  # fmt: skip


def grow(city, peers, *, units: int, week_end: datetime.date):  # noqa: F811
    """`units` more communities in the peer group, each with reports, a point visited with a failing item, and an
    accountability record; the week's rankings published."""
    office, inspector = city.users["office"], city.users["inspector"]
    points = []
    for n in range(units):
        unit = UnitFactory(campaign=city.campaign, parent=city.street, code=f"G{week_end:%d}{n}", name=f"社区{n}",
                           type=UnitType.COMMUNITY)  # fmt: skip
        peers.members.add(unit)
        reports(unit, week(week_end)[: n % 7 + 1])
        point = Point.objects.create(campaign=city.campaign, grid=city.grid, point_type=city.point.point_type,
                                     code=f"Q{week_end:%d}{n}", name=f"{unit.name}点位")  # fmt: skip
        Responsibility.objects.create(point=point, unit=unit, leader_name="副区长 孙丽")
        points.append(point)
        accountability_record(actor=office, campaign=city.campaign, unit=unit, kind=AccountabilityKind.CRITICISM,
                              reason="通报批评", decided_on=week_end)  # fmt: skip
    round = a_round(office, city.campaign, points or [city.point], kind=RoundKind.ROUTINE, name=f"督查{week_end}",
                    inspectors=[inspector])  # fmt: skip
    for point in points:
        visit(inspector, round, point, {"A1": NOT_MET})
    for ranking in ranking_compute(campaign=city.campaign, period="weekly", period_end=week_end):
        ranking_publish(actor=office, ranking=ranking)
    return round


def page_queries(client, city, round) -> dict[str, int]:
    ranking = Ranking.objects.filter(peer_group__isnull=False).latest("period_end")
    entry = RankingEntry.objects.filter(ranking=ranking).order_by("rank").first()
    args = {"ranking_detail": [ranking.pk], "ranking_entry": [entry.pk], "inspection_round_detail": [round.pk]}
    counts = {}
    for name in PAGES:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(name, args=args.get(name, [])))
        assert response.status_code == 200, name
        counts[name] = len(queries)
    return counts


def test_the_scoring_pages_cost_the_same_queries_at_two_sizes(client, city, peers):  # noqa: F811
    tree(city.campaign, city.point.point_type)  # the criteria the visits answer
    client.force_login(city.users["office"])
    round = grow(city, peers, units=2, week_end=YESTERDAY - datetime.timedelta(days=7))
    few = page_queries(client, city, round)
    round = grow(city, peers, units=12, week_end=YESTERDAY)
    assert RankingEntry.objects.filter(ranking__period_end=YESTERDAY, unit__isnull=False).count() == 18
    assert page_queries(client, city, round) == few
    # Another grid's points change nothing either.
    Grid.objects.create(campaign=city.campaign, code="G9", name="第九网格", unit=city.community)
    assert page_queries(client, city, round) == few
