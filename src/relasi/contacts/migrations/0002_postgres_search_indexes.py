"""PostgreSQL search indexes (DESIGN §8: contact search at 1,000,000 rows).

- name substring: GIN trigram on UPPER(full_name), which is what Django's ``icontains``
  compares, with the workspace id in the same GIN (btree_gin);
- phone and e-mail prefix: the btree indexes of 0001 rebuilt with ``varchar_pattern_ops``
  so that ``LIKE 'prefix%'`` can use them (the plain ones cannot under a non-C collation).

SQLite keeps the plain indexes of 0001 and scans for substrings.
"""

from django.db import migrations

PATTERN_INDEXES = {
    "contact_phone": "phone",
    "contact_phone_alt": "phone_alt",
    "contact_email": "email",
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    run("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    run("CREATE EXTENSION IF NOT EXISTS btree_gin")
    for name, column in PATTERN_INDEXES.items():
        run(f"DROP INDEX IF EXISTS {name}")
        run(
            f"CREATE INDEX {name} ON contacts_contact "
            f"(workspace_id, {column} varchar_pattern_ops)"
        )
    run(
        "CREATE INDEX contact_name_trgm ON contacts_contact "
        "USING gin (workspace_id, UPPER(full_name::text) gin_trgm_ops) "
        "WHERE merged_into_id IS NULL"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    run("DROP INDEX IF EXISTS contact_name_trgm")
    for name, column in PATTERN_INDEXES.items():
        run(f"DROP INDEX IF EXISTS {name}")
        run(f"CREATE INDEX {name} ON contacts_contact (workspace_id, {column})")


class Migration(migrations.Migration):
    dependencies = [("contacts", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
