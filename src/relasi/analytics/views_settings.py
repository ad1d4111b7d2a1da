"""Analytics settings (``/analitik/pengaturan/``): RFM cut points, the segment rule table,
the simple CLV's retention years and margin, the probabilistic CLV's horizon and discount
rate, and the time unit. Owners and admins only (``Perm.SETTINGS_MANAGE``). Every check is in
``analytics.settings.analytics_settings_update``; its field errors are shown at the fields."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from relasi.accounts.decorators import WorkspaceRequest, workspace_view
from relasi.accounts.permissions import Perm
from relasi.analytics.enums import RfmSegment
from relasi.analytics.forms import (
    CUT_DIMENSIONS,
    RULE_BOUNDS,
    SettingsForm,
    cuts_text,
    rule_rows,
    rules_from_post,
)
from relasi.analytics.selectors import metrics_run_latest
from relasi.analytics.settings import analytics_settings_get, analytics_settings_update
from relasi.core.exceptions import ApplicationError


@require_http_methods(["GET", "POST"])
@workspace_view(Perm.SETTINGS_MANAGE)
def analytics_settings_view(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    settings = analytics_settings_get(workspace=workspace)
    form = SettingsForm(request.POST or None, initial=SettingsForm.initial_for(settings))
    rows = rule_rows(settings)
    errors: dict[str, str] = {}
    if request.method == "POST" and form.is_valid():
        values = form.values()
        rules, posted_rows = rules_from_post(request.POST)
        if rules is not None:
            values["segment_rules"] = rules
            rows = posted_rows or rule_rows(settings)
        try:
            analytics_settings_update(workspace=workspace, actor=request.user, values=values)
        except ApplicationError as error:
            errors = {key: str(message) for key, message in error.fields.items()}
            for key, message in errors.items():
                if key in form.fields:
                    form.add_error(key, message)
        else:
            messages.success(request, _("Settings saved. They take effect at the next refresh."))
            return redirect("analytics:settings", workspace.slug)
    run = metrics_run_latest(workspace=workspace)
    last_cuts = run.cuts if run is not None else {}
    cut_rows = [
        {
            "name": name,
            "label": label,
            "inputs": [form[f"{name}_{position}"] for position in range(1, 5)],
            "error": errors.get(name, ""),
            "last": cuts_text(last_cuts.get(name.removesuffix("_cuts"))) if last_cuts else [],
        }
        for name, label in CUT_DIMENSIONS
    ]
    context: dict[str, Any] = {
        "form": form,
        "cut_rows": cut_rows,
        "rule_rows": rows,
        "rule_bounds": RULE_BOUNDS,
        "rule_error": errors.get("segment_rules", ""),
        "has_errors": bool(errors) or bool(form.errors),
        "segment_choices": [(key, label) for key, label in RfmSegment.choices if key],
        "run": run,
        "analytics_tab": "settings",
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "analytics/settings.html", context, status=status)
