"""Forms of the pipeline pages: deals, moves, reasons and activities.

They give the shape of the input (a rupiah amount typed the Indonesian way, a date and a time
in the workspace's zone); every rule lives in ``services_deals`` / ``services_activities``,
whose field errors the views put back with ``relasi.web.forms.apply_errors``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from relasi.accounts.models import Workspace
from relasi.contacts.models import Contact
from relasi.core.money import MoneyParseError, format_number, parse_money
from relasi.sales import selectors_deals
from relasi.sales.enums import OPEN_STAGES, ActivityKind, DealStage
from relasi.sales.models import Activity, Deal

_EMPTY = [("", "—")]
CHOICES_LIMIT = 500  # customers / deals offered in a select; the current one is always added


def money_initial(value: Decimal) -> str:
    """A rupiah amount as the form shows it: ``1.250.000`` or ``1.250.000,50``."""
    return format_number(value, decimals=0 if value == value.to_integral_value() else 2)


def _contact_choices(workspace: Workspace, current: int | None) -> list[tuple[str, str]]:
    contacts = list(
        Contact.objects.filter(workspace=workspace, merged_into__isnull=True)
        .order_by("full_name", "id")
        .values_list("pk", "full_name")[:CHOICES_LIMIT]
    )
    if current and all(pk != current for pk, _name in contacts):
        contacts += list(
            Contact.objects.filter(workspace=workspace, pk=current, merged_into__isnull=True).values_list(
                "pk", "full_name"
            )
        )
    return [(str(pk), name) for pk, name in contacts]


def _owner_choices(workspace: Workspace) -> list[tuple[str, str]]:
    return [(str(u.pk), str(u)) for u in selectors_deals.deal_owner_choices(workspace=workspace)]


def _current_id(form: forms.Form, name: str) -> int | None:
    raw = form.data.get(name) if form.is_bound else form.initial.get(name)
    text = str(raw or "").strip()
    return int(text) if text.isdigit() else None


class DealForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    contact_id = forms.CharField(label=_("Customer"), required=False, widget=forms.Select())
    value = forms.CharField(
        label=_("Value (Rp)"),
        max_length=40,
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "1.250.000"}
        ),
        help_text=_("Thousands with a full stop, cents with a comma: 1.250.000 or 1.250.000,50."),
    )
    probability = forms.IntegerField(
        label=_("Probability (%)"),
        required=False,
        help_text=_("Leave empty for the stage's usual probability."),
    )
    expected_close_date = forms.DateField(
        label=_("Expected close"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    owner_id = forms.CharField(
        label=pgettext_lazy("assignee", "Owner"), required=False, widget=forms.Select()
    )
    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[(s, DealStage(s).label) for s in OPEN_STAGES]
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, workspace: Workspace, deal: Deal | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deal = deal
        self.fields["contact_id"].widget.choices = _EMPTY + _contact_choices(  # type: ignore[attr-defined]
            workspace, _current_id(self, "contact_id")
        )
        self.fields["owner_id"].widget.choices = _EMPTY + _owner_choices(workspace)  # type: ignore[attr-defined]
        if deal is not None:
            del self.fields["stage"]  # a stage changes only by a move

    def clean_value(self) -> Decimal | None:
        raw = str(self.cleaned_data.get("value") or "").strip()
        if not raw:
            return None
        try:
            return parse_money(raw)
        except MoneyParseError:
            raise forms.ValidationError(
                _("Type the amount the Indonesian way, like 1.250.000 or 1.250.000,50."), code="money"
            ) from None

    def values(self) -> dict[str, Any]:
        """The cleaned shape, as ``deal_create`` / ``deal_update`` expect it."""
        values = dict(self.cleaned_data)
        if values.get("probability") is None:
            values.pop("probability", None)
        if not values.get("stage"):
            values.pop("stage", None)
        return values

    @staticmethod
    def initial_for(deal: Deal) -> dict[str, Any]:
        return {
            "title": deal.title,
            "contact_id": str(deal.contact_id),
            "value": money_initial(deal.value),
            "probability": deal.probability,
            "expected_close_date": deal.expected_close_date,
            "owner_id": str(deal.owner_id or ""),
            "notes": deal.notes,
        }


class DealMoveForm(forms.Form):
    stage = forms.ChoiceField(label=_("Move to"), choices=DealStage.choices)
    reason = forms.ChoiceField(label=_("Reason"), required=False)
    reason_new = forms.CharField(
        label=_("Or a new reason"),
        max_length=100,
        required=False,
        help_text=_("Required when the deal is lost. Added to the list for next time."),
    )
    note = forms.CharField(
        label=_("Note on the outcome"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, workspace: Workspace, stage: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for_won = (self.data.get("stage") if self.is_bound else stage) == DealStage.WON
        reasons = selectors_deals.deal_reasons(workspace=workspace, for_won=for_won)
        self.fields["reason"].choices = _EMPTY + [  # type: ignore[attr-defined]
            (str(r.pk), r.name) for r in reasons
        ]
        self.for_won = for_won

    def chosen_reason(self) -> int | str | None:
        """The chosen reason's id, else the new name typed in, else nothing."""
        chosen = self.cleaned_data.get("reason") or ""
        if chosen.isdigit():
            return int(chosen)
        return self.cleaned_data.get("reason_new", "").strip() or None


