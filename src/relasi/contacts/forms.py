"""Forms give the shape of the input only; every rule lives in ``contacts.validation`` so the
web, the API and the importer agree. Service errors are put back on the form's fields."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from relasi.accounts.models import Workspace
from relasi.contacts import selectors
from relasi.contacts.enums import BuyerType, ContactKind, CustomFieldType, Gender, Source
from relasi.contacts.models import Contact


class ContactForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ContactKind.choices, initial=ContactKind.EXTERNAL)
    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    phone = forms.CharField(
        label=_("Phone / WhatsApp"),
        required=False,
        max_length=40,
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "0812-3456-7890"}
        ),
    )
    phone_alt = forms.CharField(
        label=_("Other phone"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    email = forms.CharField(
        label=_("E-mail"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    company_id = forms.ChoiceField(label=_("Company"), required=False)
    department_id = forms.ChoiceField(
        label=_("Department"), required=False, help_text=_("For internal customers.")
    )
    job_title = forms.CharField(label=_("Job title"), required=False, max_length=100)
    address = forms.CharField(label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    province = forms.CharField(label=_("Province"), required=False, max_length=60)
    city = forms.CharField(label=_("City / regency"), required=False, max_length=80)
    postal_code = forms.CharField(label=_("Postal code"), required=False, max_length=10)
    birthday = forms.CharField(
        label=_("Birthday"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, required=False)
    nik = forms.CharField(
        label=_("NIK"), required=False, max_length=20, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    npwp = forms.CharField(
        label=_("NPWP"),
        required=False,
        max_length=25,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        help_text=_("16 digits; an old 15-digit NPWP is accepted."),
    )
    passport_no = forms.CharField(label=_("Passport number"), required=False, max_length=20)
    buyer_type = forms.ChoiceField(
        label=_("Buyer type"), choices=BuyerType.choices, initial=BuyerType.ID_INDIVIDUAL
    )
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices, required=False)
    owner_id = forms.ChoiceField(label=_("Person in charge"), required=False)
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separate with commas."))

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        empty = [("", "—")]
        companies = selectors.company_list(workspace=workspace).order_by("name")[:500]
        departments = selectors.department_list(workspace=workspace).order_by("name")
        members = selectors.member_user_list(workspace=workspace)
        cast(forms.ChoiceField, self.fields["company_id"]).choices = empty + [
            (str(c.pk), c.name) for c in companies
        ]
        cast(forms.ChoiceField, self.fields["department_id"]).choices = empty + [
            (str(d.pk), d.name) for d in departments
        ]
        cast(forms.ChoiceField, self.fields["owner_id"]).choices = empty + [
            (str(u.pk), str(u)) for u in members
        ]
        self.custom_definitions = list(selectors.custom_field_list(workspace=workspace))
        for definition in self.custom_definitions:
            name = f"cf_{definition.key}"
            if definition.field_type == CustomFieldType.CHOICE:
                self.fields[name] = forms.ChoiceField(
                    label=definition.label,
                    required=False,
                    choices=[("", "—")] + [(c, c) for c in definition.choices],
                )
            elif definition.field_type == CustomFieldType.DATE:
                self.fields[name] = forms.CharField(
                    label=definition.label, required=False, widget=forms.DateInput(attrs={"type": "date"})
                )
            elif definition.field_type == CustomFieldType.NUMBER:
                self.fields[name] = forms.CharField(
                    label=definition.label,
                    required=False,
                    widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                )
            else:
                self.fields[name] = forms.CharField(label=definition.label, required=False, max_length=500)
        self.fields["full_name"].widget.attrs["required"] = "required"

    def values(self) -> dict[str, Any]:
        """The cleaned shape, as the services expect it."""
        data = dict(self.cleaned_data)
        custom = {d.key: data.pop(f"cf_{d.key}", "") for d in self.custom_definitions}
        data["custom_fields"] = custom
        data["tags"] = [t for t in str(data.get("tags") or "").split(",") if t.strip()]
        return data

    @classmethod
    def initial_for(cls, contact: Contact) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(contact, name)
            for name in (
                "kind",
                "full_name",
                "job_title",
                "email",
                "address",
                "province",
                "city",
                "postal_code",
                "gender",
                "nik",
                "npwp",
                "passport_no",
                "buyer_type",
                "source",
            )
        }
        initial["phone"] = contact.phone_raw or contact.phone
        initial["phone_alt"] = contact.phone_alt_raw or contact.phone_alt
        initial["birthday"] = contact.birthday.isoformat() if contact.birthday else ""
        initial["company_id"] = str(contact.company_id or "")
        initial["department_id"] = str(contact.department_id or "")
        initial["owner_id"] = str(contact.owner_id or "")
        initial["tags"] = ", ".join(t.name for t in contact.tags.all())
        for key, value in contact.custom_fields.items():
            initial[f"cf_{key}"] = value
        return initial


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10000)
