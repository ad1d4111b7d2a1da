"""Importing customers from CSV and XLSX files (services layer).

The flow follows ``ImportStatus``:

1. ``import_job_create`` stores the upload, reads the column names, counts the rows and
   suggests which column holds which contact field (Indonesian and English names).
2. ``import_job_set_mapping`` records the user's choice of columns and duplicate policy.
3. ``import_job_dry_run`` checks every row with ``contact_values_clean`` (the rules of the
   form and the API) and looks for duplicates, without writing a contact.
4. ``import_job_confirm`` queues the job; the task is sent after commit.
5. ``import_job_run`` (in a worker) imports in batches. Each batch commits together with the
   job's progress, so the progress bar moves, a crash loses at most the batch in flight, and
   a second delivery of the task continues where the first stopped instead of importing
   anything twice.

Row numbers in reports are the ones the user sees in the spreadsheet: the header is row 1.
"""

from __future__ import annotations

import itertools
import logging
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import DataError, IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from relasi.accounts.models import Membership, User, Workspace
from relasi.accounts.permissions import Perm
from relasi.contacts import events, services
from relasi.contacts.enums import ImportStatus
from relasi.contacts.import_files import (
    SheetRow,
    batched,
    binary_stream,
    data_rows,
    file_error,
    file_extension,
    format_of,
    open_table,
    upload_scan,
)
from relasi.contacts.import_rows import (
    BASE_TARGETS,
    CUSTOM_PREFIX,
    DuplicatePolicy,
    IssueKind,
    Match,
    RowPlan,
    RowReader,
    duplicate_issue,
    existing_matches,
    first_match,
    first_match_in_run,
    import_field_choices,
    import_mapping_suggest,
)
from relasi.contacts.models import Company, Contact, ImportJob
from relasi.core.audit import audit_record
from relasi.core.exceptions import Conflict, PermissionDenied, ValidationError
from relasi.core.models import AuditAction

__all__ = [
    "BASE_TARGETS",
    "BATCH_SIZE",
    "CUSTOM_PREFIX",
    "IMPORT_RUN_TASK_NAME",
    "PREVIEW_ROWS",
    "DuplicatePolicy",
    "ImportPreview",
    "IssueKind",
    "import_field_choices",
    "import_job_confirm",
    "import_job_create",
    "import_job_dry_run",
    "import_job_fail",
    "import_job_preview",
    "import_job_run",
    "import_job_set_mapping",
    "import_mapping_suggest",
]

logger = logging.getLogger(__name__)

# The worker's task, sent by name: ``tasks`` sits above this module in the import-linter
# layers, so it imports this constant rather than the other way round.
IMPORT_RUN_TASK_NAME = "relasi.contacts.tasks.contact_import_run_task"

BATCH_SIZE = 200  # rows per transaction in the worker; also the size of a duplicate lookup
PREVIEW_ROWS = 10
MAX_STORED_ISSUES = 1000  # problems kept for the report; the counts stay exact beyond it


@contextmanager
def _job_rows(job: ImportJob) -> Iterator[Iterator[SheetRow]]:
    if not job.file.name or not job.file.storage.exists(job.file.name):
        raise file_error(_("The uploaded file is no longer available. Upload the file again to import it."))
    with job.file.open("rb") as stored, open_table(binary_stream(stored), format_of(job.file_name)) as table:
        next(table, None)  # the header; the job keeps its own copy in ``headers``
        yield data_rows(table, width=len(job.headers))


# Services --------------------------------------------------------------------------------


def _check_can_import(*, actor: User, workspace: Workspace) -> None:
    membership = Membership.objects.filter(workspace=workspace, user=actor).first()
    if membership is None or not membership.can(Perm.CONTACTS_IMPORT):
        raise PermissionDenied(_("Your role does not allow importing customers."))


