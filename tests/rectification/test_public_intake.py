"""The public's report page and tracking page: a report goes into the ledger routed and with a tracking code; the
code shows that report's state and the office's reply and nothing else; scripts and floods are refused."""

import io
import time
from decimal import Decimal

import pytest
from django.core import signing
from django.core.cache import cache
from PIL import Image

from campaign.choices import UnitType
from core.models import AuditEvent
from rectification import workflow
from rectification.choices import ProblemSource, ProblemStatus
from rectification.forms import FORM_TOKEN_SALT, public_form_token
from rectification.models import Problem, PublicReplyTemplate
from rectification.problems import problem_report_public
from rectification.selectors import public_campaign, public_reply_for
from rectification.tracking import ALPHABET, tracking_code_display, tracking_code_normalise
from tests.factories import CampaignFactory, ProblemCategoryFactory
from tests.rectification.test_workflow import a_photo

pytestmark = pytest.mark.usefixtures("english", "memory_cache")


@pytest.fixture
def memory_cache(settings):
    """Rate limits count in the cache: a per-test one in memory, not the shared file cache."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "public-intake-tests"}}  # fmt: skip
    cache.clear()
    yield
    cache.clear()


def jpeg(color="red"):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, "JPEG")
    buffer.seek(0)
    buffer.name = "现场.jpg"
    return buffer


@pytest.fixture
def intake(city):
    """A category group and a leaf answered for by the community keeping the grid, and the point placed on the
    map so a position near it finds its grid."""
    city.point.latitude, city.point.longitude = Decimal("30.250000"), Decimal("120.160000")
    city.point.save(update_fields=["latitude", "longitude"])
    group = ProblemCategoryFactory(campaign=city.campaign, code="SJ01", name="市容环境", deadline=None)
    city.category = ProblemCategoryFactory(campaign=city.campaign, parent=group, code="SJ0101", name="暴露垃圾",
                                           default_unit_type=UnitType.COMMUNITY)  # fmt: skip
    city.group = group
    PublicReplyTemplate.objects.create(campaign=city.campaign, status=ProblemStatus.NEW,
                                       text="已收到您反映的问题 {reference}（{category}）。")  # fmt: skip
    return city


def form_data(chosen, **changes):
    data = {
        "started": public_form_token(now=time.time() - 60),
        "website": "",
        "category": chosen.pk,
        "description": "小区门口垃圾堆放多日无人清运",
        "address": "",
        "latitude": "30.2500123",
        "longitude": "120.1600456",
        "reporter_name": "张女士",
        "reporter_phone": "+86 138 0013 8000",
    }
    data.update(changes)
    return data


def report(city, description="小区门口垃圾堆放多日无人清运", phone="13800138000"):
    return problem_report_public(campaign=city.campaign, category=city.category, description=description,
                                 address="东华路12号", reporter_phone=phone)  # fmt: skip


def test_a_report_with_a_photo_goes_into_the_ledger_routed_and_shows_its_tracking_code(client, intake):
    response = client.post("/report/", form_data(intake.category, photos=[jpeg()]))
    assert response.status_code == 302
    assert response["Location"] == "/report/done/"

    problem = Problem.objects.get()
    assert problem.source == ProblemSource.PUBLIC
    assert problem.status == ProblemStatus.NEW
    assert problem.responsible_unit == intake.community  # the grid near the position, by the category
    assert problem.grid == intake.grid
    assert (problem.latitude, problem.longitude) == (Decimal("30.250012"), Decimal("120.160046"))
    assert (problem.reporter_name, problem.reporter_phone) == ("张女士", "13800138000")
    assert problem.created_by is None
    assert len(problem.tracking_code) == 10 and set(problem.tracking_code) <= set(ALPHABET)
    photo = problem.photos.get()
    assert photo.uploaded_by is None
    event = AuditEvent.objects.get(action="rectification.problem.public_report")
    assert (event.actor, event.object_id, event.data) == (None, str(problem.pk), {"source": "public", "photos": 1})
    assert event.ip_address == "127.0.0.1"

    done = client.get("/report/done/")
    assert done.status_code == 200
    assert tracking_code_display(problem.tracking_code) in done.content.decode()
    assert f"/track/{problem.tracking_code}/" in done.content.decode()


def test_the_done_page_without_a_report_leads_to_the_form(client, intake):
    response = client.get("/report/done/")
    assert (response.status_code, response["Location"]) == (302, "/report/")


def test_an_address_is_enough_without_a_position_and_one_of_them_is_needed(client, intake):
    response = client.post("/report/", form_data(intake.category, latitude="", longitude="", address=""))
    assert response.status_code == 200
    assert "Say where it is" in response.content.decode()
    response = client.post("/report/", form_data(intake.category, latitude="", longitude="", address="东华路12号"))
    assert response.status_code == 302
    problem = Problem.objects.get()
    assert (problem.address, problem.latitude, problem.grid) == ("东华路12号", None, None)
    assert problem.responsible_unit is None  # staff choose when assigning


@pytest.mark.parametrize("phone", ["", "12345", "call me", "138001380001"])
def test_a_phone_number_is_required_and_checked(client, intake, phone):
    response = client.post("/report/", form_data(intake.category, reporter_phone=phone))
    assert response.status_code == 200
    assert response.context["form"].has_error("reporter_phone")
    assert not Problem.objects.exists()


@pytest.mark.parametrize("phone,stored", [("0571-8888 6666", "057188886666"), ("13900001111", "13900001111")])
def test_landlines_and_mobiles_are_accepted(client, intake, phone, stored):
    assert client.post("/report/", form_data(intake.category, reporter_phone=phone)).status_code == 302
    assert Problem.objects.get().reporter_phone == stored


def test_only_the_public_campaigns_leaf_categories_are_offered(client, intake):
    other = ProblemCategoryFactory(campaign=CampaignFactory(status="closed"), code="X1")  # another campaign's
    page = client.get("/report/")
    choices = [value for value, _label in page.context["form"].fields["category"].choices if value]
    assert [choice.value for choice in choices] == [intake.category.pk]
    for category in (intake.group, other):
        response = client.post("/report/", form_data(intake.category, category=category.pk))
        assert response.context["form"].has_error("category")
    assert not Problem.objects.exists()


def tampered():
    token = public_form_token(now=time.time() - 60)
    return token[:-1] + ("A" if token[-1] != "A" else "B")


@pytest.mark.parametrize(
    "changes,code,message",
    [
        ({"website": "http://spam.example"}, "honeypot", "could not be accepted"),
        ({"started": "now"}, "tampered", "could not be accepted"),
        ({"started": None}, "tampered", "could not be accepted"),
        ({"started": "tampered"}, "tampered", "could not be accepted"),
        ({"started": "fast"}, "too_fast", "That was quick"),
        ({"started": "expired"}, "expired", "open too long"),
    ],
)
def test_scripts_are_refused_before_anything_is_stored(client, intake, changes, code, message):
    tokens = {
        "tampered": tampered(),
        "fast": public_form_token(),
        "expired": public_form_token(now=time.time() - 3 * 60 * 60),
    }
    data = form_data(intake.category, photos=[jpeg()])
    for name, value in changes.items():
        if value is None:
            del data[name]
        else:
            data[name] = tokens.get(value, value)
    response = client.post("/report/", data)
    assert response.status_code == 200
    assert response.context["form"].refusal_code == code
    assert message in response.content.decode()
    assert not Problem.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="rectification.").exists()


def test_an_expired_form_comes_back_with_a_fresh_start_time(client, intake):
    response = client.post("/report/", form_data(intake.category, started=public_form_token(now=0)))
    assert response.context["form"].refusal_code == "expired"
    started = signing.loads(response.context["form"]["started"].value(), salt=FORM_TOKEN_SALT)
    assert time.time() - started < 60
    assert response.context["form"]["description"].value() == "小区门口垃圾堆放多日无人清运"  # kept for sending again


def test_reports_from_one_address_are_limited(client, intake):
    for number in range(5):
        response = client.post("/report/", form_data(intake.category, description=f"垃圾堆放第{number}处"))
        assert response.status_code == 302
    response = client.post("/report/", form_data(intake.category))
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert "Too many requests" in response.content.decode()
    assert Problem.objects.count() == 5
    # Another address is not held back.
    other = client.post("/report/", form_data(intake.category), REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 302


def test_every_post_counts_against_a_higher_limit(client, intake):
    for _number in range(20):
        assert client.post("/report/", form_data(intake.category, website="x")).status_code == 200
    assert client.post("/report/", form_data(intake.category)).status_code == 429
    assert not Problem.objects.exists()


def test_the_tracking_page_shows_the_state_and_the_reply_but_no_contact_or_unit(client, intake):
    problem = report(intake)
    response = client.get(f"/track/{problem.tracking_code}/")
    assert response.status_code == 200
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}
    page = response.content.decode()
    assert response.context["public_status"].label == "Received (已受理)"
    assert f"已收到您反映的问题 {problem.reference}（暴露垃圾）。" in page
    assert "小区门口垃圾堆放多日无人清运" in page
    for hidden in ("13800138000", "幸福社区", intake.community.name, "东华街道"):
        assert hidden not in page


def test_the_office_reply_follows_the_report_to_its_end(client, intake):
    PublicReplyTemplate.objects.create(campaign=intake.campaign, status=ProblemStatus.CLOSED,
                                       text="已于{closed_at}办结，感谢监督。")  # fmt: skip
    users = intake.users
    problem = report(intake)
    problem = workflow.problem_assign(actor=users["office"], problem=problem, unit=intake.community)
    response = client.get(f"/track/{problem.tracking_code}/")
    assert response.context["public_status"].label == "Being handled (处理中)"
    assert response.context["reply"] == ""  # no reply for this state: none is shown
    problem = workflow.problem_accept(actor=users["unit"], problem=problem)
    problem = workflow.problem_submit(actor=users["unit"], problem=problem, note="已清运，内部备注",
                                      photos=[a_photo()])  # fmt: skip
    problem = workflow.problem_verify(actor=users["inspector"], problem=problem, note="复核合格")
    page = client.get(f"/track/{tracking_code_display(problem.tracking_code)}/")
    assert page.context["public_status"].label == "Resolved (已办结)"
    text = page.content.decode()
    assert "感谢监督" in text
    assert "内部备注" not in text and "复核合格" not in text


def test_a_code_shows_only_its_own_report_and_a_wrong_code_is_not_found(client, intake):
    mine = report(intake, description="我家楼下井盖缺失")
    theirs = report(intake, description="公园长椅损坏", phone="13911112222")
    page = client.get(f"/track/{mine.tracking_code}/").content.decode()
    assert "我家楼下井盖缺失" in page
    assert "公园长椅损坏" not in page and theirs.reference not in page
    wrong = "".join(reversed(mine.tracking_code))
    assert wrong != mine.tracking_code and wrong != theirs.tracking_code
    response = client.get(f"/track/{wrong}/")
    assert response.status_code == 404
    assert "No report has this tracking code" in response.content.decode()
    assert client.get("/track/not-a-code/").status_code == 404


def test_the_tracking_form_accepts_a_code_as_people_type_it(client, intake):
    problem = report(intake)
    typed = f" {tracking_code_display(problem.tracking_code).lower()} "
    response = client.get("/track/", {"code": typed})
    assert (response.status_code, response["Location"]) == (302, f"/track/{problem.tracking_code}/")
    response = client.get("/track/", {"code": "123"})
    assert response.status_code == 200
    assert "10 letters and digits" in response.content.decode()


def test_lookups_from_one_address_are_limited(client, intake):
    problem = report(intake)
    for _number in range(30):
        assert client.get("/track/ZZZZZZZZZZ/").status_code == 404
    response = client.get(f"/track/{problem.tracking_code}/")
    assert response.status_code == 429
    assert problem.description not in response.content.decode()


def test_tracking_codes_are_normalised_and_checked():
    assert tracking_code_normalise(" abcde-fghjk ") == "ABCDEFGHJK"
    assert tracking_code_normalise("ABCDEFGHJ0") == ""  # 0 is not in the alphabet
    assert tracking_code_normalise("ABCDE") == ""
    assert tracking_code_display("ABCDEFGHJK") == "ABCDE-FGHJK"


def test_the_public_campaign_is_the_setting_or_the_newest_open_one(settings, intake):
    newer = CampaignFactory(status="closed")
    assert public_campaign() == intake.campaign
    settings.PUBLIC_CAMPAIGN_SLUG = newer.slug
    assert public_campaign() == newer
    settings.PUBLIC_CAMPAIGN_SLUG = "nonexistent"
    assert public_campaign() is None


def test_without_a_campaign_the_page_says_reports_are_closed(client, settings, intake):
    settings.PUBLIC_CAMPAIGN_SLUG = "nonexistent"
    response = client.get("/report/")
    assert response.status_code == 404
    assert "not being received" in response.content.decode()


def test_the_most_specific_reply_wins(intake):
    campaign = intake.campaign
    sibling = ProblemCategoryFactory(campaign=campaign, parent=intake.group, code="SJ0102", name="乱堆物料")
    elsewhere = ProblemCategoryFactory(campaign=campaign, code="BJ0101", name="井盖")
    leaf = PublicReplyTemplate.objects.create(campaign=campaign, category=intake.category,
                                              status=ProblemStatus.NEW, text="leaf {category}")  # fmt: skip
    PublicReplyTemplate.objects.create(campaign=campaign, category=intake.group, status=ProblemStatus.NEW,
                                       text="group {category}")  # fmt: skip
    PublicReplyTemplate.objects.create(campaign=campaign, category=intake.category,
                                       status=ProblemStatus.ASSIGNED, text="leaf, assigned")  # fmt: skip
    other_campaign = CampaignFactory()
    PublicReplyTemplate.objects.create(campaign=other_campaign, status=ProblemStatus.NEW, text="other campaign")

    def reply(category):
        problem = problem_report_public(campaign=campaign, category=category, description="问题描述",
                                        address="东华路", reporter_phone="13800138000")  # fmt: skip
        return public_reply_for(problem)

    assert reply(intake.category) == "leaf 暴露垃圾"
    assert reply(sibling) == "group 乱堆物料"
    assert reply(elsewhere).startswith("已收到您反映的问题 WT")  # the campaign's default for the state
    leaf.delete()
    assert reply(intake.category) == "group 暴露垃圾"


def test_a_state_without_a_reply_borrows_the_one_the_public_sees_it_as(intake):
    PublicReplyTemplate.objects.create(campaign=intake.campaign, status=ProblemStatus.RECTIFYING,
                                       text="整改中，期限{deadline}")  # fmt: skip
    users = intake.users
    problem = workflow.problem_assign(actor=users["office"], problem=report(intake), unit=intake.community)
    assert public_reply_for(problem) == ""
    problem = workflow.problem_accept(actor=users["unit"], problem=problem)
    assert problem.status == ProblemStatus.ACCEPTED
    assert public_reply_for(problem).startswith("整改中，期限20")


def test_a_reply_fills_only_its_own_placeholders(intake):
    PublicReplyTemplate.objects.filter(campaign=intake.campaign).update(
        text="{reference}|{category}|{unknown}|{reference.__class__}|{category!r}|{deadline:>20}|{{literal}}|{}"
    )
    problem = report(intake)
    assert public_reply_for(problem) == (
        f"{problem.reference}|暴露垃圾|{{unknown}}|{{reference.__class__}}|{{category!r}}|{{deadline:>20}}|"
        "{literal}|{}"
    )
    PublicReplyTemplate.objects.filter(campaign=intake.campaign).update(text="unbalanced {reference")
    assert public_reply_for(problem) == "unbalanced {reference"


def test_only_public_sources_get_a_tracking_code(intake):
    from core.errors import DomainError

    with pytest.raises(DomainError):
        problem_report_public(campaign=intake.campaign, category=intake.category, description="x",
                              address="y", source=ProblemSource.INSPECTION)  # fmt: skip
    assert not Problem.objects.exists()
