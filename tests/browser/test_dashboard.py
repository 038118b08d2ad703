"""A leader reads the dashboard in a real browser: at a desk, on a phone and on the command hall's screen. The charts
are drawn, the tables beside them hold the published numbers, the hall refreshes its data from the API without
reloading, and screenshots are kept as test artifacts (in `$VAR_DIR/test-artifacts/`)."""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import Q

from campaign.models import Unit
from core.models import User
from scoring.choices import DocumentStatus, RankingPeriod
from scoring.models import RankingEntry
from scoring.templatetags.dashboard import number_text

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def artifacts():
    """One folder for every test process: the VAR_DIR the suite was started with, not a process's own."""
    folder = Path(os.environ.get("VAR_DIR") or settings.BASE_DIR / "var") / "test-artifacts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sign_in(context, client, live_server, user):
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}])


def published_rows(user):
    """The leader's units (and the command groups) in the latest published weekly rankings, as the table lists them:
    (name, rank, score)."""
    latest = (
        RankingEntry.objects.filter(ranking__period=RankingPeriod.WEEKLY, ranking__status=DocumentStatus.PUBLISHED)
        .order_by("-ranking__period_end")
        .values_list("ranking__period_end", flat=True)
        .first()
    )
    entries = (
        RankingEntry.objects.filter(
            ranking__period=RankingPeriod.WEEKLY,
            ranking__status=DocumentStatus.PUBLISHED,
            ranking__period_end=latest,
        )
        .filter(Q(unit__in=Unit.objects.visible_to(user)) | Q(group__isnull=False))
        .select_related("unit", "group")
    )
    return {(str(entry.unit or entry.group), str(entry.rank), number_text(float(entry.score))) for entry in entries}


def table_rows(page, slug):
    return page.eval_on_selector_all(
        f"#table-{slug} tbody tr", "rows => rows.map(r => Array.from(r.cells).map(c => c.innerText.trim()))"
    )


def charts_drawn(page) -> list[bool]:
    return page.eval_on_selector_all(
        ".dash-chart:not([hidden])",
        "charts => charts.map(c => c.dataset.drawn === 'true' && !!c.querySelector('canvas')"
        " && c.querySelector('canvas').width > 0)",
    )


def test_a_leader_reads_the_dashboard_at_a_desk_and_in_the_command_hall(browser, live_server, demo, client,
                                                                         artifacts):  # fmt: skip
    leader = User.objects.get(username="leader_east")
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    sign_in(context, client, live_server, leader)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/")
    assert page.url.endswith("/dashboard/")  # a leader lands on the dashboard
    page.wait_for_selector(".dash-chart[data-drawn=true]")
    assert page.locator("h1").inner_text().startswith("驾驶舱")
    drawn = charts_drawn(page)
    assert len(drawn) == 8 and all(drawn)
    # The rankings table holds the published figures of her units, and nothing of another district.
    rows = table_rows(page, "rankings")
    shown = {(row[3], row[1], row[4]) for row in rows}
    assert shown and shown <= published_rows(leader)
    assert "柳荫社区" not in page.content()
    # The tiles: the ledger's counters within her scope.
    from rectification.selectors import problem_counters

    counters = problem_counters(user=leader, campaign=Unit.objects.get(code="SFS-DC").campaign)
    tiles = page.eval_on_selector_all("#panel-overview .stat", "tiles => tiles.map(t => t.innerText.trim())")
    assert tiles[3:5] == [str(counters["open"]), str(counters["overdue"])]
    page.screenshot(path=str(artifacts / "dashboard-desk.png"), full_page=True)

    page.click("text=指挥大厅")
    page.wait_for_selector(".dash-chart[data-drawn=true]")
    assert "/dashboard/hall/" in page.url
    visible = page.eval_on_selector_all(".hall-panel", "panels => panels.filter(p => !p.hidden).length")
    assert visible == 4  # four panels at a time; they rotate
    assert all(charts_drawn(page))
    # New data without reloading: the page stays, the tables are filled again from the API.
    page.evaluate("window.__marker = 'same page'")
    page.evaluate("window.dashboardRefresh()")
    page.wait_for_selector("body[data-refreshed='1']")
    assert page.evaluate("window.__marker") == "same page"
    assert re.match(r"更新于 ", page.locator("#hall-updated").inner_text())
    assert {(row[3], row[1], row[4]) for row in table_rows(page, "rankings")} <= published_rows(leader)
    page.screenshot(path=str(artifacts / "dashboard-hall.png"))
    assert errors == []
    context.close()


def test_a_leader_reads_the_dashboard_on_a_phone(phone, live_server, demo, artifacts):
    leader = User.objects.get(username="leader_city")
    page = phone.sign_in(leader)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_selector(".dash-chart[data-drawn=true]")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling
    assert all(charts_drawn(page))
    shown = {(row[3], row[1], row[4]) for row in table_rows(page, "lists")}
    assert shown and shown <= published_rows(leader)
    page.screenshot(path=str(artifacts / "dashboard-phone.png"))
    page.screenshot(path=str(artifacts / "dashboard-phone-full.png"), full_page=True)
    assert errors == []
