"""Database triggers that refuse to change an issued invoice, its lines, a credit note or a
receipt, whatever path the change takes (service, API, admin, shell, raw SQL).

PostgreSQL compares the whole row minus the columns that may still change (payment state,
void, tax export, PDF), so a column added later is protected without a new trigger, and it
refuses deletes too. SQLite (the embedded mode) gets update and insert triggers only: its
test flush deletes rows one table at a time, and a delete trigger would block it.
"""

from django.db import migrations

# contact_id may change: merging two customers moves their documents (the printed buyer is
# the snapshot, which never changes).
INVOICE_MUTABLE = [
    "contact_id",
    "status",
    "amount_paid",
    "amount_credited",
    "voided_at",
    "voided_by_id",
    "void_reason",
    "tax_invoice_number",
    "tax_invoice_status",
    "tax_exported_at",
    "pdf",
    "pdf_rendered_at",
    "last_reminder_at",
    "updated_at",
]
PDF_MUTABLE = ["contact_id", "pdf", "pdf_rendered_at", "updated_at"]
MESSAGE = "issued documents cannot be changed"


def _pg_array(names):
    return "ARRAY[" + ", ".join(f"'{n}'" for n in names) + "]::text[]"


POSTGRES = f"""
CREATE OR REPLACE FUNCTION sales_invoice_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation'; END IF;
        RETURN OLD;
    END IF;
    IF OLD.status <> 'draft'
       AND (to_jsonb(NEW) - {_pg_array(INVOICE_MUTABLE)}) IS DISTINCT FROM (to_jsonb(OLD) - {_pg_array(INVOICE_MUTABLE)}) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER sales_invoice_immutable BEFORE UPDATE OR DELETE ON sales_invoice
    FOR EACH ROW EXECUTE FUNCTION sales_invoice_immutable();

CREATE OR REPLACE FUNCTION sales_invoiceline_immutable() RETURNS trigger AS $$
DECLARE parent_status text;
BEGIN
    SELECT status INTO parent_status FROM sales_invoice
     WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.invoice_id ELSE NEW.invoice_id END;
    IF parent_status IS NOT NULL AND parent_status <> 'draft' THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.invoice_id <> NEW.invoice_id THEN
        SELECT status INTO parent_status FROM sales_invoice WHERE id = OLD.invoice_id;
        IF parent_status <> 'draft' THEN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation'; END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER sales_invoiceline_immutable BEFORE INSERT OR UPDATE OR DELETE ON sales_invoiceline
    FOR EACH ROW EXECUTE FUNCTION sales_invoiceline_immutable();

CREATE OR REPLACE FUNCTION sales_issued_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation'; END IF;
    IF (to_jsonb(NEW) - {_pg_array(PDF_MUTABLE)}) IS DISTINCT FROM (to_jsonb(OLD) - {_pg_array(PDF_MUTABLE)}) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER sales_creditnote_immutable BEFORE UPDATE OR DELETE ON sales_creditnote
    FOR EACH ROW EXECUTE FUNCTION sales_issued_immutable();
CREATE TRIGGER sales_receipt_immutable BEFORE UPDATE OR DELETE ON sales_receipt
    FOR EACH ROW EXECUTE FUNCTION sales_issued_immutable();

CREATE OR REPLACE FUNCTION sales_creditnoteline_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN RETURN NEW; END IF;
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER sales_creditnoteline_immutable BEFORE UPDATE OR DELETE ON sales_creditnoteline
    FOR EACH ROW EXECUTE FUNCTION sales_creditnoteline_immutable();
"""

POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS sales_invoice_immutable ON sales_invoice;
DROP TRIGGER IF EXISTS sales_invoiceline_immutable ON sales_invoiceline;
DROP TRIGGER IF EXISTS sales_creditnote_immutable ON sales_creditnote;
DROP TRIGGER IF EXISTS sales_receipt_immutable ON sales_receipt;
DROP TRIGGER IF EXISTS sales_creditnoteline_immutable ON sales_creditnoteline;
DROP FUNCTION IF EXISTS sales_invoice_immutable();
DROP FUNCTION IF EXISTS sales_invoiceline_immutable();
DROP FUNCTION IF EXISTS sales_issued_immutable();
DROP FUNCTION IF EXISTS sales_creditnoteline_immutable();
"""


def _columns(apps, model_name, mutable):
    model = apps.get_model("sales", model_name)
    return [f.column for f in model._meta.concrete_fields if f.column not in mutable and f.column != "id"]


def _changed(columns):
    return " OR ".join(f'NEW."{c}" IS NOT OLD."{c}"' for c in columns)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES)
        return
    if schema_editor.connection.vendor != "sqlite":
        return
    abort = f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    statements = [
        f"CREATE TRIGGER sales_invoice_immutable BEFORE UPDATE ON sales_invoice "
        f"WHEN OLD.status <> 'draft' AND ({_changed(_columns(apps, 'Invoice', INVOICE_MUTABLE))}) {abort}",
        "CREATE TRIGGER sales_invoiceline_immutable_insert BEFORE INSERT ON sales_invoiceline "
        "WHEN (SELECT status FROM sales_invoice WHERE id = NEW.invoice_id) <> 'draft' " + abort,
        "CREATE TRIGGER sales_invoiceline_immutable_update BEFORE UPDATE ON sales_invoiceline "
        "WHEN (SELECT status FROM sales_invoice WHERE id = OLD.invoice_id) <> 'draft' " + abort,
        f"CREATE TRIGGER sales_creditnote_immutable BEFORE UPDATE ON sales_creditnote "
        f"WHEN {_changed(_columns(apps, 'CreditNote', PDF_MUTABLE))} {abort}",
        f"CREATE TRIGGER sales_receipt_immutable BEFORE UPDATE ON sales_receipt "
        f"WHEN {_changed(_columns(apps, 'Receipt', PDF_MUTABLE))} {abort}",
        "CREATE TRIGGER sales_creditnoteline_immutable BEFORE UPDATE ON sales_creditnoteline " + abort,
    ]
    for statement in statements:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE)
        return
    for name in (
        "sales_invoice_immutable",
        "sales_invoiceline_immutable_insert",
        "sales_invoiceline_immutable_update",
        "sales_creditnote_immutable",
        "sales_receipt_immutable",
        "sales_creditnoteline_immutable",
    ):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("sales", "0002_tax_rates")]
    operations = [migrations.RunPython(create, drop)]
