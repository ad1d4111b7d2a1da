from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from relasi.accounts.decorators import WorkspaceRequest, workspace_view
from relasi.accounts.models import User
from relasi.accounts.selectors import membership_get, membership_list_for_user


@login_required
def home_view(request: HttpRequest) -> HttpResponse:
    """Go to the workspace used last, else the only one, else let the user choose."""
    assert isinstance(request.user, User)
    last = request.session.get("workspace")
    if last and membership_get(user=request.user, slug=last):
        return redirect("contacts:list", last)
    memberships = list(membership_list_for_user(user=request.user))
    if len(memberships) == 1:
        return redirect("contacts:list", memberships[0].workspace.slug)
    return render(request, "web/choose_workspace.html", {"memberships": memberships})


@login_required
def switch_view(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    slug = request.GET.get("slug", "")
    if membership_get(user=request.user, slug=slug) is None:
        return redirect("web:home")
    return redirect("contacts:list", slug)


@workspace_view()
def settings_view(request: WorkspaceRequest) -> HttpResponse:
    return render(request, "web/settings.html")
