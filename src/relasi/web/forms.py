"""What every server-rendered form page does with a service call: run it for a valid POST and
put the service's field errors back on the form (DESIGN §4, "errors a person can act on")."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.http import HttpRequest

from relasi.core.exceptions import ApplicationError

T = TypeVar("T")


def apply_errors(form: forms.Form, error: ApplicationError) -> None:
    """Show a service's field errors on the form (unknown fields go to the top).

    ``custom_fields.<key>`` errors go on the form's ``cf_<key>`` field when it has one."""
    for name, message in error.fields.items():
        target = name if name in form.fields else None
        if name.startswith("custom_fields."):
            key = "cf_" + name.split(".", 1)[1]
            target = key if key in form.fields else None
        form.add_error(target, str(message))
    if not error.fields:
        form.add_error(None, str(error.message))


def form_status(request: HttpRequest) -> int:
    """The status of a rendered form page: 400 when a POST came back with errors, else 200."""
    return 400 if request.method == "POST" else 200


def form_submit(request: HttpRequest, form: forms.Form, save: Callable[[], T]) -> T | None:
    """For a valid POSTed form, run ``save`` (one service call) and return its result; a
    service's field errors are put back on the form and ``None`` is returned."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return save()
    except ApplicationError as error:
        apply_errors(form, error)
        return None
