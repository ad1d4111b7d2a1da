"""Forms for companies, departments and custom field definitions.

They give the shape of the input only (lengths that fit the columns, the options of a select);
every rule lives in ``contacts.services`` and ``contacts.custom_fields``, whose errors the
views put back on these fields with ``relasi.web.forms.apply_errors``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from relasi.accounts.models import Workspace
from relasi.contacts import selectors, selectors_org
from relasi.contacts.enums import CustomFieldType
from relasi.contacts.models import Company, CustomFieldDefinition, Department

_EMPTY = [("", "—")]
_NUMERIC = {"inputmode": "numeric", "autocomplete": "off"}


def _text(label: Any, max_length: int, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, required=False, **kwargs)


class CompanyForm(forms.Form):
    name = _text(_("Name"), 200, widget=forms.TextInput(attrs={"required": "required"}))
    npwp = _text(
        _("NPWP"),
        25,
        widget=forms.TextInput(attrs=_NUMERIC),
        help_text=_("16 digits; an old 15-digit NPWP is accepted and gets a leading 0."),
    )
    nitku = _text(
        _("NITKU"),
        30,
        widget=forms.TextInput(attrs=_NUMERIC),
        help_text=_("22 digits: the NPWP followed by 6 digits (000000 for the head office)."),
    )
    email = _text(_("E-mail"), 254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = _text(
        _("Phone"), 40, widget=forms.TextInput(attrs={"inputmode": "tel", "placeholder": "(021) 555-1234"})
    )
    website = _text(_("Website"), 200, widget=forms.TextInput(attrs={"inputmode": "url"}))
    industry = _text(_("Industry"), 80)
    address = forms.CharField(label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    province = _text(_("Province"), 60)
    city = _text(_("City / regency"), 80)
    postal_code = _text(_("Postal code"), 10, widget=forms.TextInput(attrs=_NUMERIC))
    owner_id = forms.ChoiceField(label=_("Person in charge"), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_id"].choices = _EMPTY + [  # type: ignore[attr-defined]
            (str(u.pk), str(u)) for u in selectors.member_user_list(workspace=workspace)
        ]

    def values(self) -> dict[str, Any]:
        """The cleaned shape, as ``company_create`` / ``company_update`` expect it."""
        return dict(self.cleaned_data)

    @staticmethod
    def initial_for(company: Company) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(company, name)
            for name in (
                "name",
                "npwp",
                "nitku",
                "email",
                "website",
                "industry",
                "address",
                "province",
                "city",
                "postal_code",
                "notes",
            )
        }
        initial["phone"] = company.phone_raw or company.phone
        initial["owner_id"] = str(company.owner_id or "")
        return initial


class DepartmentForm(forms.Form):
    name = _text(_("Name"), 120, widget=forms.TextInput(attrs={"required": "required"}))
    code = _text(_("Code"), 20, help_text=_("A short code, e.g. GDG for Gudang. Optional."))
    parent_id = forms.ChoiceField(
        label=_("Part of"), required=False, help_text=_("The department this one belongs to, if any.")
    )
    head_id = forms.ChoiceField(
        label=_("Head"), required=False, help_text=_("A colleague (internal customer) who leads it.")
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(
        self, *args: Any, workspace: Workspace, department: Department | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # A department cannot sit under itself or under one of its own sub-departments.
        excluded: set[int] = set()
        if department is not None:
            excluded = {department.pk} | selectors_org.department_descendant_ids(
                workspace=workspace, department_id=department.pk
            )
        self.fields["parent_id"].choices = _EMPTY + [  # type: ignore[attr-defined]
            (str(d.pk), d.name)
            for d in selectors.department_list(workspace=workspace).order_by("name")
            if d.pk not in excluded
        ]
        heads = [
            (str(c.pk), f"{c.full_name} · {c.department.name}" if c.department else c.full_name)
            for c in selectors_org.department_head_candidates(workspace=workspace)
        ]
        if department is not None and department.head is not None:
            current = str(department.head.pk)
            if current not in {pk for pk, _label in heads}:
                heads.insert(0, (current, department.head.full_name))
        self.fields["head_id"].choices = _EMPTY + heads  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        """The cleaned shape, as ``department_create`` / ``department_update`` expect it."""
        return dict(self.cleaned_data)

    @staticmethod
    def initial_for(department: Department) -> dict[str, Any]:
        return {
            "name": department.name,
            "code": department.code,
            "parent_id": str(department.parent_id or ""),
            "head_id": str(department.head_id or ""),
            "notes": department.notes,
        }


class CustomFieldForm(forms.Form):
    """Adding a field. ``CustomFieldEditForm`` drops the key, which never changes."""

    key = _text(
        _("Key"),
        40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "shirt_size"}),
        help_text=_(
            "Lower-case letters, digits and _, used in the API, imports and exports. "
            "Leave it empty to make one from the label. It cannot change later."
        ),
    )
    label = _text(_("Label"), 80, widget=forms.TextInput(attrs={"required": "required"}))
    field_type = forms.ChoiceField(
        label=_("Type"), choices=CustomFieldType.choices, initial=CustomFieldType.TEXT
    )
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("For the type Choice: one option per line."),
    )
    position = forms.IntegerField(
        label=_("Position"),
        required=False,
        min_value=0,
        max_value=32767,
        help_text=_("Fields are shown in this order, smallest first. Empty: at the end."),
    )

    def values(self) -> dict[str, Any]:
        """The cleaned shape for ``custom_field_create`` / ``custom_field_update``."""
        data = dict(self.cleaned_data)
        data["choices"] = [line for line in str(data.get("choices") or "").splitlines() if line.strip()]
        if data.get("position") is None:
            data.pop("position", None)
        return data

    @staticmethod
    def initial_for(definition: CustomFieldDefinition) -> dict[str, Any]:
        return {
            "key": definition.key,
            "label": definition.label,
            "field_type": definition.field_type,
            "choices": "\n".join(definition.choices),
            "position": definition.position,
        }


class CustomFieldEditForm(CustomFieldForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["key"]
        self.fields["field_type"].help_text = _(
            "The type can change only while no contact holds a value for this field."
        )
        self.fields["choices"].help_text = _(
            "One option per line. Removing an option leaves the contacts that have it unchanged."
        )
        self.fields["position"].help_text = _("Fields are shown in this order, smallest first.")
