"""Reading imported rows as contact input: the column mapping (with the names Indonesian and
English spreadsheets use), the values people type (``L``/``P``, ``Rekomendasi``), the check
with ``contact_values_clean`` and the search for duplicates. Used by ``contacts.imports``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relasi.accounts.models import Workspace
from relasi.contacts.enums import Gender, Source
from relasi.contacts.import_files import SheetRow, normalise_header
from relasi.contacts.models import Contact, CustomFieldDefinition, ImportJob
from relasi.contacts.validation import contact_values_clean
from relasi.core.exceptions import ValidationError


class DuplicatePolicy(models.TextChoices):
    """What to do with a row whose phone or e-mail matches a customer already known."""

    SKIP = "skip", gettext_lazy("Skip the row")  # keep the existing customer as it is
    UPDATE = "update", gettext_lazy("Update the existing customer")  # fill in the row's values
    CREATE = "create", gettext_lazy("Create a new customer anyway")


class IssueKind:
    ERROR = "error"  # the row was not imported; ``message`` says why
    DUPLICATE = "duplicate"  # the row matches a customer; ``action`` says what was done
    FAILURE = "failure"  # the job itself stopped


CUSTOM_PREFIX = "cf:"  # mapping target of a custom field: "cf:<key>"

# Contact fields a column can be imported into, in the order the mapping form lists them.
BASE_TARGETS: tuple[tuple[str, Promise], ...] = (
    ("full_name", gettext_lazy("Full name")),
    ("phone", gettext_lazy("Phone / WhatsApp")),
    ("phone_alt", gettext_lazy("Other phone")),
    ("email", gettext_lazy("E-mail")),
    ("company", gettext_lazy("Company")),
    ("job_title", gettext_lazy("Job title")),
    ("address", gettext_lazy("Address")),
    ("province", gettext_lazy("Province")),
    ("city", gettext_lazy("City / regency")),
    ("postal_code", gettext_lazy("Postal code")),
    ("birthday", gettext_lazy("Birthday")),
    ("gender", gettext_lazy("Gender")),
    ("nik", gettext_lazy("NIK")),
    ("npwp", gettext_lazy("NPWP")),
    ("passport_no", gettext_lazy("Passport number")),
    ("source", gettext_lazy("Source")),
    ("tags", gettext_lazy("Tags")),
)


# Column names people use, normalised by ``normalise_header`` (lower case, punctuation gone).
# fmt: off
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "full_name": (
        "nama", "nama lengkap", "nama pelanggan", "nama customer", "nama konsumen", "nama kontak",
        "pelanggan", "konsumen", "customer", "customer name", "name", "full name", "fullname",
        "contact name",
    ),
    "phone": (
        "no hp", "nomor hp", "no handphone", "nomor handphone", "handphone", "hp", "ponsel",
        "no ponsel", "telepon", "no telepon", "nomor telepon", "telp", "no telp", "tlp", "no tlp",
        "wa", "no wa", "nomor wa", "whatsapp", "no whatsapp", "nomor whatsapp", "no hp wa",
        "nomor hp wa", "hp wa", "phone", "phone number", "mobile", "mobile phone", "telephone",
        "cell", "cellphone",
    ),
    "phone_alt": (
        "no hp 2", "hp 2", "telepon 2", "telp 2", "telepon lain", "nomor lain", "no telepon lain",
        "telepon kantor", "telp kantor", "phone 2", "other phone", "alternate phone",
        "secondary phone", "office phone",
    ),
    "email": (
        "email", "e mail", "surel", "alamat email", "alamat e mail", "email address",
        "e mail address", "surat elektronik",
    ),
    "company": (
        "perusahaan", "nama perusahaan", "instansi", "nama instansi", "company", "company name",
        "organisation", "organization",
    ),
    "job_title": (
        "jabatan", "posisi", "job title", "title", "position",
    ),
    "address": (
        "alamat", "alamat lengkap", "alamat rumah", "address", "street", "street address",
    ),
    "province": (
        "provinsi", "propinsi", "prov", "province", "state",
    ),
    "city": (
        "kota", "kabupaten", "kota kabupaten", "kab kota", "kota kab", "city", "city regency",
        "regency",
    ),
    "postal_code": (
        "kode pos", "kodepos", "postal code", "postcode", "zip", "zip code",
    ),
    "birthday": (
        "tanggal lahir", "tgl lahir", "tgllahir", "ulang tahun", "birthday", "birth date",
        "date of birth", "dob",
    ),
    "gender": (
        "jenis kelamin", "kelamin", "jk", "l p", "gender", "sex",
    ),
    "nik": (
        "nik", "no ktp", "nomor ktp", "ktp", "nomor induk kependudukan", "no nik",
    ),
    "npwp": (
        "npwp", "no npwp", "nomor npwp",
    ),
    "passport_no": (
        "paspor", "no paspor", "nomor paspor", "passport", "passport number",
    ),
    "source": (
        "sumber", "sumber pelanggan", "asal pelanggan", "source", "lead source",
    ),
    "tags": (
        "tag", "tags", "label", "labels",
    ),
}
# fmt: on
_SYNONYM_TARGET = {alias: target for target, aliases in _SYNONYMS.items() for alias in aliases}


# fmt: off
_GENDER_WORDS = {
    Gender.MALE: (
        "l", "lk", "laki", "laki laki", "lakilaki", "pria", "cowok", "m", "male", "man",
    ),
    Gender.FEMALE: (
        "p", "pr", "perempuan", "wanita", "cewek", "f", "female", "woman",
    ),
    Gender.UNKNOWN: (
        "", "not stated", "tidak disebutkan", "unknown", "n a",
    ),
}


_SOURCE_WORDS = {
    Source.WALK_IN: (
        "walk in", "walkin", "datang langsung", "langsung", "toko", "offline",
    ),
    Source.REFERRAL: (
        "referral", "referensi", "rekomendasi", "teman", "dari teman",
    ),
    Source.WHATSAPP: (
        "wa", "whatsapp",
    ),
    Source.INSTAGRAM: (
        "ig", "instagram",
    ),
    Source.TIKTOK: (
        "tiktok", "tik tok",
    ),
    Source.FACEBOOK: (
        "fb", "facebook",
    ),
    Source.MARKETPLACE: (
        "marketplace", "tokopedia", "shopee", "lazada", "bukalapak", "blibli", "tiktok shop",
    ),
    Source.WEBSITE: (
        "website", "web", "situs", "situs web",
    ),
    Source.EXHIBITION: (
        "pameran", "bazar", "bazaar", "expo", "exhibition",
    ),
    Source.SALES_VISIT: (
        "sales visit", "kunjungan sales", "kunjungan",
    ),
    Source.IMPORT: (
        "import", "impor", "imported",
    ),
    Source.OTHER: (
        "other", "lainnya", "lain lain", "lain",
    ),
}
# fmt: on


def import_field_choices(*, workspace: Workspace) -> list[tuple[str, str]]:
    """``(target, label)`` for every field a column can go to, custom fields last."""
    choices = [(name, str(label)) for name, label in BASE_TARGETS]
    choices += [
        (f"{CUSTOM_PREFIX}{d.key}", d.label)
        for d in CustomFieldDefinition.objects.filter(workspace=workspace).order_by("position", "id")
    ]
    return choices


def import_mapping_suggest(*, workspace: Workspace, headers: list[str]) -> dict[str, str]:
    """Guess ``{column: target}`` from the column names (``No HP`` → phone, ``Kota`` → city,
    a custom field by its key or label). Each target is given to the first column naming it."""
    labels: dict[str, str] = {}  # the field labels themselves, as the export writes them
    for language in ("en", "id"):
        with translation.override(language):
            for name, label in BASE_TARGETS:
                labels.setdefault(normalise_header(str(label)), name)
    custom = {}
    for definition in CustomFieldDefinition.objects.filter(workspace=workspace):
        custom[normalise_header(definition.key)] = f"{CUSTOM_PREFIX}{definition.key}"
        custom[normalise_header(definition.label)] = f"{CUSTOM_PREFIX}{definition.key}"
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for header in headers:
        for variant in (header, re.sub(r"\(.*?\)|\[.*?\]", " ", header)):
            key = normalise_header(variant)
            target = _SYNONYM_TARGET.get(key) or labels.get(key) or custom.get(key)
            if target and target not in used:
                mapping[header] = target
                used.add(target)
                break
    return mapping


@dataclass
class RowPlan:
    """A row read through the mapping and checked; ``problems`` maps field → message."""

    number: int
    values: dict[str, Any]  # input for ``contact_create``
    update_values: dict[str, Any]  # the row's non-empty input, for ``contact_update``
    company_name: str
    problems: dict[str, str] = field(default_factory=dict)
    keys: list[tuple[str, str]] = field(default_factory=list)  # ("phone", e164), ("email", …)


@dataclass
class Match:
    field: str  # "phone" or "email"
    contact_id: int | None  # the customer it matches (None: a row of the file not yet saved)
    contact_name: str
    row: int | None  # the earlier row of this file, when the match is within the file


def _word_table(words: Mapping[Any, tuple[str, ...]], choices: type[models.TextChoices]) -> dict[str, str]:
    """Accepted spellings → stored value: the value itself, its label in English and in
    Bahasa Indonesia, and the synonyms above."""
    table: dict[str, str] = {}
    for value, label in choices.choices:
        table[normalise_header(str(value))] = str(value)
        for language in ("en", "id"):
            with translation.override(language):
                table[normalise_header(str(label))] = str(value)
    for value, aliases in words.items():
        for alias in aliases:
            table[normalise_header(alias)] = str(value)
    return table


class RowReader:
    """Reads rows through a job's mapping and checks them with ``contact_values_clean``."""

    def __init__(self, *, job: ImportJob) -> None:
        self.workspace = job.workspace
        position = {header: index for index, header in enumerate(job.headers)}
        self.columns: list[tuple[int, str, str]] = [
            (position[header], str(header), str(target))
            for header, target in job.mapping.items()
            if header in position and target
        ]
        self.column_of = {target: header for _index, header, target in self.columns}
        self.genders = _word_table(_GENDER_WORDS, Gender)
        self.sources = _word_table(_SOURCE_WORDS, Source)

    def column_for(self, problem_field: str) -> str:
        target = problem_field
        if problem_field.startswith("custom_fields."):
            target = CUSTOM_PREFIX + problem_field.split(".", 1)[1]
        elif problem_field == "company_id":
            target = "company"
        return self.column_of.get(target, "")

    def read(self, row: SheetRow) -> RowPlan:
        values: dict[str, Any] = {}
        custom: dict[str, str] = {}
        problems: dict[str, str] = {}
        company_name = ""
        for index, _header, target in self.columns:
            text = row.cells[index]
            if target.startswith(CUSTOM_PREFIX):
                if text:
                    custom[target[len(CUSTOM_PREFIX) :]] = text
            elif target == "company":
                company_name = " ".join(text.split())
            elif target == "gender":
                gender = self.genders.get(normalise_header(text))
                if gender is None:
                    problems["gender"] = _(
                        "'%(value)s' is not a gender. Write L or P (Laki-laki / Perempuan), or "
                        "leave it empty."
                    ) % {"value": text}
                else:
                    values["gender"] = gender
            elif target == "source":
                source = self.sources.get(normalise_header(text))
                if source is None:
                    problems["source"] = _("'%(value)s' is not a known source. Use one of: %(choices)s.") % {
                        "value": text,
                        "choices": ", ".join(str(label) for value, label in Source.choices if value),
                    }
                else:
                    values["source"] = source
            elif target == "tags":
                values["tags"] = [t for t in re.split(r"[,;|]", text) if t.strip()]
            else:
                values[target] = text
        if custom:
            values["custom_fields"] = custom
        update_values = {k: v for k, v in values.items() if v not in ("", [], {})}
        if not values.get("source"):
            values["source"] = Source.IMPORT
        plan = RowPlan(
            number=row.number,
            values=values,
            update_values=update_values,
            company_name=company_name,
            problems=problems,
        )
        try:
            cleaned = contact_values_clean(workspace=self.workspace, values=values)
        except ValidationError as error:
            for name, message in error.fields.items():
                plan.problems.setdefault(name, str(message))
        else:
            if cleaned.get("phone"):
                plan.keys.append(("phone", cleaned["phone"]))
            if cleaned.get("email"):
                plan.keys.append(("email", cleaned["email"]))
        return plan

    def error_issues(self, plan: RowPlan) -> list[dict[str, Any]]:
        return [
            {
                "kind": IssueKind.ERROR,
                "row": plan.number,
                "field": name,
                "column": self.column_for(name),
                "message": message,
            }
            for name, message in plan.problems.items()
        ]


