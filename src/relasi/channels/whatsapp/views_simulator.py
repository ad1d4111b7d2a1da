"""The demo's customer simulator page (``simulator.py``): thin views."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_POST

from relasi.accounts.decorators import WorkspaceRequest, workspace_view
from relasi.accounts.permissions import Perm
from relasi.channels.whatsapp import simulator
from relasi.core.exceptions import ApplicationError


def _params(request: WorkspaceRequest) -> dict[str, str]:
    source = request.POST if request.method == "POST" else request.GET
    return {k: source.get(k, "") for k in ("inbox", "number", "name")}


def _customer(request: WorkspaceRequest, params: dict[str, str]) -> simulator.SimulatedCustomer:
    return simulator.simulator_customer(
        workspace=request.workspace, inbox_id=params["inbox"], number=params["number"], name=params["name"]
    )


def _chat(request: WorkspaceRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, "whatsapp/_simulator_chat.html", context, status=status)


def _enabled() -> None:
    if not simulator.simulator_enabled():
        raise Http404


@require_GET
@workspace_view(Perm.CONVERSATIONS_VIEW)
def simulator_view(request: WorkspaceRequest) -> HttpResponse:
    _enabled()
    params = _params(request)
    accounts = simulator.simulator_accounts(workspace=request.workspace)
    if not params["inbox"] and accounts:
        params["inbox"] = str(accounts[0].inbox_id)
    if not params["number"]:
        params["number"] = "0812 3456 7890"
        params["name"] = params["name"] or "Budi Santoso"
    context: dict[str, Any] = {"accounts": accounts, "params": params, "started": "start" in request.GET}
    if context["started"]:
        try:
            customer = _customer(request, params)
            context.update(customer=customer, chat=simulator.simulator_chat(customer=customer))
        except ApplicationError as error:
            context["error"] = error
            context["started"] = False
    return render(request, "whatsapp/simulator.html", context)


@require_GET
@workspace_view(Perm.CONVERSATIONS_VIEW)
def simulator_chat_view(request: WorkspaceRequest) -> HttpResponse:
    _enabled()
    params = _params(request)
    try:
        customer = _customer(request, params)
        chat = simulator.simulator_chat(customer=customer)
    except ApplicationError as error:
        return _chat(request, {"error": error}, error.status)
    return render(
        request, "whatsapp/_simulator_chat.html", {"chat": chat, "customer": customer, "params": params}
    )


@require_POST
@workspace_view(Perm.CONVERSATIONS_VIEW)
def simulator_write_view(request: WorkspaceRequest) -> HttpResponse:
    _enabled()
    params = _params(request)
    reply = None
    if request.POST.get("reply_id"):
        reply = {
            "type": request.POST.get("reply_type", "button_reply"),
            "id": request.POST["reply_id"],
            "title": request.POST.get("reply_title", ""),
        }
    try:
        customer = _customer(request, params)
        simulator.simulator_write(
            customer=customer,
            text=request.POST.get("text", ""),
            reply=reply,
            context_id=request.POST.get("context_id", ""),
        )
        chat = simulator.simulator_chat(customer=customer)
    except ApplicationError as error:
        return _chat(request, {"error": error}, error.status)
    return render(
        request, "whatsapp/_simulator_chat.html", {"chat": chat, "customer": customer, "params": params}
    )


P = "w/<slug:slug>/percakapan/simulator/"

urlpatterns: list[URLPattern] = [
    path(P, simulator_view, name="simulator"),
    path(P + "obrolan/", simulator_chat_view, name="simulator_chat"),
    path(P + "kirim/", simulator_write_view, name="simulator_write"),
]
