"""Settings pages under ``/w/<slug>/pengaturan/``: members and invitations, API tokens, the
audit log, the mail outbox, the workspace, and one's own profile.

Views are thin: they parse a form, call one service or selector, and render. A page the
role may not open answers 403; another workspace's pages (and rows) answer 404.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from relasi.accounts import selectors, services
from relasi.accounts.decorators import WorkspaceRequest, workspace_view
from relasi.accounts.enums import Role, TimeZone
from relasi.accounts.forms import (
    ApiTokenForm,
    AuditFilterForm,
    InvitationForm,
    MemberRoleForm,
    PasswordChangeForm,
    ProfileForm,
    WorkspaceForm,
    apply_errors,
)
from relasi.accounts.models import Membership, User
from relasi.accounts.permissions import Perm, permission_matrix_rows
from relasi.core.exceptions import ApplicationError
from relasi.core.models import AuditLog
from relasi.core.pagination import paginate_keyset

PAGE_SIZE = 50
OUTBOX_BACKEND = "relasi.core.mail.OutboxEmailBackend"


# The index of settings pages -----------------------------------------------------------


@dataclass(frozen=True)
class SettingsPage:
    url_name: str
    label: str | Promise
    description: str | Promise
    perm: Perm | None  # None: every member


SETTINGS_PAGES: list[SettingsPage] = [
    SettingsPage(
        "settings:members",
        gettext_lazy("Members and invitations"),
        gettext_lazy("Invite colleagues by e-mail, change their roles, remove members."),
        Perm.MEMBERS_MANAGE,
    ),
    SettingsPage(
        "settings:workspace",
        gettext_lazy("Workspace"),
        gettext_lazy("The business's name, city and time zone."),
        Perm.SETTINGS_MANAGE,
    ),
    SettingsPage(
        "settings:tokens",
        gettext_lazy("API tokens"),
        gettext_lazy("Your tokens for connecting other programs to this workspace."),
        Perm.TOKENS_MANAGE,
    ),
    SettingsPage(
        "settings:audit",
        gettext_lazy("Audit log"),
        gettext_lazy("Who signed in, and who created, changed or deleted personal data."),
        Perm.AUDIT_VIEW,
    ),
    SettingsPage(
        "settings:outbox",
        gettext_lazy("Mail outbox"),
        gettext_lazy("E-mails Relasi sent to members and invitees, such as invitation links."),
        Perm.AUDIT_VIEW,
    ),
    SettingsPage(
        "settings:profile",
        gettext_lazy("My profile"),
        gettext_lazy("Your name, language and password."),
        None,
    ),
]


def register_settings_page(page: SettingsPage) -> None:
    """Add another app's page to the settings index (call it from ``AppConfig.ready``), e.g.
    ``register_settings_page(SettingsPage("contacts:custom_field_list", _("Custom fields"),
    _("…"), Perm.SETTINGS_MANAGE))``. It is listed before "My profile"; twice is once."""
    if any(existing.url_name == page.url_name for existing in SETTINGS_PAGES):
        return
    SETTINGS_PAGES.insert(len(SETTINGS_PAGES) - 1, page)


def settings_pages_for(membership: Membership) -> list[dict[str, Any]]:
    """The settings pages ``membership``'s role may open, with their URLs."""
    return [
        {
            "key": page.url_name.split(":")[1],
            "label": page.label,
            "description": page.description,
            "url": reverse(page.url_name, args=[membership.workspace.slug]),
        }
        for page in SETTINGS_PAGES
        if page.perm is None or membership.can(page.perm)
    ]


def _ip(request: WorkspaceRequest) -> str | None:
    return services.client_ip(request)


# Members and invitations ---------------------------------------------------------------


def _assignable_roles(membership: Membership) -> list[tuple[str, str | Promise]]:
    """Roles ``membership`` may give: only an owner makes owners."""
    return [
        (value, label)
        for value, label in Role.choices
        if membership.role == Role.OWNER or value != Role.OWNER
    ]


