"""Importing customers: upload, mapping, dry run, confirm, the worker's run (contacts/imports.py)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import translation

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.contacts.enums import ImportStatus, Source, TimelineKind
from relasi.contacts.imports import (
    import_job_confirm,
    import_job_create,
    import_job_dry_run,
    import_job_run,
    import_job_set_mapping,
    import_mapping_suggest,
)
from relasi.contacts.models import Company, Contact, CustomFieldDefinition, ImportJob, TimelineEvent
from relasi.core.exceptions import Conflict, PermissionDenied, ValidationError
from relasi.core.models import AuditAction, AuditLog
from tests.contacts.spreadsheets import csv_bytes, csv_upload, install_catalog, xlsx_upload
from tests.factories import ContactFactory

BAD_PHONE = "'12345' is not a valid phone number. Type it like 0812-3456-7890 or +62 812 3456 7890."
HEADER = ["Nama", "No HP", "Email", "Kota", "Jenis Kelamin", "Tanggal Lahir", "Tag"]
ROWS = [
    HEADER,
    ["Budi Santoso", "0812-3456-7890", "budi@contoh.co.id", "Bandung", "L", "31/01/1990", "grosir, vip"],
    ["Siti Aminah", "0813 1111 2222", "SITI@Contoh.co.id", "Surabaya", "P", "", "eceran"],
    ["Agus Salim", "12345", "agus@contoh.co.id", "Medan", "L", "", ""],
    ["Dewi Lestari", "+62 857 0000 1111", "", "Yogyakarta", "Perempuan", "1985-05-17", ""],
]


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The messages below are compared in English; one test checks Bahasa Indonesia."""
    with translation.override("en"):
        yield


@pytest.fixture
def owner(workspace: Workspace, make_member: Callable[..., User]) -> User:
    """The uploader reads English: the worker reports in the uploader's language."""
    return make_member(
        workspace, Role.OWNER, email="pemilik@hero.test", full_name="Pemilik Hero", language="en"
    )


def _checked(job: ImportJob, *, policy: str = "skip") -> ImportJob:
    job = import_job_set_mapping(job=job, mapping=job.mapping, duplicate_policy=policy)
    return import_job_dry_run(job=job)


def _imported(job: ImportJob, actor: User) -> ImportJob:
    import_job_confirm(job=job, actor=actor)
    return import_job_run(job_id=job.pk)


# Upload --------------------------------------------------------------------------------------


def test_upload_reads_headers_counts_rows_and_suggests_the_mapping(workspace: Workspace, owner: User) -> None:
    # given a CSV written by Excel (UTF-8 with BOM) with a blank line at the end
    upload = SimpleUploadedFile("pelanggan.csv", csv_bytes(ROWS) + b"\r\n,,,\r\n")

    # when
    job = import_job_create(workspace=workspace, actor=owner, uploaded_file=upload)

    # then
    assert job.status == ImportStatus.UPLOADED
    assert job.headers == HEADER  # the BOM is not part of "Nama"
    assert job.total_rows == 4
    assert job.file_name == "pelanggan.csv"
    assert job.mapping == {
        "Nama": "full_name",
        "No HP": "phone",
        "Email": "email",
        "Kota": "city",
        "Jenis Kelamin": "gender",
        "Tanggal Lahir": "birthday",
        "Tag": "tags",
    }
    assert job.file.read().startswith(b"\xef\xbb\xbf")
    assert "pelanggan" not in job.file.name  # stored under a random name


def test_semicolon_csv_in_windows_1252_is_read(workspace: Workspace, owner: User) -> None:
    # given what Excel in an Indonesian locale saves: ';' between columns, Windows-1252 text
    rows = [
        ["Nama", "No HP", "Alamat", "Kota"],
        ["Toko Kue Bu’Ani", "0812-3456-7890", "Jl. Merdeka, No. 5", "Bandung"],
        ["José Müller", "0813-1111-2222", "Jl. Braga 10", "Bandung"],
    ]
    upload = csv_upload(rows, delimiter=";", encoding="cp1252")

    # when
    job = import_job_create(workspace=workspace, actor=owner, uploaded_file=upload)
    job = _imported(_checked(job), owner)

    # then
    assert job.headers == ["Nama", "No HP", "Alamat", "Kota"]
    assert job.status == ImportStatus.DONE
    ani = Contact.objects.get(workspace=workspace, phone="+6281234567890")
    assert ani.full_name == "Toko Kue Bu’Ani"
    assert ani.address == "Jl. Merdeka, No. 5"
    assert Contact.objects.filter(workspace=workspace, full_name="José Müller").exists()


