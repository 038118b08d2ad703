"""The ledger pages: a unit sees and works its own problems, the office everything; photos are served only to those
who may see the problem; the list filters and exports."""

import io

import openpyxl
import pytest
from PIL import Image

from rectification.choices import ProblemSource, ProblemStatus
from rectification.models import Problem
from rectification.problems import problem_create
from rectification.workflow import problem_accept, problem_assign, problem_start

pytestmark = pytest.mark.usefixtures("english")


def jpeg(color="red"):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, "JPEG")
    buffer.seek(0)
    buffer.name = "现场.jpg"
    return buffer


@pytest.fixture
def assigned(city):
    office = city.users["office"]
    problem = problem_create(actor=city.users["inspector"], campaign=city.campaign, source=ProblemSource.INSPECTION,
                             description="垃圾桶满溢", point=city.point)  # fmt: skip
    return problem_assign(actor=office, problem=problem, unit=city.community)


def login(client, city, who):
    client.force_login(city.users[who])
    session = client.session
    session["campaign_id"] = city.campaign.pk
    session.save()
    return client


def test_a_unit_works_its_problem_from_the_page_up_to_submission(client, city, assigned):
    login(client, city, "unit")
    page = client.get("/problems/", {"open": "true"})
    assert [p.pk for p in page.context["object_list"]] == [assigned.pk]
    assert page.context["counters"]["open"] == 1
    detail = client.get(f"/problems/{assigned.pk}/")
    assert [t.name for t in detail.context["moves"]] == ["accept", "dispute"]
    assert client.post(f"/problems/{assigned.pk}/move/", {"action": "accept"}).status_code == 302
    # Submitting without a photo is refused with the reason; with one it goes through.
    response = client.post(f"/problems/{assigned.pk}/move/", {"action": "submit", "note": "已清运"}, follow=True)
    assert "photo of the result" in response.content.decode()
    assert Problem.objects.get(pk=assigned.pk).status == ProblemStatus.ACCEPTED
    response = client.post(f"/problems/{assigned.pk}/move/",
                           {"action": "submit", "note": "已清运", "photos": [jpeg()]})  # fmt: skip
    assert response.status_code == 302
    problem = Problem.objects.get(pk=assigned.pk)
    assert problem.status == ProblemStatus.SUBMITTED
    photo = problem.photos.get()
    response = client.get(f"/problems/{problem.pk}/photos/{photo.pk}/")
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


def test_a_bad_photo_is_refused_and_nothing_moves(client, city, assigned):
    problem = problem_start(actor=city.users["unit"], problem=problem_accept(actor=city.users["unit"],
                                                                            problem=assigned))  # fmt: skip
    login(client, city, "unit")
    fake = io.BytesIO(b"not a picture at all")
    fake.name = "fake.jpg"
    response = client.post(f"/problems/{problem.pk}/move/", {"action": "submit", "note": "x", "photos": [fake]},
                           follow=True)  # fmt: skip
    assert "fake.jpg" in response.content.decode()
    assert Problem.objects.get(pk=problem.pk).status == ProblemStatus.RECTIFYING
    assert not problem.photos.exists()


def test_other_units_and_leaders_elsewhere_do_not_see_the_problem_or_its_photos(client, city, assigned):
    problem = problem_create(actor=city.users["inspector"], campaign=city.campaign, source=ProblemSource.INSPECTION,
                             description="井盖缺失", point=city.point, photos=[])  # fmt: skip
    login(client, city, "other_unit")
    assert list(client.get("/problems/").context["object_list"]) == []
    assert client.get(f"/problems/{problem.pk}/").status_code == 404
    assert client.post(f"/problems/{problem.pk}/move/", {"action": "accept"}).status_code == 404
    assert client.get(f"/problems/{problem.pk}/photos/1/").status_code == 404
    login(client, city, "leader")  # the street's leader sees it, but makes no moves
    detail = client.get(f"/problems/{problem.pk}/")
    assert detail.status_code == 200 and detail.context["moves"] == []