@transaction.atomic
def import_job_create(*, workspace: Workspace, actor: User, uploaded_file: UploadedFile[bytes]) -> ImportJob:
    """Store an uploaded CSV or XLSX file, read its column names, count its rows and suggest a
    mapping. Nothing is imported yet. Refuses empty, header-less, unknown and oversized files
    with a message naming the fix."""
    _check_can_import(actor=actor, workspace=workspace)
    scan = upload_scan(
        uploaded_file,
        max_bytes=int(settings.RELASI_IMPORT_MAX_BYTES),
        example_columns="Nama, No HP, Email",
        no_rows_message=_("The file has column names but no customers under them. Add one customer per row."),
    )
    name, headers, total = scan.name, scan.headers, scan.total_rows
    job = ImportJob(
        workspace=workspace,
        created_by=actor,
        file_name=name[:255],
        headers=headers,
        total_rows=total,
        mapping=import_mapping_suggest(workspace=workspace, headers=headers),
        duplicate_policy=DuplicatePolicy.SKIP,
    )
    # A random stored name: the user's file name (often a customer list's title) is kept
    # only in ``file_name`` for display.
    job.file.save(f"{uuid.uuid4().hex}{file_extension(name)}", uploaded_file, save=False)
    job.save()
    return job


def _lock(job_id: int) -> ImportJob:
    # ``of``: PostgreSQL refuses FOR UPDATE on the nullable side of the join to created_by.
    return (
        ImportJob.objects.select_for_update(of=("self",))
        .select_related("workspace", "created_by")
        .get(pk=job_id)
    )


@transaction.atomic
def import_job_set_mapping(*, job: ImportJob, mapping: Mapping[str, str], duplicate_policy: str) -> ImportJob:
    """Record which column goes to which contact field (``{column: target}``; an empty target
    ignores the column) and what to do with duplicates. A new mapping needs a new dry run."""
    job = _lock(job.pk)
    if job.status not in (ImportStatus.UPLOADED, ImportStatus.VALIDATED):
        raise Conflict(
            _("This import has already been confirmed. Upload the file again to change the columns."),
            code="import_started",
        )
    targets = {name for name, _label in import_field_choices(workspace=job.workspace)}
    labels = dict(import_field_choices(workspace=job.workspace))
    errors: dict[str, str] = {}
    chosen: dict[str, str] = {}
    used_by: dict[str, str] = {}
    for column, target in mapping.items():
        if not target:
            continue
        if column not in job.headers:
            errors[column] = _("The file has no column '%(column)s'.") % {"column": column}
        elif target not in targets:
            errors[column] = _("'%(target)s' is not a customer field. Choose one from the list.") % {
                "target": target
            }
        elif target in used_by:
            errors[column] = _(
                "Columns '%(first)s' and '%(second)s' both go to %(field)s. Choose one of them."
            ) % {"first": used_by[target], "second": column, "field": labels[target]}
        else:
            used_by[target] = column
            chosen[column] = target
    if "full_name" not in used_by and not errors:
        errors["mapping"] = _("Choose the column that holds the customer's name.")
    if duplicate_policy not in DuplicatePolicy.values:
        errors["duplicate_policy"] = _("Choose what to do with duplicates: %(choices)s.") % {
            "choices": ", ".join(str(label) for label in DuplicatePolicy.labels)
        }
    if errors:
        raise ValidationError(
            _("The columns need fixing: %(problems)s") % {"problems": " ".join(errors.values())},
            fields=errors,
        )
    job.mapping = chosen
    job.duplicate_policy = duplicate_policy
    _reset_results(job)
    job.status = ImportStatus.UPLOADED
    job.save()
    return job


def _reset_results(job: ImportJob) -> None:
    job.processed_rows = 0
    job.created_count = job.updated_count = job.skipped_count = job.error_count = 0
    job.errors = []
    job.finished_at = None


# Counting a pass over the file -----------------------------------------------------------


class _Tally:
    """Counts and the (capped) list of problems for one pass over the file."""

    def __init__(self, job: ImportJob) -> None:
        self.created = job.created_count
        self.updated = job.updated_count
        self.skipped = job.skipped_count
        self.errors = job.error_count
        self.issues: list[dict[str, Any]] = list(job.errors)

    def add_issues(self, issues: list[dict[str, Any]]) -> None:
        room = MAX_STORED_ISSUES - len(self.issues)
        if room > 0:
            self.issues.extend(issues[:room])

    def save_into(self, job: ImportJob) -> None:
        job.created_count = self.created
        job.updated_count = self.updated
        job.skipped_count = self.skipped
        job.error_count = self.errors
        job.errors = self.issues


