"""Re-checks (回头看): scheduled on closing by rule or random draw, and recurrence and false rectification flagged
with a new linked problem."""

import datetime
import io

import pytest
from PIL import Image

from core.errors import DomainError
from core.images import image_clean
from rectification.choices import ProblemSource, ProblemStatus
from rectification.models import Problem, Recheck, RectificationSettings
from rectification.problems import problem_create
from rectification.rechecks import drawn_for_recheck, recheck_order, recheck_record
from rectification.workflow import problem_accept, problem_assign, problem_submit, problem_verify
from tests.factories import ProblemCategoryFactory

pytestmark = pytest.mark.usefixtures("english")


def a_photo():
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), "gray").save(buffer, "JPEG")
    return image_clean(buffer.getvalue())


def closed_problem(city, **fields):
    users = city.users
    problem = problem_create(actor=users["inspector"], campaign=city.campaign, source=ProblemSource.INSPECTION,
                             description="垃圾桶满溢", point=city.point, **fields)  # fmt: skip
    problem = problem_assign(actor=users["office"], problem=problem, unit=city.community)
    problem = problem_accept(actor=users["unit"], problem=problem)
    problem = problem_submit(actor=users["unit"], problem=problem, note="已清运", photos=[a_photo()])
    return problem_verify(actor=users["inspector"], problem=problem)


def test_a_category_rule_schedules_the_recheck_on_closing(city):
    parent = ProblemCategoryFactory(campaign=city.campaign, recheck_after_days=14)
    category = ProblemCategoryFactory(campaign=city.campaign, parent=parent)
    RectificationSettings.objects.create(campaign=city.campaign, recheck_share=0)
    problem = closed_problem(city, category=category)
    recheck = Recheck.objects.get(problem=problem)
    assert (recheck.reason, recheck.due_date) == ("rule", problem.closed_at.astimezone().date()
                                                  + datetime.timedelta(days=14))  # fmt: skip


def test_the_random_share_is_drawn_reproducibly(city):
    RectificationSettings.objects.create(campaign=city.campaign, recheck_share=50, recheck_random_after_days=7)
    problems = [closed_problem(city) for _ in range(12)]
    drawn = {p.pk for p in problems if drawn_for_recheck(p, 50)}
    assert set(Recheck.objects.values_list("problem_id", flat=True)) == drawn
    assert set(Recheck.objects.values_list("reason", flat=True)) <= {"random"}
    assert 0 < len(drawn) < 12  # a share, neither none nor all of them
    assert not any(drawn_for_recheck(p, 0) for p in problems)
    assert all(drawn_for_recheck(p, 100) for p in problems)


def test_a_held_fix_closes_the_recheck(city):
    problem = closed_problem(city)
    recheck = recheck_order(actor=city.users["office"], problem=problem, due_date=datetime.date(2027, 1, 10))
    recheck = recheck_record(actor=city.users["inspector"], recheck=recheck, result="held")
    assert (recheck.result, recheck.new_problem, recheck.checked_by) == ("held", None, city.users["inspector"])
    with pytest.raises(DomainError, match="already recorded"):
        recheck_record(actor=city.users["inspector"], recheck=recheck, result="held")


@pytest.mark.parametrize(("result", "flag"), [("recurred", "recurred"), ("never_fixed", "false_rectification")])
def test_a_recurrence_or_a_false_rectification_flags_the_original_and_opens_a_linked_problem(city, result, flag):
    problem = closed_problem(city)
    recheck = recheck_order(actor=city.users["office"], problem=problem, due_date=datetime.date(2027, 1, 10))
    with pytest.raises(DomainError, match="Describe what was found"):
        recheck_record(actor=city.users["inspector"], recheck=recheck, result=result)
    recheck = recheck_record(actor=city.users["inspector"], recheck=recheck, result=result,
                             note="垃圾桶再次满溢", photos=[a_photo()])  # fmt: skip
    original = Problem.objects.get(pk=problem.pk)
    assert getattr(original, flag) is True
    assert original.status == ProblemStatus.CLOSED
    new = recheck.new_problem
    assert (new.source, new.status, new.responsible_unit, new.point) == ("recheck", "new", city.community, city.point)
    assert list(new.related.all()) == [original]
    assert new.photos.get().kind == "before"


def test_only_the_office_and_inspectors_recheck(city):
    problem = closed_problem(city)
    with pytest.raises(DomainError, match="Only the command office"):
        recheck_order(actor=city.users["inspector"], problem=problem, due_date=datetime.date(2027, 1, 10))
    recheck = recheck_order(actor=city.users["office"], problem=problem, due_date=datetime.date(2027, 1, 10))
    with pytest.raises(DomainError, match="office and inspectors"):
        recheck_record(actor=city.users["unit"], recheck=recheck, result="held")


def test_the_recheck_pages(client, city):
    # No random draw: which closed problems it picks depends on their ids, which differ between databases.
    RectificationSettings.objects.create(campaign=city.campaign, recheck_share=0)
    problem = closed_problem(city)
    recheck = recheck_order(actor=city.users["office"], problem=problem, due_date=datetime.date(2027, 1, 10))
    client.force_login(city.users["inspector"])
    session = client.session
    session["campaign_id"] = city.campaign.pk
    session.save()
    page = client.get("/rechecks/", {"done": "false"})
    assert [r.pk for r in page.context["object_list"]] == [recheck.pk]
    response = client.post(f"/rechecks/{recheck.pk}/", {"result": "recurred", "note": ""})
    assert response.status_code == 200 and "Describe what was found" in response.content.decode()
    response = client.post(f"/rechecks/{recheck.pk}/", {"result": "recurred", "note": "反弹"})
    assert response.status_code == 302
    assert Recheck.objects.get(pk=recheck.pk).result == "recurred"
    client.force_login(city.users["unit"])
    assert client.get("/rechecks/").status_code == 404


def test_the_rechecks_api(client, city):
    problem = closed_problem(city)
    recheck = recheck_order(actor=city.users["office"], problem=problem, due_date=datetime.date(2027, 1, 10))
    recheck_record(actor=city.users["inspector"], recheck=recheck, result="recurred", note="反弹")
    client.force_login(city.users["unit"])
    (row,) = client.get("/api/v1/rechecks/", {"result": "recurred"}).json()["results"]
    assert (row["problem_reference"], row["result"]) == (problem.reference, "recurred")
    assert row["new_problem_reference"].startswith("WT")
    client.force_login(city.users["other_unit"])
    assert client.get("/api/v1/rechecks/").json()["count"] == 0
