"""On PostgreSQL, the trail table refuses UPDATE and DELETE from anyone.

A database superuser can still disable the trigger; `mamori trail verify`
then finds what was changed through the hash chain.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION trail_event_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'trail_event is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER trail_event_append_only
    BEFORE UPDATE OR DELETE ON trail_event
    FOR EACH ROW EXECUTE FUNCTION trail_event_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS trail_event_append_only ON trail_event;
DROP FUNCTION IF EXISTS trail_event_refuse_change();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("trail", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger, elidable=False)]
