"""Settings pages of the inbox: WhatsApp inboxes (and ``InboxPages``, the settings pages of
every channel's inboxes), quick replies, labels and teams.

Thin views: check the permission (``workspace_view``), parse the form, call one service or
selector, render.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from relasi.accounts.decorators import WorkspaceRequest, workspace_view
from relasi.accounts.models import Workspace
from relasi.accounts.permissions import Perm
from relasi.conversations import selectors, services
from relasi.conversations.forms import InboxForm, LabelForm, QuickReplyForm, TeamForm, WhatsAppInboxForm
from relasi.conversations.inbox_settings import InboxCreate, InboxUpdate
from relasi.conversations.models import Inbox, QuickReply
from relasi.web.forms import form_status, form_submit

_GET_POST = require_http_methods(["GET", "POST"])


def _ip(request: WorkspaceRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def webhook_url(inbox: Inbox) -> str:
    """The absolute callback URL to paste into Meta's webhook settings."""
    try:
        path = reverse("conversations:whatsapp_webhook", args=[inbox.pk])
    except NoReverseMatch:
        return ""
    return str(settings.RELASI_BASE_URL).rstrip("/") + path


@workspace_view(Perm.INBOXES_MANAGE)
def inbox_list_view(request: WorkspaceRequest) -> HttpResponse:
    return render(
        request,
        "conversations/inbox_list.html",
        {"inboxes": selectors.inbox_list(workspace=request.workspace)},
    )


@dataclass(frozen=True)
class InboxPages:
    """The settings pages of one channel's inboxes, alike on every channel. The channel gives
    its form, its create and update services, its selector (``workspace=``, ``inbox_id=``:
    the inbox or ``None``), the URL name of the edit page, the template, the message after a
    create (``%(name)s``: the inbox's name) and what its edit page shows besides the form.

    ``create_view`` and ``edit_view`` are the pages' views; the channel's module wraps them in
    ``workspace_view(Perm.INBOXES_MANAGE)``."""

    form_class: type[InboxForm]
    create: InboxCreate
    update: InboxUpdate
    select: Callable[..., Inbox | None]
    edit_url: str
    template: str
    saved_message: str | Promise
    edit_context: Callable[[WorkspaceRequest, Inbox], dict[str, Any]]
    create_initial: Callable[[], dict[str, Any]] = dict

    def inbox(self, request: WorkspaceRequest, inbox_id: int) -> Inbox:
        """The channel's inbox of the request's workspace, or 404."""
        inbox = self.select(workspace=request.workspace, inbox_id=inbox_id)
        if inbox is None:
            raise Http404(_("Inbox not found."))
        return inbox

    def create_view(self, request: WorkspaceRequest) -> HttpResponse:
        """A new inbox: a valid POST saves it and goes on to its edit page; otherwise the
        form, with any errors."""
        form = self.form_class(
            request.POST or None, workspace=request.workspace, initial=self.create_initial()
        )
        inbox = form_submit(
            request,
            form,
            lambda: self.create(
                workspace=request.workspace, actor=request.user, values=form.values(), ip_address=_ip(request)
            ),
        )
        if inbox is not None:
            messages.success(request, str(self.saved_message) % {"name": inbox.name})
            return redirect(self.edit_url, request.workspace.slug, inbox.pk)
        context = {"form": form, "inbox": None}
        return render(request, self.template, context, status=form_status(request))

    def edit_view(self, request: WorkspaceRequest, inbox_id: int) -> HttpResponse:
        """An inbox's settings: a valid POST saves the changes and comes back; otherwise the
        form (with any errors) and the channel's ``edit_context``."""
        inbox = self.inbox(request, inbox_id)
        form = self.form_class(
            request.POST or None,
            workspace=request.workspace,
            inbox=inbox,
            initial=self.form_class.initial_for(inbox),
        )
        saved = form_submit(
            request,
            form,
            lambda: self.update(
                inbox=inbox, actor=request.user, values=form.values(), ip_address=_ip(request)
            ),
        )
        if saved is not None:
            messages.success(request, _("Changes saved."))
            return redirect(self.edit_url, request.workspace.slug, inbox.pk)
        context = {"form": form, "inbox": inbox, **self.edit_context(request, inbox)}
        return render(request, self.template, context, status=form_status(request))


