"""Reads for accounts, always scoped to what the user may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from relasi.accounts.models import ApiToken, Invitation, Membership, User, Workspace
from relasi.core.models import AuditLog, OutboxMail


def membership_get(*, user: User, slug: str) -> Membership | None:
    """The user's membership in the workspace ``slug``, or ``None`` (no hint that it exists)."""
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.select_related("workspace", "user").filter(user=user, workspace__slug=slug).first()
    )


def membership_list_for_user(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.select_related("workspace").filter(user=user).order_by("workspace__name")


def membership_list(*, workspace: Workspace) -> QuerySet[Membership]:
    return Membership.objects.select_related("user").filter(workspace=workspace).order_by("user__email")


def membership_get_in_workspace(*, workspace: Workspace, membership_id: int) -> Membership | None:
    return (
        Membership.objects.select_related("user", "workspace")
        .filter(workspace=workspace, pk=membership_id)
        .first()
    )


def invitation_list_pending(*, workspace: Workspace) -> QuerySet[Invitation]:
    return (
        Invitation.objects.select_related("invited_by")
        .filter(workspace=workspace, accepted_at__isnull=True, revoked_at__isnull=True)
        .order_by("-created_at")
    )


def api_token_list(*, user: User, workspace: Workspace) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user, workspace=workspace, revoked_at__isnull=True).order_by(
        "-created_at"
    )


def api_token_get(*, user: User, workspace: Workspace, token_id: int) -> ApiToken | None:
    return api_token_list(user=user, workspace=workspace).filter(pk=token_id).first()


def invitation_get_pending(*, workspace: Workspace, invitation_id: int) -> Invitation | None:
    """A pending (not accepted, not withdrawn) invitation of ``workspace``, or ``None``."""
    return invitation_list_pending(workspace=workspace).filter(pk=invitation_id).first()


def api_token_list_by_prefix(*, prefix: str, workspace: Workspace | None = None) -> QuerySet[ApiToken]:
    """Live tokens whose visible prefix is ``prefix`` (for ``relasi token revoke``)."""
    tokens = ApiToken.objects.select_related("user", "workspace").filter(
        prefix=prefix, revoked_at__isnull=True
    )
    if workspace is not None:
        tokens = tokens.filter(workspace=workspace)
    return tokens.order_by("-created_at")


def audit_log_list(
    *, workspace: Workspace, action: str = "", actor: User | None = None
) -> QuerySet[AuditLog]:
    """The workspace's audit log, plus the account events (sign-in, sign-out, failed
    sign-ins, profile and password changes) of its current members, which belong to no
    workspace. ``action`` and ``actor`` narrow it; a failed sign-in counts for the person
    whose address was typed."""
    member_emails = Membership.objects.filter(workspace=workspace).values("user__email")
    entries = AuditLog.objects.select_related("actor").filter(
        Q(workspace=workspace) | Q(workspace__isnull=True, actor_email__in=member_emails)
    )
    if action:
        entries = entries.filter(action=action)
    if actor is not None:
        entries = entries.filter(Q(actor=actor) | Q(actor__isnull=True, actor_email__iexact=actor.email))
    return entries


def outbox_list(*, workspace: Workspace) -> QuerySet[OutboxMail]:
    """Mail the embedded mode's sink kept for this workspace (newest first)."""
    return OutboxMail.objects.filter(workspace=workspace)


def outbox_get(*, workspace: Workspace, mail_id: int) -> OutboxMail | None:
    """One mail of :func:`outbox_list`, or ``None`` when it went to nobody of this workspace."""
    return outbox_list(workspace=workspace).filter(pk=mail_id).first()


def workspace_get_by_slug(*, slug: str) -> Workspace | None:
    return Workspace.objects.filter(slug=slug).first()


def user_get_by_email(*, email: str) -> User | None:
    return User.objects.filter(email__iexact=email.strip()).first()
