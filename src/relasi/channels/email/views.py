"""Settings pages of e-mail inboxes under ``/w/<slug>/pengaturan/kotak-masuk/email/``.

Thin views: check the permission (``workspace_view``), parse the form, call one service or
selector, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from relasi.accounts.decorators import WorkspaceRequest, workspace_view
from relasi.accounts.permissions import Perm
from relasi.channels.email import services
from relasi.channels.email.forms import EmailInboxForm
from relasi.channels.email.selectors import email_inbox_get
from relasi.conversations.models import Inbox
from relasi.conversations.views_inboxes import InboxPages

_GET_POST = require_http_methods(["GET", "POST"])


def _ip(request: WorkspaceRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _edit_context(request: WorkspaceRequest, inbox: Inbox) -> dict[str, Any]:
    account = inbox.email_account
    return {
        "account": account,
        "webhook_url": services.webhook_url(inbox),
        "webhook_secret": account.webhook_secret,
    }


PAGES = InboxPages(
    form_class=EmailInboxForm,
    create=services.inbox_email_create,
    update=services.inbox_email_update,
    select=email_inbox_get,
    edit_url="email:inbox_edit",
    template="email_channel/inbox_form.html",
    saved_message=gettext_lazy("Inbox %(name)s saved. Test the connection below."),
    edit_context=_edit_context,
)
_inbox = PAGES.inbox
inbox_create_view = _GET_POST(workspace_view(Perm.INBOXES_MANAGE)(PAGES.create_view))
inbox_edit_view = _GET_POST(workspace_view(Perm.INBOXES_MANAGE)(PAGES.edit_view))


@require_POST
@workspace_view(Perm.INBOXES_MANAGE)
def inbox_test_view(request: WorkspaceRequest, inbox_id: int) -> HttpResponse:
    result = services.email_connection_test(inbox=_inbox(request, inbox_id))
    return render(request, "email_channel/_connection_result.html", {"result": result})


@require_POST
@workspace_view(Perm.INBOXES_MANAGE)
def secret_rotate_view(request: WorkspaceRequest, inbox_id: int) -> HttpResponse:
    inbox = _inbox(request, inbox_id)
    services.email_webhook_secret_rotate(inbox=inbox, actor=request.user, ip_address=_ip(request))
    messages.success(request, _("New webhook secret made. Update it in your mail relay."))
    return redirect("email:inbox_edit", request.workspace.slug, inbox.pk)


@require_POST
@workspace_view(Perm.INBOXES_MANAGE)
def poll_now_view(request: WorkspaceRequest, inbox_id: int) -> HttpResponse:
    inbox = _inbox(request, inbox_id)
    services.email_poll_request(inbox=inbox)
    messages.success(request, _("Checking for new mail. New messages appear in the inbox in a moment."))
    return redirect("email:inbox_edit", request.workspace.slug, inbox.pk)
