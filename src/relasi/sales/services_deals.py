"""Writes for the pipeline: deals, their moves between stages, and the won/lost reason lists.

Every service is keyword-only and atomic and collects all field problems into one
``ValidationError(fields={...})`` whose messages name the fix. Input values come from the web
form (money already parsed the Indonesian way, ``1.250.000``) or from the API (money as a
decimal string, ``"1250000.00"``, parsed here with ``parse_api_decimal``).

Each move writes a ``DealStageChange`` (creation too, from the empty stage), which is what the
statistics in ``pipeline_stats`` count.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relasi.accounts.models import User, Workspace
from relasi.core.exceptions import Conflict, fields_invalid
from relasi.core.money import MoneyParseError, parse_api_decimal
from relasi.sales.enums import OPEN_STAGES, STAGE_DEFAULT_PROBABILITY, DealStage
from relasi.sales.inputs import amount_check, contact_check, date_clean, id_clean, member_check
from relasi.sales.models import Deal, DealStageChange, LostReason

CLOSED_STAGES = (DealStage.WON, DealStage.LOST)
DEAL_FIELDS = (
    "title",
    "contact_id",
    "value",
    "probability",
    "expected_close_date",
    "owner_id",
    "notes",
)


# Cleaning input ---------------------------------------------------------------------------


def _clean_value(raw: Any, errors: dict[str, str]) -> Decimal | None:
    if raw in (None, ""):
        errors["value"] = _("Give the deal's value in rupiah (0 when not known yet).")
        return None
    try:
        value = raw if isinstance(raw, Decimal) else parse_api_decimal(raw)
    except MoneyParseError:
        errors["value"] = _("Write the value as a plain number with a full stop for cents, like 1250000.00.")
        return None
    fits = amount_check(
        value,
        field="value",
        errors=errors,
        negative=_("The value cannot be negative. Type 0 or more."),
        too_precise=_("The value is too large or has more than two decimals."),
    )
    return value if fits else None


def _clean_probability(raw: Any, errors: dict[str, str]) -> int | None:
    try:
        probability = int(str(raw).strip())
    except ValueError:
        errors["probability"] = _("The probability is a whole number from 0 to 100.")
        return None
    if not 0 <= probability <= 100:
        errors["probability"] = _("The probability is a percentage from 0 to 100.")
        return None
    return probability


def _deal_values_clean(*, workspace: Workspace, values: Mapping[str, Any], partial: bool) -> dict[str, Any]:
    """Deal fields from raw input; every problem is reported at once with its fix."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    if "title" in values or not partial:
        title = str(values.get("title") or "").strip()
        if not title:
            errors["title"] = _("Give the deal a title, like “50 Lebaran parcels for PT Maju”.")
        elif len(title) > 200:
            errors["title"] = _("The title is at most 200 characters.")
        cleaned["title"] = title
    if "contact_id" in values or not partial:
        contact_id = id_clean(values.get("contact_id"))
        if contact_id is None:
            errors["contact_id"] = _("Choose the customer this deal is with.")
        else:
            contact_check(workspace=workspace, contact_id=contact_id, field="contact_id", errors=errors)
        cleaned["contact_id"] = contact_id
    if "value" in values or not partial:
        cleaned["value"] = _clean_value(values.get("value"), errors)
    if values.get("probability") not in (None, ""):
        cleaned["probability"] = _clean_probability(values["probability"], errors)
    if "expected_close_date" in values:
        cleaned["expected_close_date"] = date_clean(
            values["expected_close_date"],
            field="expected_close_date",
            errors=errors,
            message=_("Give the date as 2025-01-31 or 31/01/2025."),
        )
    if "owner_id" in values:
        owner_id = id_clean(values["owner_id"])
        member_check(workspace=workspace, user_id=owner_id, field="owner_id", errors=errors)
        cleaned["owner_id"] = owner_id
    if "notes" in values:
        cleaned["notes"] = str(values["notes"] or "")[:10000]
    if errors:
        raise fields_invalid(errors)
    return cleaned


# Deals ------------------------------------------------------------------------------------


@transaction.atomic
def deal_create(*, workspace: Workspace, actor: User | None, values: Mapping[str, Any]) -> Deal:
    """Open a deal on the board.

    ``values``: ``title``, ``contact_id`` (a customer of the workspace), ``value`` (rupiah ≥ 0;
    a ``Decimal`` from the form or an API decimal string), optional ``probability`` (0–100;
    default: the stage's, ``STAGE_DEFAULT_PROBABILITY``), ``expected_close_date``, ``owner_id``
    (a member; default: the actor), ``notes``, ``stage`` (an open stage; default lead).
    The entry into the first stage is recorded as a ``DealStageChange`` from the empty stage.
    """
    stage = str(values.get("stage") or DealStage.LEAD)
    cleaned = _deal_values_clean(workspace=workspace, values=values, partial=False)
    if stage not in OPEN_STAGES:
        raise fields_invalid(
            {"stage": _("A new deal starts in an open stage; move it to won or lost later.")}
        )
    if "owner_id" not in cleaned and actor is not None:
        cleaned["owner_id"] = actor.pk
    cleaned.setdefault("probability", STAGE_DEFAULT_PROBABILITY[stage])
    now = timezone.now()
    deal = Deal.objects.create(
        workspace=workspace, stage=stage, stage_entered_at=now, created_by=actor, **cleaned
    )
    DealStageChange.objects.create(
        deal=deal, from_stage="", to_stage=stage, changed_at=now, seconds_in_previous=0, actor=actor
    )
    return deal


