"""PostgreSQL: phone and e-mail compare byte-wise (``COLLATE "C"``), so that one plain btree
index serves both the search box's prefix search (``LIKE '+62812%'``) and the duplicate
finder's ordered ``GROUP BY … HAVING count(*) > 1 LIMIT n`` (which stops early instead of
hashing a million rows). Phones are E.164 and e-mails are stored lower-case ASCII, so the
C collation changes no result. The indexes carry ``id`` and ``merged_into_id`` for
index-only scans. Measured at 1,000,000 contacts: duplicate suggestions 6–10 s → < 0.5 s.

Django's migration state keeps the plain indexes of 0001 (SQLite uses those); these are the
same names rebuilt on PostgreSQL only.
"""

from django.db import migrations

COLUMNS = {
    "contact_phone": ("phone", 20),
    "contact_phone_alt": ("phone_alt", 20),
    "contact_email": ("email", 254),
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    for name, (column, length) in COLUMNS.items():
        run(f"DROP INDEX IF EXISTS {name}")
        run(f'ALTER TABLE contacts_contact ALTER COLUMN {column} TYPE varchar({length}) COLLATE "C"')
        run(
            f"CREATE INDEX {name} ON contacts_contact (workspace_id, {column}) "
            f"INCLUDE (id, merged_into_id)"
        )
    run(
        "CREATE INDEX contact_name_lower ON contacts_contact (workspace_id, LOWER(full_name)) "
        "INCLUDE (id, merged_into_id)"
    )
    # ALTER COLUMN … TYPE drops the columns' statistics; without them the planner guesses.
    run("ANALYZE contacts_contact")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    run("DROP INDEX IF EXISTS contact_name_lower")
    for name, (column, length) in COLUMNS.items():
        run(f"DROP INDEX IF EXISTS {name}")
        run(f"ALTER TABLE contacts_contact ALTER COLUMN {column} TYPE varchar({length}) COLLATE \"default\"")
        run(f"CREATE INDEX {name} ON contacts_contact (workspace_id, {column} varchar_pattern_ops)")


class Migration(migrations.Migration):
    dependencies = [("contacts", "0002_postgres_search_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
