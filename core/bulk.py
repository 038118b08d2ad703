"""Bulk loading for generated data (the benchmark data generator): rows with primary keys chosen by the caller,
so that later rows can refer to them without reading them back.

PostgreSQL takes the rows through COPY; other databases through `bulk_create` in batches. Either way the caller
names the columns it sets; every other column gets the field's default (or NULL, or "" for a blank text field), so
a COPY never leaves a NOT NULL column without a value that the ORM would have filled. After a load the table's id
sequence is moved past the highest id, so that the ORM's own inserts carry on from there.
"""

from collections.abc import Iterable, Sequence
from itertools import islice

from django.core.management.color import no_style
from django.db import connection, models

BATCH = 2000


def ids_next(model: type[models.Model]) -> int:
    """The first free primary key of `model`'s table: the caller numbers its new rows from here."""
    highest = model._base_manager.aggregate(highest=models.Max("pk"))["highest"]
    return (highest or 0) + 1


def _fill(field: models.Field):
    if field.has_default():
        return field.get_default()
    if field.null:
        return None
    if isinstance(field, models.CharField | models.TextField):
        return ""
    raise ValueError(f"{field.model.__name__}.{field.attname} needs a value: it has no default and is not nullable")


def bulk_load(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert `rows` (tuples in the order of `columns`, attnames, the primary key among them) into `model`'s table.
    Returns the number of rows. Runs in the caller's transaction."""
    fields = {field.attname: field for field in model._meta.concrete_fields}
    unknown = [name for name in columns if name not in fields]
    if unknown:
        raise ValueError(f"{model.__name__} has no column {', '.join(unknown)}")
    # Columns not named take their defaults; an auto primary key not named is the database's to number.
    auto = model._meta.pk.attname if isinstance(model._meta.pk, models.AutoField) else None
    rest = [field for name, field in fields.items() if name not in columns and name != auto]
    filler = tuple(_fill(field) for field in rest)
    names = [*columns, *(field.attname for field in rest)]
    count = 0
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        json_at = [i for i, name in enumerate(names) if isinstance(fields[name], models.JSONField)]
        table = connection.ops.quote_name(model._meta.db_table)
        quoted = ", ".join(connection.ops.quote_name(fields[name].column) for name in names)
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                row = (*row, *filler)
                if json_at:
                    row = list(row)
                    for i in json_at:
                        row[i] = Jsonb(row[i])
                copy.write_row(row)
                count += 1
    else:
        iterator = iter(rows)
        while batch := list(islice(iterator, BATCH)):
            model._base_manager.bulk_create([model(**dict(zip(names, (*row, *filler), strict=True))) for row in batch])
            count += len(batch)
    sequences_reset(model)
    return count


def sequences_reset(*models_: type[models.Model]) -> None:
    """Move the id sequences of the tables past their highest ids (PostgreSQL; nothing to do on SQLite)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