def test_tab_separated_text_file_is_read(workspace: Workspace, owner: User) -> None:
    # given
    upload = csv_upload([["Name", "Phone"], ["Rina", "0813-2222-3333"]], name="list.txt", delimiter="\t")

    # when
    job = import_job_create(workspace=workspace, actor=owner, uploaded_file=upload)

    # then
    assert job.headers == ["Name", "Phone"]
    assert job.mapping == {"Name": "full_name", "Phone": "phone"}


@pytest.mark.parametrize(
    ("name", "content", "fix"),
    [
        ("kosong.csv", b"", "The file is empty"),
        ("kosong.csv", b"\xef\xbb\xbf\r\n", "The file is empty"),
        ("judul.csv", b"Nama,No HP\r\n", "no customers under them"),
        ("tanpa-judul.csv", b",,\r\nBudi,0812\r\n", "Put the column names"),
        ("lama.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Save As"),
        ("data.pdf", b"%PDF-1.4 hello", "Relasi reads CSV (.csv) and Excel (.xlsx)"),
        ("rusak.xlsx", b"Nama,No HP\r\nBudi,0812\r\n", "could not be opened as an Excel workbook"),
        ("bukan.xlsx", b"PK\x03\x04" + b"\x00" * 100, "could not be opened as an Excel workbook"),
        ("gambar.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "does not contain text"),
        ("kalk.ods", b"PK\x03\x04" + b"\x00" * 100, "OpenDocument"),
    ],
)
def test_upload_refuses_files_it_cannot_read_and_names_the_fix(
    workspace: Workspace, owner: User, name: str, content: bytes, fix: str
) -> None:
    # given
    upload = SimpleUploadedFile(name, content)

    # when
    with pytest.raises(ValidationError) as error:
        import_job_create(workspace=workspace, actor=owner, uploaded_file=upload)

    # then
    assert fix in str(error.value.message)
    assert fix in str(error.value.fields["file"])
    assert not ImportJob.objects.exists()


def test_upload_refuses_a_file_over_the_size_limit(settings: Any, workspace: Workspace, owner: User) -> None:
    # given
    settings.RELASI_IMPORT_MAX_BYTES = 2_000_000
    upload = SimpleUploadedFile("besar.csv", b"Nama\r\n" + b"Budi\r\n" * 400_000)

    # when
    with pytest.raises(ValidationError) as error:
        import_job_create(workspace=workspace, actor=owner, uploaded_file=upload)

    # then
    assert "the limit is 2 MB" in str(error.value.message)
    assert "Split it into smaller files" in str(error.value.message)
    assert not ImportJob.objects.exists()


def test_a_viewer_cannot_upload(workspace: Workspace, make_member: Callable[..., User]) -> None:
    # given
    viewer = make_member(workspace, Role.VIEWER)

    # when / then
    with pytest.raises(PermissionDenied):
        import_job_create(workspace=workspace, actor=viewer, uploaded_file=csv_upload(ROWS))
    assert not ImportJob.objects.exists()


# Mapping -------------------------------------------------------------------------------------


def test_mapping_suggestion_knows_indonesian_english_and_custom_field_names(workspace: Workspace) -> None:
    # given
    CustomFieldDefinition.objects.create(
        workspace=workspace, key="ukuran_baju", label="Ukuran Baju", field_type="text"
    )
    CustomFieldDefinition.objects.create(
        workspace=workspace, key="member_no", label="Nomor Member", field_type="text"
    )
    indonesian = [
        "Nama Lengkap", "No. HP", "E-mail", "Kota", "Provinsi", "Alamat", "Kode Pos", "Tgl. Lahir",
        "Jenis Kelamin", "NIK", "NPWP", "Sumber", "Label", "Jabatan", "Perusahaan", "Ukuran Baju",
        "member_no", "Catatan",
    ]  # fmt: skip
    english = ["Name", "WhatsApp", "Email", "City", "Birthday", "Gender", "Tags", "Job title", "Company"]

    # when
    suggested_id = import_mapping_suggest(workspace=workspace, headers=indonesian)
    suggested_en = import_mapping_suggest(workspace=workspace, headers=english)

    # then
    assert suggested_id == {
        "Nama Lengkap": "full_name", "No. HP": "phone", "E-mail": "email", "Kota": "city",
        "Provinsi": "province", "Alamat": "address", "Kode Pos": "postal_code", "Tgl. Lahir": "birthday",
        "Jenis Kelamin": "gender", "NIK": "nik", "NPWP": "npwp", "Sumber": "source", "Label": "tags",
        "Jabatan": "job_title", "Perusahaan": "company", "Ukuran Baju": "cf:ukuran_baju",
        "member_no": "cf:member_no",
    }  # fmt: skip
    assert suggested_en == {
        "Name": "full_name", "WhatsApp": "phone", "Email": "email", "City": "city",
        "Birthday": "birthday", "Gender": "gender", "Tags": "tags", "Job title": "job_title",
        "Company": "company",
    }  # fmt: skip


def test_mapping_suggestion_gives_a_field_to_the_first_column_only(workspace: Workspace) -> None:
    # given two phone columns
    headers = ["Nama", "HP", "WA", "Telepon 2"]

    # when
    suggested = import_mapping_suggest(workspace=workspace, headers=headers)

    # then
    assert suggested == {"Nama": "full_name", "HP": "phone", "Telepon 2": "phone_alt"}


def test_mapping_refuses_two_columns_for_one_field_and_a_missing_name(
    workspace: Workspace, owner: User
) -> None:
    # given
    job = import_job_create(workspace=workspace, actor=owner, uploaded_file=csv_upload(ROWS))

    # when
    with pytest.raises(ValidationError) as twice:
        import_job_set_mapping(
            job=job,
            mapping={"Nama": "full_name", "No HP": "phone", "Email": "phone"},
            duplicate_policy="skip",
        )
    with pytest.raises(ValidationError) as nameless:
        import_job_set_mapping(job=job, mapping={"No HP": "phone"}, duplicate_policy="skip")
    with pytest.raises(ValidationError) as unknown:
        import_job_set_mapping(
            job=job, mapping={"Nama": "full_name", "Kota": "hobby"}, duplicate_policy="merge"
        )

    # then
    assert "Columns 'No HP' and 'Email' both go to Phone / WhatsApp" in twice.value.fields["Email"]
    assert nameless.value.fields["mapping"] == "Choose the column that holds the customer's name."
    assert "'hobby' is not a customer field" in unknown.value.fields["Kota"]
    assert "duplicate_policy" in unknown.value.fields
    job.refresh_from_db()
    assert job.status == ImportStatus.UPLOADED


# Dry run ---------------------------------------------------------------------------------------


def test_dry_run_reports_the_bad_row_and_writes_no_contact(workspace: Workspace, owner: User) -> None:
    # given
    job = import_job_create(workspace=workspace, actor=owner, uploaded_file=csv_upload(ROWS))

    # when
    job = _checked(job)

    # then
    assert job.status == ImportStatus.VALIDATED
    assert (job.total_rows, job.created_count, job.error_count, job.skipped_count) == (4, 3, 1, 0)
    assert job.errors == [
        {
            "kind": "error",
            "row": 4,
            "field": "phone",
            "column": "No HP",
            "message": BAD_PHONE,
        }
    ]
    assert not Contact.objects.exists()
    assert not TimelineEvent.objects.exists()
    assert not Company.objects.exists()
    assert not AuditLog.objects.filter(action__in=[AuditAction.CREATE, AuditAction.IMPORT]).exists()


def test_nothing_is_written_before_the_user_confirms(workspace: Workspace, owner: User) -> None:
    # given a checked job that nobody confirmed
    job = _checked(import_job_create(workspace=workspace, actor=owner, uploaded_file=csv_upload(ROWS)))

    # when a worker is handed the job anyway
    job = import_job_run(job_id=job.pk)

    # then
    assert job.status == ImportStatus.VALIDATED
    assert not Contact.objects.exists()
    assert not AuditLog.objects.filter(action=AuditAction.IMPORT).exists()


def test_dry_run_reports_every_problem_of_a_row_with_its_column(workspace: Workspace, owner: User) -> None:
    # given
    rows = [
        ["Nama", "HP", "Surel", "Tgl Lahir", "JK", "Sumber"],
        ["", "0812", "bukan-email", "12/31/1990", "X", "Koran"],
    ]
    job = import_job_create(workspace=workspace, actor=owner, uploaded_file=csv_upload(rows))

    # when
    job = _checked(job)

    # then
    problems = {(e["row"], e["column"]): e["message"] for e in job.errors}
    assert problems.keys() == {
        (2, "Nama"),
        (2, "HP"),
        (2, "Surel"),
        (2, "Tgl Lahir"),
        (2, "JK"),
        (2, "Sumber"),
    }
    assert problems[(2, "Nama")] == "Type the customer's name."
    assert problems[(2, "Tgl Lahir")] == "Type the birthday as day/month/year, e.g. 31/01/1990."
    assert problems[(2, "JK")].startswith("'X' is not a gender. Write L or P")
    assert problems[(2, "Sumber")].startswith("'Koran' is not a known source. Use one of: Walk-in,")
    assert job.error_count == 1


def test_a_new_mapping_needs_a_new_dry_run(workspace: Workspace, owner: User) -> None:
    # given a checked job
    job = _checked(import_job_create(workspace=workspace, actor=owner, uploaded_file=csv_upload(ROWS)))

    # when the columns change
    job = import_job_set_mapping(job=job, mapping={"Nama": "full_name"}, duplicate_policy="skip")

    # then it must be checked again before it can be confirmed
    assert job.status == ImportStatus.UPLOADED
    assert job.errors == []
    with pytest.raises(Conflict):
        import_job_confirm(job=job, actor=owner)


def test_messages_are_in_the_active_language(
    settings: Any, tmp_path: Path, workspace: Workspace, owner: User
) -> None:
    # given an Indonesian catalogue for the importer's messages
    install_catalog(
        settings,
        tmp_path / "locale",
        "id",
        {
            "'%(raw)s' is not a valid phone number. Type it like 0812-3456-7890 or +62 812 3456 7890.": (
                "'%(raw)s' bukan nomor telepon yang benar. "
                "Tulis seperti 0812-3456-7890 atau +62 812 3456 7890."
            ),
            "Same %(what)s as row %(row)d of this file.": "Sama dengan %(what)s di baris %(row)d file ini.",
            "phone number": "nomor HP",
        },
    )
    rows = [*ROWS, ["Budi Kembar", "0812-3456-7890", "", "", "", "", ""]]
    job = import_job_create(workspace=workspace, actor=owner, uploaded_file=csv_upload(rows))

    # when
    with translation.override("id"):
        in_indonesian = _checked(job).errors
    with translation.override("en"):
        in_english = _checked(job).errors

    # then
    assert [e["message"] for e in in_indonesian] == [
        "'12345' bukan nomor telepon yang benar. Tulis seperti 0812-3456-7890 atau +62 812 3456 7890.",
        "Sama dengan nomor HP di baris 2 file ini.",
    ]
    assert [e["message"] for e in in_english] == [
        "'12345' is not a valid phone number. Type it like 0812-3456-7890 or +62 812 3456 7890.",
        "Same phone number as row 2 of this file.",
    ]


def test_the_worker_reports_in_the_language_of_the_user_who_uploaded(
    settings: Any, tmp_path: Path, workspace: Workspace, owner: User
) -> None:
    # given an uploader who reads Bahasa Indonesia, and a worker whose active language is English
    install_catalog(
        settings,
        tmp_path / "locale",
        "id",
        {"Type the customer's name.": "Tulis nama pelanggan."},
    )
    owner.language = "id"
    owner.save()
    rows = [["Nama", "HP"], ["", "0812-3456-7890"], ["Rina", "0813-2222-3333"]]
    with translation.override("en"):
        job = _checked(import_job_create(workspace=workspace, actor=owner, uploaded_file=csv_upload(rows)))

        # when
        job = _imported(job, owner)

    # then
    assert [e["message"] for e in job.errors] == ["Tulis nama pelanggan."]


# The import ------------------------------------------------------------------------------------


def test_import_keeps_every_good_row_and_reports_the_bad_one(workspace: Workspace, owner: User) -> None:
    # given a CSV with one bad row (row 4: the phone number)
    job = _checked(import_job_create(workspace=workspace, actor=owner, uploaded_file=csv_upload(ROWS)))

    # when
    job = _imported(job, owner)

    # then the three other rows are customers, nothing lost
    assert job.status == ImportStatus.DONE
    assert job.finished_at is not None
    assert (job.processed_rows, job.created_count, job.updated_count, job.error_count) == (4, 3, 0, 1)
    assert job.errors == [
        {
            "kind": "error",
            "row": 4,
            "field": "phone",
            "column": "No HP",
            "message": BAD_PHONE,
        }
    ]
    assert set(Contact.objects.filter(workspace=workspace).values_list("full_name", flat=True)) == {
        "Budi Santoso",
        "Siti Aminah",
        "Dewi Lestari",
    }
    budi = Contact.objects.get(full_name="Budi Santoso")
    assert (budi.phone, budi.phone_raw, budi.email, budi.city) == (
        "+6281234567890",
        "0812-3456-7890",
        "budi@contoh.co.id",
        "Bandung",
    )
    assert (budi.gender, budi.birthday, budi.source) == ("male", dt.date(1990, 1, 31), Source.IMPORT)
    assert sorted(t.name for t in budi.tags.all()) == ["grosir", "vip"]
    assert budi.owner == owner
    assert budi.created_by == owner
    siti = Contact.objects.get(full_name="Siti Aminah")
    assert (siti.email, siti.gender) == ("siti@contoh.co.id", "female")
    dewi = Contact.objects.get(full_name="Dewi Lestari")
    assert (dewi.phone, dewi.gender, dewi.birthday) == ("+6285700001111", "female", dt.date(1985, 5, 17))


def test_a_row_with_a_value_the_importer_cannot_read_is_not_imported(
    workspace: Workspace, owner: User
) -> None:
    # given a gender and a source that are not understood (the contact rules never see them)
    rows = [["Nama", "JK", "Sumber"], ["Rina", "X", ""], ["Budi", "L", "Koran"], ["Sari", "P", "IG"]]
    job = _checked(import_job_create(workspace=workspace, actor=owner, uploaded_file=csv_upload(rows)))

    # when
    job = _imported(job, owner)

    # then those rows are reported, not imported without the value
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "JK"), (3, "Sumber")]
    assert list(Contact.objects.filter(workspace=workspace).values_list("full_name", "gender", "source")) == [
        ("Sari", "female", "instagram")
    ]


