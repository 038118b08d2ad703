"""Make a problem's history append-only in the database too, as the audit log is (see core 0002).

SQLite: updates are refused. PostgreSQL: updates and deletes are refused (TRUNCATE, used by test-database flushes,
stays possible). SQLite keeps deletes possible because Django flushes SQLite test databases with DELETE.
"""

from django.db import migrations

TABLE = "rectification_problemtransition"
PG_FORWARD = f"""
CREATE OR REPLACE FUNCTION {TABLE}_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'a problem''s history is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {TABLE}_immutable();
"""
PG_REVERSE = f"""
DROP TRIGGER IF EXISTS {TABLE}_no_update ON {TABLE};
DROP FUNCTION IF EXISTS {TABLE}_immutable();
"""
SQLITE_FORWARD = f"""
CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE}
BEGIN
    SELECT RAISE(ABORT, 'a problem''s history is append-only');
END;
"""
SQLITE_REVERSE = f"DROP TRIGGER IF EXISTS {TABLE}_no_update;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REVERSE)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("rectification", "0002_problem_ledger")]

    operations = [migrations.RunPython(forward, reverse)]
