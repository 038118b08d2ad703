"""Benchmark data of scoring: a period of weekly inspection rounds with the scale's routine visits, and a closed
mock assessment that visited every point (registered into `campaign.benchdata`; see that module for the rules of
the generator). Every visit is submitted and checks ten criteria (fewer if the system has fewer); about a fifth
of the checks fail, with a deduction, and the review has approved them all, so they count.
"""

import datetime
from decimal import Decimal

from campaign.benchdata import BenchData
from core.bulk import bulk_load, ids_next
from scoring.choices import InspectionStatus, ItemResult, ReviewStatus, RoundKind, RoundStatus
from scoring.models import Inspection, InspectionItem, InspectionRound

CHECKS = 10
CHUNK = 20_000


def inspections_generate(data: BenchData) -> None:
    rng = data.rng("inspections")
    weeks = max(1, data.scale.days // 7)
    first_round = ids_next(InspectionRound)
    rounds = [(first_round + n, RoundKind.ROUTINE, f"基准督查第{n + 1}周",
               data.first_day + datetime.timedelta(days=7 * n), data.first_day + datetime.timedelta(days=7 * n + 6))
              for n in range(weeks)]  # fmt: skip
    mock_start = data.today - datetime.timedelta(days=min(10, data.scale.days))
    rounds.append((first_round + weeks, RoundKind.MOCK, "基准模拟测评", mock_start,
                   mock_start + datetime.timedelta(days=2)))  # fmt: skip
    bulk_load(InspectionRound, ["id", "campaign_id", "kind", "name", "starts_on", "ends_on", "status", "closed_at"],
              ((pk, data.campaign.pk, kind, name, starts, ends, RoundStatus.CLOSED, data.at(ends, 18))
               for pk, kind, name, starts, ends in rounds))  # fmt: skip
    visits = []  # (round id, day, point)
    for n, (pk, _kind, _name, starts, _ends) in enumerate(rounds[:-1]):
        count = data.scale.inspections // weeks + (n < data.scale.inspections % weeks)
        for point in rng.sample(data.points, min(count, len(data.points))):
            visits.append((pk, starts + datetime.timedelta(days=rng.randrange(7)), point))
    mock = rounds[-1]
    visits += [(mock[0], mock[3] + datetime.timedelta(days=rng.randrange(3)), point) for point in data.points]
    inspector = data.users["inspector"].pk
    first_visit, first_item = ids_next(Inspection), ids_next(InspectionItem)
    checks = min(CHECKS, len(data.criteria))
    items = 0
    for start in range(0, len(visits), CHUNK):
        chunk = visits[start : start + CHUNK]
        visit_rows, item_rows = [], []
        for n, (round_id, day, point) in enumerate(chunk, start=first_visit + start):
            begun = data.at(day, rng.randint(8, 16), rng.randint(0, 59))
            visit_rows.append((n, round_id, point.id, point.unit_id, inspector, InspectionStatus.SUBMITTED, begun,
                               begun + datetime.timedelta(minutes=rng.randint(10, 50))))  # fmt: skip
            for criterion in rng.sample(data.criteria, checks):
                failed = rng.random() < 0.2
                item_rows.append((first_item + items, n, criterion,
                                  ItemResult.NOT_MET if failed else ItemResult.MET,
                                  Decimal("0.5") if failed else Decimal(0), ReviewStatus.APPROVED))  # fmt: skip
                items += 1
        bulk_load(Inspection, ["id", "round_id", "point_id", "unit_id", "inspector_id", "status", "started_at",
                               "submitted_at"], visit_rows)  # fmt: skip
        bulk_load(InspectionItem, ["id", "inspection_id", "criterion_id", "result", "deduction", "review_status"],
                  item_rows)  # fmt: skip
        data.say(f"inspections: {start + len(chunk)} of {len(visits)}")
    data.counted("inspection rounds", len(rounds))
    data.counted("inspections", len(visits) - len(data.points))
    data.counted("mock assessment visits", len(data.points))
    data.counted("inspection items", items)
