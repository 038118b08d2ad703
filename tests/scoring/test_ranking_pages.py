"""The pages of rankings, scoring rules, materials and accountability: the office computes and publishes, everyone
reads the published ranking and drills into a score, rules are saved as a new version with reasons for bad input,
units hand in materials and read their own, the office records and withdraws accountability; every list exports."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from campaign.models import TaskAssignment
from scoring.choices import MaterialStatus
from scoring.models import AccountabilityRecord, MaterialSubmission, Ranking, ScoreRuleSet
from scoring.rules import DEFAULT_RULES
from tests.scoring.builders import tree
from tests.scoring.test_rankings import YESTERDAY, peers, week  # noqa: F401 - the fixture
from tests.scoring.test_scores import reports

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def signed_in(client, user, campaign):
    client.force_login(user)
    assert client.post("/campaigns/switch/", {"campaign": campaign.pk}).status_code == 302
    return client


def test_the_office_computes_and_publishes_and_units_read_and_drill_down(client, city, peers):  # noqa: F811
    reports(city.community, week(YESTERDAY))
    office = signed_in(client, city.users["office"], city.campaign)
    assert office.post("/rankings/compute/", {"period": "weekly", "date": "tomorrow"}).status_code == 302
    assert not Ranking.objects.exists()
    office.post("/rankings/compute/", {"period": "weekly", "date": YESTERDAY.isoformat()})
    ranking = Ranking.objects.get()
    assert not ranking.is_published
    unit_client = signed_in(client.__class__(), city.users["unit"], city.campaign)
    assert unit_client.get(f"/rankings/{ranking.pk}/").status_code == 404  # a draft is the office's
    office.post(f"/rankings/{ranking.pk}/publish/")
    page = unit_client.get(f"/rankings/{ranking.pk}/")
    assert page.status_code == 200
    assert [(e.unit.name, e.rank) for e in page.context["entries"]][:1] == [("幸福社区", 1)]
    rows = list(load_workbook(io.BytesIO(unit_client.get(f"/rankings/{ranking.pk}/", {"export": "xlsx"}).content))
                .active.values)  # fmt: skip
    assert rows[1][3] == "幸福社区" and rows[1][4] == 100
    entry = ranking.entries.get(unit=city.community)
    drill = unit_client.get(f"/rankings/entries/{entry.pk}/")
    reports_part = next(c for c in drill.context["components"] if c["name"] == "daily_reports")
    assert (reports_part["numerator"], reports_part["denominator"], reports_part["counted"]) == ("7", "7", True)
    listed = unit_client.get("/rankings/", {"ranked": "units"})
    assert [r.pk for r in listed.context["object_list"]] == [ranking.pk]
    assert len(list(load_workbook(io.BytesIO(unit_client.get("/rankings/", {"export": "xlsx"}).content))
                    .active.values)) == 2  # fmt: skip


def test_rules_are_saved_as_a_new_version_and_bad_rules_are_explained(client, city):
    office = signed_in(client, city.users["office"], city.campaign)
    page = office.get("/score-rules/")
    assert json.loads(page.context["text"]) == DEFAULT_RULES
    bad = office.post("/score-rules/", {"rules": "{not json", "name": "新", "note": "试"})
    assert bad.status_code == 400 and "not valid JSON" in bad.content.decode()
    heavy = json.loads(json.dumps(DEFAULT_RULES))
    heavy["components"]["inspection"]["weight"] = 40
    wrong = office.post("/score-rules/", {"rules": json.dumps(heavy), "name": "新", "note": "试"})
    assert wrong.status_code == 400 and "add up to 110" in wrong.content.decode()
    heavy["components"]["rectification"]["weight"] = 30
    assert (
        office.post("/score-rules/", {"rules": json.dumps(heavy), "name": "督查加权", "note": "督查 40"}).status_code
        == 302
    )
    assert list(ScoreRuleSet.objects.values_list("version", "name")) == [(2, "督查加权"), (1, "Default rules")]


def test_units_hand_in_materials_and_the_office_reviews_them(client, city):
    system = tree(city.campaign, city.point.point_type)
    TaskAssignment.objects.create(indicator=system["B2"], lead_unit=city.community)
    liaison = signed_in(client, city.users["unit"], city.campaign)
    form = liaison.get("/materials/new/").context["form"]
    assert [u.name for u in form.fields["unit"].queryset] == ["幸福社区"]
    fake = SimpleUploadedFile("a.pdf", b"hello")
    refused = liaison.post("/materials/new/", {"criterion": system["B2"].pk, "unit": city.community.pk,
                                               "title": "台账", "file": fake})  # fmt: skip
    assert "Only PDF, Word" in refused.content.decode()
    liaison.post("/materials/new/", {"criterion": system["B2"].pk, "unit": city.community.pk, "title": "志愿服务台账",
                                     "file": SimpleUploadedFile("台账.pdf", b"%PDF-1.4 demo")})  # fmt: skip
    material = MaterialSubmission.objects.get()
    download = liaison.get(f"/materials/{material.pk}/file/")
    assert b"".join(download.streaming_content if download.streaming else [download.content]) == b"%PDF-1.4 demo"
    office = signed_in(client.__class__(), city.users["office"], city.campaign)
    office.post(f"/materials/{material.pk}/review/", {"status": "incomplete", "note": ""})
    material.refresh_from_db()
    assert material.status == MaterialStatus.SUBMITTED  # a reason is needed
    office.post(f"/materials/{material.pk}/review/", {"status": "incomplete", "note": "缺少签字"})
    material.refresh_from_db()
    assert (material.status, material.review_note) == (MaterialStatus.INCOMPLETE, "缺少签字")
    rows = list(load_workbook(io.BytesIO(office.get("/materials/", {"status": "incomplete", "export": "xlsx"})
                                         .content)).active.values)  # fmt: skip
    assert rows[1][:3] == ("B2", "幸福社区", "志愿服务台账")
    other = signed_in(client.__class__(), city.users["other_unit"], city.campaign)
    assert other.get(f"/materials/{material.pk}/file/").status_code == 404


def test_the_office_records_and_withdraws_accountability(client, city):
    office = signed_in(client, city.users["office"], city.campaign)
    bad = office.post("/accountability/new/", {"unit": city.community.pk, "kind": "talk", "reason": "约谈",
                                               "decided_on": "2026-12-01", "problems": "ABC"})  # fmt: skip
    assert "is not a ledger number" in bad.content.decode()
    amount = office.post("/accountability/new/", {"unit": city.community.pk, "kind": "talk", "reason": "约谈",
                                                  "decided_on": "2026-12-01", "amount": "100"})  # fmt: skip
    assert "Only a civilization-bonus deduction has an amount" in amount.content.decode()
    office.post("/accountability/new/", {"unit": city.community.pk, "kind": "talk", "reason": "连续上黑榜",
                                         "decided_on": "2026-12-01", "person_name": "陈红梅"})  # fmt: skip
    record = AccountabilityRecord.objects.get()
    liaison = signed_in(client.__class__(), city.users["unit"], city.campaign)
    assert [r.pk for r in liaison.get("/accountability/", {"person": "陈红梅"}).context["object_list"]] == [record.pk]
    office.post(f"/accountability/{record.pk}/withdraw/", {"reason": "对象有误"})
    record.refresh_from_db()
    assert record.withdraw_reason == "对象有误"
    rows = list(load_workbook(io.BytesIO(office.get("/accountability/", {"export": "xlsx"}).content)).active.values)
    assert rows[1][1] == "幸福社区" and "对象有误" in rows[1][8]


def test_the_office_sets_the_lists_the_line_and_the_ladder(client, city, peers):  # noqa: F811
    from scoring.models import ScoringSettings

    office = signed_in(client, city.users["office"], city.campaign)
    assert office.get("/score-rules/").context["settings_form"]["red_list_size"].value() == 1
    ladder = "书面检查\n约谈\n问责"
    office.post("/score-rules/settings/", {"red_list_size": "2", "black_list_size": "1", "meeting_below": "70",
                                           "black_list_ladder": ladder, "auto_publish": ""})  # fmt: skip
    row = ScoringSettings.objects.get(campaign=city.campaign)
    assert (row.red_list_size, row.meeting_below, row.black_list_ladder, row.auto_publish) == (
        2, 70, ["书面检查", "约谈", "问责"], False,
    )  # fmt: skip
    bad = office.post("/score-rules/settings/", {"red_list_size": "2", "black_list_size": "1", "meeting_below": "170",
                                                 "black_list_ladder": ""}, follow=True)  # fmt: skip
    assert "less than or equal to 100" in bad.content.decode()
    reports(city.company, week(YESTERDAY)[:5])  # 5 of 7: 71.43, above the new line of 70
    reports(city.community, week(YESTERDAY)[:4])  # 57.14: under it
    office.post("/rankings/compute/", {"period": "weekly", "date": YESTERDAY.isoformat()})
    ranking = Ranking.objects.get()
    flags = {e.unit.name: (e.evening_meeting, e.escalation) for e in ranking.entries.select_related("unit")}
    assert flags["安居物业"] == (False, "") and flags["幸福社区"][0] is True
    assert flags["柳荫社区"] == (True, "书面检查")
    liaison = signed_in(client.__class__(), city.users["unit"], city.campaign)
    assert liaison.post("/score-rules/settings/", {"red_list_size": "9"}).status_code == 404


def test_the_material_standing_per_criterion_and_unit(client, city):
    from campaign.models import UnitGroup

    system = tree(city.campaign, city.point.point_type)
    group = UnitGroup.objects.create(campaign=city.campaign, name="各社区", kind="set")
    group.members.set([city.community, city.neighbour])
    TaskAssignment.objects.create(indicator=system["B2"], lead_group=group, deadline="2026-01-31")
    liaison = signed_in(client, city.users["unit"], city.campaign)
    liaison.post("/materials/new/", {"criterion": system["B2"].pk, "unit": city.community.pk, "title": "台账",
                                     "file": SimpleUploadedFile("台账.pdf", b"%PDF-1.4 demo")})  # fmt: skip
    office = signed_in(client.__class__(), city.users["office"], city.campaign)
    page = office.get("/materials/standing/")
    assert [(r.unit_name, r.status, r.overdue) for r in page.context["rows"]] == [
        ("幸福社区", MaterialStatus.SUBMITTED, True), ("和平社区", "", True),
    ]  # fmt: skip
    assert [r.unit_name for r in office.get("/materials/standing/", {"status": ""}).context["rows"]] == ["和平社区"]
    rows = list(
        load_workbook(io.BytesIO(office.get("/materials/standing/", {"export": "xlsx"}).content)).active.values
    )
    assert [row[1] for row in rows[1:]] == ["幸福社区", "和平社区"]
    mine = liaison.get("/materials/standing/")
    assert [r.unit_name for r in mine.context["rows"]] == ["幸福社区"]
