"""Domain errors. Services raise them; views and the API turn them into a 4xx response with
a message in the user's language naming the field and the fix."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.functional import Promise


class ApplicationError(Exception):
    """A request that cannot be carried out as asked. ``fields`` maps field → message."""

    code = "invalid"
    status = 400

    def __init__(
        self,
        message: str | Promise,
        *,
        code: str | None = None,
        fields: Mapping[str, str | Promise] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.fields: dict[str, str | Promise] = dict(fields or {})

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": str(self.message),
            "fields": {k: str(v) for k, v in self.fields.items()},
        }


class ValidationError(ApplicationError):
    code = "invalid"


class PermissionDenied(ApplicationError):
    code = "permission_denied"
    status = 403


class NotFound(ApplicationError):
    code = "not_found"
    status = 404


class Conflict(ApplicationError):
    code = "conflict"
    status = 409


def fields_invalid(errors: Mapping[str, str | Promise]) -> ValidationError:
    """One error for every field that failed a check; ``fields`` says how to fix each."""
    from django.utils.translation import gettext as _

    return ValidationError(
        _("Some fields need fixing: %(fields)s.") % {"fields": ", ".join(sorted(errors))},
        fields=errors,
    )
