"""Forms of the import pages: the shape of the input only; the rules live in
``contacts.imports``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relasi.contacts.imports import DuplicatePolicy
from relasi.contacts.models import ImportJob


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt"}),
        error_messages={"required": gettext_lazy("Choose a CSV or XLSX file first.")},
    )


class ImportMappingForm(forms.Form):
    """One select per column of the file (``col_<position>``) and the duplicate policy."""

    duplicate_policy = forms.ChoiceField(
        label=gettext_lazy("When a row matches an existing customer (same phone or e-mail)"),
        choices=DuplicatePolicy.choices,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, job: ImportJob, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.headers: list[str] = list(job.headers)
        self.fields["duplicate_policy"].initial = job.duplicate_policy
        options = [("", _("— Do not import —")), *choices]
        for position, header in enumerate(self.headers):
            self.fields[f"col_{position}"] = forms.ChoiceField(
                label=header, required=False, choices=options, initial=job.mapping.get(header, "")
            )

    def column_fields(self) -> list[forms.BoundField]:
        return [self[f"col_{position}"] for position in range(len(self.headers))]

    def mapping(self) -> dict[str, str]:
        return {
            header: self.cleaned_data.get(f"col_{position}") or ""
            for position, header in enumerate(self.headers)
        }
