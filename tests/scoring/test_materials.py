"""Material review: who hands in, files checked by content and size, the materials group's verdicts, each unit's
standing per criterion, and the material rate the projected score reads — against hand-computed numbers, in a fixed
number of queries."""

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from campaign.models import TaskAssignment, UnitGroup
from core.errors import DomainError
from scoring.choices import MaterialStatus
from scoring.materials import material_completeness, material_list, material_rates, material_review, material_upload
from scoring.models import MaterialSubmission
from tests.scoring.builders import tree

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def system(city):
    return tree(city.campaign, city.point.point_type)


def ooxml(folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr(f"{folder}document.xml", "<x/>")
    return buffer.getvalue()


def hand_in(city, system, unit=None, *, content=PDF, name="台账.pdf", actor="unit", **options):
    return material_upload(actor=city.users[actor], campaign=city.campaign, criterion=system["B2"],
                           unit=unit or city.community, file=SimpleUploadedFile(name, content), title="志愿服务台账",
                           **options)  # fmt: skip


def test_a_unit_hands_in_a_file_checked_by_its_content(city, system):
    material = hand_in(city, system)
    assert (material.filename, material.size, material.status) == ("台账.pdf", len(PDF), MaterialStatus.SUBMITTED)
    assert material.file.name.startswith("materials/") and material.file.name.endswith(".pdf")
    assert material.file.read() == PDF
    # The name says .pdf, the content says Word: the content wins.
    assert hand_in(city, system, content=ooxml("word/"), name="台账.pdf").filename == "台账.docx"
    assert hand_in(city, system, content=ooxml("xl/"), name="统计表").filename == "统计表.xlsx"
    for content, name in [(b"MZ\x90\x00" + b"\x00" * 60, "台账.pdf"), (b"just text", "a.docx"),
                          (b"PK\x03\x04broken", "a.xlsx")]:  # fmt: skip
        with pytest.raises(DomainError, match="Only PDF, Word"):
            hand_in(city, system, content=content, name=name)


def test_files_over_the_limit_or_empty_are_refused(city, system, settings):
    settings.MATERIAL_MAX_BYTES = 1024
    with pytest.raises(DomainError, match="larger than"):
        hand_in(city, system, content=PDF + b"0" * 2000)
    with pytest.raises(DomainError, match="empty"):
        hand_in(city, system, content=b"")
    assert not MaterialSubmission.objects.exists()


def test_only_the_units_people_or_the_office_hand_in_and_only_for_material_criteria(city, system):
    for who in ("other_unit", "inspector", "leader"):
        with pytest.raises(DomainError) as refused:
            hand_in(city, system, actor=who)
        assert refused.value.code == "forbidden"
    assert hand_in(city, system, actor="office").uploaded_by == city.users["office"]
    with pytest.raises(DomainError, match="not checked by material review"):
        material_upload(actor=city.users["unit"], campaign=city.campaign, criterion=system["A1"], unit=city.community,
                        file=SimpleUploadedFile("a.pdf", PDF), title="台账")  # fmt: skip
    with pytest.raises(DomainError, match="title"):
        material_upload(actor=city.users["unit"], campaign=city.campaign, criterion=system["B2"], unit=city.community,
                        file=SimpleUploadedFile("a.pdf", PDF), title=" ")  # fmt: skip


def test_the_materials_group_reviews_with_reasons(city, system):
    material = hand_in(city, system)
    with pytest.raises(DomainError) as refused:
        material_review(actor=city.users["unit"], material=material, status=MaterialStatus.COMPLETE)
    assert refused.value.code == "forbidden"
    with pytest.raises(DomainError, match="missing"):
        material_review(actor=city.users["office"], material=material, status=MaterialStatus.INCOMPLETE)
    with pytest.raises(DomainError, match="Choose complete"):
        material_review(actor=city.users["office"], material=material, status=MaterialStatus.SUBMITTED)
    reviewed = material_review(actor=city.users["office"], material=material, status=MaterialStatus.RETURNED,
                               note="缺少活动照片")  # fmt: skip
    assert (reviewed.status, reviewed.reviewed_by, reviewed.review_note) == (
        MaterialStatus.RETURNED, city.users["office"], "缺少活动照片",
    )  # fmt: skip
    assert list(material_list(user=city.users["unit"])) == [reviewed]
    assert list(material_list(user=city.users["other_unit"])) == []


def test_standing_and_rates_by_hand(city, system, django_assert_num_queries):
    # B2 is led by a group of the three units; each hands in (or not) on its own.
    group = UnitGroup.objects.create(campaign=city.campaign, name="各社区", kind="set")
    group.members.set([city.community, city.neighbour, city.company])
    TaskAssignment.objects.create(indicator=system["B2"], lead_group=group, deadline=datetime.date(2026, 11, 30))
    office = city.users["office"]
    assert material_rates(campaign=city.campaign) == {}  # nothing reviewed yet: unchecked

    first = hand_in(city, system, actor="office")
    material_review(actor=office, material=first, status=MaterialStatus.INCOMPLETE, note="缺照片")
    later = hand_in(city, system, actor="office")  # the community's latest file decides
    material_review(actor=office, material=later, status=MaterialStatus.COMPLETE)
    neighbour = hand_in(city, system, city.neighbour, actor="office")  # waiting for review
    with django_assert_num_queries(4):  # criteria, task division, files, unit names
        rows = material_completeness(campaign=city.campaign, today=datetime.date(2026, 12, 5))
    assert [(r.unit_name, r.status, r.overdue) for r in rows] == [
        ("幸福社区", MaterialStatus.COMPLETE, False),
        ("和平社区", MaterialStatus.SUBMITTED, True),
        ("安居物业", "", True),
    ]
    assert rows[1].material_id == neighbour.pk
    # 1 of 3 lead units complete.
    assert material_rates(campaign=city.campaign) == {system["B2"].pk: Decimal("0.3333")}
