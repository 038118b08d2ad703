"""An inspector records a visit on a phone: the page fits the screen, the finding fields open for a failing item,
one tap submits, and the failing item is in the ledger, routed to the unit the manual names."""

import pytest

from rectification.models import Problem
from scoring.choices import InspectionStatus
from scoring.models import Inspection
from tests.scoring.builders import a_round, tree

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_inspector_records_a_visit_on_a_phone(phone, live_server, city, tmp_path):
    system = tree(city.campaign, city.point.point_type)
    round = a_round(city.users["office"], city.campaign, [city.point], inspectors=[city.users["inspector"]])
    page = phone.sign_in(city.users["inspector"], campaign=city.campaign)
    page.goto(f"{live_server.url}/inspections/{round.pk}/points/{city.point.pk}/")
    assert page.locator("h1").inner_text() == "幸福社区"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    a1 = system["A1"].pk
    note = page.locator(f"#id_note_{a1}")
    assert not note.is_visible()  # met by default: nothing to fill
    page.check(f"input[name=result_{a1}][value=not_met]")
    assert note.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # still no sideways scrolling
    assert page.evaluate("window.innerWidth") == 375
    note.fill("宣传栏破损，内容过期")
    page.fill(f"#id_deduction_{a1}", "2")
    page.screenshot(path=str(tmp_path / "inspection-visit-phone.png"))
    with page.expect_navigation():
        page.locator("#visit-submit").click()
    assert f"/inspections/{round.pk}/" in page.url
    assert "1 个问题已进入问题台账" in page.content()

    inspection = Inspection.objects.get(round=round, point=city.point)
    assert (inspection.status, inspection.unit) == (InspectionStatus.SUBMITTED, city.community)
    problem = Problem.objects.get()
    assert (problem.responsible_unit, problem.inspection_item.deduction) == (city.community, 2)
    assert problem.description.endswith("宣传栏破损，内容过期")
