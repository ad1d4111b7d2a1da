"""Writes for users, workspaces, memberships, invitations, API tokens and sign-in."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from relasi.accounts.enums import Language, Role, TimeZone
from relasi.accounts.models import ApiToken, Invitation, Membership, User, Workspace
from relasi.accounts.permissions import Perm
from relasi.core.audit import audit_record, diff, snapshot
from relasi.core.exceptions import Conflict, PermissionDenied, ValidationError
from relasi.core.mail import send_workspace_mail
from relasi.core.models import AuditAction

INVITATION_DAYS = 7


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


@transaction.atomic
def user_create(
    *, email: str, password: str | None, full_name: str = "", language: str = Language.INDONESIAN
) -> User:
    """Create a person who signs in with ``email``. Addresses are unique, case-insensitive."""
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(
            _("An account with this e-mail address already exists."),
            code="email_taken",
            fields={"email": _("Use another address, or sign in with this one.")},
        )
    return User.objects.create_user(email, password, full_name=full_name, language=language)


@transaction.atomic
def workspace_create(
    *, name: str, owner: User, slug: str = "", timezone_name: str = TimeZone.WIB, city: str = ""
) -> Workspace:
    """Create a business and make ``owner`` its first owner."""
    slug = slugify(slug or name)[:50]
    if not slug:
        raise ValidationError(
            _("The workspace needs a name."), fields={"name": _("Type the name of the business.")}
        )
    if Workspace.objects.filter(slug=slug).exists():
        raise Conflict(
            _("The address '%(slug)s' is taken.") % {"slug": slug},
            code="slug_taken",
            fields={"slug": _("Choose another short name.")},
        )
    workspace = Workspace.objects.create(name=name, slug=slug, timezone=timezone_name, city=city)
    Membership.objects.create(user=owner, workspace=workspace, role=Role.OWNER)
    return workspace


@transaction.atomic
def user_set_language(*, user: User, language: str) -> User:
    if language not in Language.values:
        raise ValidationError(
            _("Unknown language."), fields={"language": _("Choose Bahasa Indonesia or English.")}
        )
    user.language = language
    user.save(update_fields=["language"])
    return user


# Sign-in -------------------------------------------------------------------------------


def _throttle_keys(email: str, ip: str | None) -> list[str]:
    keys = [f"signin-fail:email:{_hash(email.lower())}"]
    if ip:
        keys.append(f"signin-fail:ip:{ip}")
    return keys


def sign_in_is_locked(*, email: str, ip: str | None) -> bool:
    limit = settings.RELASI_LOGIN_MAX_FAILURES
    # An address is allowed several times the per-account limit (offices share one NAT).
    limits = [limit, limit * 4]
    return any(
        (cache.get(key) or 0) >= lim for key, lim in zip(_throttle_keys(email, ip), limits, strict=False)
    )


def sign_in(*, request: HttpRequest, email: str, password: str) -> User:
    """Check the password, counting failures per e-mail and per client address.

    After ``RELASI_LOGIN_MAX_FAILURES`` failures the account is locked for
    ``RELASI_LOGIN_LOCKOUT_SECONDS``, even for the right password. Every attempt is audited.
    """
    ip = client_ip(request)
    email = email.strip().lower()
    if sign_in_is_locked(email=email, ip=ip):
        audit_record(
            action=AuditAction.SIGN_IN_FAILED,
            actor=None,
            actor_email=email,
            ip_address=ip,
            changes={"reason": "locked"},
        )
        raise PermissionDenied(
            _("Too many failed attempts. Wait %(minutes)d minutes and try again.")
            % {"minutes": settings.RELASI_LOGIN_LOCKOUT_SECONDS // 60},
            code="sign_in_locked",
        )
    user = authenticate(request, username=email, password=password)
    if user is None or not isinstance(user, User):
        for key in _throttle_keys(email, ip):
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, timeout=settings.RELASI_LOGIN_LOCKOUT_SECONDS)
        audit_record(
            action=AuditAction.SIGN_IN_FAILED,
            actor=None,
            actor_email=email,
            ip_address=ip,
            changes={"reason": "credentials"},
        )
        raise ValidationError(
            _("The e-mail address or password is wrong."),
            code="invalid_credentials",
            fields={"password": _("Check the password and try again.")},
        )
    cache.delete(_throttle_keys(email, ip)[0])
    audit_record(action=AuditAction.SIGN_IN, actor=user, ip_address=ip)
    return user


# Invitations ---------------------------------------------------------------------------


@transaction.atomic
def invitation_create(
    *,
    workspace: Workspace,
    email: str,
    role: str,
    invited_by: User,
    ip_address: str | None = None,
) -> tuple[Invitation, str]:
    """Invite ``email`` to ``workspace`` as ``role``; the link is e-mailed after commit.

    The inviter must be a member allowed to manage members; only an owner invites an owner.
    An earlier pending invitation to the same address is withdrawn. Returns the invitation
    and the raw token (shown once, only its hash is stored).
    """
    email = email.strip().lower()
    try:
        validate_email(email)
    except DjangoValidationError as error:
        raise ValidationError(
            _("'%(email)s' is not an e-mail address.") % {"email": email},
            fields={"email": _("Type an address like nama@contoh.co.id.")},
        ) from error
    if role not in Role.values:
        raise ValidationError(_("Unknown role."), fields={"role": _("Choose one of the roles.")})
    inviter = Membership.objects.filter(user=invited_by, workspace=workspace).first()
    if inviter is None or not inviter.can(Perm.MEMBERS_MANAGE):
        raise PermissionDenied(_("Your role does not allow inviting people."))
    if role == Role.OWNER and inviter.role != Role.OWNER:
        raise PermissionDenied(
            _("Only an owner can invite another owner."),
            fields={"role": _("Choose a role other than owner.")},
        )
    if Membership.objects.filter(workspace=workspace, user__email__iexact=email).exists():
        raise Conflict(
            _("%(email)s is already a member of this workspace.") % {"email": email},
            code="already_member",
            fields={"email": _("This person can already sign in to the workspace.")},
        )
    Invitation.objects.filter(
        workspace=workspace, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    raw = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        workspace=workspace,
        email=email,
        role=role,
        token_hash=_hash(raw),
        invited_by=invited_by,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    audit_record(
        action=AuditAction.CREATE,
        actor=invited_by,
        workspace=workspace,
        instance=invitation,
        changes={"email": email, "role": role},
        ip_address=ip_address,
    )
    url = settings.RELASI_BASE_URL.rstrip("/") + reverse("accounts:invitation_accept", args=[raw])
    language = invited_by.language

    def _send() -> None:
        with translation.override(language):
            context = {
                "workspace": workspace.name,
                "inviter": str(invited_by),
                "role": Role(role).label,
                "url": url,
                "days": INVITATION_DAYS,
            }
            send_workspace_mail(
                workspace_id=workspace.pk,
                subject=_("Invitation to join %(workspace)s on Relasi") % context,
                body=render_to_string("accounts/email/invitation.txt", context),
                to=[email],
            )

    transaction.on_commit(_send)
    return invitation, raw


def invitation_get_by_token(*, raw: str) -> Invitation | None:
    invitation = Invitation.objects.select_related("workspace").filter(token_hash=_hash(raw)).first()
    if (
        invitation is None
        or invitation.accepted_at
        or invitation.revoked_at
        or invitation.expires_at < timezone.now()
    ):
        return None
    return invitation


@transaction.atomic
def invitation_accept(*, raw: str, user: User, ip_address: str | None = None) -> Membership:
    """Join the workspace of the invitation. The signed-in address must be the invited one."""
    invitation = invitation_get_by_token(raw=raw)
    if invitation is None:
        raise ValidationError(
            _("This invitation is no longer valid. Ask for a new one."), code="invitation_invalid"
        )
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError(_("This invitation was already used."), code="invitation_used")
    if invitation.email.lower() != user.email.lower():
        raise PermissionDenied(
            _("This invitation was sent to %(email)s. Sign in with that address.")
            % {"email": invitation.email},
            code="invitation_other_email",
        )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    membership, created = Membership.objects.get_or_create(
        user=user, workspace=invitation.workspace, defaults={"role": invitation.role}
    )
    if created:
        audit_record(
            action=AuditAction.CREATE,
            actor=user,
            workspace=invitation.workspace,
            instance=membership,
            changes={"user": user.email, "role": membership.role, "invitation": invitation.pk},
            ip_address=ip_address,
        )
    return membership


@transaction.atomic
def invitation_revoke(
    *, invitation: Invitation, revoked_by: Membership, ip_address: str | None = None
) -> Invitation:
    """Withdraw a pending invitation: its link stops working at once.

    Only a member of the invitation's workspace who may manage members can do it; an
    invitation that was already accepted or withdrawn cannot be withdrawn again.
    """
    _check_manages_members(workspace_id=invitation.workspace_id, actor=revoked_by)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise Conflict(
            _("%(email)s already accepted this invitation.") % {"email": invitation.email},
            code="invitation_used",
        )
    if invitation.revoked_at is not None:
        raise Conflict(_("This invitation was already withdrawn."), code="invitation_revoked")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        action=AuditAction.UPDATE,
        actor=revoked_by.user,
        workspace=revoked_by.workspace,
        instance=invitation,
        changes={"status": ["pending", "revoked"]},
        ip_address=ip_address,
    )
    return invitation


# Members -------------------------------------------------------------------------------


def _check_manages_members(*, workspace_id: int, actor: Membership) -> None:
    """``actor`` belongs to the workspace and its role may manage members."""
    if actor.workspace_id != workspace_id or not actor.can(Perm.MEMBERS_MANAGE):
        raise PermissionDenied(_("Your role does not allow managing members."))


def _check_keeps_an_owner(*, membership: Membership) -> None:
    """Raise unless another owner remains when ``membership`` stops being an owner."""
    # Lock the owner rows (a list: FOR UPDATE cannot be combined with COUNT on PostgreSQL),
    # so two owners demoting each other at once cannot leave the workspace without one.
    owners = list(
        Membership.objects.select_for_update()
        .filter(workspace_id=membership.workspace_id, role=Role.OWNER)
        .values_list("pk", flat=True)
    )
    if not any(pk != membership.pk for pk in owners):
        raise Conflict(
            _("A workspace needs at least one owner."),
            code="last_owner",
            fields={"role": _("Make someone else owner first.")},
        )


@transaction.atomic
def membership_change_role(
    *, membership: Membership, role: str, changed_by: Membership, ip_address: str | None = None
) -> None:
    """Change a member's role. Only an owner touches owners; the last owner stays an owner."""
    _check_manages_members(workspace_id=membership.workspace_id, actor=changed_by)
    if role not in Role.values:
        raise ValidationError(_("Unknown role."), fields={"role": _("Choose one of the roles.")})
    if (Role.OWNER in (membership.role, role)) and changed_by.role != Role.OWNER:
        raise PermissionDenied(
            _("Only an owner can change an owner's role or make an owner."),
            fields={"role": _("Ask an owner to do this.")},
        )
    if membership.role == role:
        return
    if membership.role == Role.OWNER:
        _check_keeps_an_owner(membership=membership)
    old_role = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        action=AuditAction.UPDATE,
        actor=changed_by.user,
        workspace=membership.workspace,
        instance=membership,
        changes={"role": [old_role, role]},
        ip_address=ip_address,
    )