def test_import_writes_the_timeline_and_one_audit_entry(
    workspace: Workspace, owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    job = _checked(import_job_create(workspace=workspace, actor=owner, uploaded_file=csv_upload(ROWS)))
    import_job_confirm(job=job, actor=owner)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_run(job_id=job.pk)

    # then every customer shows where it came from
    budi = Contact.objects.get(full_name="Budi Santoso")
    kinds = dict(TimelineEvent.objects.filter(contact=budi).values_list("kind", "data"))
    assert kinds[TimelineKind.CREATED] == {"source": "import"}
    assert kinds[TimelineKind.IMPORTED] == {"job_id": job.pk, "row": 2}
    assert TimelineEvent.objects.filter(kind=TimelineKind.IMPORTED).count() == 3
    # and the job is audited once, with its outcome
    entry = AuditLog.objects.get(action=AuditAction.IMPORT)
    assert entry.workspace == workspace
    assert entry.actor == owner
    assert entry.object_type == "contacts.importjob"
    assert entry.object_id == str(job.pk)
    assert entry.changes["created"] == 3
    assert entry.changes["errors"] == 1
    assert entry.changes["file_name"] == "pelanggan.csv"
    # and the uploaded file, full of personal data, is gone
    assert not job.file.storage.exists(job.file.name)


def test_xlsx_import(workspace: Workspace, owner: User) -> None:
    # given a workbook as Excel keeps it: numbers without the leading 0, real dates, a blank row
    rows: list[list[Any]] = [
        ["Nama Pelanggan", "No HP", "Tgl Lahir", "Kode Pos", "Perusahaan", "Email"],
        ["Budi Santoso", 81234567890, dt.datetime(1990, 1, 31), 40115, "PT Maju Jaya", "budi@contoh.co.id"],  # noqa: DTZ001
        [None, None, None, None, None, None],
        ["Rina", 6281322223333, None, None, "pt maju jaya", "rina@"],
        ["Sari", "0857-0000-1111", "17/05/1985", "55281", "CV Sentosa", ""],
    ]
    job = import_job_create(workspace=workspace, actor=owner, uploaded_file=xlsx_upload(rows))
    assert job.total_rows == 3

    # when
    job = _imported(_checked(job), owner)

    # then
    assert job.status == ImportStatus.DONE
    assert (job.created_count, job.error_count) == (2, 1)
    assert [(e["row"], e["column"]) for e in job.errors] == [(4, "Email")]  # the blank row 3 still counts
    budi = Contact.objects.get(full_name="Budi Santoso")
    assert (budi.phone, budi.birthday, budi.postal_code) == ("+6281234567890", dt.date(1990, 1, 31), "40115")
    assert budi.company is not None
    assert budi.company.name == "PT Maju Jaya"
    sari = Contact.objects.get(full_name="Sari")
    assert sari.birthday == dt.date(1985, 5, 17)
    assert sari.company is not None
    assert sari.company.name == "CV Sentosa"
    assert Company.objects.filter(workspace=workspace).count() == 2


def test_import_fills_custom_fields_and_uses_existing_companies(workspace: Workspace, owner: User) -> None:
    # given
    CustomFieldDefinition.objects.create(
        workspace=workspace, key="ukuran", label="Ukuran", field_type="choice", choices=["S", "M", "L"]
    )
    CustomFieldDefinition.objects.create(workspace=workspace, key="poin", label="Poin", field_type="number")
    company = Company.objects.create(workspace=workspace, name="PT Maju Jaya")
    rows = [
        ["Nama", "Perusahaan", "Ukuran", "Poin", "Sumber"],
        ["Budi", "pt maju jaya", "M", "12,5", "Instagram"],
        ["Rina", "", "XXL", "3", "Rekomendasi"],
    ]
    job = import_job_create(workspace=workspace, actor=owner, uploaded_file=csv_upload(rows))

    # when
    job = _imported(_checked(job), owner)

    # then
    budi = Contact.objects.get(full_name="Budi")
    assert budi.company == company
    assert budi.custom_fields == {"ukuran": "M", "poin": "12.5"}
    assert budi.source == Source.INSTAGRAM
    assert job.errors == [
        {
            "kind": "error",
            "row": 3,
            "field": "custom_fields.ukuran",
            "column": "Ukuran",
            "message": "Ukuran must be one of: S, M, L.",
        }
    ]
    assert Company.objects.filter(workspace=workspace).count() == 1


def test_running_the_task_twice_imports_once(workspace: Workspace, owner: User) -> None:
    # given an import that has run
    job = _imported(
        _checked(import_job_create(workspace=workspace, actor=owner, uploaded_file=csv_upload(ROWS))), owner
    )

    # when the broker delivers the task again
    again = import_job_run(job_id=job.pk)

    # then
    assert again.status == ImportStatus.DONE
    assert Contact.objects.filter(workspace=workspace).count() == 3
    assert TimelineEvent.objects.filter(kind=TimelineKind.IMPORTED).count() == 3
    assert AuditLog.objects.filter(action=AuditAction.IMPORT).count() == 1
    assert (again.created_count, again.error_count, len(again.errors)) == (3, 1, 1)


def test_a_run_after_a_crash_continues_after_the_saved_progress(workspace: Workspace, owner: User) -> None:
    # given a worker died after committing the first two rows (their customers exist)
    job = _checked(import_job_create(workspace=workspace, actor=owner, uploaded_file=csv_upload(ROWS)))
    import_job_confirm(job=job, actor=owner)
    ContactFactory(
        workspace=workspace, full_name="Budi Santoso", phone="+6281234567890", email="budi@contoh.co.id"
    )
    ContactFactory(
        workspace=workspace, full_name="Siti Aminah", phone="+6281311112222", email="siti@contoh.co.id"
    )
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, processed_rows=2, created_count=2)

    # when the task is delivered again
    job = import_job_run(job_id=job.pk)

    # then only the rest is imported
    assert job.status == ImportStatus.DONE
    assert (job.processed_rows, job.created_count, job.error_count) == (4, 3, 1)
    assert Contact.objects.filter(workspace=workspace, full_name="Budi Santoso").count() == 1
    assert Contact.objects.filter(workspace=workspace, full_name="Dewi Lestari").count() == 1
    assert Contact.objects.filter(workspace=workspace).count() == 3
    assert [e["row"] for e in job.errors] == [4]


