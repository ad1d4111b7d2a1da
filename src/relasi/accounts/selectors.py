"""Reads for accounts, always scoped to what the user may see."""

from __future__ import annotations

from django.db.models import QuerySet

from relasi.accounts.models import ApiToken, Invitation, Membership, User, Workspace
from relasi.core.models import AuditLog, OutboxMail


def membership_get(*, user: User, slug: str) -> Membership | None:
    """The user's membership in the workspace ``slug``, or ``None`` (no hint that it exists)."""
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.select_related("workspace", "user")
        .filter(user=user, workspace__slug=slug)
        .first()
    )


def membership_list_for_user(*, user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.select_related("workspace")
        .filter(user=user)
        .order_by("workspace__name")
    )


def membership_list(*, workspace: Workspace) -> QuerySet[Membership]:
    return (
        Membership.objects.select_related("user").filter(workspace=workspace).order_by("user__email")
    )


def membership_get_in_workspace(*, workspace: Workspace, membership_id: int) -> Membership | None:
    return (
        Membership.objects.select_related("user", "workspace")
        .filter(workspace=workspace, pk=membership_id)
        .first()
    )


def invitation_list_pending(*, workspace: Workspace) -> QuerySet[Invitation]:
    return Invitation.objects.select_related("invited_by").filter(
        workspace=workspace, accepted_at__isnull=True, revoked_at__isnull=True
    ).order_by("-created_at")


def api_token_list(*, user: User, workspace: Workspace) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user, workspace=workspace, revoked_at__isnull=True).order_by(
        "-created_at"
    )


def api_token_get(*, user: User, workspace: Workspace, token_id: int) -> ApiToken | None:
    return api_token_list(user=user, workspace=workspace).filter(pk=token_id).first()


def audit_log_list(*, workspace: Workspace) -> QuerySet[AuditLog]:
    return AuditLog.objects.select_related("actor").filter(workspace=workspace)


def outbox_list(*, workspace: Workspace) -> QuerySet[OutboxMail]:
    """Mail kept by the embedded mode's sink that went to this workspace's members or invitees."""
    emails = set(
        Membership.objects.filter(workspace=workspace).values_list("user__email", flat=True)
    ) | set(Invitation.objects.filter(workspace=workspace).values_list("email", flat=True))
    from django.db.models import Q

    query = Q()
    for email in emails:
        query |= Q(to__icontains=email)
    return OutboxMail.objects.filter(query) if emails else OutboxMail.objects.none()


def workspace_get_by_slug(*, slug: str) -> Workspace | None:
    return Workspace.objects.filter(slug=slug).first()


def user_get_by_email(*, email: str) -> User | None:
    return User.objects.filter(email__iexact=email.strip()).first()
