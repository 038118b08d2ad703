"""Make the audit log append-only in the database too, not only in the ORM (see `core.db.append_only`)."""

from django.db import migrations

from core.db import append_only


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [append_only("core_auditevent", "audit events are append-only")]