def test_confirm_queues_the_job_and_sends_the_task_after_commit(
    workspace: Workspace, owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    job = _checked(import_job_create(workspace=workspace, actor=owner, uploaded_file=csv_upload(ROWS)))

    # when
    with django_capture_on_commit_callbacks() as callbacks:
        job = import_job_confirm(job=job, actor=owner)

    # then nothing was sent inside the transaction; one send waits for the commit
    assert job.status == ImportStatus.QUEUED
    assert (job.created_count, job.errors) == (0, [])
    assert len(callbacks) == 1
    assert not Contact.objects.exists()


def test_confirm_only_from_a_checked_job(
    workspace: Workspace, owner: User, make_member: Callable[..., User]
) -> None:
    # given
    fresh = import_job_create(workspace=workspace, actor=owner, uploaded_file=csv_upload(ROWS))
    done = _imported(
        _checked(import_job_create(workspace=workspace, actor=owner, uploaded_file=csv_upload(ROWS))), owner
    )
    agent = make_member(workspace, Role.AGENT)
    checked = _checked(import_job_create(workspace=workspace, actor=owner, uploaded_file=csv_upload(ROWS)))

    # when / then
    with pytest.raises(Conflict, match="Check the file first"):
        import_job_confirm(job=fresh, actor=owner)
    with pytest.raises(Conflict, match="already been confirmed"):
        import_job_confirm(job=done, actor=owner)
    with pytest.raises(PermissionDenied):
        import_job_confirm(job=checked, actor=agent)
    checked.refresh_from_db()
    assert checked.status == ImportStatus.VALIDATED


def test_a_job_whose_file_is_gone_fails_with_a_message(workspace: Workspace, owner: User) -> None:
    # given
    job = _checked(import_job_create(workspace=workspace, actor=owner, uploaded_file=csv_upload(ROWS)))
    import_job_confirm(job=job, actor=owner)
    job.file.storage.delete(job.file.name)

    # when
    job = import_job_run(job_id=job.pk)

    # then
    assert job.status == ImportStatus.FAILED
    assert job.finished_at is not None
    assert job.errors[-1]["kind"] == "failure"
    assert job.errors[-1]["message"] == (
        "The uploaded file is no longer available. Upload the file again to import it."
    )
    assert AuditLog.objects.get(action=AuditAction.IMPORT).changes["status"] == "failed"
    assert not Contact.objects.exists()


# Duplicates ------------------------------------------------------------------------------------

DUPLICATE_ROWS = [
    ["Nama", "No HP", "Email", "Kota", "Tag"],
    ["Budi Baru", "0812-3456-7890", "", "Bandung", "baru"],  # row 2: the phone of an existing customer
    ["Rina", "0813-2222-3333", "rina@contoh.co.id", "Solo", ""],  # row 3: new
    ["Rina Kembar", "0899-1234-5678", "RINA@contoh.co.id", "Klaten", ""],  # row 4: row 3's e-mail
]


@pytest.fixture
def existing_budi(workspace: Workspace) -> Contact:
    budi = ContactFactory(
        workspace=workspace,
        full_name="Budi Lama",
        phone="+6281234567890",
        email="lama@contoh.co.id",
        city="Jakarta",
    )
    budi.tags.create(workspace=workspace, name="lama")
    return budi


def test_duplicates_are_skipped_under_the_skip_policy(
    workspace: Workspace, owner: User, existing_budi: Contact
) -> None:
    # given
    job = import_job_create(workspace=workspace, actor=owner, uploaded_file=csv_upload(DUPLICATE_ROWS))

    # when
    checked = _checked(job, policy="skip")
    counts_before_run = (checked.created_count, checked.updated_count, checked.skipped_count)
    done = _imported(checked, owner)

    # then
    assert counts_before_run == (1, 0, 2)
    assert (done.created_count, done.updated_count, done.skipped_count) == (1, 0, 2)
    existing_budi.refresh_from_db()
    assert (existing_budi.full_name, existing_budi.city) == ("Budi Lama", "Jakarta")
    assert Contact.objects.filter(workspace=workspace).count() == 2
    duplicates = {e["row"]: e for e in done.errors if e["kind"] == "duplicate"}
    assert duplicates[2]["message"] == "Same phone number as the existing customer Budi Lama."
    assert duplicates[2]["contact_id"] == existing_budi.pk
    assert duplicates[4]["message"] == "Same e-mail address as row 3 of this file."
    assert {d["action"] for d in duplicates.values()} == {"skip"}


def test_duplicates_update_the_customer_under_the_update_policy(
    workspace: Workspace, owner: User, existing_budi: Contact
) -> None:
    # given
    job = import_job_create(workspace=workspace, actor=owner, uploaded_file=csv_upload(DUPLICATE_ROWS))

    # when
    checked = _checked(job, policy="update")
    counts_before_run = (checked.created_count, checked.updated_count, checked.skipped_count)
    done = _imported(checked, owner)

    # then
    assert counts_before_run == (1, 2, 0)
    assert (done.created_count, done.updated_count, done.skipped_count) == (1, 2, 0)
    existing_budi.refresh_from_db()
    assert (existing_budi.full_name, existing_budi.city) == ("Budi Baru", "Bandung")
    assert existing_budi.email == "lama@contoh.co.id"  # an empty cell never erases
    assert sorted(t.name for t in existing_budi.tags.all()) == ["baru", "lama"]  # tags are added
    assert Contact.objects.filter(workspace=workspace).count() == 2
    rina = Contact.objects.get(workspace=workspace, email="rina@contoh.co.id")
    assert (rina.full_name, rina.city, rina.phone) == ("Rina Kembar", "Klaten", "+6289912345678")
    assert TimelineEvent.objects.filter(contact=existing_budi, kind=TimelineKind.UPDATED).count() == 1
    assert TimelineEvent.objects.filter(contact=existing_budi, kind=TimelineKind.IMPORTED).count() == 1


def test_duplicates_are_created_anyway_under_the_create_policy(
    workspace: Workspace, owner: User, existing_budi: Contact
) -> None:
    # given
    job = import_job_create(workspace=workspace, actor=owner, uploaded_file=csv_upload(DUPLICATE_ROWS))

    # when
    checked = _checked(job, policy="create")
    counts_before_run = (checked.created_count, checked.updated_count, checked.skipped_count)
    done = _imported(checked, owner)

    # then
    assert counts_before_run == (3, 0, 0)
    assert (done.created_count, done.updated_count, done.skipped_count) == (3, 0, 0)
    assert Contact.objects.filter(workspace=workspace).count() == 4
    assert Contact.objects.filter(workspace=workspace, phone="+6281234567890").count() == 2
    assert sorted(e["row"] for e in done.errors if e["kind"] == "duplicate") == [2, 4]


def test_duplicates_are_looked_for_in_this_workspace_only(
    workspace: Workspace, other_workspace: Workspace, owner: User
) -> None:
    # given the other workspace knows this phone number
    ContactFactory(workspace=other_workspace, full_name="Budi Sebelah", phone="+6281234567890")
    job = import_job_create(workspace=workspace, actor=owner, uploaded_file=csv_upload(ROWS))

    # when
    job = _imported(_checked(job), owner)

    # then
    assert job.skipped_count == 0
    assert not [e for e in job.errors if e["kind"] == "duplicate"]
    assert Contact.objects.filter(workspace=workspace, phone="+6281234567890").count() == 1
    assert Contact.objects.filter(workspace=other_workspace).count() == 1


# A real worker -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_celery_worker_runs_a_confirmed_import(
    transactional_db: None, settings: Any, tmp_path: Path
) -> None:
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    import relasi.contacts.tasks  # noqa: F401 - registers the task with the app
    from relasi.config.celery import app
    from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

    # given a checked import and a worker on the in-memory test broker
    settings.MEDIA_ROOT = tmp_path / "media"
    workspace = WorkspaceFactory()
    owner = UserFactory()
    MembershipFactory(user=owner, workspace=workspace, role=Role.OWNER)
    job = _checked(import_job_create(workspace=workspace, actor=owner, uploaded_file=csv_upload(ROWS)))
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(app.conf.task_default_queue)

    # the test waits for the task to end instead of polling the job: on SQLite the worker and this
    # thread share one in-memory database, where a read during the worker's write fails "table locked"
    finished = threading.Event()

    def on_postrun(sender: Any = None, state: str | None = None, **kwargs: Any) -> None:
        if state in ("SUCCESS", "FAILURE"):  # not RETRY: the task runs again
            finished.set()

    task_postrun.connect(on_postrun, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            # when the user confirms (the task is sent when the transaction commits)
            with transaction.atomic():
                import_job_confirm(job=job, actor=owner)

            # then the worker imports it
            assert finished.wait(timeout=30), "the worker did not run the import within 30 s"
    finally:
        task_postrun.disconnect(on_postrun)

    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert (job.created_count, job.error_count) == (3, 1)
    assert Contact.objects.filter(workspace=workspace).count() == 3
