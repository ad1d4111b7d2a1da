"""WhatsApp message templates: reading them (selectors, always per workspace) and syncing
them from the Graph API (``templates_sync``)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from relasi.accounts.models import Workspace
from relasi.channels.whatsapp.client import GraphApiError, client_for
from relasi.channels.whatsapp.models import WhatsAppAccount, WhatsAppTemplate
from relasi.core.exceptions import ApplicationError, NotFound

GONE = "DELETED"  # a template Meta no longer lists (kept: sent messages may name it)


def whatsapp_account_get(*, workspace: Workspace, inbox_id: int) -> WhatsAppAccount:
    """The WhatsApp number of one of the workspace's inboxes (404 otherwise)."""
    account = (
        WhatsAppAccount.objects.select_related("inbox")
        .filter(inbox_id=inbox_id, inbox__workspace=workspace)
        .first()
    )
    if account is None:
        raise NotFound(
            _("This inbox does not exist or has no WhatsApp number."),
            fields={"inbox": _("Choose a WhatsApp inbox.")},
        )
    return account


def whatsapp_template_list(
    *, workspace: Workspace, inbox_id: int | None = None, status: str = ""
) -> QuerySet[WhatsAppTemplate]:
    """Templates of the workspace's WhatsApp numbers, optionally of one inbox / status."""
    qs = WhatsAppTemplate.objects.filter(account__inbox__workspace=workspace).select_related("account")
    if inbox_id is not None:
        qs = qs.filter(account__inbox_id=inbox_id)
    if status:
        qs = qs.filter(status=status.upper())
    return qs


def templates_sync(*, account: WhatsAppAccount) -> int:
    """Upsert the account's templates from ``GET /{waba_id}/message_templates`` (all pages):
    name, language, category, status, components. Templates Meta no longer lists are marked
    ``DELETED``. Returns how many templates Meta listed. The Graph API is read first, outside
    the transaction; the rows are written in one transaction."""
    try:
        items = client_for(account).templates_list(account.business_account_id)
    except GraphApiError as error:
        failure = ApplicationError(
            _("WhatsApp did not give the templates: %(error)s") % {"error": error.message},
            code="whatsapp_error",
        )
        failure.status = 502
        raise failure from error
    with transaction.atomic():
        return _templates_store(account=account, items=items)


def _templates_store(*, account: WhatsAppAccount, items: list[dict[str, object]]) -> int:
    seen: list[int] = []
    for item in items:
        name, language = str(item.get("name") or ""), str(item.get("language") or "")
        if not name or not language:
            continue
        template, _created = WhatsAppTemplate.objects.update_or_create(
            account=account,
            name=name,
            language=language,
            defaults={
                "category": str(item.get("category") or "")[:20],
                "status": str(item.get("status") or "")[:20],
                "components": item.get("components") or [],
                "external_id": str(item.get("id") or "")[:40],
            },
        )
        seen.append(template.pk)
    WhatsAppTemplate.objects.filter(account=account).exclude(pk__in=seen).update(status=GONE)
    return len(seen)
