"""Writes for users, workspaces, memberships, invitations, API tokens and sign-in."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from relasi.accounts.enums import Language, Role, TimeZone
from relasi.accounts.models import ApiToken, Invitation, Membership, User, Workspace
from relasi.core.audit import audit_record
from relasi.core.exceptions import Conflict, PermissionDenied, ValidationError
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
        (cache.get(key) or 0) >= lim
        for key, lim in zip(_throttle_keys(email, ip), limits, strict=False)
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
    *, workspace: Workspace, email: str, role: str, invited_by: User
) -> tuple[Invitation, str]:
    """Invite ``email`` to ``workspace`` as ``role``; the link is e-mailed after commit.

    Returns the invitation and the raw token (shown once, only its hash is stored).
    """
    email = email.strip().lower()
    if role not in Role.values:
        raise ValidationError(_("Unknown role."), fields={"role": _("Choose one of the roles.")})
    if role == Role.OWNER and not Membership.objects.filter(
        user=invited_by, workspace=workspace, role=Role.OWNER
    ).exists():
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
            send_mail(
                subject=_("Invitation to join %(workspace)s on Relasi") % context,
                message=render_to_string("accounts/email/invitation.txt", context),
                from_email=None,
                recipient_list=[email],
            )

    transaction.on_commit(_send)
    return invitation, raw


def invitation_get_by_token(*, raw: str) -> Invitation | None:
    invitation = (
        Invitation.objects.select_related("workspace").filter(token_hash=_hash(raw)).first()
    )
    if (
        invitation is None
        or invitation.accepted_at
        or invitation.revoked_at
        or invitation.expires_at < timezone.now()
    ):
        return None
    return invitation


@transaction.atomic
def invitation_accept(*, raw: str, user: User) -> Membership:
    """Join the workspace of the invitation. The signed-in address must be the invited one."""
    invitation = invitation_get_by_token(raw=raw)
    if invitation is None:
        raise ValidationError(
            _("This invitation is no longer valid. Ask for a new one."), code="invitation_invalid"
        )
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at:
        raise ValidationError(_("This invitation was already used."), code="invitation_used")
    if invitation.email.lower() != user.email.lower():
        raise PermissionDenied(
            _("This invitation was sent to %(email)s. Sign in with that address.")
            % {"email": invitation.email},
            code="invitation_other_email",
        )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    membership, _created = Membership.objects.get_or_create(
        user=user, workspace=invitation.workspace, defaults={"role": invitation.role}
    )
    return membership


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, changed_by: Membership) -> None:
    """Change a member's role. Only an owner touches owners; the last owner stays an owner."""
    if role not in Role.values:
        raise ValidationError(_("Unknown role."), fields={"role": _("Choose one of the roles.")})
    if (Role.OWNER in (membership.role, role)) and changed_by.role != Role.OWNER:
        raise PermissionDenied(_("Only an owner can change an owner's role or make an owner."))
    if membership.role == Role.OWNER and role != Role.OWNER:
        owners = Membership.objects.select_for_update().filter(
            workspace=membership.workspace, role=Role.OWNER
        )
        if owners.count() <= 1:
            raise Conflict(
                _("A workspace needs at least one owner."),
                code="last_owner",
                fields={"role": _("Make someone else owner first.")},
            )
    membership.role = role
    membership.save(update_fields=["role"])


@transaction.atomic
def membership_remove(*, membership: Membership, removed_by: Membership) -> None:
    if membership.role == Role.OWNER:
        membership_change_role(membership=membership, role=Role.VIEWER, changed_by=removed_by)
    ApiToken.objects.filter(user=membership.user, workspace=membership.workspace).update(
        revoked_at=timezone.now()
    )
    membership.delete()


# API tokens ----------------------------------------------------------------------------

TOKEN_PREFIX = "rls_"


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
    for _attempt in range(3):
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(
                    user=user, workspace=workspace, name=name[:80], prefix=raw[:10], key_hash=_hash(raw)
                )
            return token, raw
        except IntegrityError:  # pragma: no cover - a 256-bit collision
            continue
    raise RuntimeError("could not create a unique token")


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])


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