@transaction.atomic
def import_job_dry_run(*, job: ImportJob) -> ImportJob:
    """Check every row as the import would, and write no customer.

    Records per-row errors ``{"row", "field", "column", "message"}`` in the active language,
    rows matching an existing customer (same E.164 phone or lower-case e-mail) or an earlier
    row of the file, and the counts the import would reach under the duplicate policy."""
    job = _lock(job.pk)
    if job.status not in (ImportStatus.UPLOADED, ImportStatus.VALIDATED):
        raise Conflict(
            _("This import has already been confirmed; it cannot be checked again."),
            code="import_started",
        )
    if "full_name" not in job.mapping.values():
        raise ValidationError(
            _("Choose the columns first: at least the one that holds the customer's name."),
            fields={"mapping": _("Choose the column that holds the customer's name.")},
        )
    _reset_results(job)
    reader = RowReader(job=job)
    tally = _Tally(job)
    first_row_of: dict[tuple[str, str], int] = {}
    total = 0
    with _job_rows(job) as rows:
        for batch in batched(rows, BATCH_SIZE):
            plans = [reader.read(row) for row in batch]
            total += len(plans)
            existing = existing_matches(
                workspace=job.workspace, keys=[k for p in plans if not p.problems for k in p.keys]
            )
            issues: list[dict[str, Any]] = []
            for plan in plans:
                if plan.problems:
                    tally.errors += 1
                    issues += reader.error_issues(plan)
                    continue
                match = first_match(plan, existing=existing, earlier=first_row_of)
                for key in plan.keys:
                    first_row_of.setdefault(key, plan.number)
                if match is None:
                    tally.created += 1
                    continue
                policy = job.duplicate_policy
                if policy == DuplicatePolicy.SKIP:
                    tally.skipped += 1
                elif policy == DuplicatePolicy.UPDATE:
                    tally.updated += 1
                else:
                    tally.created += 1
                issues.append(duplicate_issue(plan=plan, match=match, action=policy, reader=reader))
            tally.add_issues(issues)
    tally.save_into(job)
    job.total_rows = total
    job.status = ImportStatus.VALIDATED
    job.save()
    return job


@transaction.atomic
def import_job_confirm(*, job: ImportJob, actor: User) -> ImportJob:
    """The user's go-ahead after the dry run: queue the import for a worker (sent after commit).
    Rows with errors will be skipped and reported again."""
    job = _lock(job.pk)
    _check_can_import(actor=actor, workspace=job.workspace)
    if job.status != ImportStatus.VALIDATED:
        if job.status in (ImportStatus.QUEUED, ImportStatus.RUNNING, ImportStatus.DONE):
            message = _("This import has already been confirmed.")
        else:
            message = _("Check the file first (the dry run), then confirm the import.")
        raise Conflict(message, code="import_not_validated")
    _reset_results(job)
    job.status = ImportStatus.QUEUED
    job.save()
    job_id = job.pk
    transaction.on_commit(lambda: current_app.send_task(IMPORT_RUN_TASK_NAME, args=[job_id]))
    return job


# The worker -------------------------------------------------------------------------------


def import_job_run(*, job_id: int) -> ImportJob:
    """Import a confirmed job's rows. Runs in the worker; safe to run twice or after a crash.

    Not one transaction: every batch of ``BATCH_SIZE`` rows is one, which locks the job,
    continues after ``processed_rows``, saves each row in a savepoint (a bad row is skipped
    and reported, the others are kept), and commits the rows with the new progress. Moves
    QUEUED → RUNNING → DONE, or FAILED with a message on an unexpected error; database
    outages propagate so the task retries and resumes."""
    job = _import_job_start(job_id=job_id)
    if job.status != ImportStatus.RUNNING:
        return job
    language = job.created_by.language if job.created_by else settings.LANGUAGE_CODE
    with translation.override(language):
        try:
            return _import_job_batches(job=job)
        except (OperationalError, InterfaceError):
            raise
        except ValidationError as error:
            return import_job_fail(job_id=job_id, message=str(error.message))
        except Exception:
            logger.exception("Import job %s failed", job_id)
            fresh = ImportJob.objects.get(pk=job_id)
            return import_job_fail(
                job_id=job_id,
                message=_(
                    "The import stopped after %(done)d of %(total)d rows because of an unexpected "
                    "error. The customers imported so far are kept. Check the rows after that "
                    "point and import them in a new file."
                )
                % {"done": fresh.processed_rows, "total": fresh.total_rows},
            )