def _members_page(
    request: WorkspaceRequest, *, invite_form: InvitationForm | None = None, status: int = 200
) -> HttpResponse:
    me = request.membership
    roles = _assignable_roles(me)
    context = {
        "members": selectors.membership_list(workspace=request.workspace),
        "invitations": selectors.invitation_list_pending(workspace=request.workspace),
        "invite_form": invite_form or InvitationForm(roles=roles),
        "roles": roles,
        "me": me,
        "is_owner": me.role == Role.OWNER,
        "matrix": permission_matrix_rows(),
        "matrix_roles": Role.choices,
        "now": timezone.now(),
        "outbox_active": settings.EMAIL_BACKEND == OUTBOX_BACKEND,
    }
    return render(request, "accounts/settings/members.html", context, status=status)


@workspace_view(Perm.MEMBERS_MANAGE)
def members_view(request: WorkspaceRequest) -> HttpResponse:
    """The members with their roles, the pending invitations, and the invitation form."""
    form = InvitationForm(request.POST or None, roles=_assignable_roles(request.membership))
    if request.method != "POST":
        return _members_page(request, invite_form=form)
    if not form.is_valid():
        return _members_page(request, invite_form=form, status=400)
    try:
        invitation, _raw = services.invitation_create(
            workspace=request.workspace,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            invited_by=request.user,
            ip_address=_ip(request),
        )
    except ApplicationError as error:
        apply_errors(form, error)
        return _members_page(request, invite_form=form, status=error.status)
    messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
    return redirect("settings:members", request.workspace.slug)


def _member_or_404(request: WorkspaceRequest, membership_id: int) -> Membership:
    membership = selectors.membership_get_in_workspace(
        workspace=request.workspace, membership_id=membership_id
    )
    if membership is None:
        raise Http404(_("Member not found."))
    return membership


@workspace_view(Perm.MEMBERS_MANAGE)
@require_POST
def member_role_view(request: WorkspaceRequest, membership_id: int) -> HttpResponse:
    member = _member_or_404(request, membership_id)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the roles."))
        return _members_page(request, status=400)
    try:
        services.membership_change_role(
            membership=member,
            role=form.cleaned_data["role"],
            changed_by=request.membership,
            ip_address=_ip(request),
        )
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return _members_page(request, status=error.status)
    messages.success(
        request,
        _("%(person)s is now %(role)s.") % {"person": member.user, "role": member.get_role_display()},
    )
    return redirect("settings:members", request.workspace.slug)


@workspace_view(Perm.MEMBERS_MANAGE)
@require_POST
def member_remove_view(request: WorkspaceRequest, membership_id: int) -> HttpResponse:
    member = _member_or_404(request, membership_id)
    try:
        services.membership_remove(membership=member, removed_by=request.membership, ip_address=_ip(request))
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return _members_page(request, status=error.status)
    messages.success(request, _("%(person)s was removed from the workspace.") % {"person": member.user})
    return redirect("settings:members", request.workspace.slug)


@workspace_view(Perm.MEMBERS_MANAGE)
@require_POST
def invitation_revoke_view(request: WorkspaceRequest, invitation_id: int) -> HttpResponse:
    invitation = selectors.invitation_get_pending(workspace=request.workspace, invitation_id=invitation_id)
    if invitation is None:
        raise Http404(_("Invitation not found."))
    try:
        services.invitation_revoke(
            invitation=invitation, revoked_by=request.membership, ip_address=_ip(request)
        )
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return _members_page(request, status=error.status)
    messages.success(request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email})
    return redirect("settings:members", request.workspace.slug)


# API tokens ----------------------------------------------------------------------------


@never_cache  # the page may carry a raw token
@workspace_view(Perm.TOKENS_MANAGE)
def tokens_view(request: WorkspaceRequest) -> HttpResponse:
    """The user's own tokens in this workspace; a new token is shown once, on this response."""
    form = ApiTokenForm(request.POST or None)
    new_token = ""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _token, new_token = services.api_token_create(
                    user=request.user, workspace=request.workspace, name=form.cleaned_data["name"]
                )
            except ApplicationError as error:
                apply_errors(form, error)
                status = error.status
            else:
                form = ApiTokenForm()
        else:
            status = 400
    context = {
        "form": form,
        "new_token": new_token,
        "tokens": selectors.api_token_list(user=request.user, workspace=request.workspace),
        "api_base": settings.RELASI_BASE_URL.rstrip("/") + "/api/v1/",
    }
    return render(request, "accounts/settings/tokens.html", context, status=status)


