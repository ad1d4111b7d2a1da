"""Sign-in, sign-out, language, invitations (accept)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relasi.accounts import services
from relasi.accounts.enums import Language
from relasi.accounts.forms import SignInForm, SignUpFromInvitationForm
from relasi.accounts.models import User
from relasi.accounts.selectors import user_get_by_email
from relasi.core.audit import audit_record
from relasi.core.exceptions import ApplicationError
from relasi.core.models import AuditAction


def _safe_next(request: HttpRequest, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def sign_in_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_safe_next(request, "/"))
    form = SignInForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                user = services.sign_in(
                    request=request,
                    email=form.cleaned_data["email"],
                    password=form.cleaned_data["password"],
                )
            except ApplicationError as error:
                form.add_error(None, str(error.message))
                status = error.status if error.status != 400 else 400
                if error.code == "sign_in_locked":
                    status = 429
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return redirect(_safe_next(request, "/"))
        else:
            status = 400
    return render(request, "accounts/sign_in.html", {"form": form}, status=status)


@require_POST
def sign_out_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        assert isinstance(request.user, User)
        audit_record(action=AuditAction.SIGN_OUT, actor=request.user, ip_address=services.client_ip(request))
    logout(request)
    return redirect("accounts:login")


@require_POST
def language_view(request: HttpRequest) -> HttpResponse:
    """Switch the language: stored on the user when signed in, and in a cookie always."""
    language = request.POST.get("language", "")
    response: HttpResponse = HttpResponseRedirect(_safe_next(request, "/"))
    if language not in Language.values:
        messages.error(request, _("Unknown language."))
        return response
    if request.user.is_authenticated:
        assert isinstance(request.user, User)
        services.user_set_language(user=request.user, language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    """Open an invitation link: sign in (or create the account) as the invited address, then
    join the workspace."""
    invitation = services.invitation_get_by_token(raw=token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    existing = user_get_by_email(email=invitation.email)
    form = SignUpFromInvitationForm(request.POST or None) if existing is None else None
    if request.method == "POST":
        try:
            if request.user.is_authenticated:
                assert isinstance(request.user, User)
                user = request.user
            elif form is not None and form.is_valid():
                try:
                    validate_password(form.cleaned_data["password"])
                except DjangoValidationError as error:
                    form.add_error("password", error)
                    return render(
                        request,
                        "accounts/invitation_accept.html",
                        {"invitation": invitation, "form": form, "existing": existing},
                        status=400,
                    )
                user = services.user_create(
                    email=invitation.email,
                    password=form.cleaned_data["password"],
                    full_name=form.cleaned_data["full_name"],
                )
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            else:
                return render(
                    request,
                    "accounts/invitation_accept.html",
                    {"invitation": invitation, "form": form, "existing": existing},
                    status=400,
                )
            membership = services.invitation_accept(raw=token, user=user)
        except ApplicationError as error:
            messages.error(request, str(error.message))
            return render(
                request,
                "accounts/invitation_accept.html",
                {"invitation": invitation, "form": form, "existing": existing},
                status=error.status,
            )
        messages.success(request, _("Welcome to %(workspace)s.") % {"workspace": membership.workspace.name})
        return redirect("contacts:list", membership.workspace.slug)
    return render(
        request,
        "accounts/invitation_accept.html",
        {"invitation": invitation, "form": form, "existing": existing},
    )