def _whatsapp_inbox_get(*, workspace: Workspace, inbox_id: int) -> Inbox | None:
    inbox = selectors.inbox_get(workspace=workspace, inbox_id=inbox_id)
    return inbox if inbox is not None and hasattr(inbox, "whatsapp_account") else None


def _whatsapp_edit_context(request: WorkspaceRequest, inbox: Inbox) -> dict[str, Any]:
    return {"webhook_url": webhook_url(inbox), "verify_token": inbox.whatsapp_account.verify_token}


WHATSAPP_PAGES = InboxPages(
    form_class=WhatsAppInboxForm,
    create=services.inbox_whatsapp_create,
    update=services.inbox_whatsapp_update,
    select=_whatsapp_inbox_get,
    edit_url="conversations:inbox_edit",
    template="conversations/inbox_form.html",
    saved_message=gettext_lazy("Inbox %(name)s saved. Now paste the webhook address into Meta."),
    edit_context=_whatsapp_edit_context,
    create_initial=lambda: {"verify_token": services.verify_token_generate()},
)
_inbox = WHATSAPP_PAGES.inbox
inbox_create_view = _GET_POST(workspace_view(Perm.INBOXES_MANAGE)(WHATSAPP_PAGES.create_view))
inbox_edit_view = _GET_POST(workspace_view(Perm.INBOXES_MANAGE)(WHATSAPP_PAGES.edit_view))


@require_POST
@workspace_view(Perm.INBOXES_MANAGE)
def inbox_test_view(request: WorkspaceRequest, inbox_id: int) -> HttpResponse:
    result = services.inbox_test_connection(inbox=_inbox(request, inbox_id))
    return render(request, "conversations/_connection_result.html", {"result": result})


# Quick replies, labels, teams: a list with an "add" form, an edit page and a delete -----


@dataclass(frozen=True)
class SetupPages:
    """The list (with an "add" form), edit and delete pages of one kind of set-up item. Each
    kind declares its form, selectors, services and texts; the pages are the same."""

    list_url: str
    template: str
    form: Callable[[WorkspaceRequest, Any], Any]  # (request, item or None) → bound form
    get: Callable[[Workspace, int], Any]
    list: Callable[[Workspace], Any]
    save: Callable[[WorkspaceRequest, Any, Any], Any]  # (request, form, item or None) → item
    delete: Callable[[WorkspaceRequest, Any], None]
    saved: Callable[[Any], str]
    deleted: str | Promise
    not_found: str | Promise
    edit_title: str | Promise

    def _item(self, request: WorkspaceRequest, item_id: int) -> Any:
        item = self.get(request.workspace, item_id)
        if item is None:
            raise Http404(str(self.not_found))
        return item

    def list_view(self, request: WorkspaceRequest) -> HttpResponse:
        form = self.form(request, None)
        created = form_submit(request, form, lambda: self.save(request, form, None))
        if created is not None:
            messages.success(request, self.saved(created))
            return redirect(self.list_url, request.workspace.slug)
        context = {"form": form, "items": self.list(request.workspace)}
        return render(request, self.template, context, status=form_status(request))

    def edit_view(self, request: WorkspaceRequest, item_id: int) -> HttpResponse:
        item = self._item(request, item_id)
        form = self.form(request, item)
        if form_submit(request, form, lambda: self.save(request, form, item)) is not None:
            messages.success(request, _("Changes saved."))
            return redirect(self.list_url, request.workspace.slug)
        context = {"form": form, "item": item, "title": self.edit_title, "back": self.list_url}
        return render(request, "conversations/setup_form.html", context, status=form_status(request))

    def delete_view(self, request: WorkspaceRequest, item_id: int) -> HttpResponse:
        self.delete(request, self._item(request, item_id))
        messages.success(request, str(self.deleted))
        return redirect(self.list_url, request.workspace.slug)

    def views(self) -> tuple[Any, Any, Any]:
        """The three views, with their permission and method checks."""
        manage = workspace_view(Perm.INBOXES_MANAGE)
        return (
            _GET_POST(manage(self.list_view)),
            _GET_POST(manage(self.edit_view)),
            require_POST(manage(self.delete_view)),
        )


