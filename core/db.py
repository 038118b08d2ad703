"""Database helpers: the migration operations every app uses to make a table append-only or frozen the same way,
and the locked get-or-create that services use for rows that must exist once."""

from django.db import IntegrityError, migrations, transaction


def append_only(table: str, message: str) -> migrations.RunPython:
    """A migration operation that makes `table` append-only in the database, not only in the ORM.

    SQLite: updates are refused. PostgreSQL: updates and deletes are refused (TRUNCATE, used by test-database
    flushes and by an operator's deliberate purge, is a separate statement and stays possible). SQLite keeps deletes
    possible because Django flushes SQLite test databases with DELETE. `message` is the database error's text.
    """
    quoted = message.replace("'", "''")
    pg_forward = f"""
CREATE OR REPLACE FUNCTION {table}_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{quoted}';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_immutable();
"""
    pg_reverse = f"DROP TRIGGER IF EXISTS {table}_no_update ON {table}; DROP FUNCTION IF EXISTS {table}_immutable();"
    sqlite_forward = f"""
CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
BEGIN
    SELECT RAISE(ABORT, '{quoted}');
END;
"""
    sqlite_reverse = f"DROP TRIGGER IF EXISTS {table}_no_update;"

    def run(sql_by_vendor):
        def operation(apps, schema_editor):
            sql = sql_by_vendor.get(schema_editor.connection.vendor)
            if sql:
                schema_editor.execute(sql)

        return operation

    return migrations.RunPython(
        run({"postgresql": pg_forward, "sqlite": sqlite_forward}),
        run({"postgresql": pg_reverse, "sqlite": sqlite_reverse}),
    )


def frozen_when(table: str, *, column: str, value: str, message: str) -> migrations.RunPython:
    """A migration operation that refuses, in the database, to change a row of `table` once `column` holds
    `value` (a published bulletin): updates on both databases, deletes on PostgreSQL (SQLite test flushes delete,
    as for `append_only`). Rows in any other state stay editable."""
    quoted = message.replace("'", "''")
    pg_forward = f"""
CREATE OR REPLACE FUNCTION {table}_frozen() RETURNS trigger AS $$
BEGIN
    IF OLD.{column} = '{value}' THEN
        RAISE EXCEPTION '{quoted}';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {table}_frozen BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_frozen();
"""
    pg_reverse = f"DROP TRIGGER IF EXISTS {table}_frozen ON {table}; DROP FUNCTION IF EXISTS {table}_frozen();"
    sqlite_forward = f"""
CREATE TRIGGER {table}_frozen BEFORE UPDATE ON {table}
WHEN OLD.{column} = '{value}'
BEGIN
    SELECT RAISE(ABORT, '{quoted}');
END;
"""
    sqlite_reverse = f"DROP TRIGGER IF EXISTS {table}_frozen;"

    def run(sql_by_vendor):
        def operation(apps, schema_editor):
            sql = sql_by_vendor.get(schema_editor.connection.vendor)
            if sql:
                schema_editor.execute(sql)

        return operation

    return migrations.RunPython(
        run({"postgresql": pg_forward, "sqlite": sqlite_forward}),
        run({"postgresql": pg_reverse, "sqlite": sqlite_reverse}),
    )


def frozen_with_parent(table: str, *, parent_table: str, fk_column: str, column: str, value: str,
                       message: str) -> migrations.RunPython:  # fmt: skip
    """A migration operation that refuses, in the database, to add, change or (on PostgreSQL) delete a row of
    `table` whose parent row (`fk_column` → `parent_table`.id) holds `value` in `column`: the entries of a
    published ranking. The parent itself is frozen with `frozen_when`."""
    quoted = message.replace("'", "''")
    parent_is = f"SELECT 1 FROM {parent_table} WHERE id = %s AND {column} = '{value}'"  # noqa: S608 - migration DDL from constants
    pg_forward = f"""
CREATE OR REPLACE FUNCTION {table}_parent_frozen() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND EXISTS ({parent_is % f"OLD.{fk_column}"}) THEN
        RAISE EXCEPTION '{quoted}';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF EXISTS ({parent_is % f"NEW.{fk_column}"}) THEN
        RAISE EXCEPTION '{quoted}';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {table}_parent_frozen BEFORE INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_parent_frozen();
"""
    pg_reverse = (
        f"DROP TRIGGER IF EXISTS {table}_parent_frozen ON {table}; DROP FUNCTION IF EXISTS {table}_parent_frozen();"
    )
    # SQLite runs one statement per call: a list.
    sqlite_forward = [
        f"""
CREATE TRIGGER {table}_parent_frozen_insert BEFORE INSERT ON {table}
WHEN EXISTS ({parent_is % f"NEW.{fk_column}"})
BEGIN
    SELECT RAISE(ABORT, '{quoted}');
END;""",
        f"""
CREATE TRIGGER {table}_parent_frozen_update BEFORE UPDATE ON {table}
WHEN EXISTS ({parent_is % f"OLD.{fk_column}"}) OR EXISTS ({parent_is % f"NEW.{fk_column}"})
BEGIN
    SELECT RAISE(ABORT, '{quoted}');
END;""",
    ]
    sqlite_reverse = [
        f"DROP TRIGGER IF EXISTS {table}_parent_frozen_insert;",
        f"DROP TRIGGER IF EXISTS {table}_parent_frozen_update;",
    ]

    def run(sql_by_vendor):
        def operation(apps, schema_editor):
            sql = sql_by_vendor.get(schema_editor.connection.vendor) or []
            for statement in [sql] if isinstance(sql, str) else sql:
                schema_editor.execute(statement)

        return operation

    return migrations.RunPython(
        run({"postgresql": pg_forward, "sqlite": sqlite_forward}),
        run({"postgresql": pg_reverse, "sqlite": sqlite_reverse}),
    )


def get_or_create_locked(model, *, defaults: dict, **lookup):
    """The row `lookup` names, created with `defaults` if missing, locked (SELECT … FOR UPDATE) until the caller's
    transaction ends. Two callers at once end up on the same row: a unique constraint on `lookup` lets one insert
    win and the other read it. Call it inside a transaction."""
    try:
        with transaction.atomic():
            model.objects.get_or_create(defaults=defaults, **lookup)
    except IntegrityError:
        pass
    return model.objects.select_for_update().get(**lookup)
