"""Settings pages of web-chat inboxes under ``/w/<slug>/pengaturan/kotak-masuk/webchat/``:
create, edit (with the embed snippet) and a live preview. Thin views: permission, form, one
service call, render."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from relasi.accounts.decorators import WorkspaceRequest, workspace_view
from relasi.accounts.permissions import Perm
from relasi.channels.webchat import selectors, services
from relasi.channels.webchat.forms import WebChatInboxForm
from relasi.conversations.models import Inbox
from relasi.conversations.views_inboxes import InboxPages

_GET_POST = require_http_methods(["GET", "POST"])


def _edit_context(request: WorkspaceRequest, inbox: Inbox) -> dict[str, Any]:
    widget = inbox.webchat_widget
    return {
        "widget": widget,
        "embed_code": selectors.embed_code(widget),
        "preview_url": reverse("webchat:inbox_preview", args=[request.workspace.slug, inbox.pk]),
    }


PAGES = InboxPages(
    form_class=WebChatInboxForm,
    create=services.webchat_inbox_create,
    update=services.webchat_inbox_update,
    select=selectors.webchat_inbox_get,
    edit_url="webchat:inbox_edit",
    template="webchat/settings_form.html",
    saved_message=gettext_lazy("Web chat %(name)s saved. Now paste the script tag into your website."),
    edit_context=_edit_context,
)
inbox_create_view = _GET_POST(workspace_view(Perm.INBOXES_MANAGE)(PAGES.create_view))
inbox_edit_view = _GET_POST(workspace_view(Perm.INBOXES_MANAGE)(PAGES.edit_view))


@require_GET
@workspace_view(Perm.INBOXES_MANAGE)
def inbox_preview_view(request: WorkspaceRequest, inbox_id: int) -> HttpResponse:
    """A blank page with the inbox's script tag, as on the business's website: the chat is
    live (what is written here reaches the inbox)."""
    inbox = PAGES.inbox(request, inbox_id)
    widget = inbox.webchat_widget
    script = request.build_absolute_uri(reverse("webchat:loader", args=[widget.public_token]))
    return render(request, "webchat/preview.html", {"inbox": inbox, "widget": widget, "script_url": script})