def _quick_reply_save(request: WorkspaceRequest, form: Any, item: QuickReply | None) -> QuickReply:
    if item is None:
        return services.quick_reply_create(
            workspace=request.workspace, actor=request.user, values=form.cleaned_data
        )
    return services.quick_reply_update(quick_reply=item, actor=request.user, values=form.cleaned_data)


QUICK_REPLY_PAGES = SetupPages(
    list_url="conversations:quick_reply_list",
    template="conversations/quick_reply_list.html",
    form=lambda request, item: QuickReplyForm(
        request.POST or None, initial={"shortcut": item.shortcut, "body": item.body} if item else None
    ),
    get=lambda workspace, pk: selectors.quick_reply_get(workspace=workspace, quick_reply_id=pk),
    list=lambda workspace: selectors.quick_reply_list(workspace=workspace),
    save=_quick_reply_save,
    delete=lambda request, item: services.quick_reply_delete(quick_reply=item, actor=request.user),
    saved=lambda item: _("Quick reply /%(s)s saved.") % {"s": item.shortcut},
    deleted=gettext_lazy("Quick reply deleted."),
    not_found=gettext_lazy("Quick reply not found."),
    edit_title=gettext_lazy("Edit quick reply"),
)
LABEL_PAGES = SetupPages(
    list_url="conversations:label_list",
    template="conversations/label_list.html",
    form=lambda request, item: LabelForm(
        request.POST or None, initial={"name": item.name, "color": item.color} if item else None
    ),
    get=lambda workspace, pk: selectors.label_get(workspace=workspace, label_id=pk),
    list=lambda workspace: selectors.label_list(workspace=workspace),
    save=lambda request, form, item: services.label_save(
        workspace=request.workspace, actor=request.user, values=form.cleaned_data, label=item
    ),
    delete=lambda request, item: services.label_delete(label=item, actor=request.user),
    saved=lambda item: _("Label %(name)s saved.") % {"name": item.name},
    deleted=gettext_lazy("Label deleted."),
    not_found=gettext_lazy("Label not found."),
    edit_title=gettext_lazy("Edit label"),
)
TEAM_PAGES = SetupPages(
    list_url="conversations:team_list",
    template="conversations/team_list.html",
    form=lambda request, item: TeamForm(
        request.POST or None,
        workspace=request.workspace,
        initial={"name": item.name, "member_ids": [str(u.pk) for u in item.members.all()]} if item else None,
    ),
    get=lambda workspace, pk: selectors.team_get(workspace=workspace, team_id=pk),
    list=lambda workspace: selectors.team_list(workspace=workspace),
    save=lambda request, form, item: services.team_save(
        workspace=request.workspace, actor=request.user, values=form.values(), team=item
    ),
    delete=lambda request, item: services.team_delete(team=item, actor=request.user),
    saved=lambda item: _("Team %(name)s saved.") % {"name": item.name},
    deleted=gettext_lazy("Team deleted."),
    not_found=gettext_lazy("Team not found."),
    edit_title=gettext_lazy("Edit team"),
)

quick_reply_list_view, quick_reply_edit_view, quick_reply_delete_view = QUICK_REPLY_PAGES.views()
label_list_view, label_edit_view, label_delete_view = LABEL_PAGES.views()
team_list_view, team_edit_view, team_delete_view = TEAM_PAGES.views()
