"""Settings page "Office hours": per inbox the week's intervals and the greeting/away texts;
the workspace's holidays (list, add, delete, load the national list of a year). Thin views."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from relasi.accounts.decorators import WorkspaceRequest, workspace_view
from relasi.accounts.permissions import Perm
from relasi.conversations import office_hours, selectors
from relasi.conversations.holidays_id import HOLIDAYS_BY_YEAR, PROVISIONAL_YEARS
from relasi.conversations.models import HolidayKind, Inbox
from relasi.core.exceptions import ApplicationError
from relasi.web.forms import form_status, form_submit

_INTERVAL = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*[-–]\s*(\d{1,2})[:.](\d{2})\s*$")
DAY_LABELS = (
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
)


def _parse_day(text: str) -> list[tuple[dt.time, dt.time]]:
    """ "08:00-12:00, 13:00-17:00" → two intervals; empty → closed that day."""
    result = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = _INTERVAL.match(part)
        try:
            if match is None:
                raise ValueError
            h1, m1, h2, m2 = map(int, match.groups())
            result.append((dt.time(h1, m1), dt.time(h2, m2)))
        except ValueError:
            raise forms.ValidationError(
                _("Write intervals like 08:00-12:00, 13:00-17:00 (leave empty when closed).")
            ) from None
    if len(result) > 2:
        raise forms.ValidationError(_("At most two intervals per day."))
    return result


class HoursForm(forms.Form):
    greeting_message = forms.CharField(
        label=gettext_lazy("Greeting for new conversations"), required=False, widget=forms.Textarea
    )
    away_message = forms.CharField(
        label=gettext_lazy("Away message outside office hours"),
        required=False,
        widget=forms.Textarea,
        help_text=gettext_lazy("Variables: {{name}}, {{first_name}}, {{next_opening}} (e.g. Senin, 08.00)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day, label in enumerate(DAY_LABELS):
            self.fields[f"day_{day}"] = forms.CharField(
                label=label, required=False, help_text=gettext_lazy("e.g. 08:00-12:00, 13:00-17:00")
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        intervals: list[office_hours.Interval] = []
        for day in range(7):
            try:
                intervals += [(day, a, b) for a, b in _parse_day(str(data.get(f"day_{day}") or ""))]
            except forms.ValidationError as error:
                self.add_error(f"day_{day}", error)
        data["intervals"] = intervals
        return data


class HolidayForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=HolidayKind.choices, initial=HolidayKind.CUSTOM
    )
    is_closed = forms.BooleanField(label=gettext_lazy("Closed"), required=False, initial=True)


def _inbox(request: WorkspaceRequest, inbox_id: int) -> Inbox:
    inbox = selectors.inbox_get(workspace=request.workspace, inbox_id=inbox_id)
    if inbox is None:
        raise Http404(_("Inbox not found."))
    return inbox


@require_http_methods(["GET", "POST"])
@workspace_view(Perm.INBOXES_MANAGE)
def hours_view(request: WorkspaceRequest) -> HttpResponse:
    """The inboxes (links to their hours) and the workspace's holidays, with the add form."""
    form = HolidayForm(request.POST or None)
    created = form_submit(
        request,
        form,
        lambda: office_hours.holiday_create(
            workspace=request.workspace, actor=request.user, values=form.cleaned_data
        ),
    )
    if created is not None:
        messages.success(request, _("Holiday %(name)s saved.") % {"name": created.name})
        return redirect("conversations:hours", request.workspace.slug)
    context = {
        "form": form,
        "inboxes": selectors.inbox_list(workspace=request.workspace),
        "holidays": office_hours.holiday_list(workspace=request.workspace),
        "years": [(year, year in PROVISIONAL_YEARS) for year in sorted(HOLIDAYS_BY_YEAR)],
    }
    return render(request, "conversations/hours.html", context, status=form_status(request))


@require_http_methods(["GET", "POST"])
@workspace_view(Perm.INBOXES_MANAGE)
def hours_inbox_view(request: WorkspaceRequest, inbox_id: int) -> HttpResponse:
    inbox = _inbox(request, inbox_id)
    initial: dict[str, Any] = {"greeting_message": inbox.greeting_message, "away_message": inbox.away_message}
    days: dict[int, list[str]] = {}
    for row in office_hours.office_hours_list(inbox=inbox):
        days.setdefault(row.weekday, []).append(f"{row.opens:%H:%M}-{row.closes:%H:%M}")
    initial.update({f"day_{day}": ", ".join(texts) for day, texts in days.items()})
    form = HoursForm(request.POST or None, initial=initial)
    saved = form_submit(
        request,
        form,
        lambda: office_hours.inbox_hours_update(
            inbox=inbox,
            actor=request.user,
            intervals=form.cleaned_data["intervals"],
            greeting_message=form.cleaned_data["greeting_message"],
            away_message=form.cleaned_data["away_message"],
        ),
    )
    if saved is not None:
        messages.success(request, _("Office hours saved."))
        return redirect("conversations:hours", request.workspace.slug)
    return render(
        request, "conversations/hours_inbox.html", {"form": form, "inbox": inbox}, status=form_status(request)
    )


@require_POST
@workspace_view(Perm.INBOXES_MANAGE)
def holiday_delete_view(request: WorkspaceRequest, item_id: int) -> HttpResponse:
    holiday = office_hours.holiday_get(workspace=request.workspace, holiday_id=item_id)
    if holiday is None:
        raise Http404(_("Holiday not found."))
    office_hours.holiday_delete(holiday=holiday, actor=request.user)
    messages.success(request, _("Holiday deleted."))
    return redirect("conversations:hours", request.workspace.slug)


@require_POST
@workspace_view(Perm.INBOXES_MANAGE)
def holidays_seed_view(request: WorkspaceRequest, year: int) -> HttpResponse:
    try:
        added = office_hours.holidays_seed(workspace=request.workspace, year=year)
    except ApplicationError as error:
        raise Http404(str(error.message)) from None
    messages.success(request, _("%(count)s holidays of %(year)s added.") % {"count": added, "year": year})
    return redirect("conversations:hours", request.workspace.slug)


P = "w/<slug:slug>/pengaturan/jam-kerja/"

urlpatterns: list[URLPattern] = [
    path(P, hours_view, name="hours"),
    path(P + "kotak-masuk/<int:inbox_id>/", hours_inbox_view, name="hours_inbox"),
    path(P + "libur/<int:item_id>/hapus/", holiday_delete_view, name="holiday_delete"),
    path(P + "libur/muat/<int:year>/", holidays_seed_view, name="holidays_seed"),
]
