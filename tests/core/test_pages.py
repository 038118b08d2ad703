"""Every page renders for every role that may see it, works offline (no external URL anywhere), and switches
language."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from campaign.models import Unit

EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["']\s*(?:https?:)?//(?!testserver)""", re.IGNORECASE)
CSS_EXTERNAL = re.compile(r"""url\(\s*["']?(?:https?:)?//""", re.IGNORECASE)
IMPORT_EXTERNAL = re.compile(r"""@import\s+(?:url\()?\s*["']?(?:https?:)?//""", re.IGNORECASE)

PAGES_BY_USER = {
    None: ["/accounts/login/"],
    "office": [
        "/office/", "/units/", "/units/?type=street", "/audit/", "/my-units/", "/inspector/", "/accounts/password/",
        "/jobs/", "/admin/", "/admin/campaign/unit/", "/admin/django_celery_beat/periodictask/", "/api/docs/",
        "/api/redoc/",
    ],
    "inspector": ["/inspector/", "/units/"],
    "leader_east": ["/my-units/", "/units/", "/accounts/password/"],
    "liaison_community": ["/my-units/", "/units/", "/jobs/"],
}  # fmt: skip


def rendered_pages(client, demo_users):
    for username, urls in PAGES_BY_USER.items():
        client.logout()
        if username:
            client.force_login(demo_users[username])
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (username, url, response.status_code)
            yield username, url, response.content.decode()


def test_no_rendered_page_loads_anything_from_outside(client, demo_users):
    unit = Unit.objects.get(code="SFS-DC-DH")
    PAGES_BY_USER["office"].append(f"/units/{unit.pk}/")
    try:
        checked = 0
        for username, url, html in rendered_pages(client, demo_users):
            found = EXTERNAL.findall(html) + CSS_EXTERNAL.findall(html) + IMPORT_EXTERNAL.findall(html)
            assert not found, f"{url} as {username} refers outside: {found}"
            checked += 1
        assert checked == sum(len(urls) for urls in PAGES_BY_USER.values())
    finally:
        PAGES_BY_USER["office"].pop()


def test_static_css_refers_to_nothing_outside():
    from django.contrib.staticfiles import finders

    for path in [
        "vendor/bootstrap/bootstrap.min.css",
        "vendor/bootstrap-icons/bootstrap-icons.min.css",
        "css/app.css",
    ]:
        css = Path(finders.find(path)).read_text(encoding="utf-8")
        # Inline SVG data URIs carry an xmlns attribute that is a name, not a request.
        css = re.sub(r"url\(\s*[\"']?data:[^)]*\)", "", css)
        assert not CSS_EXTERNAL.findall(css), path
        assert not IMPORT_EXTERNAL.findall(css), path


def test_the_api_docs_use_local_assets(client, demo_users):
    client.force_login(demo_users["office"])
    html = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert not EXTERNAL.findall(html)


def test_the_language_can_be_switched_to_english_and_back(client, demo_users):
    client.force_login(demo_users["office"])
    assert "责任单位" in client.get("/units/").content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": "/units/"})
    assert response.status_code == 302
    html = client.get("/units/").content.decode()
    assert 'lang="en"' in html
    assert "Responsible units" in html
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/units/"})
    assert "责任单位" in client.get("/units/").content.decode()


def test_pages_need_a_login(client, db):
    for url in ["/", "/office/", "/units/", "/my-units/", "/inspector/", "/audit/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


@pytest.mark.parametrize("username", ["inspector", "leader_city", "head_street", "liaison_community"])
def test_office_pages_are_not_found_for_other_roles(client, demo_users, username):
    client.force_login(demo_users[username])
    assert client.get("/office/").status_code == 404
    assert client.get("/audit/").status_code == 404
    assert client.get("/audit/?export=xlsx").status_code == 404


def test_a_user_without_a_campaign_gets_an_empty_state(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    html = client.get("/my-units/").content.decode()
    assert "empty-state" in html


def test_the_phone_layout_is_declared_and_the_menu_collapses(client, demo_users):
    client.force_login(demo_users["liaison_community"])
    html = client.get("/my-units/").content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert 'class="navbar-toggler"' in html
