"""The audit log: written by services and the admin, never changed."""

import pytest
from django.contrib import admin
from django.db import DatabaseError, connection, transaction

from campaign.models import Unit
from core.admin import AuditedAdminMixin, ReadOnlyAdminMixin
from core.audit import audit_log
from core.models import AuditEvent, AuditImmutableError


@pytest.fixture
def event(db):
    return audit_log(action="test.event", data={"n": 1})


def test_an_event_cannot_be_changed_or_deleted_through_the_orm(event):
    event.action = "test.changed"
    with pytest.raises(AuditImmutableError):
        event.save()
    with pytest.raises(AuditImmutableError):
        event.delete()
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.filter(pk=event.pk).update(action="test.changed")
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_the_database_refuses_updates_even_in_raw_sql(event):
    table = AuditEvent._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET action = %s WHERE id = %s", ["test.forged", event.pk])  # noqa: S608
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_postgresql_refuses_deletes_in_raw_sql(event):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps DELETE for test-database flushes; the ORM guard still applies there")
    table = AuditEvent._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [event.pk])  # noqa: S608
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_audit_events_are_read_only_in_the_admin(client, demo_users, event):
    client.force_login(demo_users["admin"])
    assert client.get(f"/admin/core/auditevent/{event.pk}/change/").status_code == 200
    response = client.post(f"/admin/core/auditevent/{event.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_every_admin_is_audited_or_read_only():
    unaudited = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, AuditedAdminMixin | ReadOnlyAdminMixin)
    ]
    # Axes' own admins record login attempts; they are its audit trail and are read-only by design.
    assert sorted(unaudited) == ["auth.Group", "axes.AccessAttempt", "axes.AccessFailureLog", "axes.AccessLog"]


def test_a_change_in_the_admin_is_audited_with_who_what_and_where(client, demo_users):
    unit = Unit.objects.get(code="SFS-DC-DH")
    client.force_login(demo_users["admin"])
    url = f"/admin/campaign/unit/{unit.pk}/change/"
    form = {
        "code": unit.code, "name": "东华街道办事处", "short_name": "", "type": unit.type, "head_name": unit.head_name,
        "leader_in_charge": unit.leader_in_charge, "phone": unit.phone, "is_active": "on",
        "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
        "leader_assignments-TOTAL_FORMS": "0", "leader_assignments-INITIAL_FORMS": "0",
    }  # fmt: skip
    response = client.post(url, form, REMOTE_ADDR="10.8.8.8")
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="admin.campaign.unit.change")
    assert event.actor == demo_users["admin"]
    assert event.object_id == str(unit.pk)
    assert event.data == {"fields": ["Name"]} or event.data["fields"] == ["名称"]
    assert event.ip_address == "10.8.8.8"


def test_the_audit_log_page_filters_and_exports(client, demo_users):
    import io

    from openpyxl import load_workbook

    audit_log(action="campaign.unit.create", actor=demo_users["office"], data={"code": "X"})
    audit_log(action="auth.login", actor=demo_users["inspector"])
    client.force_login(demo_users["office"])
    html = client.get("/audit/", {"action": "auth."}).content.decode()
    assert "auth.login" in html
    assert "campaign.unit.create" not in html
    response = client.get("/audit/", {"action": "auth.", "export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content), read_only=True).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("时间", "操作人", "操作")
    logins = AuditEvent.objects.filter(action__startswith="auth.").count()
    assert [row[2:4] for row in rows[1:]] == [("登录", "auth.login")] * logins


def test_a_failed_sign_in_names_the_account_tried(client, demo):
    client.post("/accounts/login/", {"username": "office", "password": "wrong"})
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.object_repr == "office"
    assert event.action_label == "登录失败"


def test_the_office_home_lists_changes_not_sign_ins(client, demo_users):
    client.force_login(demo_users["office"])
    audit_log(action="campaign.unit.create", actor=demo_users["office"], obj=Unit.objects.first())
    events = list(client.get("/office/").context["recent_events"])
    assert AuditEvent.objects.filter(action="auth.login").exists()
    assert events[0].action == "campaign.unit.create"
    assert not [e for e in events if e.action.startswith("auth.")]
    assert "新建责任单位" in client.get("/office/").content.decode()