@transaction.atomic
def _import_job_start(*, job_id: int) -> ImportJob:
    job = _lock(job_id)
    if job.status == ImportStatus.QUEUED:
        job.status = ImportStatus.RUNNING
        job.save(update_fields=["status", "updated_at"])
    return job


def _import_job_batches(*, job: ImportJob) -> ImportJob:
    reader = RowReader(job=job)
    actor = job.created_by
    position = 0  # data rows read from the file so far
    ran_in_this_run: dict[tuple[str, str], Match] = {}
    with _job_rows(job) as rows:
        while True:
            with transaction.atomic():
                locked = _lock(job.pk)
                if locked.status != ImportStatus.RUNNING:
                    return locked  # another delivery finished it, or it was stopped
                if position > locked.processed_rows:
                    raise RuntimeError("the file position is ahead of the saved progress")
                for _skipped in itertools.islice(rows, locked.processed_rows - position):
                    pass
                position = locked.processed_rows
                batch = list(itertools.islice(rows, BATCH_SIZE))
                if not batch:
                    return _import_job_finish(job=locked)
                tally = _Tally(locked)
                _import_batch(
                    job=locked, batch=batch, reader=reader, actor=actor, tally=tally, seen=ran_in_this_run
                )
                position += len(batch)
                tally.save_into(locked)
                locked.processed_rows = position
                locked.save()


def _import_batch(
    *,
    job: ImportJob,
    batch: list[SheetRow],
    reader: RowReader,
    actor: User | None,
    tally: _Tally,
    seen: dict[tuple[str, str], Match],
) -> None:
    plans = [reader.read(row) for row in batch]
    existing = existing_matches(
        workspace=job.workspace, keys=[k for p in plans if not p.problems for k in p.keys]
    )
    companies: dict[str, int] = {}
    issues: list[dict[str, Any]] = []
    for plan in plans:
        if plan.problems:
            tally.errors += 1
            issues += reader.error_issues(plan)
            continue
        match = first_match_in_run(plan, existing=existing, seen=seen)
        action = job.duplicate_policy if match else DuplicatePolicy.CREATE
        if match is not None and action == DuplicatePolicy.SKIP:
            tally.skipped += 1
            issues.append(duplicate_issue(plan=plan, match=match, action=action, reader=reader))
            continue
        new_companies: list[str] = []
        try:
            with transaction.atomic():
                company_id = _company_id(
                    job=job, actor=actor, name=plan.company_name, cache=companies, created=new_companies
                )
                if match is not None and match.contact_id is not None and action == DuplicatePolicy.UPDATE:
                    contact = _row_update(
                        plan=plan, contact_id=match.contact_id, actor=actor, company_id=company_id
                    )
                else:
                    values = dict(plan.values)
                    if company_id is not None:
                        values["company_id"] = company_id
                    contact = services.contact_create(
                        workspace=job.workspace, actor=actor, values=values, timeline_source="import"
                    )
                events.contact_imported_event(contact=contact, actor=actor, job_id=job.pk, row=plan.number)
        except ValidationError as error:
            for name in new_companies:
                companies.pop(name, None)
            plan.problems = {k: str(v) for k, v in error.fields.items()} or {"": str(error.message)}
            tally.errors += 1
            issues += reader.error_issues(plan)
            continue
        except (IntegrityError, DataError) as error:
            for name in new_companies:
                companies.pop(name, None)
            logger.warning("Import job %s row %s not saved: %s", job.pk, plan.number, error)
            plan.problems = {"": _("This row could not be saved. Check its values and import it again.")}
            tally.errors += 1
            issues += reader.error_issues(plan)
            continue
        if action == DuplicatePolicy.UPDATE:
            tally.updated += 1
        else:
            tally.created += 1
        if match is not None:
            issues.append(duplicate_issue(plan=plan, match=match, action=action, reader=reader))
        for key in plan.keys:
            seen.setdefault(
                key,
                Match(field=key[0], contact_id=contact.pk, contact_name=contact.full_name, row=plan.number),
            )
    tally.add_issues(issues)


