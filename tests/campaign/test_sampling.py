import io

from openpyxl import load_workbook

from campaign.models import Point, PointType, SampledPoint, Sampling
from campaign.services import sampling_draw
from core.models import AuditEvent


def drawn(sampling):
    return list(SampledPoint.objects.filter(sampling=sampling).values_list("point__code", flat=True))


def test_a_draw_takes_sample_count_points_per_type_and_the_seed_reproduces_it(demo_users, demo):
    first = sampling_draw(actor=demo_users["office"], campaign=demo.campaign, seed=20270510)
    again = sampling_draw(actor=demo_users["office"], campaign=demo.campaign, seed=20270510)
    other = sampling_draw(actor=demo_users["office"], campaign=demo.campaign, seed=7)
    assert drawn(first) == drawn(again)
    assert drawn(first) != drawn(other) or len(drawn(first)) == Point.objects.count()
    communities = PointType.objects.get(campaign=demo.campaign, code="PT01")
    picked = Point.objects.filter(code__in=drawn(first), point_type=communities).count()
    available = Point.objects.filter(point_type=communities, is_active=True).count()
    assert picked == min(communities.sample_count, available) == 5
    # The demo city has fewer markets than the assessors sample: the shortfall is recorded.
    assert first.shortfall["PT07"] == {"name": "农贸（集贸）市场", "wanted": 3, "available": 2}
    # The demo's own draw (for its mock assessments) and these three.
    assert AuditEvent.objects.filter(action="campaign.sampling.draw", object_id__in=[
        str(first.pk), str(again.pk), str(other.pk)]).count() == 3  # fmt: skip


def test_inactive_points_are_never_drawn(demo_users, demo):
    Point.objects.filter(code="P0001").update(is_active=False)
    for seed in range(20):
        assert "P0001" not in drawn(sampling_draw(actor=None, campaign=demo.campaign, seed=seed))


def test_staff_draw_on_the_page_and_export_the_draw(client, demo_users, demo):
    client.force_login(demo_users["office"])
    before = Sampling.objects.count()  # the demo's draw for its mock assessments
    response = client.post("/samplings/draw/", {"seed": "42", "note": "第一次模拟测评"})
    sampling = Sampling.objects.latest("drawn_at")
    assert response["Location"] == f"/samplings/{sampling.pk}/"
    assert sampling.seed == 42 and sampling.drawn_by == demo_users["office"]
    rows = list(
        load_workbook(io.BytesIO(client.get(f"/samplings/{sampling.pk}/", {"export": "xlsx"}).content)).active.values
    )
    assert len(rows) == 1 + len(drawn(sampling))
    assert client.post("/samplings/draw/", {"seed": "abc"}).status_code == 302
    assert client.post("/samplings/draw/", {"seed": "9" * 30}).status_code == 302
    assert Sampling.objects.count() == before + 1
    body = client.get("/api/v1/samplings/").json()
    assert body["results"][0]["points"] == drawn(sampling)


def test_the_inspector_home_lists_the_points_of_the_latest_draw(client, demo_users, demo):
    client.force_login(demo_users["inspector"])
    demo_draw = Sampling.objects.get(campaign=demo.campaign)  # the demo's mock assessments were drawn
    assert client.get("/inspector/").context["latest_sampling"]["sampling"] == demo_draw
    sampling_draw(actor=demo_users["office"], campaign=demo.campaign, seed=1)
    latest = sampling_draw(actor=demo_users["office"], campaign=demo.campaign, seed=2)
    response = client.get("/inspector/")
    assert response.context["latest_sampling"]["sampling"] == latest
    shown = [s.point.code for s in response.context["latest_sampling"]["points"]]
    assert sorted(shown) == sorted(drawn(latest))
    first = response.context["latest_sampling"]["points"][0].point
    assert first.name in response.content.decode()
