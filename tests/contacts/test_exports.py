"""Exporting filtered customer lists to CSV and XLSX (contacts/exports.py)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import load_workbook

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.contacts.exports import contact_export_csv, contact_export_xlsx
from relasi.contacts.imports import (
    import_job_confirm,
    import_job_create,
    import_job_dry_run,
    import_job_run,
    import_job_set_mapping,
)
from relasi.contacts.models import Contact, CustomFieldDefinition
from relasi.contacts.selectors import ContactFilters
from relasi.core.models import AuditAction, AuditLog
from tests.contacts.spreadsheets import install_catalog, read_csv, read_xlsx
from tests.factories import CompanyFactory, ContactFactory, TagFactory

ENGLISH_HEADER = [
    "Full name", "Kind", "Phone / WhatsApp", "Other phone", "E-mail", "Company", "Department",
    "Job title", "Address", "Province", "City / regency", "Postal code", "Birthday", "Gender", "NIK",
    "NPWP", "Passport number", "Buyer type", "Source", "Person in charge", "Tags", "Created", "Ukuran",
    "Poin", "Member sejak",
]  # fmt: skip


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def customers(workspace: Workspace, other_workspace: Workspace, owner: User) -> dict[str, Contact]:
    CustomFieldDefinition.objects.create(
        workspace=workspace, key="ukuran", label="Ukuran", field_type="choice", choices=["S", "M"], position=1
    )
    CustomFieldDefinition.objects.create(
        workspace=workspace, key="poin", label="Poin", field_type="number", position=2
    )
    CustomFieldDefinition.objects.create(
        workspace=workspace, key="member_sejak", label="Member sejak", field_type="date", position=3
    )
    company = CompanyFactory(workspace=workspace, name="PT Maju Jaya")
    budi = ContactFactory(
        workspace=workspace,
        full_name="Budi Santoso",
        phone="+6281234567890",
        email="budi@contoh.co.id",
        city="Bandung",
        company=company,
        birthday=dt.date(1990, 1, 31),
        gender="male",
        source="instagram",
        owner=owner,
        custom_fields={"ukuran": "M", "poin": "12.5", "member_sejak": "2024-02-01"},
    )
    budi.tags.set(
        [TagFactory(workspace=workspace, name="vip"), TagFactory(workspace=workspace, name="grosir")]
    )
    siti = ContactFactory(
        workspace=workspace, full_name="Siti Aminah", city="Bandung", phone="+6281311112222"
    )
    rina = ContactFactory(workspace=workspace, full_name="Rina", city="Solo", phone="+6285700001111")
    merged = ContactFactory(workspace=workspace, full_name="Budi Dobel", city="Bandung", merged_into=budi)
    outsider = ContactFactory(workspace=other_workspace, full_name="Orang Sebelah", city="Bandung")
    return {"budi": budi, "siti": siti, "rina": rina, "merged": merged, "outsider": outsider}


def _csv(workspace: Workspace, actor: User, filters: ContactFilters, **kwargs: Any) -> list[list[str]]:
    text = "".join(contact_export_csv(workspace=workspace, actor=actor, filters=filters, **kwargs))
    return read_csv(text.encode("utf-8"))


def test_csv_export_honours_the_filters_and_writes_the_audit_entry(
    workspace: Workspace, owner: User, customers: dict[str, Contact]
) -> None:
    # given the list filtered to Bandung
    filters = ContactFilters(city="Bandung")

    # when
    rows = _csv(workspace, owner, filters, ip_address="10.0.0.7")

    # then only the live Bandung customers of this workspace, newest first
    assert rows[0] == ENGLISH_HEADER
    assert [r[0] for r in rows[1:]] == ["Siti Aminah", "Budi Santoso"]
    budi = dict(zip(rows[0], rows[2], strict=True))
    assert budi["Phone / WhatsApp"] == "0812-3456-7890"
    assert budi["E-mail"] == "budi@contoh.co.id"
    assert budi["Company"] == "PT Maju Jaya"
    assert budi["Tags"] == "grosir, vip"
    assert (budi["Birthday"], budi["Gender"], budi["Source"]) == ("1990-01-31", "Male", "Instagram")
    assert (budi["Ukuran"], budi["Poin"], budi["Member sejak"]) == ("M", "12.5", "2024-02-01")
    assert budi["Person in charge"] == "Pemilik Hero"
    # and one audit entry says who took what
    entry = AuditLog.objects.get(action=AuditAction.EXPORT)
    assert (entry.workspace, entry.actor, entry.ip_address) == (workspace, owner, "10.0.0.7")
    assert entry.changes["format"] == "csv"
    assert entry.changes["row_count"] == 2
    assert entry.changes["filters"]["city"] == "Bandung"
    assert entry.changes["object_type"] == "contacts.contact"


def test_the_export_is_audited_before_any_row_leaves(
    workspace: Workspace, owner: User, customers: dict[str, Contact]
) -> None:
    # given / when the download is started but never read (the browser went away)
    lines = contact_export_csv(workspace=workspace, actor=owner, filters=ContactFilters())

    # then the export is on record already
    assert AuditLog.objects.get(action=AuditAction.EXPORT).changes["row_count"] == 3
    del lines


def test_an_export_never_contains_another_workspaces_rows(
    workspace: Workspace,
    other_workspace: Workspace,
    owner: User,
    outsider: User,
    customers: dict[str, Contact],
) -> None:
    # given / when each workspace exports everything
    ours = _csv(workspace, owner, ContactFilters())
    theirs = _csv(other_workspace, outsider, ContactFilters(city="Bandung"))

    # then
    assert sorted(r[0] for r in ours[1:]) == ["Budi Santoso", "Rina", "Siti Aminah"]  # no merged one
    assert [r[0] for r in theirs[1:]] == ["Orang Sebelah"]
    assert AuditLog.objects.filter(action=AuditAction.EXPORT, workspace=other_workspace).count() == 1


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (lambda c: ContactFilters(tag=str(c["budi"].tags.get(name="vip").pk)), ["Budi Santoso"]),
        (lambda c: ContactFilters(custom={"ukuran": "M"}), ["Budi Santoso"]),
        (lambda c: ContactFilters(q="0813"), ["Siti Aminah"]),
        (lambda c: ContactFilters(source="instagram"), ["Budi Santoso"]),
        (lambda c: ContactFilters(company=str(c["budi"].company_id)), ["Budi Santoso"]),
        (lambda c: ContactFilters(owner="none"), ["Rina", "Siti Aminah"]),
    ],
    ids=["tag", "custom-field", "search", "source", "company", "no-owner"],
)
def test_the_export_uses_the_list_filters(
    workspace: Workspace,
    owner: User,
    customers: dict[str, Contact],
    filters: Callable[[dict[str, Contact]], ContactFilters],
    expected: list[str],
) -> None:
    # given / when
    rows = _csv(workspace, owner, filters(customers))

    # then
    assert sorted(r[0] for r in rows[1:]) == expected


def test_the_export_reads_in_keyset_chunks_without_a_query_per_row(
    workspace: Workspace, owner: User, django_assert_num_queries: Any
) -> None:
    # given more customers than one chunk holds, some tagged
    Contact.objects.bulk_create(
        Contact(workspace=workspace, full_name=f"Pelanggan {n:04d}", phone=f"+62812{n:08d}")
        for n in range(2050)
    )
    tag = TagFactory(workspace=workspace, name="vip")
    tag.contacts.set(Contact.objects.filter(workspace=workspace)[:30])

    # when: audit (savepoint, max id, count, insert, release), custom fields, then per chunk of
    # 1,000 one query for the contacts and one for their tags, and the empty chunk that ends it
    with django_assert_num_queries(13):
        rows = _csv(workspace, owner, ContactFilters())

    # then each customer once, newest first
    names = [r[0] for r in rows[1:]]
    assert len(names) == 2050
    assert names[0] == "Pelanggan 2049"
    assert names[-1] == "Pelanggan 0000"
    assert len(set(names)) == 2050
    assert sum(1 for r in rows[1:] if r[20] == "vip") == 30


def test_text_that_looks_like_a_formula_is_neutralised(workspace: Workspace, owner: User) -> None:
    # given a name typed by a web-chat visitor, and a negative number
    CustomFieldDefinition.objects.create(workspace=workspace, key="saldo", label="Saldo", field_type="number")
    ContactFactory(
        workspace=workspace,
        full_name='=HYPERLINK("http://jahat.test","klik")',
        job_title="@SUM(A1)",
        custom_fields={"saldo": "-5"},
    )

    # when
    rows = _csv(workspace, owner, ContactFilters())
    workbook = load_workbook(contact_export_xlsx(workspace=workspace, actor=owner, filters=ContactFilters()))

    # then
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["Full name"] == '\'=HYPERLINK("http://jahat.test","klik")'
    assert record["Job title"] == "'@SUM(A1)"
    assert record["Saldo"] == "-5"
    cell = workbook.worksheets[0]["A2"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://jahat.test","klik")', "s")


def test_xlsx_export(workspace: Workspace, owner: User, customers: dict[str, Contact]) -> None:
    # given
    filters = ContactFilters(city="Bandung")

    # when
    output = contact_export_xlsx(workspace=workspace, actor=owner, filters=filters)

    # then
    rows = read_xlsx(output.read())
    assert list(rows[0]) == ENGLISH_HEADER
    assert [r[0] for r in rows[1:]] == ["Siti Aminah", "Budi Santoso"]
    budi = dict(zip(rows[0], rows[2], strict=True))
    # Excel has no time zones: dates come back as naive datetimes at midnight.
    assert budi["Birthday"] == dt.datetime(1990, 1, 31)  # noqa: DTZ001
    assert budi["Member sejak"] == dt.datetime(2024, 2, 1)  # noqa: DTZ001
    assert budi["Poin"] == 12.5
    assert budi["Tags"] == "grosir, vip"
    assert budi["Company"] == "PT Maju Jaya"
    assert isinstance(budi["Created"], dt.datetime)
    entry = AuditLog.objects.get(action=AuditAction.EXPORT)
    assert (entry.changes["format"], entry.changes["row_count"]) == ("xlsx", 2)


def test_the_header_is_in_the_users_language(
    settings: Any, tmp_path: Path, workspace: Workspace, owner: User, customers: dict[str, Contact]
) -> None:
    # given
    install_catalog(
        settings,
        tmp_path / "locale",
        "id",
        {"Full name": "Nama lengkap", "Gender": "Jenis kelamin", "Male": "Laki-laki"},
    )

    # when
    with translation.override("id"):
        indonesian = _csv(workspace, owner, ContactFilters(city="Bandung"))
    with translation.override("en"):
        english = _csv(workspace, owner, ContactFilters(city="Bandung"))

    # then
    assert (indonesian[0][0], indonesian[0][13], indonesian[2][13]) == (
        "Nama lengkap",
        "Jenis kelamin",
        "Laki-laki",
    )
    assert (english[0][0], english[0][13], english[2][13]) == ("Full name", "Gender", "Male")


@pytest.mark.parametrize("language", ["en", "id"])
def test_an_exported_file_imports_back(
    settings: Any,
    tmp_path: Path,
    workspace: Workspace,
    other_workspace: Workspace,
    owner: User,
    make_member: Callable[..., User],
    customers: dict[str, Contact],
    language: str,
) -> None:
    # given an export in the user's language
    settings.MEDIA_ROOT = tmp_path / "media"
    importer = make_member(other_workspace, Role.OWNER, language=language)
    with translation.override(language):
        content = "".join(contact_export_csv(workspace=workspace, actor=owner, filters=ContactFilters()))

        # when it is imported into another workspace
        upload = SimpleUploadedFile("ekspor.csv", content.encode("utf-8"))
        job = import_job_create(workspace=other_workspace, actor=importer, uploaded_file=upload)
        job = import_job_set_mapping(job=job, mapping=job.mapping, duplicate_policy="skip")
        job = import_job_dry_run(job=job)
        import_job_confirm(job=job, actor=importer)
        job = import_job_run(job_id=job.pk)

    # then the customers are the same
    assert (job.created_count, job.error_count) == (3, 0), job.errors
    copy = Contact.objects.get(workspace=other_workspace, email="budi@contoh.co.id")
    assert (copy.full_name, copy.phone, copy.city) == ("Budi Santoso", "+6281234567890", "Bandung")
    assert (copy.birthday, copy.gender, copy.source) == (dt.date(1990, 1, 31), "male", "instagram")
    assert sorted(t.name for t in copy.tags.all()) == ["grosir", "vip"]
    assert copy.company is not None
    assert copy.company.name == "PT Maju Jaya"
    assert copy.company.workspace == other_workspace


def test_semicolon_csv_for_excel_in_an_indonesian_locale(
    workspace: Workspace, owner: User, customers: dict[str, Contact]
) -> None:
    # given / when
    text = "".join(
        contact_export_csv(
            workspace=workspace, actor=owner, filters=ContactFilters(city="Solo"), delimiter=";"
        )
    )

    # then
    header, row = text.lstrip("\ufeff").splitlines()
    assert header.startswith("Full name;Kind;Phone / WhatsApp;")
    assert row.startswith("Rina;External customer;0857-0000-1111;")
    assert io.StringIO(text).read(1) == "\ufeff"
