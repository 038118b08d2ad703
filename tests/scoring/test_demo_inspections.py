"""The demo's inspections: two closed mock assessments whose kept projections rise, their findings approved and in
the ledger as routed problems, a closed covert visit, and this week's routine inspection still open."""

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