@workspace_view(Perm.TOKENS_MANAGE)
@require_POST
def token_revoke_view(request: WorkspaceRequest, token_id: int) -> HttpResponse:
    token = selectors.api_token_get(user=request.user, workspace=request.workspace, token_id=token_id)
    if token is None:
        raise Http404(_("Token not found."))
    services.api_token_revoke(token=token, actor=request.user)
    messages.success(
        request,
        _("The token %(name)s (%(prefix)s…) was revoked.") % {"name": token.name, "prefix": token.prefix},
    )
    return redirect("settings:tokens", request.workspace.slug)


# Audit log -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeLine:
    field: str
    old: str
    new: str
    is_pair: bool  # {field: [old, new]}; otherwise only ``new`` holds the recorded value


def _model_field(object_type: str, name: str) -> models.Field[Any, Any] | None:
    try:
        field = apps.get_model(object_type)._meta.get_field(name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return None
    return field if isinstance(field, models.Field) else None


def _display(value: Any, field: models.Field[Any, Any] | None = None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_display(item, field) for item in value) or "—"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


# Why a sign-in failed, as services.sign_in records it.
SIGN_IN_FAILURE_REASONS: dict[str, str | Promise] = {
    "credentials": gettext_lazy("wrong e-mail address or password"),
    "locked": gettext_lazy("refused: locked after too many failed attempts"),
}


def audit_changes(entry: AuditLog) -> list[ChangeLine]:
    """``entry.changes`` as readable lines: field labels from the model, choice values as
    their labels, ``[old, new]`` pairs as old → new."""
    changes = entry.changes if isinstance(entry.changes, dict) else {"": entry.changes}
    lines = []
    for name, value in changes.items():
        field = _model_field(entry.object_type, name) if entry.object_type else None
        label = str(capfirst(field.verbose_name)) if field is not None else capfirst(name.replace("_", " "))
        if name == "reason" and isinstance(value, str) and value in SIGN_IN_FAILURE_REASONS:
            lines.append(ChangeLine(str(_("Reason")), "", str(SIGN_IN_FAILURE_REASONS[value]), False))
        elif isinstance(value, list) and len(value) == 2:  # the {field: [old, new]} shape
            lines.append(ChangeLine(label, _display(value[0], field), _display(value[1], field), True))
        else:
            lines.append(ChangeLine(label, "", _display(value, field), False))
    return lines


def _object_label(object_type: str) -> str:
    if not object_type:
        return ""
    try:
        return str(capfirst(apps.get_model(object_type)._meta.verbose_name))
    except (LookupError, ValueError):
        return object_type


@workspace_view(Perm.AUDIT_VIEW)
@require_safe
def audit_view(request: WorkspaceRequest) -> HttpResponse:
    """The audit log, newest first, keyset-paginated, filtered by action and person."""
    members = list(selectors.membership_list(workspace=request.workspace))
    people = {m.user.pk: m.user for m in members}
    form = AuditFilterForm(
        request.GET or None, people=[(pk, f"{user} <{user.email}>") for pk, user in people.items()]
    )
    action, actor = "", None
    if form.is_bound:
        if not form.is_valid():
            return render(
                request,
                "accounts/settings/audit.html",
                {"form": form, "rows": [], "next_cursor": None, "query_string": ""},
                status=400,
            )
        action = form.cleaned_data["action"] or ""
        actor = people.get(form.cleaned_data["person"]) if form.cleaned_data["person"] else None
    try:
        page = paginate_keyset(
            selectors.audit_log_list(workspace=request.workspace, action=action, actor=actor),
            cursor=request.GET.get("cursor") or None,
            limit=PAGE_SIZE,
        )
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect("settings:audit", request.workspace.slug)
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "form": form,
        "rows": [
            {
                "entry": entry,
                "object_label": _object_label(entry.object_type),
                "changes": audit_changes(entry),
            }
            for entry in page.items
        ],
        "next_cursor": page.next_cursor,
        "query_string": query.urlencode(),
        "is_first_page": not request.GET.get("cursor"),
        "tz_label": TimeZone(request.workspace.timezone).name,
    }
    return render(request, "accounts/settings/audit.html", context)


# Mail outbox ---------------------------------------------------------------------------


