"""Import and export pages (contacts/views_import.py): upload, columns, check, confirm,
progress, export; permissions and workspace isolation."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.contacts.enums import ImportStatus
from relasi.contacts.imports import import_job_create, import_job_dry_run, import_job_set_mapping
from relasi.contacts.models import Contact, ImportJob
from relasi.core.models import AuditAction, AuditLog
from tests.contacts.spreadsheets import csv_upload, read_csv, read_xlsx
from tests.factories import ContactFactory, TagFactory

ROWS = [
    ["Nama", "No HP", "Email", "Kota"],
    ["Budi Santoso", "0812-3456-7890", "budi@contoh.co.id", "Bandung"],
    ["Siti Aminah", "0813-1111-2222", "siti@contoh.co.id", "Surabaya"],
    ["Agus Salim", "12345", "agus@contoh.co.id", "Medan"],
]


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def owner(workspace: Workspace, make_member: Callable[..., User]) -> User:
    return make_member(
        workspace, Role.OWNER, email="pemilik@hero.test", full_name="Pemilik Hero", language="en"
    )


@pytest.fixture
def uploaded(workspace: Workspace, owner: User) -> ImportJob:
    return import_job_create(workspace=workspace, actor=owner, uploaded_file=csv_upload(ROWS))


@pytest.fixture
def checked(uploaded: ImportJob) -> ImportJob:
    job = import_job_set_mapping(job=uploaded, mapping=uploaded.mapping, duplicate_policy="skip")
    return import_job_dry_run(job=job)


def _url(name: str, workspace: Workspace, *args: Any) -> str:
    return reverse(f"contacts:{name}", args=[workspace.slug, *args])


def _mapping_post(job: ImportJob, mapping: dict[str, str], policy: str = "skip") -> dict[str, str]:
    data = {f"col_{position}": mapping.get(header, "") for position, header in enumerate(job.headers)}
    data["duplicate_policy"] = policy
    return data


def _assert_csp_clean(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline <script> is blocked by the CSP"
    assert not re.search(r"\sstyle=", html), "style attributes are blocked by the CSP"
    assert not re.search(r"\son[a-z]+=", html), "inline event handlers are blocked by the CSP"


# Upload ------------------------------------------------------------------------------------------


def test_upload_page_shows_the_form_and_earlier_imports(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace, checked: ImportJob
) -> None:
    # given / when
    response = client_as(owner).get(_url("import_start", workspace))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert 'type="file"' in html
    assert 'enctype="multipart/form-data"' in html
    assert "pelanggan.csv" in html
    assert _url("import_detail", workspace, checked.pk) in html
    _assert_csp_clean(html)


def test_uploading_a_file_leads_to_the_column_choice(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    # given
    client = client_as(owner)

    # when
    response = client.post(_url("import_start", workspace), {"file": csv_upload(ROWS)})

    # then
    job = ImportJob.objects.get(workspace=workspace)
    assert response.status_code == 302
    assert response["Location"] == _url("import_detail", workspace, job.pk)
    page = client.get(response["Location"]).content.decode()
    assert '<option value="phone" selected>Phone / WhatsApp</option>' in page
    assert "0812-3456-7890" in page  # example values of the column
    assert "Check the file" in page
    _assert_csp_clean(page)
    assert not Contact.objects.exists()


def test_a_file_that_cannot_be_read_is_refused_with_the_fix(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    # given
    from django.core.files.uploadedfile import SimpleUploadedFile

    # when
    response = client_as(owner).post(
        _url("import_start", workspace),
        {"file": SimpleUploadedFile("lama.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")},
    )

    # then
    assert response.status_code == 400
    assert "This is an old Excel file (.xls)" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_uploading_without_a_file_asks_for_one(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    # given / when
    response = client_as(owner).post(_url("import_start", workspace), {})

    # then
    assert response.status_code == 400
    assert "Choose a CSV or XLSX file first." in response.content.decode()


# Columns and check ---------------------------------------------------------------------------------


def test_choosing_columns_runs_the_check_and_shows_errors_and_preview(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace, uploaded: ImportJob
) -> None:
    # given
    client = client_as(owner)
    ContactFactory(workspace=workspace, full_name="Siti Lama", phone="+6281311112222")

    # when
    response = client.post(
        _url("import_detail", workspace, uploaded.pk), _mapping_post(uploaded, uploaded.mapping)
    )

    # then
    uploaded.refresh_from_db()
    assert response.status_code == 302
    assert uploaded.status == ImportStatus.VALIDATED
    page = client.get(_url("import_detail", workspace, uploaded.pk)).content.decode()
    assert "Nothing is imported until you confirm." in page
    assert "<td>4</td><td>No HP</td><td>&#x27;12345&#x27; is not a valid phone number." in page
    assert "Same phone number as the existing customer Siti Lama." in page
    assert "Budi Santoso" in page  # the preview of the first rows
    assert _url("import_confirm", workspace, uploaded.pk) in page
    assert "Confirm: import 1 customer" in page
    _assert_csp_clean(page)
    assert Contact.objects.filter(workspace=workspace).count() == 1  # nothing written


def test_a_mapping_without_the_name_is_refused(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace, uploaded: ImportJob
) -> None:
    # given / when
    response = client_as(owner).post(
        _url("import_detail", workspace, uploaded.pk), _mapping_post(uploaded, {"No HP": "phone"})
    )

    # then
    uploaded.refresh_from_db()
    assert response.status_code == 400
    assert "Choose the column that holds the customer&#x27;s name." in response.content.decode()
    assert uploaded.status == ImportStatus.UPLOADED


# Confirm and progress ----------------------------------------------------------------------------------


def test_confirming_queues_the_import_and_shows_the_progress_bar(
    client_as: Callable[[User], Client],
    owner: User,
    workspace: Workspace,
    checked: ImportJob,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given
    client = client_as(owner)

    # when
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(_url("import_confirm", workspace, checked.pk))

    # then
    checked.refresh_from_db()
    assert response.status_code == 302
    assert checked.status == ImportStatus.QUEUED
    assert len(callbacks) == 1  # the task goes to the broker after commit
    page = client.get(_url("import_detail", workspace, checked.pk)).content.decode()
    assert f'hx-get="{_url("import_progress", workspace, checked.pk)}"' in page
    assert 'hx-trigger="every 1s"' in page
    assert "<progress" in page
    _assert_csp_clean(page)


def test_confirming_twice_is_refused(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace, checked: ImportJob
) -> None:
    # given
    client = client_as(owner)
    client.post(_url("import_confirm", workspace, checked.pk))

    # when
    response = client.post(_url("import_confirm", workspace, checked.pk), follow=True)

    # then
    assert "This import has already been confirmed." in response.content.decode()
    checked.refresh_from_db()
    assert checked.status == ImportStatus.QUEUED


def test_the_progress_partial_polls_while_running_and_stops_when_done(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace, checked: ImportJob
) -> None:
    # given a job halfway
    client = client_as(owner)
    ImportJob.objects.filter(pk=checked.pk).update(
        status=ImportStatus.RUNNING, processed_rows=2, created_count=2
    )

    # when
    running = client.get(_url("import_progress", workspace, checked.pk), headers={"HX-Request": "true"})
    ImportJob.objects.filter(pk=checked.pk).update(status=ImportStatus.DONE, processed_rows=3)
    done = client.get(_url("import_progress", workspace, checked.pk), headers={"HX-Request": "true"})

    # then
    running_html = running.content.decode()
    assert '<progress max="3" value="2"' in running_html
    assert "2 of 3 rows (66%)" in running_html
    assert 'hx-trigger="every 1s"' in running_html
    assert "HX-Refresh" not in running
    done_html = done.content.decode()
    assert "hx-trigger" not in done_html
    assert done["HX-Refresh"] == "true"  # reload the page to show the report
    assert '<progress max="3" value="3"' in done_html
    _assert_csp_clean(running_html)


def test_the_report_after_the_import(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace, checked: ImportJob
) -> None:
    # given
    from relasi.contacts.imports import import_job_confirm, import_job_run

    import_job_confirm(job=checked, actor=owner)
    import_job_run(job_id=checked.pk)

    # when
    page = client_as(owner).get(_url("import_detail", workspace, checked.pk)).content.decode()

    # then
    assert "Import finished" in page
    assert "<td>4</td><td>No HP</td>" in page
    assert "hx-trigger" not in page
    assert "Check the file" not in page  # no more column choice


# Permissions and isolation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.VIEWER, 403), (Role.AGENT, 403), (Role.FINANCE, 403), (Role.SALES, 200), (Role.ADMIN, 200)],
)
def test_who_may_import(
    client_as: Callable[[User], Client],
    make_member: Callable[..., User],
    workspace: Workspace,
    checked: ImportJob,
    role: str,
    status: int,
) -> None:
    # given
    client = client_as(make_member(workspace, role))

    # when
    responses = [
        client.get(_url("import_start", workspace)),
        client.get(_url("import_detail", workspace, checked.pk)),
        client.get(_url("import_progress", workspace, checked.pk)),
    ]
    confirm = client.post(_url("import_confirm", workspace, checked.pk))

    # then
    assert [r.status_code for r in responses] == [status] * 3
    checked.refresh_from_db()
    if status == 403:
        assert confirm.status_code == 403
        assert checked.status == ImportStatus.VALIDATED
    else:
        assert checked.status == ImportStatus.QUEUED


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.VIEWER, 403), (Role.AGENT, 403), (Role.FINANCE, 200), (Role.SALES, 200), (Role.OWNER, 200)],
)
def test_who_may_export(
    client_as: Callable[[User], Client],
    make_member: Callable[..., User],
    workspace: Workspace,
    role: str,
    status: int,
) -> None:
    # given
    ContactFactory(workspace=workspace, full_name="Budi Santoso")
    client = client_as(make_member(workspace, role))

    # when
    response = client.get(_url("export", workspace), {"format": "csv"})

    # then
    assert response.status_code == status
    assert AuditLog.objects.filter(action=AuditAction.EXPORT).count() == (1 if status == 200 else 0)


def test_an_import_of_another_workspace_is_not_found(
    client_as: Callable[[User], Client],
    outsider: User,
    other_workspace: Workspace,
    workspace: Workspace,
    checked: ImportJob,
) -> None:
    # given a member of workspace B, and a job of workspace A
    client = client_as(outsider)

    # when asking for A's job under B's address, or under A's address
    under_b = [
        client.get(_url("import_detail", other_workspace, checked.pk)),
        client.get(_url("import_progress", other_workspace, checked.pk)),
        client.post(_url("import_confirm", other_workspace, checked.pk)),
        client.post(
            _url("import_detail", other_workspace, checked.pk), _mapping_post(checked, checked.mapping)
        ),
    ]
    under_a = [
        client.get(_url("import_start", workspace)),
        client.get(_url("import_detail", workspace, checked.pk)),
        client.get(_url("export", workspace), {"format": "csv"}),
    ]

    # then
    assert [r.status_code for r in under_b] == [404] * 4
    assert [r.status_code for r in under_a] == [404] * 3
    checked.refresh_from_db()
    assert checked.status == ImportStatus.VALIDATED
    history = client.get(_url("import_start", other_workspace)).content.decode()
    assert "pelanggan.csv" not in history


# Export ------------------------------------------------------------------------------------------------


def test_csv_export_streams_the_filtered_list(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace, other_workspace: Workspace
) -> None:
    # given
    vip = TagFactory(workspace=workspace, name="vip")
    budi = ContactFactory(workspace=workspace, full_name="Budi Santoso", city="Bandung")
    budi.tags.add(vip)
    ContactFactory(workspace=workspace, full_name="Siti Aminah", city="Bandung")
    ContactFactory(workspace=other_workspace, full_name="Orang Sebelah", city="Bandung")

    # when the list's filters are passed on
    response = client_as(owner).get(
        _url("export", workspace), {"format": "csv", "city": "bandung", "tag": vip.pk}
    )

    # then
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="customers-hero-\d{8}-\d{4}\.csv"', response["Content-Disposition"]
    )
    assert response["Cache-Control"] == "no-store"
    rows = read_csv(b"".join(response.streaming_content))  # type: ignore[arg-type]
    assert [r[0] for r in rows[1:]] == ["Budi Santoso"]
    assert AuditLog.objects.get(action=AuditAction.EXPORT).changes["filters"]["tag"] == str(vip.pk)


def test_xlsx_export_is_a_workbook(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    # given
    ContactFactory(workspace=workspace, full_name="Budi Santoso", owner=owner)
    ContactFactory(workspace=workspace, full_name="Siti Aminah")

    # when
    response = client_as(owner).get(_url("export", workspace), {"format": "xlsx", "owner": "me"})

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith('attachment; filename="customers-hero-')
    rows = read_xlsx(b"".join(response.streaming_content))  # type: ignore[arg-type]
    assert rows[0][0] == "Full name"
    assert [r[0] for r in rows[1:]] == ["Budi Santoso"]


def test_an_unknown_export_format_is_refused(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    # given / when
    response = client_as(owner).get(_url("export", workspace), {"format": "pdf"})

    # then
    assert response.status_code == 400
    assert not AuditLog.objects.filter(action=AuditAction.EXPORT).exists()