@transaction.atomic
def deal_update(*, deal: Deal, actor: User | None, values: Mapping[str, Any]) -> Deal:
    """Change some fields of a deal (the keys of ``deal_create`` except ``stage``: a stage
    changes only through ``deal_move``, which records the move)."""
    deal = Deal.objects.select_for_update().get(pk=deal.pk)
    if "stage" in values and values["stage"] not in (None, "", deal.stage):
        raise fields_invalid({"stage": _("Move the deal to another stage with the move action.")})
    given = {k: v for k, v in values.items() if k in DEAL_FIELDS}
    cleaned = _deal_values_clean(workspace=deal.workspace, values=given, partial=True)
    for name, value in cleaned.items():
        setattr(deal, name, value)
    deal.save()
    return deal


def _reason_resolve(
    *, workspace: Workspace, reason: LostReason | int | str | None, for_won: bool
) -> LostReason | None:
    """The workspace's reason: an existing one (object or id, of the right list) or a new one
    typed in (matched case-insensitively to an existing name first)."""
    if reason is None or reason == "":
        return None
    if isinstance(reason, LostReason):
        reason = reason.pk
    if isinstance(reason, int) or (isinstance(reason, str) and reason.strip().isdigit()):
        found = LostReason.objects.filter(workspace=workspace, pk=int(reason), for_won=for_won).first()
        if found is None:
            raise fields_invalid({"reason": _("Choose one of the reasons in the list, or type a new one.")})
        return found
    name = reason.strip()[:100]
    if not name:
        return None
    existing = LostReason.objects.filter(workspace=workspace, for_won=for_won, name__iexact=name).first()
    return existing or LostReason.objects.create(workspace=workspace, name=name, for_won=for_won)


@transaction.atomic
def deal_move(
    *,
    deal: Deal,
    stage: str,
    actor: User | None,
    reason: LostReason | int | str | None = None,
    note: str = "",
) -> Deal:
    """Move a deal to ``stage`` and record the move.

    - ``DealStageChange.seconds_in_previous`` = now − ``stage_entered_at`` (the time spent in
      the stage it leaves); ``stage_entered_at`` becomes now.
    - Probability: won 100, lost 0; an open stage sets that stage's default unless the user
      had changed it (it differs from the default of the stage being left).
    - Lost needs a ``reason`` (a lost reason of the workspace, as object or id, or a new name);
      won may take one (from the won list). ``note`` is kept as the note on the outcome.
      Won/lost set ``closed_at``; moving a closed deal back to an open stage clears it.
    - Moving to the stage it is already in changes nothing.
    """
    if stage not in DealStage.values:
        raise fields_invalid({"stage": _("Choose one of the stages of the board.")})
    deal = Deal.objects.select_for_update().get(pk=deal.pk)
    if stage == deal.stage:
        return deal
    close_reason = None
    if stage in CLOSED_STAGES:
        close_reason = _reason_resolve(
            workspace=deal.workspace, reason=reason, for_won=stage == DealStage.WON
        )
        if stage == DealStage.LOST and close_reason is None:
            raise fields_invalid(
                {"reason": _("Say why the deal was lost: choose a reason or type a new one.")}
            )
    now = timezone.now()
    seconds = max(0, int((now - deal.stage_entered_at).total_seconds()))
    previous = deal.stage
    DealStageChange.objects.create(
        deal=deal,
        from_stage=previous,
        to_stage=stage,
        changed_at=now,
        seconds_in_previous=seconds,
        actor=actor,
    )
    if stage in CLOSED_STAGES:
        deal.probability = STAGE_DEFAULT_PROBABILITY[stage]
        deal.closed_at = now
        deal.close_reason = close_reason
        deal.close_note = note.strip()[:5000]
    else:
        customised = previous in OPEN_STAGES and deal.probability != STAGE_DEFAULT_PROBABILITY[previous]
        if not customised:
            deal.probability = STAGE_DEFAULT_PROBABILITY[stage]
        deal.closed_at = None
        deal.close_reason = None
        deal.close_note = ""
    deal.stage = stage
    deal.stage_entered_at = now
    deal.save()
    return deal


@transaction.atomic
def deal_delete(*, deal: Deal, actor: User | None) -> None:
    """Delete a deal with its history and activities; refused while quotations point at it
    (they are business documents: unlink or cancel them first)."""
    deal = Deal.objects.select_for_update().get(pk=deal.pk)
    if deal.quotations.exists():  # type: ignore[attr-defined]
        raise Conflict(
            _(
                "This deal has quotations. Keep it (move it to lost if it is over) "
                "or remove the quotations first."
            ),
            code="deal_has_quotations",
        )
    deal.delete()


# Won/lost reasons ---------------------------------------------------------------------------


@transaction.atomic
def deal_reason_create(*, workspace: Workspace, name: str, for_won: bool) -> LostReason:
    """Add a reason to the won list (``for_won``) or the lost list; names are unique per list."""
    name = name.strip()
    if not name:
        raise fields_invalid({"name": _("Type the reason, like “Price too high”.")})
    if len(name) > 100:
        raise fields_invalid({"name": _("A reason is at most 100 characters.")})
    if LostReason.objects.filter(workspace=workspace, for_won=for_won, name__iexact=name).exists():
        raise fields_invalid({"name": _("This reason is already in the list.")})
    return LostReason.objects.create(workspace=workspace, name=name, for_won=for_won)


@transaction.atomic
def deal_reason_delete(*, reason: LostReason) -> None:
    """Remove a reason from its list. Deals closed with it keep their outcome but lose the
    reason, so the statistics no longer count it; a reason in use is refused."""
    if Deal.objects.filter(workspace_id=reason.workspace_id, close_reason=reason).exists():
        raise Conflict(
            _("Deals were closed with this reason, so it stays in the statistics and cannot be deleted."),
            code="reason_in_use",
        )
    reason.delete()