class ReasonForm(forms.Form):
    name = forms.CharField(label=_("Reason"), max_length=100, required=False)
    for_won = forms.TypedChoiceField(
        label=_("List"),
        choices=[("0", _("Lost")), ("1", _("Won"))],
        coerce=lambda v: v == "1",
        initial="0",
    )


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices, initial=ActivityKind.CALL)
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))
    due_time = forms.TimeField(
        label=_("Time"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    owner_id = forms.CharField(label=pgettext_lazy("assignee", "Owner"), widget=forms.Select())
    deal_id = forms.CharField(label=_("Deal"), required=False, widget=forms.Select())
    contact_id = forms.CharField(label=_("Customer"), required=False, widget=forms.Select())
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_id"].widget.choices = _owner_choices(workspace)  # type: ignore[attr-defined]
        self.fields["contact_id"].widget.choices = _EMPTY + _contact_choices(  # type: ignore[attr-defined]
            workspace, _current_id(self, "contact_id")
        )
        current_deal = _current_id(self, "deal_id")
        deals = list(
            Deal.objects.filter(workspace=workspace, stage__in=OPEN_STAGES)
            .order_by("title", "id")
            .values_list("pk", "title")[:CHOICES_LIMIT]
        )
        if current_deal and all(pk != current_deal for pk, _t in deals):
            deals += list(
                Deal.objects.filter(workspace=workspace, pk=current_deal).values_list("pk", "title")
            )
        self.fields["deal_id"].widget.choices = _EMPTY + [(str(pk), t) for pk, t in deals]  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        """The cleaned shape for ``activity_create`` / ``activity_update``: the due date and
        time joined into a naive datetime, which the service reads in the workspace's zone."""
        data = dict(self.cleaned_data)
        due_date: dt.date = data.pop("due_date")
        due_time: dt.time | None = data.pop("due_time", None)
        data["due_at"] = dt.datetime.combine(due_date, due_time or dt.time(9, 0))
        return data

    @staticmethod
    def initial_for(activity: Activity) -> dict[str, Any]:
        local = timezone.localtime(activity.due_at)
        return {
            "kind": activity.kind,
            "subject": activity.subject,
            "due_date": local.date(),
            "due_time": local.time().replace(second=0, microsecond=0),
            "owner_id": str(activity.owner_id),
            "deal_id": str(activity.deal_id or ""),
            "contact_id": str(activity.contact_id or ""),
            "notes": activity.notes,
        }
