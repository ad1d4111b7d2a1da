"""Writes for the seller's settings: the tax and letterhead profile (R1, R3/R4 for the seller,
R12, R14, R34), bank accounts (R34) and document numbering (R9).

Every service is keyword-only and atomic, checks every rule itself (the form only shapes the
input) and audits what changed: a changed NPWP or bank account is exactly what a fraudster
would try, so the audit log says who did it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from relasi.accounts.models import User, Workspace
from relasi.contacts.validation import identifier_message
from relasi.core.audit import audit_record, diff, snapshot
from relasi.core.exceptions import Conflict, fields_invalid
from relasi.core.identifiers import IdentifierError, clean_nitku, clean_npwp
from relasi.core.models import AuditAction
from relasi.core.qris import QrisError, qris_parse
from relasi.sales import numbering
from relasi.sales.enums import SequenceReset
from relasi.sales.inputs import amount_check
from relasi.sales.models import BankAccount, DocumentSequence, SalesProfile
from relasi.sales.profile import sales_profile_get

LOGO_MAX_BYTES = 1_000_000
LOGO_FORMATS = {"PNG": "png", "JPEG": "jpg"}

PROFILE_TEXT_LIMITS = {
    "legal_name": 200,
    "address": 2000,
    "city": 80,
    "phone": 40,
    "email": 254,
    "website": 200,
    "signatory_name": 120,
    "signatory_title": 120,
    "document_footer": 2000,
}
PROFILE_MONEY_FIELDS = ("turnover_threshold", "stamp_duty_threshold", "stamp_duty_amount", "qris_limit")
PROFILE_DAY_FIELDS = {"payment_terms_days": 365, "quotation_validity_days": 365}
PROFILE_BOOL_FIELDS = ("is_pkp", "show_cents")
AUDITED_PROFILE_FIELDS = (
    *PROFILE_TEXT_LIMITS,
    *PROFILE_BOOL_FIELDS,
    "npwp",
    "nitku",
    *PROFILE_MONEY_FIELDS,
    *PROFILE_DAY_FIELDS,
    "qris_payload",
    "logo",
)


def qris_message(error: QrisError) -> str:
    """A QRIS problem in the user's language, saying what to do."""
    messages = {
        "crc": _(
            "The QRIS text is damaged (its checksum does not match). Copy it again from your "
            "bank's QRIS, or scan the sticker with a QR reader and paste the full text."
        ),
        "merchant_account": _(
            "This is not a QRIS: there is no merchant account ID.CO.QRIS.WWW. Paste the text of "
            "the QRIS from your bank or payment provider."
        ),
        "nmid": _("The QRIS has no valid NMID (it starts with ID). Ask your bank for your QRIS again."),
        "currency": _("This QR code is not in rupiah (currency 360). Use your Indonesian QRIS."),
        "country": _("This QR code is not for Indonesia (country ID). Use your Indonesian QRIS."),
        "amount": _("A QRIS amount must be whole rupiah and more than zero."),
    }
    return messages.get(
        error.reason,
        _(
            "This is not a valid QRIS text. Scan your QRIS sticker with a QR reader app and paste "
            "the full text, which starts with 000201."
        ),
    )


def _text(values: Mapping[str, Any], name: str) -> str:
    return str(values.get(name) or "").strip()


def _money(value: Any, *, field: str, errors: dict[str, str]) -> Decimal | None:
    if not isinstance(value, Decimal | int) or isinstance(value, bool):
        errors[field] = _("Enter an amount in rupiah, for example 5.000.000.")
        return None
    amount = Decimal(value)
    amount_check(
        amount,
        field=field,
        errors=errors,
        negative=_("The amount cannot be negative."),
        too_precise=_("Enter an amount in rupiah with at most two decimals."),
    )
    return amount


def _logo_check(upload: UploadedFile[bytes], errors: dict[str, str]) -> None:
    """PNG or JPEG, at most 1 MB, and really an image (not a renamed file)."""
    if (upload.size or 0) > LOGO_MAX_BYTES:
        errors["logo"] = _(
            "The logo is larger than 1 MB. Save it smaller (for example 600 px wide) and try again."
        )
        return
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        errors["logo"] = _("The logo must be a PNG or JPEG picture. This file is not one.")
        return
    finally:
        upload.seek(0)
    if image_format not in LOGO_FORMATS:
        errors["logo"] = _("The logo must be a PNG or JPEG picture. Save it in one of these formats.")