@transaction.atomic
def membership_remove(
    *, membership: Membership, removed_by: Membership, ip_address: str | None = None
) -> None:
    """Remove a member from the workspace and revoke their API tokens there.

    Only an owner removes an owner, never the last one; nobody removes themselves here.
    """
    _check_manages_members(workspace_id=membership.workspace_id, actor=removed_by)
    if membership.pk == removed_by.pk:
        raise ValidationError(
            _("You cannot remove yourself. Ask another owner or admin to do it."),
            code="remove_self",
        )
    if membership.role == Role.OWNER:
        if removed_by.role != Role.OWNER:
            raise PermissionDenied(_("Only an owner can remove an owner."))
        _check_keeps_an_owner(membership=membership)
    ApiToken.objects.filter(
        user=membership.user, workspace=membership.workspace, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    audit_record(
        action=AuditAction.DELETE,
        actor=removed_by.user,
        workspace=membership.workspace,
        instance=membership,
        changes={"user": membership.user.email, "role": membership.role},
        ip_address=ip_address,
    )
    membership.delete()


# Workspace and profile settings --------------------------------------------------------

WORKSPACE_FIELDS = ("name", "city", "timezone")
PROFILE_FIELDS = ("full_name", "language")


@transaction.atomic
def workspace_update(
    *,
    workspace: Workspace,
    updated_by: Membership,
    name: str,
    city: str,
    timezone_name: str,
    ip_address: str | None = None,
) -> Workspace:
    """Change the business's name, city and time zone (WIB, WITA or WIT).

    Needs a role that may manage settings. The change is audited as ``{field: [old, new]}``.
    """
    if updated_by.workspace_id != workspace.pk or not updated_by.can(Perm.SETTINGS_MANAGE):
        raise PermissionDenied(_("Your role does not allow changing the workspace settings."))
    name, city = name.strip(), city.strip()
    fields: dict[str, str] = {}
    if not name:
        fields["name"] = _("Type the name of the business.")
    elif len(name) > Workspace._meta.get_field("name").max_length:  # type: ignore[operator]
        fields["name"] = _("Use at most 120 characters.")
    if len(city) > Workspace._meta.get_field("city").max_length:  # type: ignore[operator]
        fields["city"] = _("Use at most 80 characters.")
    if timezone_name not in TimeZone.values:
        fields["timezone"] = _("Choose WIB, WITA or WIT.")
    if fields:
        raise ValidationError(_("Some fields need attention."), fields=fields)
    before = snapshot(workspace, WORKSPACE_FIELDS)
    workspace.name, workspace.city, workspace.timezone = name, city, timezone_name
    changes = diff(before, snapshot(workspace, WORKSPACE_FIELDS))
    if changes:
        workspace.save(update_fields=list(changes))
        audit_record(
            action=AuditAction.UPDATE,
            actor=updated_by.user,
            workspace=workspace,
            instance=workspace,
            changes=changes,
            ip_address=ip_address,
        )
    return workspace


@transaction.atomic
def user_update_profile(*, user: User, full_name: str, language: str, ip_address: str | None = None) -> User:
    """Change one's own name and language. Audited (the name is personal data)."""
    full_name = full_name.strip()
    fields: dict[str, str] = {}
    if len(full_name) > User._meta.get_field("full_name").max_length:  # type: ignore[operator]
        fields["full_name"] = _("Use at most 150 characters.")
    if language not in Language.values:
        fields["language"] = _("Choose Bahasa Indonesia or English.")
    if fields:
        raise ValidationError(_("Some fields need attention."), fields=fields)
    before = snapshot(user, PROFILE_FIELDS)
    user.full_name, user.language = full_name, language
    changes = diff(before, snapshot(user, PROFILE_FIELDS))
    if changes:
        user.save(update_fields=list(changes))
        audit_record(
            action=AuditAction.UPDATE, actor=user, instance=user, changes=changes, ip_address=ip_address
        )
    return user


@transaction.atomic
def user_change_password(
    *, user: User, current_password: str, new_password: str, ip_address: str | None = None
) -> User:
    """Set a new password after checking the current one and Django's password validators.

    Other sessions of the user end (Django ties sessions to the password hash); the caller
    keeps the current one with ``update_session_auth_hash``.
    """
    if not user.check_password(current_password):
        raise ValidationError(
            _("The current password is wrong."),
            code="wrong_password",
            fields={"current_password": _("Type the password you signed in with.")},
        )
    try:
        validate_password(new_password, user=user)
    except DjangoValidationError as error:
        raise ValidationError(
            _("Choose another password."),
            code="weak_password",
            fields={"new_password": " ".join(error.messages)},
        ) from error
    user.set_password(new_password)
    user.save(update_fields=["password"])
    # The hashes themselves never go into the log.
    audit_record(
        action=AuditAction.UPDATE,
        actor=user,
        instance=user,
        changes={"password": ["********", "********"]},
        ip_address=ip_address,
    )
    return user


# API tokens ----------------------------------------------------------------------------

TOKEN_PREFIX = "rls_"  # noqa: S105 - a public marker that makes tokens recognisable, not a secret


@transaction.atomic
def api_token_create(*, user: User, workspace: Workspace, name: str) -> tuple[ApiToken, str]:
    """A new bearer token for ``user`` in ``workspace``. The raw token is returned once."""
    if not Membership.objects.filter(user=user, workspace=workspace).exists():
        raise PermissionDenied(
            _("%(email)s is not a member of %(workspace)s.")
            % {"email": user.email, "workspace": workspace.slug},
            code="not_member",
        )
    name = name.strip() or _("API token")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)  # 256 bits: a collision is not a concern
    token = ApiToken.objects.create(
        user=user, workspace=workspace, name=name[:80], prefix=raw[:10], key_hash=_hash(raw)
    )
    audit_record(
        action=AuditAction.CREATE,
        actor=user,
        workspace=workspace,
        instance=token,
        changes={"name": token.name, "prefix": token.prefix},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User | None = None) -> None:
    """Stop a token from working; it stays listed in the audit log."""
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        action=AuditAction.DELETE,
        actor=actor or token.user,
        workspace=token.workspace,
        instance=token,
        changes={"name": token.name, "prefix": token.prefix},
    )


def api_token_authenticate(*, raw: str) -> ApiToken | None:
    """The live token for ``raw`` with its user, workspace and membership, or ``None``."""
    token = (
        ApiToken.objects.select_related("user", "workspace")
        .filter(key_hash=_hash(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
