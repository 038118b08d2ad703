"""Make a problem's history append-only in the database too, as the audit log is."""

from django.db import migrations

from core.db import append_only


class Migration(migrations.Migration):
    dependencies = [("rectification", "0002_problem_ledger")]

    operations = [append_only("rectification_problemtransition", "a problem's history is append-only")]
