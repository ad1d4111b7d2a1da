"""Forms give the shape of the input only; the rules live in ``accounts.services``, whose
errors are put back on the form's fields with :func:`apply_errors`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from relasi.accounts.enums import Language, Role, TimeZone
from relasi.core.exceptions import ApplicationError
from relasi.core.models import AuditAction


def apply_errors(form: forms.Form, error: ApplicationError) -> None:
    """Show a service's field errors on the form (unknown fields and the message go on top)."""
    for name, message in error.fields.items():
        form.add_error(name if name in form.fields else None, str(message))
    if not error.fields or not any(name in form.fields for name in error.fields):
        form.add_error(None, str(error.message))


class SignInForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail"), widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class SignUpFromInvitationForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    password = forms.CharField(
        label=_("Password"),
        min_length=8,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters; not only digits."),
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.AGENT)

    def __init__(self, *args: Any, roles: list[tuple[str, Any]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if roles is not None:
            self.fields["role"].choices = roles  # type: ignore[attr-defined]


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=80, help_text=_("What the token is for, e.g. “Accounting sync”.")
    )


class WorkspaceForm(forms.Form):
    name = forms.CharField(label=_("Business name"), max_length=120)
    city = forms.CharField(label=_("City"), max_length=80, required=False)
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        choices=TimeZone.choices,
        help_text=_("Times in Relasi are shown in this time zone."),
    )


class ProfileForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)


class PasswordChangeForm(forms.Form):
    current_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits, not a common password."),
    )
    new_password_again = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        new, again = data.get("new_password"), data.get("new_password_again")
        if new and again and new != again:
            self.add_error("new_password_again", _("The two new passwords differ. Type the same one twice."))
        return data


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("All")), *AuditAction.choices]
    )
    person = forms.TypedChoiceField(label=_("Person"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", _("Everyone")), *people]  # type: ignore[attr-defined]
