"""``workspace_view``: resolve ``/w/<slug>/`` to the user's membership, check the permission,
and put ``request.workspace`` / ``request.membership`` in place. A workspace the user does not
belong to is a 404, so its existence is not revealed."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_htmx.middleware import HtmxDetails

from relasi.accounts.models import Membership, User, Workspace
from relasi.accounts.permissions import Perm
from relasi.accounts.selectors import membership_get

P = ParamSpec("P")


class WorkspaceRequest(HttpRequest):
    user: User  # type: ignore[assignment]
    htmx: HtmxDetails
    workspace: Workspace
    membership: Membership


View = Callable[Concatenate[WorkspaceRequest, P], HttpResponse]


def workspace_view(
    perm: Perm | None = None,
) -> Callable[[View[P]], Callable[Concatenate[HttpRequest, str, P], HttpResponse]]:
    def decorator(view: View[P]) -> Callable[Concatenate[HttpRequest, str, P], HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, slug: str, *args: P.args, **kwargs: P.kwargs) -> Any:
            assert isinstance(request.user, User)
            membership = membership_get(user=request.user, slug=slug)
            if membership is None:
                raise Http404(_("Workspace not found."))
            if perm is not None and not membership.can(perm):
                raise PermissionDenied(_("Your role does not allow this."))
            wrequest: WorkspaceRequest = request  # type: ignore[assignment]
            wrequest.workspace = membership.workspace
            wrequest.membership = membership
            timezone.activate(zoneinfo.ZoneInfo(membership.workspace.timezone))
            if request.session.get("workspace") != slug:  # no session write on every page
                request.session["workspace"] = slug
            return view(wrequest, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