def profile_values_clean(*, profile: SalesProfile, values: Mapping[str, Any]) -> dict[str, Any]:
    """Check the settings form's values (a partial update: only keys given change).

    Rules: NPWP through ``clean_npwp`` (15 digits get a leading 0, all zeros refused, checksum);
    NITKU 22 digits starting with the NPWP; a PKP must have an NPWP (R1); the QRIS through
    ``qris_parse`` (R35); amounts not negative; terms 0–365 days; the logo PNG/JPEG ≤ 1 MB.
    """
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for name, limit in PROFILE_TEXT_LIMITS.items():
        if name in values:
            text = _text(values, name)
            if len(text) > limit:
                errors[name] = _("Keep this to %(n)d characters or fewer.") % {"n": limit}
            out[name] = text
    if out.get("email") and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", out["email"]):
        errors["email"] = _("Type an e-mail address like info@tokoanda.co.id.")
    for name in PROFILE_BOOL_FIELDS:
        if name in values:
            out[name] = bool(values[name])
    for name in PROFILE_MONEY_FIELDS:
        if name in values:
            amount = _money(values[name], field=name, errors=errors)
            if amount is not None:
                out[name] = amount
    for name, most in PROFILE_DAY_FIELDS.items():
        if name in values:
            days = values[name]
            if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= most:
                errors[name] = _("Enter a number of days between 0 and %(n)d.") % {"n": most}
            else:
                out[name] = days
    if "npwp" in values:
        raw = _text(values, "npwp")
        try:
            out["npwp"] = clean_npwp(raw) if raw else ""
        except IdentifierError as error:
            errors["npwp"] = identifier_message("npwp", error)
    if "nitku" in values:
        raw = _text(values, "nitku")
        try:
            out["nitku"] = clean_nitku(raw) if raw else ""
        except IdentifierError as error:
            errors["nitku"] = (
                _("NITKU has 22 digits: the 16-digit NPWP followed by 6 digits (000000 for the head office).")
                if str(error) == "length"
                else _("The first 16 digits of this NITKU are not a valid NPWP. Check the number.")
            )
    npwp = out.get("npwp", profile.npwp)
    nitku = out.get("nitku", profile.nitku)
    if nitku and npwp and "nitku" not in errors and "npwp" not in errors and not nitku.startswith(npwp):
        errors["nitku"] = _("The NITKU must start with the workspace's NPWP (%(npwp)s).") % {"npwp": npwp}
    if out.get("is_pkp", profile.is_pkp) and not npwp and "npwp" not in errors:
        errors["npwp"] = _("A PKP has an NPWP. Enter the NPWP, or untick PKP.")
    if "qris_payload" in values:
        # Pasted text may be wrapped over lines; spaces inside (the merchant name) are data.
        payload = re.sub(r"[\r\n\t]+", "", _text(values, "qris_payload"))
        if payload:
            try:
                qris_parse(payload)
            except QrisError as error:
                errors["qris_payload"] = qris_message(error)
        out["qris_payload"] = payload
    logo = values.get("logo")
    if isinstance(logo, UploadedFile):
        _logo_check(logo, errors)
        out["logo"] = logo
    elif logo is False:  # the form's "clear" box
        out["logo"] = None
    if errors:
        raise fields_invalid(errors)
    return out


def _profile_snapshot(profile: SalesProfile) -> dict[str, Any]:
    data = snapshot(profile, [f for f in AUDITED_PROFILE_FIELDS if f != "logo"])
    data["logo"] = profile.logo.name if profile.logo else ""
    return data


@transaction.atomic
def sales_profile_update(
    *,
    workspace: Workspace,
    actor: User | None,
    values: Mapping[str, Any],
    ip_address: str | None = None,
) -> SalesProfile:
    """Change the seller profile (see ``profile_values_clean`` for the rules). Nothing is
    saved when any field is wrong. Audits ``{field: [old, new]}``."""
    profile = sales_profile_get(workspace=workspace)
    profile = SalesProfile.objects.select_for_update().get(pk=profile.pk)
    cleaned = profile_values_clean(profile=profile, values=values)
    before = _profile_snapshot(profile)
    logo = cleaned.pop("logo", "keep")
    for name, value in cleaned.items():
        setattr(profile, name, value)
    old_logo_name = profile.logo.name if profile.logo else ""
    if logo is None:
        profile.logo = None  # type: ignore[assignment]
    elif logo != "keep":
        extension = "png" if (logo.name or "").lower().endswith(".png") else "jpg"
        with Image.open(logo) as image:
            extension = LOGO_FORMATS.get(str(image.format), extension)
        logo.seek(0)
        profile.logo.save(f"workspace-{workspace.pk}.{extension}", logo, save=False)
    profile.save()
    if old_logo_name and logo != "keep" and old_logo_name != (profile.logo.name or ""):
        storage, name = profile.logo.storage, old_logo_name
        transaction.on_commit(lambda: storage.delete(name))
    changes = diff(before, _profile_snapshot(profile))
    if changes:
        audit_record(
            action=AuditAction.UPDATE,
            actor=actor,
            workspace=workspace,
            instance=profile,
            changes=changes,
            ip_address=ip_address,
        )
    return profile


# Bank accounts ---------------------------------------------------------------------------

BANK_FIELDS = ("bank_name", "account_number", "account_holder")


