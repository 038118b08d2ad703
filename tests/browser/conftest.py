"""A real browser for the pages that matter: Debian's chromium driven by Playwright (never a downloaded browser).

Where chromium is missing the browser tests are skipped on a developer's machine; in CI (`CI` or
`REQUIRE_SERVICES` set) they fail instead, since .ci/run installs it.
"""

import os

import pytest

from tests.conftest import services_required
from tests.rectification.conftest import city, media_in_tmp  # noqa: F401

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if services_required() or os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium for the browser tests.")
        pytest.skip(f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test are still sync.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def phone(browser, live_server, client, settings):
    """A phone-sized page signed in as `phone.sign_in(user)`."""

    class Phone:
        def __init__(self):
            self.context = browser.new_context(
                viewport={"width": 375, "height": 740}, device_scale_factor=2, is_mobile=True, has_touch=True,
                # Without smooth scrolling, a tap lands where the page was scrolled to (long forms).
                locale="zh-CN", reduced_motion="reduce",
            )  # fmt: skip
            self.page = self.context.new_page()

        def sign_in(self, user, campaign=None):
            client.force_login(user)
            if campaign is not None:
                session = client.session
                session["campaign_id"] = campaign.pk
                session.save()
            cookie = client.cookies[settings.SESSION_COOKIE_NAME]
            self.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value,
                                       "url": live_server.url}])  # fmt: skip
            return self.page

    phone = Phone()
    yield phone
    phone.context.close()