def _company_id(
    *, job: ImportJob, actor: User | None, name: str, cache: dict[str, int], created: list[str]
) -> int | None:
    """The company named in the row, found case-insensitively or created."""
    if not name:
        return None
    key = name.lower()
    if key not in cache:
        company = Company.objects.filter(workspace=job.workspace, name__iexact=name).order_by("id").first()
        if company is None:
            company = services.company_create(workspace=job.workspace, actor=actor, values={"name": name})
            created.append(key)
        cache[key] = company.pk
    return cache[key]


def _row_update(*, plan: RowPlan, contact_id: int, actor: User | None, company_id: int | None) -> Contact:
    """Fill in the row's non-empty values on an existing customer; tags are added, not
    replaced, and an empty cell never erases what is known."""
    contact = Contact.objects.get(pk=contact_id)
    values = dict(plan.update_values)
    if "tags" in values:
        names = list(contact.tags.values_list("name", flat=True))
        lower = {n.lower() for n in names}
        values["tags"] = names + [t for t in values["tags"] if t.strip().lower() not in lower]
    if company_id is not None:
        values["company_id"] = company_id
    return services.contact_update(contact=contact, actor=actor, values=values)


def _import_job_finish(*, job: ImportJob) -> ImportJob:
    """DONE: audit the import once and remove the uploaded file (it holds personal data and
    every row now lives in the database or in the report)."""
    job.status = ImportStatus.DONE
    job.finished_at = timezone.now()
    job.save()
    _audit_import(job=job)
    _delete_file_after_commit(job)
    return job


def _audit_import(*, job: ImportJob) -> None:
    audit_record(
        action=AuditAction.IMPORT,
        actor=job.created_by,
        workspace=job.workspace,
        instance=job,
        changes={
            "file_name": job.file_name,
            "status": job.status,
            "duplicate_policy": job.duplicate_policy,
            "total_rows": job.total_rows,
            "processed_rows": job.processed_rows,
            "created": job.created_count,
            "updated": job.updated_count,
            "skipped": job.skipped_count,
            "errors": job.error_count,
        },
    )


def _delete_file_after_commit(job: ImportJob) -> None:
    storage, name = job.file.storage, job.file.name
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def import_job_fail(*, job_id: int, message: str) -> ImportJob:
    """Stop a queued or running job with a message the user can act on. Rows already imported
    stay. Audited once, like a finished import."""
    job = _lock(job_id)
    if job.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        return job
    job.status = ImportStatus.FAILED
    job.finished_at = timezone.now()
    job.errors = [
        *job.errors,
        {"kind": IssueKind.FAILURE, "row": None, "field": "", "column": "", "message": message},
    ]
    job.save()
    _audit_import(job=job)
    return job


# Reading a job for its page ---------------------------------------------------------------


@dataclass(frozen=True)
class ImportPreview:
    """The first rows of a job's file: raw cells by column, for the mapping and the preview."""

    headers: list[str]
    rows: list[SheetRow]

    def samples(self, limit: int = 3) -> dict[str, list[str]]:
        """Up to ``limit`` non-empty example values per column."""
        result: dict[str, list[str]] = {h: [] for h in self.headers}
        for row in self.rows:
            for header, text in zip(self.headers, row.cells, strict=False):
                if text and len(result[header]) < limit:
                    result[header].append(text[:60])
        return result


def import_job_preview(*, job: ImportJob, limit: int = PREVIEW_ROWS) -> ImportPreview:
    """The first ``limit`` data rows of a job's file (empty once the file is removed)."""
    if job.status not in (ImportStatus.UPLOADED, ImportStatus.VALIDATED):
        return ImportPreview(headers=list(job.headers), rows=[])
    try:
        with _job_rows(job) as rows:
            return ImportPreview(headers=list(job.headers), rows=list(itertools.islice(rows, limit)))
    except ValidationError:
        return ImportPreview(headers=list(job.headers), rows=[])
