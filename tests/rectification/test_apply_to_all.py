"""举一反三: one problem opens checks at every like place in the chosen grids or units, in bulk."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaign.models import Grid, Point, PointType, Responsibility
from core.errors import DomainError
from rectification.choices import ProblemSource
from rectification.models import Problem
from rectification.problems import problem_apply_to_all, problem_create
from tests.factories import ProblemCategoryFactory

pytestmark = pytest.mark.usefixtures("english")


def like_points(city, count, *, grid=None, unit=None):
    grid = grid or city.grid
    points = []
    for _ in range(count):
        point = Point.objects.create(campaign=city.campaign, grid=grid, point_type=city.point.point_type,
                                     code=f"L{Point.objects.count() + 1}", name="小区", address="某路")  # fmt: skip
        Responsibility.objects.create(point=point, unit=unit or city.community, leader_name="副区长 孙丽")
        points.append(point)
    return points


@pytest.fixture
def original(city):
    category = ProblemCategoryFactory(campaign=city.campaign)
    return problem_create(actor=city.users["inspector"], campaign=city.campaign, source=ProblemSource.INSPECTION,
                          description="垃圾分类桶缺失", point=city.point, category=category)  # fmt: skip


def test_checks_are_opened_at_like_places_routed_and_linked(city, original):
    points = like_points(city, 3)
    other_type = PointType.objects.create(campaign=city.campaign, code="PT99", name="公园", sample_count=1)
    Point.objects.create(campaign=city.campaign, grid=city.grid, point_type=other_type, code="X1", name="公园")
    created = problem_apply_to_all(actor=city.users["office"], problem=original, grids=[city.grid])
    assert sorted(p.point_id for p in created) == sorted(p.pk for p in points)
    for problem in Problem.objects.filter(source="alike"):
        assert (problem.status, problem.responsible_unit, problem.category) == ("new", city.community,
                                                                               original.category)  # fmt: skip
        assert list(problem.related.all()) == [original]
        assert problem.transitions.get().action == "create"
    assert original.related.count() == 3
    # A second run skips the points that now have an open problem of the category.
    assert problem_apply_to_all(actor=city.users["office"], problem=original, grids=[city.grid]) == []


def test_units_select_their_subtree(city, original):
    grid = Grid.objects.create(campaign=city.campaign, code="G2", name="柳荫网格", unit=city.elsewhere)
    like_points(city, 2, grid=grid, unit=city.elsewhere)
    inside = like_points(city, 1, unit=city.neighbour)
    created = problem_apply_to_all(actor=city.users["office"], problem=original, units=[city.street])
    assert [p.point_id for p in created] == [inside[0].pk]


def test_the_bulk_costs_the_same_queries_for_few_and_many_points(city, original):
    small = Grid.objects.create(campaign=city.campaign, code="GS", name="小网格", unit=city.community)
    large = Grid.objects.create(campaign=city.campaign, code="GL", name="大网格", unit=city.community)
    like_points(city, 2, grid=small)
    like_points(city, 20, grid=large)

    def run(grid):
        with CaptureQueriesContext(connection) as queries:
            created = problem_apply_to_all(actor=city.users["office"], problem=original, grids=[grid])
        return len(created), len(queries)

    (few_created, few), (many_created, many) = run(small), run(large)
    assert (few_created, many_created) == (2, 20)
    assert many == few


def test_refusals(city, original):
    with pytest.raises(DomainError, match="Only the command office"):
        problem_apply_to_all(actor=city.users["inspector"], problem=original, grids=[city.grid])
    with pytest.raises(DomainError, match="Choose the grids or units"):
        problem_apply_to_all(actor=city.users["office"], problem=original)


def test_from_the_problem_page(client, city, original):
    like_points(city, 2)
    client.force_login(city.users["office"])
    assert client.get(f"/problems/{original.pk}/").context["alike_form"] is not None
    response = client.post(f"/problems/{original.pk}/apply-to-all/", {"grids": [city.grid.pk]})
    assert response.status_code == 302
    assert Problem.objects.filter(source="alike").count() == 2
    client.force_login(city.users["unit"])
    assert client.post(f"/problems/{original.pk}/apply-to-all/", {"grids": [city.grid.pk]}).status_code == 404
