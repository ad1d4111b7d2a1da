"""The customer simulator of the demo: a page where a person plays a WhatsApp customer of an
inbox connected to the local fake Graph API (``relasi fake-whatsapp``), writes to the
business, sees the agent's replies and taps their buttons or list rows.

The page talks to the fake's control surface (``/_fake/inbound``, ``/_fake/chat``), never to
Meta: it is switched on by ``RELASI_SIMULATOR`` (``relasi run`` sets it) and only for inboxes
whose Graph API address answers as the fake."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

from relasi.accounts.models import Workspace
from relasi.channels.whatsapp.models import WhatsAppAccount
from relasi.core.exceptions import Conflict, ValidationError

TIMEOUT = 3.0
_VERSION_SUFFIX = re.compile(r"/v\d+(\.\d+)?/?$")


class SimulatorUnavailable(Conflict):
    """The inbox is not connected to the local fake (or the fake is not running)."""


@dataclass(frozen=True)
class SimulatedCustomer:
    account: WhatsAppAccount
    wa_id: str  # digits of the E.164 number, as WhatsApp sends it
    name: str


def simulator_enabled() -> bool:
    return bool(getattr(settings, "RELASI_SIMULATOR", False))


def fake_root(account: WhatsAppAccount) -> str:
    """The fake server's root URL from the inbox's Graph API address (``…/v21.0``)."""
    return _VERSION_SUFFIX.sub("", account.api_base_url.rstrip("/"))


def simulator_accounts(*, workspace: Workspace) -> list[WhatsAppAccount]:
    """The workspace's active WhatsApp inboxes (the page checks each against the fake)."""
    return list(
        WhatsAppAccount.objects.filter(inbox__workspace=workspace, inbox__is_active=True)
        .select_related("inbox")
        .order_by("inbox__name")
    )


def simulator_customer(*, workspace: Workspace, inbox_id: Any, number: str, name: str) -> SimulatedCustomer:
    """Check the simulator's form: an inbox of this workspace and a customer number."""
    errors: dict[str, str] = {}
    account = next(
        (a for a in simulator_accounts(workspace=workspace) if str(a.inbox_id) == str(inbox_id)), None
    )
    if account is None:
        errors["inbox"] = _("Choose a WhatsApp inbox.")
    wa_id = re.sub(r"\D", "", number or "")
    if wa_id.startswith("0"):
        wa_id = "62" + wa_id[1:]
    if not 8 <= len(wa_id) <= 15:
        errors["number"] = _("Enter the customer's WhatsApp number, e.g. 0812 3456 7890.")
    if errors:
        raise ValidationError(_("Check the simulator's fields."), fields=errors)
    assert account is not None
    return SimulatedCustomer(account=account, wa_id=wa_id, name=(name or "").strip()[:80] or wa_id)


def _call(customer: SimulatedCustomer, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    url = fake_root(customer.account) + path
    try:
        response = httpx.request(method, url, timeout=TIMEOUT, **kwargs)
    except httpx.HTTPError as error:
        raise SimulatorUnavailable(
            _(
                "The local fake WhatsApp server does not answer at %(url)s. "
                "Start it with `relasi fake-whatsapp`."
            )
            % {"url": fake_root(customer.account)}
        ) from error
    if response.status_code == 404 or "json" not in response.headers.get("content-type", ""):
        raise SimulatorUnavailable(
            _(
                "This inbox is connected to Meta, not to the local fake: "
                "the simulator cannot play its customers."
            )
        )
    data = response.json()
    if response.status_code >= 400:
        message = str((data.get("error") or {}).get("message") or response.status_code)
        raise ValidationError(_("The fake WhatsApp server refused it: %(error)s") % {"error": message})
    return data if isinstance(data, dict) else {}


def simulator_chat(*, customer: SimulatedCustomer) -> list[dict[str, Any]]:
    """The customer's side of the chat with the inbox's number, oldest first."""
    data = _call(
        customer,
        "GET",
        "/_fake/chat",
        params={"wa_id": customer.wa_id, "phone_number_id": customer.account.phone_number_id},
    )
    return list(data.get("messages") or [])


def simulator_write(
    *, customer: SimulatedCustomer, text: str = "", reply: dict[str, str] | None = None, context_id: str = ""
) -> str:
    """The customer writes ``text`` or taps a button / list row (``reply``); the fake posts the
    signed inbound webhook to Relasi. Returns the message's wamid."""
    text = (text or "").strip()
    if not text and not reply:
        raise ValidationError(_("Write a message first."), fields={"text": _("Write a message first.")})
    body: dict[str, Any] = {
        "from": customer.wa_id,
        "name": customer.name,
        "phone_number_id": customer.account.phone_number_id,
        "text": text,
    }
    if reply:
        body["reply"] = reply
        body["context_id"] = context_id
    return str(_call(customer, "POST", "/_fake/inbound", json=body).get("id") or "")
