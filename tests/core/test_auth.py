"""Sign-in, lockout, idle timeout, password rules and expiry: the 等保 2.0 controls."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.utils import timezone

from campaign.demo_seed import DEMO_PASSWORD
from core.models import AuditEvent, User
from tests.conftest import PRODUCTION_PASSWORD_HASHERS

HOME_BY_USER = {
    "admin": ("/office/", "campaign/home_office.html"),
    "office": ("/office/", "campaign/home_office.html"),
    "inspector": ("/inspector/", "campaign/home_inspector.html"),
    "leader_city": ("/dashboard/", "scoring/dashboard.html"),
    "leader_east": ("/dashboard/", "scoring/dashboard.html"),
    "head_street": ("/my-units/", "campaign/home_units.html"),
    "liaison_community": ("/my-units/", "campaign/home_units.html"),
}


def sign_in(client, username, password=DEMO_PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def test_login_page_is_in_chinese(client, db):
    response = client.get("/accounts/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'lang="zh-hans"' in html
    assert "登录" in html
    assert "用户名" in html


@pytest.mark.parametrize(("username", "home"), HOME_BY_USER.items())
def test_each_demo_login_lands_on_its_role_home(client, demo, username, home):
    response = sign_in(client, username)
    assert response.status_code == 302
    response = client.get(response["Location"], follow=True)
    url, template = home
    assert response.redirect_chain[-1][0] == url
    assert template in [t.name for t in response.templates]
    html = response.content.decode()
    assert "示范市2027年全国文明城市创建" in html


def test_unit_people_see_their_own_unit_on_their_home(client, demo):
    sign_in(client, "liaison_community")
    html = client.get("/my-units/").content.decode()
    assert "幸福社区" in html
    assert "和平社区" not in html
    client.logout()
    sign_in(client, "leader_east")
    html = client.get("/my-units/").content.decode()
    assert "东城区" in html
    assert "西城区" not in html


def test_a_successful_login_and_logout_are_audited_with_the_address(client, demo):
    sign_in(client, "office", REMOTE_ADDR="10.1.2.3")
    client.post("/accounts/logout/", REMOTE_ADDR="10.1.2.3")
    office = User.objects.get(username="office")
    events = list(
        AuditEvent.objects.filter(actor=office, action__startswith="auth.")
        .order_by("id")
        .values_list("action", "ip_address")
    )
    assert events == [("auth.login", "10.1.2.3"), ("auth.logout", "10.1.2.3")]


def test_repeated_failures_lock_the_user_from_that_address(client, demo, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        response = sign_in(client, "office", "wrong-password", REMOTE_ADDR="10.0.0.9")
        assert response.status_code in (200, 429)
    # Locked now: even the right password is refused, with the lockout page, not a sign-in.
    response = sign_in(client, "office", REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "登录失败次数过多" in response.content.decode()
    # The same user from another address, and another user from the same address, are not locked.
    assert sign_in(client, "office", REMOTE_ADDR="10.0.0.10").status_code == 302
    client.logout()
    assert sign_in(client, "inspector", REMOTE_ADDR="10.0.0.9").status_code == 302
    actions = list(AuditEvent.objects.filter(action__startswith="auth.").values_list("action", flat=True))
    assert actions.count("auth.login_failed") >= 3
    assert "auth.locked_out" in actions


def test_the_lock_lifts_after_the_cool_off(client, demo, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        sign_in(client, "office", "wrong-password")
    assert sign_in(client, "office").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1))
    assert sign_in(client, "office").status_code == 302


def test_lockout_is_proxy_aware_when_proxies_are_trusted(client, demo, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(2):
        sign_in(client, "office", "wrong", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    # Same proxy, another client behind it: not locked. The locked client: locked.
    assert sign_in(client, "office", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 302
    client.logout()
    assert sign_in(client, "office", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    failed = AuditEvent.objects.filter(action="auth.login_failed").first()
    assert failed.ip_address == "203.0.113.7"
    # A client cannot pick its address by writing its own X-Forwarded-For entry: the proxy's entry wins.
    assert (
        sign_in(
            client, "office", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="203.0.113.99, 203.0.113.7"
        ).status_code
        == 429
    )


def test_the_session_slides_and_ends_after_idle_time(client, demo, settings):
    sign_in(client, "office")
    session = Session.objects.get(session_key=client.session.session_key)
    first_expiry = session.expire_date
    assert abs((first_expiry - timezone.now()).total_seconds() - settings.SESSION_COOKIE_AGE) < 60
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + timedelta(minutes=5))
    assert client.get("/office/").status_code == 200
    # The request pushed the expiry back to a full idle period.
    slid = Session.objects.get(pk=session.pk).expire_date
    assert (slid - timezone.now()).total_seconds() > settings.SESSION_COOKIE_AGE - 60
    # Idle past the limit: the next request goes to the sign-in page.
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/office/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "password", ["Short@1", "alllowercaseletters", "ALLUPPER12345", "12345678901234", "password1234"]
)
def test_weak_passwords_are_refused(db, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=User(username="zhangsan"))


def test_a_complex_password_is_accepted_and_hashed_with_argon2(db, settings):
    settings.PASSWORD_HASHERS = PRODUCTION_PASSWORD_HASHERS
    user = User(username="zhangsan", full_name="张三")
    validate_password("Civilized#City2027", user=user)
    user.set_password("Civilized#City2027")
    assert user.password.startswith("argon2$")
    assert user.password_changed_at is not None


def test_the_complexity_rule_is_explained_in_chinese(db):
    with pytest.raises(ValidationError) as error:
        validate_password("alllowercaseletters", user=User(username="zhangsan"))
    assert any("字符" in message for message in error.value.messages)


def test_an_expired_password_must_be_changed_first(client, demo, settings):
    settings.PASSWORD_EXPIRY_DAYS = 90
    office = User.objects.get(username="office")
    User.objects.filter(pk=office.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    client.force_login(office)
    response = client.get("/office/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/?expired=1"
    api = client.get("/api/v1/units/")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "password_expired"
    response = client.post(
        "/accounts/password/",
        {"old_password": DEMO_PASSWORD, "new_password1": "Fresh#Password2027", "new_password2": "Fresh#Password2027"},
    )
    assert response.status_code == 302
    assert client.get("/office/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.password_change", actor=office).count() == 1


def test_expiry_is_off_by_default(demo):
    office = User.objects.get(username="office")
    User.objects.filter(pk=office.pk).update(password_changed_at=timezone.now() - timedelta(days=3650))
    assert User.objects.get(pk=office.pk).password_expired() is False