def test_the_office_records_a_problem_and_is_warned_of_a_duplicate(client, city, assigned):
    from tests.factories import ProblemCategoryFactory

    category = ProblemCategoryFactory(campaign=city.campaign, deadline=24)
    Problem.objects.filter(pk=assigned.pk).update(category=category)
    login(client, city, "office")
    data = {"source": "inspection", "category": category.pk, "point": city.point.pk, "description": "又见垃圾满溢",
            "severity": "normal", "photos": [jpeg("blue")]}  # fmt: skip
    response = client.post("/problems/new/", data)
    assert response.status_code == 200
    assert [p.pk for p in response.context["duplicates"]] == [assigned.pk]
    assert Problem.objects.count() == 1
    response = client.post("/problems/new/", {**data, "photos": [jpeg("blue")], "confirm": "1"})
    assert response.status_code == 302
    new = Problem.objects.exclude(pk=assigned.pk).get()
    assert (new.responsible_unit, new.photos.get().kind) == (city.community, "before")


def test_a_unit_records_only_what_it_found_itself(client, city):
    login(client, city, "unit")
    form = client.get("/problems/new/").context["form"]
    assert [value for value, _ in form.fields["source"].choices] == ["self"]
    assert "reporter_phone" not in form.fields
    response = client.post("/problems/new/", {"source": "self", "point": city.point.pk, "description": "自查发现",
                                              "severity": "normal"})  # fmt: skip
    assert response.status_code == 302
    assert Problem.objects.get().responsible_unit == city.community
    login(client, city, "leader")
    assert client.get("/problems/new/").status_code == 404


def test_the_ledger_filters_and_exports(client, city, assigned):
    problem_create(actor=city.users["inspector"], campaign=city.campaign, source=ProblemSource.COVERT_VISIT,
                   description="占道经营", address="东华路口")  # fmt: skip
    login(client, city, "office")
    assert len(client.get("/problems/", {"source": "covert"}).context["object_list"]) == 1
    assert len(client.get("/problems/", {"q": assigned.reference}).context["object_list"]) == 1
    assert len(client.get("/problems/", {"unit": city.street.pk}).context["object_list"]) == 1
    response = client.get("/problems/", {"export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len([row for row in rows if row[0] and str(row[0]).startswith("WT")]) == 2


def test_staff_assign_new_problems_in_bulk(client, city):
    routed = problem_create(actor=city.users["inspector"], campaign=city.campaign, source=ProblemSource.INSPECTION,
                            description="甲", point=city.point)  # fmt: skip
    unrouted = problem_create(actor=city.users["inspector"], campaign=city.campaign, source=ProblemSource.MEDIA,
                              description="乙", address="某路口")  # fmt: skip
    login(client, city, "office")
    assert client.get("/problems/").context["assign_units"]
    response = client.post("/problems/assign/", {"problems": [routed.pk, unrouted.pk]}, follow=True)
    assert Problem.objects.get(pk=routed.pk).status == ProblemStatus.ASSIGNED
    assert Problem.objects.get(pk=unrouted.pk).status == ProblemStatus.NEW  # no proposed unit: refused with why
    assert "Choose a responsible unit" in response.content.decode()
    client.post("/problems/assign/", {"problems": [unrouted.pk], "unit": city.neighbour.pk})
    assigned = Problem.objects.get(pk=unrouted.pk)
    assert (assigned.status, assigned.responsible_unit) == (ProblemStatus.ASSIGNED, city.neighbour)
    login(client, city, "unit")
    assert client.post("/problems/assign/", {"problems": [routed.pk]}).status_code == 404


def test_the_office_merges_a_duplicate_from_its_page(client, city, assigned):
    from tests.factories import ProblemCategoryFactory

    category = ProblemCategoryFactory(campaign=city.campaign)
    Problem.objects.filter(pk=assigned.pk).update(category=category)
    duplicate = problem_create(actor=city.users["inspector"], campaign=city.campaign, source=ProblemSource.PUBLIC,
                               description="同一处垃圾", point=city.point, category=category)  # fmt: skip
    login(client, city, "office")
    page = client.get(f"/problems/{duplicate.pk}/")
    assert [p.pk for p in page.context["duplicates"]] == [assigned.pk]
    response = client.post(f"/problems/{duplicate.pk}/merge/", {"into": assigned.pk})
    assert response["Location"] == f"/problems/{assigned.pk}/"
    duplicate = Problem.objects.get(pk=duplicate.pk)
    assert duplicate.status == ProblemStatus.CANCELLED
    assert list(duplicate.related.all()) == [Problem.objects.get(pk=assigned.pk)]
    assert duplicate.transitions.order_by("-id").first().note == f"Duplicate of {assigned.reference}."
    login(client, city, "unit")
    assert client.post(f"/problems/{assigned.pk}/merge/", {"into": duplicate.pk}).status_code == 404
