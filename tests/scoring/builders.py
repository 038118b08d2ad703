"""Small assessment systems and rounds for the scoring tests, built the way the app builds them."""

import datetime
import uuid
from decimal import Decimal

from campaign.choices import IndicatorKind, Method
from campaign.models import Indicator, IndicatorMethod, IndicatorSystem
from scoring.choices import ItemResult, RoundKind
from scoring.inspections import ItemInput, inspection_criteria, inspection_submit, round_create

MET, NOT_MET, NA = ItemResult.MET, ItemResult.NOT_MET, ItemResult.NOT_APPLICABLE


def criterion(system, parent, code, score, *, point_types=(), methods=(Method.FIELD_INSPECTION,), veto=False,
              kind=IndicatorKind.BASE, position=0) -> Indicator:  # fmt: skip
    indicator = Indicator.objects.create(
        system=system, parent=parent, code=code, name=f"测评标准{code}", level=(parent.level + 1 if parent else 1),
        score=Decimal(score), is_veto=veto, kind=kind, position=position,
    )  # fmt: skip
    IndicatorMethod.objects.bulk_create(IndicatorMethod(indicator=indicator, method=method) for method in methods)
    indicator.point_types.set(point_types)
    return indicator


def tree(campaign, point_type):
    """A current system of 100 points: item A (60) with two field criteria at the point type (A1 40, A2 20), item
    B (40) with a field criterion B1 (30) and a material-review criterion B2 (10), and a veto criterion V (0)
    checked in the field."""
    system = IndicatorSystem.objects.create(campaign=campaign, version=1, name="测评体系", is_current=True)
    a = criterion(system, None, "A", 60, methods=(), position=1)
    a1 = criterion(system, a, "A1", 40, point_types=[point_type], position=2)
    a2 = criterion(system, a, "A2", 20, point_types=[point_type], position=3)
    b = criterion(system, None, "B", 40, methods=(), position=4)
    b1 = criterion(system, b, "B1", 30, point_types=[point_type], position=5)
    b2 = criterion(system, b, "B2", 10, methods=(Method.MATERIAL_REVIEW,), position=6)
    veto = criterion(system, None, "V", 0, point_types=[point_type], veto=True, position=7)
    return {"system": system, "A": a, "A1": a1, "A2": a2, "B": b, "B1": b1, "B2": b2, "V": veto}


def a_round(actor, campaign, points, *, kind=RoundKind.MOCK, name="第一次模拟测评", days_ago=0, inspectors=()):
    start = datetime.date.today() - datetime.timedelta(days=days_ago)
    return round_create(actor=actor, campaign=campaign, kind=kind, name=name, starts_on=start,
                        ends_on=start + datetime.timedelta(days=2), points=points, inspectors=inspectors)  # fmt: skip


def visit(actor, round, point, results: dict, *, deductions=None, key=None, **options):
    """Submit a visit answering each applicable criterion: `results` maps criterion codes to met/not met/na; the
    criteria it leaves out are met."""
    deductions = deductions or {}
    items = [
        ItemInput(
            criterion_id=c.pk,
            result=results.get(c.code, MET),
            deduction=deductions.get(c.code),
            note=f"{c.code}不达标" if results.get(c.code) == NOT_MET else "",
        )
        for c in inspection_criteria(point=point)
    ]
    return inspection_submit(actor=actor, round=round, point=point, items=items, key=key or uuid.uuid4(), **options)
