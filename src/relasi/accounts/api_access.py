"""Shared pieces of every API router: the caller's workspace and user for a permission,
and the error body's schema (DESIGN §7: ``{"code", "message", "fields"}``)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Schema

from relasi.accounts.models import Membership, User, Workspace
from relasi.accounts.permissions import Perm
from relasi.core.exceptions import PermissionDenied


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, str]


def api_access(request: HttpRequest, perm: Perm) -> tuple[Workspace, User]:
    """The token's workspace and user, when the member's role grants ``perm`` (else 403).
    ``request.membership`` is set by the API's token authentication."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    if not membership.can(perm):
        raise PermissionDenied(_("Your role does not allow this."), code="permission_denied")
    return membership.workspace, membership.user
