"""Writers for the audit log (UU PDP R31): every create, update and delete of personal data,
every sign-in, export and merge."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import models

from relasi.core.models import AuditAction, AuditLog

if TYPE_CHECKING:
    from relasi.accounts.models import User, Workspace


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.date | dt.datetime | Decimal):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The values of ``fields`` on ``instance``, in a form the audit log can store."""
    return {name: _jsonable(getattr(instance, name)) for name in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for every field whose value changed."""
    return {k: [before.get(k), after[k]] for k in after if before.get(k) != after[k]}


def audit_record(
    *,
    action: AuditAction,
    actor: User | None,
    workspace: Workspace | None = None,
    instance: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    ip_address: str | None = None,
    actor_email: str = "",
) -> AuditLog:
    """Append one audit entry. Call it inside the service's transaction."""
    return AuditLog.objects.create(
        workspace=workspace,
        actor=actor if actor is not None and actor.pk else None,
        actor_email=actor_email or (actor.email if actor is not None else ""),
        action=action,
        object_type=instance._meta.label_lower if instance is not None else "",
        object_id=str(instance.pk) if instance is not None else "",
        object_repr=str(instance)[:200] if instance is not None else "",
        changes=_jsonable(changes or {}),
        ip_address=ip_address,
    )