def _bank_values_clean(
    *, workspace: Workspace, values: Mapping[str, Any], exclude_id: int | None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    bank = " ".join(_text(values, "bank_name").split())
    number = re.sub(r"[\s.\-]", "", _text(values, "account_number"))
    holder = " ".join(_text(values, "account_holder").split())
    if not bank:
        errors["bank_name"] = _("Enter the bank, for example BCA, Mandiri or BRI.")
    elif len(bank) > 80:
        errors["bank_name"] = _("Keep this to %(n)d characters or fewer.") % {"n": 80}
    if not number:
        errors["account_number"] = _("Enter the account number.")
    elif not number.isdigit() or not 5 <= len(number) <= 20:
        errors["account_number"] = _("An account number has 5 to 20 digits. Type the digits only.")
    if not holder:
        errors["account_holder"] = _(
            "Enter the account holder's name (atas nama) exactly as the bank shows it."
        )
    elif len(holder) > 120:
        errors["account_holder"] = _("Keep this to %(n)d characters or fewer.") % {"n": 120}
    if not errors:
        clash = BankAccount.objects.filter(workspace=workspace, bank_name__iexact=bank, account_number=number)
        if exclude_id is not None:
            clash = clash.exclude(pk=exclude_id)
        if clash.exists():
            errors["account_number"] = _("This account is already in the list. Edit that one instead.")
    if errors:
        raise fields_invalid(errors)
    return {"bank_name": bank, "account_number": number, "account_holder": holder}


@transaction.atomic
def bank_account_create(
    *, workspace: Workspace, actor: User | None, values: Mapping[str, Any], ip_address: str | None = None
) -> BankAccount:
    """Add an account buyers pay into (R34): bank, digits-only number, atas nama. Audited."""
    cleaned = _bank_values_clean(workspace=workspace, values=values, exclude_id=None)
    last = BankAccount.objects.filter(workspace=workspace).order_by("-position").first()
    account = BankAccount.objects.create(
        workspace=workspace, position=(last.position + 1) if last else 0, **cleaned
    )
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        workspace=workspace,
        instance=account,
        changes=snapshot(account, BANK_FIELDS),
        ip_address=ip_address,
    )
    return account


@transaction.atomic
def bank_account_update(
    *, account: BankAccount, actor: User | None, values: Mapping[str, Any], ip_address: str | None = None
) -> BankAccount:
    """Change an account's bank, number or holder. Documents already issued keep what they
    printed. Audited."""
    account = BankAccount.objects.select_for_update().get(pk=account.pk)
    cleaned = _bank_values_clean(workspace=account.workspace, values=values, exclude_id=account.pk)
    before = snapshot(account, BANK_FIELDS)
    for name, value in cleaned.items():
        setattr(account, name, value)
    account.save()
    changes = diff(before, snapshot(account, BANK_FIELDS))
    if changes:
        audit_record(
            action=AuditAction.UPDATE,
            actor=actor,
            workspace=account.workspace,
            instance=account,
            changes=changes,
            ip_address=ip_address,
        )
    return account


@transaction.atomic
def bank_account_set_active(
    *, account: BankAccount, actor: User | None, active: bool, ip_address: str | None = None
) -> BankAccount:
    """Stop (or again start) printing an account on new documents. Never deleted: payments
    and old documents refer to it."""
    account = BankAccount.objects.select_for_update().get(pk=account.pk)
    if account.is_active != active:
        audit_record(
            action=AuditAction.UPDATE,
            actor=actor,
            workspace=account.workspace,
            instance=account,
            changes={"is_active": [account.is_active, active]},
            ip_address=ip_address,
        )
        account.is_active = active
        account.save(update_fields=["is_active", "updated_at"])
    return account


def bank_account_deactivate(
    *, account: BankAccount, actor: User | None, ip_address: str | None = None
) -> BankAccount:
    """Stop printing an account on new documents (see ``bank_account_set_active``)."""
    return bank_account_set_active(account=account, actor=actor, active=False, ip_address=ip_address)


# Numbering -------------------------------------------------------------------------------


@transaction.atomic
def document_sequence_update(
    *,
    workspace: Workspace,
    actor: User | None,
    series: str,
    template: str,
    padding: int,
    reset: str,
    ip_address: str | None = None,
) -> DocumentSequence:
    """Change a series' number template (R9) through ``numbering.sequence_update``, which
    checks it gives unique numbers. Numbers already issued stay as they are. Audited."""
    if series not in numbering.DEFAULT_TEMPLATES:
        raise Conflict(_("Unknown number series."), code="not_found")
    if reset not in SequenceReset.values:
        raise fields_invalid({"reset": _("Choose when the numbering restarts.")})
    numbering.sequences_ensure(workspace=workspace)
    before = snapshot(
        DocumentSequence.objects.get(workspace=workspace, series=series), ("template", "padding", "reset")
    )
    sequence = numbering.sequence_update(
        workspace=workspace, series=series, template=template.strip(), padding=padding, reset=reset
    )
    changes = diff(before, snapshot(sequence, ("template", "padding", "reset")))
    if changes:
        audit_record(
            action=AuditAction.UPDATE,
            actor=actor,
            workspace=workspace,
            instance=sequence,
            changes=changes,
            ip_address=ip_address,
        )
    return sequence
