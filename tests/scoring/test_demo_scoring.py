"""The demo's scoring: two closed mock assessments whose kept projections rise, their findings approved and in
the ledger as routed problems, a closed covert visit, this week's routine inspection still open; the last two
weeks' rankings published with red and black lists and evening-meeting flags; accountability records."""

import datetime
from decimal import Decimal

from rectification.choices import ProblemSource
from scoring.choices import ItemResult, ReviewStatus, RoundKind, RoundStatus
from scoring.models import InspectionItem, InspectionRound
from scoring.projection import projection_current, projection_trend


def test_the_demo_has_two_mock_assessments_with_a_rising_projected_total(demo):
    rounds = {r.name: r for r in InspectionRound.objects.filter(campaign=demo.campaign)}
    assert {name: (r.kind, r.status) for name, r in rounds.items()} == {
        "第一次模拟测评": (RoundKind.MOCK, RoundStatus.CLOSED),
        "第二次模拟测评": (RoundKind.MOCK, RoundStatus.CLOSED),
        "背街小巷专项暗访": (RoundKind.COVERT, RoundStatus.CLOSED),
        "本周常规督查": (RoundKind.ROUTINE, RoundStatus.OPEN),
    }
    trend = list(projection_trend(campaign=demo.campaign))
    assert [p.round.name for p in trend] == ["第一次模拟测评", "第二次模拟测评"]
    first, second = trend
    assert Decimal(0) < first.total < second.total <= second.full_score == Decimal("100.00")
    current = projection_current(campaign=demo.campaign)
    assert (current.total, current.previous_total) == (second.total, first.total)
    assert current.shortfalls and all(row["lost"] > 0 for row in current.shortfalls)

    findings = InspectionItem.objects.filter(inspection__round=rounds["第二次模拟测评"], result=ItemResult.NOT_MET)
    assert findings.exists()
    assert set(findings.values_list("review_status", flat=True)) == {ReviewStatus.APPROVED}
    assert set(findings.values_list("problem__source", flat=True)) == {ProblemSource.MOCK_ASSESSMENT}
    pending = InspectionItem.objects.filter(inspection__round=rounds["本周常规督查"], result=ItemResult.NOT_MET)
    assert set(pending.values_list("review_status", flat=True)) <= {ReviewStatus.PENDING}


def test_the_demo_has_two_published_weeks_of_rankings_and_accountability_records(demo):
    from scoring.choices import AccountabilityKind, DocumentStatus, ListKind
    from scoring.models import AccountabilityRecord, Ranking, RankingEntry

    rankings = Ranking.objects.filter(campaign=demo.campaign)
    weeks = sorted(set(rankings.values_list("period_end", flat=True)))
    assert len(weeks) == 2 and weeks[1] - weeks[0] == datetime.timedelta(days=7)
    assert set(rankings.values_list("status", flat=True)) == {DocumentStatus.PUBLISHED}
    latest = RankingEntry.objects.filter(ranking__campaign=demo.campaign, ranking__period_end=weeks[1])
    assert latest.filter(list_kind=ListKind.RED).exists() and latest.filter(list_kind=ListKind.BLACK).exists()
    assert latest.filter(evening_meeting=True, score__lt=60).exists()
    assert latest.filter(previous_rank__isnull=False).exists()
    records = AccountabilityRecord.objects.filter(campaign=demo.campaign)
    assert records.filter(kind=AccountabilityKind.CRITICISM, ranking_entries__list_kind=ListKind.BLACK).exists()
    assert records.filter(kind=AccountabilityKind.BONUS_DEDUCTION, problems__isnull=False).exists()