def existing_matches(
    *, workspace: Workspace, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], tuple[int, str]]:
    """Live customers of ``workspace`` holding one of these phones or e-mails (oldest first)."""
    phones = {value for name, value in keys if name == "phone"}
    emails = {value for name, value in keys if name == "email"}
    if not phones and not emails:
        return {}
    condition = Q()
    if phones:
        condition |= Q(phone__in=phones)
    if emails:
        condition |= Q(email__in=emails)
    found: dict[tuple[str, str], tuple[int, str]] = {}
    rows = (
        Contact.objects.filter(workspace=workspace, merged_into__isnull=True)
        .filter(condition)
        .order_by("id")
        .values_list("id", "full_name", "phone", "email")
    )
    for contact_id, name, phone, email in rows:
        if phone in phones:
            found.setdefault(("phone", phone), (contact_id, name))
        if email in emails:
            found.setdefault(("email", email), (contact_id, name))
    return found


def _what(field_name: str) -> str:
    return _("phone number") if field_name == "phone" else _("e-mail address")


def duplicate_issue(*, plan: RowPlan, match: Match, action: str, reader: RowReader) -> dict[str, Any]:
    if match.row is not None:
        message = _("Same %(what)s as row %(row)d of this file.") % {
            "what": _what(match.field),
            "row": match.row,
        }
    else:
        message = _("Same %(what)s as the existing customer %(name)s.") % {
            "what": _what(match.field),
            "name": match.contact_name,
        }
    issue: dict[str, Any] = {
        "kind": IssueKind.DUPLICATE,
        "row": plan.number,
        "field": match.field,
        "column": reader.column_for(match.field),
        "message": message,
        "action": action,
    }
    if match.contact_id is not None:
        issue["contact_id"] = match.contact_id
    if match.row is not None:
        issue["other_row"] = match.row
    return issue


def first_match(
    plan: RowPlan,
    *,
    existing: Mapping[tuple[str, str], tuple[int, str]],
    earlier: Mapping[tuple[str, str], int],
) -> Match | None:
    """An earlier row of the file first (it is the more precise report), then a customer."""
    for key in plan.keys:
        if key in earlier:
            return Match(field=key[0], contact_id=None, contact_name="", row=earlier[key])
    for key in plan.keys:
        if key in existing:
            contact_id, name = existing[key]
            return Match(field=key[0], contact_id=contact_id, contact_name=name, row=None)
    return None


def first_match_in_run(
    plan: RowPlan,
    *,
    existing: Mapping[tuple[str, str], tuple[int, str]],
    seen: Mapping[tuple[str, str], Match],
) -> Match | None:
    for key in plan.keys:
        if key in seen:
            return seen[key]
    for key in plan.keys:
        if key in existing:
            contact_id, name = existing[key]
            return Match(field=key[0], contact_id=contact_id, contact_name=name, row=None)
    return None
