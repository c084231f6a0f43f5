"""Inserting tens of thousands of rows at once (ledger imports and their trail).

`QuerySet.bulk_create` spends most of its time compiling SQL value by value (about
a third of a millisecond per row here, and SQLite's limit of 999 parameters makes it
compile hundreds of small statements). This prepares each value with the field's own
`get_db_prep_save` where the database needs a conversion (JSON, dates, decimals …;
plain text, numbers, booleans and keys go as they are), and sends one statement with
many rows through `cursor.executemany` (SQLite) or a COPY stream (PostgreSQL). It does not set primary keys on the objects; callers
that need them read them back by a unique field.
"""

from django.db import connection, models


def bulk_insert(
    model: type[models.Model], objs: list[models.Model | dict], *, batch: int = 2000
) -> int:
    """INSERT `objs` — model instances, or dicts by attribute name (no model is built; a
    missing key is NULL, and auto_now fields are not filled in) — giving every concrete
    field; an automatic primary key is left to the database."""
    if not objs:
        return 0
    meta = model._meta
    fields = [
        field
        for field in meta.concrete_fields
        if not getattr(field, "generated", False)
        and not (field.primary_key and isinstance(field, models.AutoField | models.BigAutoField))
    ]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    converted = [isinstance(field, _CONVERTED) for field in fields]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: one stream for all rows, several times faster than row-by-row INSERTs.
            columns = ", ".join(quote(field.column) for field in fields)
            with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
                for obj in objs:
                    copy.write_row(_row(obj, fields, converted))
            return len(objs)
        for start in range(0, len(objs), batch):
            cursor.executemany(
                sql, [_row(obj, fields, converted) for obj in objs[start : start + batch]]
            )
    return len(objs)


_CONVERTED = (
    models.JSONField,
    models.DateField,  # and DateTimeField
    models.TimeField,
    models.DecimalField,
    models.DurationField,
    models.UUIDField,
    models.BinaryField,
)


def _row(obj, fields, converted) -> list:
    row = []
    for field, convert in zip(fields, converted, strict=True):
        # A dict row gives each column by attribute name (actor_id, not actor).
        value = obj.get(field.attname) if isinstance(obj, dict) else field.pre_save(obj, True)
        if convert:
            value = field.get_db_prep_save(value, connection)
        elif isinstance(value, str) and type(value) is not str:
            value = str(value)  # TextChoices members go as plain text
        row.append(value)
    return row