@workspace_view(Perm.AUDIT_VIEW)
@require_safe
def outbox_view(request: WorkspaceRequest) -> HttpResponse:
    """Mail kept by the embedded mode's sink for this workspace's members and invitees."""
    try:
        page = paginate_keyset(
            selectors.outbox_list(workspace=request.workspace),
            cursor=request.GET.get("cursor") or None,
            limit=PAGE_SIZE,
        )
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect("settings:outbox", request.workspace.slug)
    context = {
        "mails": page.items,
        "next_cursor": page.next_cursor,
        "is_first_page": not request.GET.get("cursor"),
        "outbox_active": settings.EMAIL_BACKEND == OUTBOX_BACKEND,
        "tz_label": TimeZone(request.workspace.timezone).name,
    }
    return render(request, "accounts/settings/outbox.html", context)


@workspace_view(Perm.AUDIT_VIEW)
@require_safe
def outbox_detail_view(request: WorkspaceRequest, mail_id: int) -> HttpResponse:
    mail = selectors.outbox_get(workspace=request.workspace, mail_id=mail_id)
    if mail is None:
        raise Http404(_("Mail not found."))
    context = {
        "mail": mail,
        "outbox_active": settings.EMAIL_BACKEND == OUTBOX_BACKEND,
        "tz_label": TimeZone(request.workspace.timezone).name,
    }
    return render(request, "accounts/settings/outbox_detail.html", context)


# Workspace -----------------------------------------------------------------------------


@workspace_view(Perm.SETTINGS_MANAGE)
def workspace_settings_view(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    form = WorkspaceForm(
        request.POST or None,
        initial={"name": workspace.name, "city": workspace.city, "timezone": workspace.timezone},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.workspace_update(
                    workspace=workspace,
                    updated_by=request.membership,
                    name=form.cleaned_data["name"],
                    city=form.cleaned_data["city"],
                    timezone_name=form.cleaned_data["timezone"],
                    ip_address=_ip(request),
                )
            except ApplicationError as error:
                apply_errors(form, error)
                status = error.status
            else:
                messages.success(request, _("Workspace settings saved."))
                return redirect("settings:workspace", workspace.slug)
        else:
            status = 400
    return render(request, "accounts/settings/workspace.html", {"form": form}, status=status)


# My profile ----------------------------------------------------------------------------


def _profile_page(
    request: WorkspaceRequest,
    *,
    profile_form: ProfileForm | None = None,
    password_form: PasswordChangeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user: User = request.user
    context = {
        "profile_form": profile_form
        or ProfileForm(initial={"full_name": user.full_name, "language": user.language}),
        "password_form": password_form or PasswordChangeForm(),
    }
    return render(request, "accounts/settings/profile.html", context, status=status)


@workspace_view()
def profile_view(request: WorkspaceRequest) -> HttpResponse:
    """One's own name and language (any member)."""
    if request.method != "POST":
        return _profile_page(request)
    form = ProfileForm(request.POST)
    if not form.is_valid():
        return _profile_page(request, profile_form=form, status=400)
    try:
        user = services.user_update_profile(
            user=request.user,
            full_name=form.cleaned_data["full_name"],
            language=form.cleaned_data["language"],
            ip_address=_ip(request),
        )
    except ApplicationError as error:
        apply_errors(form, error)
        return _profile_page(request, profile_form=form, status=error.status)
    response = redirect("settings:profile", request.workspace.slug)
    # Keep the language cookie in step, so the sign-in page after sign-out speaks it too.
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        user.language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    messages.success(request, _("Profile saved."))
    return response


@workspace_view()
@require_POST
def password_change_view(request: WorkspaceRequest) -> HttpResponse:
    """A new password, checked by Django's validators; this session stays signed in."""
    form = PasswordChangeForm(request.POST)
    if not form.is_valid():
        return _profile_page(request, password_form=form, status=400)
    try:
        user = services.user_change_password(
            user=request.user,
            current_password=form.cleaned_data["current_password"],
            new_password=form.cleaned_data["new_password"],
            ip_address=_ip(request),
        )
    except ApplicationError as error:
        apply_errors(form, error)
        return _profile_page(request, password_form=form, status=error.status)
    update_session_auth_hash(request, user)
    messages.success(request, _("Password changed. Other devices signed in with the old one are signed out."))
    return redirect("settings:profile", request.workspace.slug)
