"""``/api/v1/activities`` and the "My activities" pages: mine by default, managers may look at
others, due filters, actions; bad input, permissions, isolation, query counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.contacts.models import Contact
from relasi.sales.models import Activity
from relasi.sales.services_activities import activity_create
from tests.factories import ContactFactory

ApiAs = Callable[..., Any]
EN = {"Accept-Language": "en"}
NOW = dt.datetime(2025, 3, 3, 3, 0, tzinfo=dt.UTC)  # 10.00 WIB


def _activity(workspace: Workspace, owner: User, due: dt.datetime, subject: str = "Telepon") -> Activity:
    return activity_create(
        workspace=workspace, actor=owner, values={"kind": "call", "subject": subject, "due_at": due}
    )


def test_create_get_patch_complete_reopen_delete(
    api_as: ApiAs, owner: User, workspace: Workspace, buyer: Contact
) -> None:
    api = api_as(owner, workspace)

    created = api.post(
        "/api/v1/activities",
        {
            "kind": "meeting",
            "subject": "Presentasi katalog",
            "due_at": "2025-03-03T14:00:00",
            "contact_id": buyer.pk,
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["owner_id"], body["contact_id"], body["done_at"]) == (owner.pk, buyer.pk, None)
    assert dt.datetime.fromisoformat(body["due_at"]) == dt.datetime(2025, 3, 3, 7, 0, tzinfo=dt.UTC)  # WIB
    activity_id = body["id"]

    assert api.get(f"/api/v1/activities/{activity_id}").json()["subject"] == "Presentasi katalog"
    assert api.patch(f"/api/v1/activities/{activity_id}", {"subject": "Demo"}).json()["subject"] == "Demo"
    assert api.post(f"/api/v1/activities/{activity_id}/complete").json()["done_at"] is not None
    assert api.post(f"/api/v1/activities/{activity_id}/reopen").json()["done_at"] is None
    assert api.delete(f"/api/v1/activities/{activity_id}").status_code == 204
    assert api.get(f"/api/v1/activities/{activity_id}").status_code == 404


def test_bad_input_is_400_naming_the_field(api_as: ApiAs, owner: User, workspace: Workspace) -> None:
    response = api_as(owner, workspace).post(
        "/api/v1/activities", {"kind": "call", "subject": "X", "due_at": "besok pagi"}, **EN
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["due_at"]
    assert not Activity.objects.exists()


def test_list_is_mine_by_default_and_filters_by_due(
    api_as: ApiAs, owner: User, workspace: Workspace, make_member: Callable[..., User]
) -> None:
    sales = make_member(workspace, Role.SALES)
    overdue = _activity(workspace, owner, NOW - dt.timedelta(hours=1), "Lewat")
    upcoming = _activity(workspace, owner, NOW + dt.timedelta(days=2), "Lusa")
    theirs = _activity(workspace, sales, NOW - dt.timedelta(hours=1), "Punya sales")
    api = api_as(owner, workspace)

    with time_machine.travel(NOW, tick=False):
        mine = [a["id"] for a in api.get("/api/v1/activities").json()["items"]]
        late = [a["id"] for a in api.get("/api/v1/activities", {"due": "overdue"}).json()["items"]]
        later = [a["id"] for a in api.get("/api/v1/activities", {"due": "upcoming"}).json()["items"]]
        others = [a["id"] for a in api.get("/api/v1/activities", {"owner": sales.pk}).json()["items"]]
        everyone = api.get("/api/v1/activities", {"owner": "all"}).json()["items"]
        bad = api.get("/api/v1/activities", {"due": "kemarin"}, **EN)

    assert sorted(mine) == sorted([overdue.pk, upcoming.pk])
    assert (late, later, others) == ([overdue.pk], [upcoming.pk], [theirs.pk])
    assert len(everyone) == 3
    assert bad.status_code == 400
    assert "due" in bad.json()["fields"]


def test_a_salesperson_cannot_list_others_activities(
    api_as: ApiAs, owner: User, workspace: Workspace, make_member: Callable[..., User]
) -> None:
    sales = make_member(workspace, Role.SALES)
    _activity(workspace, owner, NOW)
    api = api_as(sales, workspace)

    assert api.get("/api/v1/activities").json()["items"] == []
    assert api.get("/api/v1/activities", {"owner": owner.pk}).status_code == 403
    assert api.get("/api/v1/activities", {"owner": "all"}).status_code == 403


def test_viewer_cannot_write(
    api_as: ApiAs, owner: User, workspace: Workspace, make_member: Callable[..., User]
) -> None:
    activity = _activity(workspace, owner, NOW)
    api = api_as(make_member(workspace, Role.VIEWER), workspace)

    assert (
        api.post(
            "/api/v1/activities", {"kind": "call", "subject": "X", "due_at": "2025-03-03T10:00"}
        ).status_code
        == 403
    )
    assert api.post(f"/api/v1/activities/{activity.pk}/complete").status_code == 403
    assert api.patch(f"/api/v1/activities/{activity.pk}", {"subject": "Y"}).status_code == 403
    assert api.delete(f"/api/v1/activities/{activity.pk}").status_code == 403
    activity.refresh_from_db()
    assert (activity.subject, activity.done_at, Activity.objects.count()) == ("Telepon", None, 1)


def test_other_workspace_is_invisible(
    api_as: ApiAs,
    owner: User,
    workspace: Workspace,
    other_workspace: Workspace,
    outsider: User,
    buyer: Contact,
) -> None:
    activity = _activity(workspace, owner, NOW)
    api = api_as(outsider, other_workspace)

    for call in (
        lambda: api.get(f"/api/v1/activities/{activity.pk}"),
        lambda: api.patch(f"/api/v1/activities/{activity.pk}", {"subject": "Y"}),
        lambda: api.post(f"/api/v1/activities/{activity.pk}/complete"),
        lambda: api.delete(f"/api/v1/activities/{activity.pk}"),
    ):
        assert call().status_code == 404
    assert api.get("/api/v1/activities", {"owner": "all"}).json()["items"] == []
    created = api.post(
        "/api/v1/activities",
        {
            "kind": "call",
            "subject": "X",
            "due_at": "2025-03-03T10:00",
            "contact_id": buyer.pk,
            "owner_id": owner.pk,
        },
    )
    assert created.status_code == 400
    assert set(created.json()["fields"]) == {"contact_id", "owner_id"}
    activity.refresh_from_db()
    assert (activity.subject, Activity.objects.count()) == ("Telepon", 1)


def test_list_query_count_does_not_grow_with_rows(
    api_as: ApiAs, owner: User, workspace: Workspace, django_assert_max_num_queries: Any
) -> None:
    api = api_as(owner, workspace)
    for index in range(12):
        activity_create(
            workspace=workspace,
            actor=owner,
            values={
                "kind": "call",
                "subject": f"A{index}",
                "due_at": timezone.now(),
                "contact_id": ContactFactory(workspace=workspace).pk,
            },
        )

    with django_assert_max_num_queries(6):
        response = api.get("/api/v1/activities")

    assert len(response.json()["items"]) == 12


# Pages ------------------------------------------------------------------------------------


def _url(name: str, *args: Any) -> str:
    return reverse(f"sales:{name}", args=["hero", *args])


def test_my_activities_page_groups_by_due(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace, make_member: Callable[..., User]
) -> None:
    sales = make_member(workspace, Role.SALES)
    _activity(workspace, owner, NOW - dt.timedelta(hours=1), "Lewat tenggat")
    _activity(workspace, owner, NOW + dt.timedelta(days=3), "Minggu ini")
    _activity(workspace, sales, NOW, "Punya sales")

    with time_machine.travel(NOW, tick=False):
        page = client_as(owner).get(_url("activity_list"), HTTP_ACCEPT_LANGUAGE="en")
        as_manager = client_as(owner).get(_url("activity_list"), {"owner": sales.pk})
        as_sales = client_as(sales).get(_url("activity_list"), {"owner": owner.pk})

    groups = page.context["groups"]
    assert [a.subject for a in groups.overdue] == ["Lewat tenggat"]
    assert [a.subject for a in groups.upcoming] == ["Minggu ini"]
    assert "Punya sales" not in page.content.decode()
    assert [a.subject for a in as_manager.context["groups"].today + as_manager.context["groups"].overdue] == [
        "Punya sales"
    ]
    # a salesperson asking for someone else's list gets their own
    assert "Lewat tenggat" not in as_sales.content.decode()
    assert as_sales.context["may_view_others"] is False


def test_plan_complete_and_reopen_from_the_pages(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    client = client_as(owner)

    created = client.post(
        _url("activity_create"),
        {
            "kind": "task",
            "subject": "Kirim katalog",
            "due_date": "2025-03-04",
            "due_time": "13:30",
            "owner_id": owner.pk,
        },
    )
    assert created.status_code == 302
    activity = Activity.objects.get()
    assert activity.due_at == dt.datetime(2025, 3, 4, 6, 30, tzinfo=dt.UTC)  # 13.30 WIB

    assert client.post(_url("activity_complete", activity.pk)).status_code == 302
    activity.refresh_from_db()
    assert activity.done_at is not None
    assert client.post(_url("activity_reopen", activity.pk)).status_code == 302
    activity.refresh_from_db()
    assert activity.done_at is None

    edit = client.get(_url("activity_edit", activity.pk))
    assert 'value="13:30"' in edit.content.decode()
    assert client.post(_url("activity_delete", activity.pk)).status_code == 302
    assert not Activity.objects.exists()


def test_pages_refuse_a_viewer_and_hide_other_workspaces(
    client_as: Callable[[User], Client],
    owner: User,
    workspace: Workspace,
    outsider: User,
    make_member: Callable[..., User],
) -> None:
    activity = _activity(workspace, owner, NOW)
    viewer = client_as(make_member(workspace, Role.VIEWER))

    assert viewer.get(_url("activity_list")).status_code == 200
    assert viewer.post(_url("activity_complete", activity.pk)).status_code == 403
    assert viewer.post(_url("activity_create"), {"kind": "call"}).status_code == 403
    other = client_as(outsider)
    assert other.post(reverse("sales:activity_complete", args=["sebelah", activity.pk])).status_code == 404
    assert other.get(reverse("sales:activity_edit", args=["sebelah", activity.pk])).status_code == 404
    activity.refresh_from_db()
    assert activity.done_at is None


def test_form_errors_are_shown_on_the_fields(client_as: Callable[[User], Client], owner: User) -> None:
    response = client_as(owner).post(
        _url("activity_create"),
        {"kind": "call", "subject": "", "due_date": "2025-03-04", "owner_id": owner.pk},
    )
    assert response.status_code == 400
    assert "subject" in response.context["form"].errors
    assert not Activity.objects.exists()
