"""The audit log page: who, when (in the workspace's time zone), what, and the changes;
filtered by action and person; keyset-paginated with a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from relasi.accounts import services
from relasi.accounts.enums import Role, TimeZone
from relasi.accounts.models import Membership, User, Workspace
from relasi.core.audit import audit_record
from relasi.core.models import AuditAction, AuditLog
from tests.accounts.conftest import PASSWORD, in_english


def _rows(html: str) -> list[str]:
    body = html.split('data-testid="audit"')[1].split("</tbody>")[0]
    return body.split("<tr data-action=")[1:]


def test_entry_shows_who_when_in_the_workspace_time_zone_what_and_the_changes(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client], url: Callable[..., str]
) -> None:
    # given: at 02:30 UTC the owner moves the business to Makassar (WITA, UTC+8)
    membership = Membership.objects.get(user=owner, workspace=workspace)
    with time_machine.travel(dt.datetime(2025, 3, 1, 2, 30, tzinfo=dt.UTC), tick=False):
        services.workspace_update(
            workspace=workspace,
            updated_by=membership,
            name="Toko Hero Makassar",
            city="Makassar",
            timezone_name=TimeZone.WITA,
        )
    # when
    html = client_as(in_english(owner)).get(url("audit", workspace.slug)).content.decode()
    # then
    [row] = _rows(html)
    assert "1 March 2025, 10:30:00" in row  # 02:30 UTC is 10:30 WITA
    assert "When (WITA)" in html
    assert "Pemilik Hero" in row
    assert "Updated" in row
    assert "Workspace: Toko Hero Makassar" in row
    assert "<strong>Name</strong>: <del>Toko Hadiah Hero</del> → <ins>Toko Hero Makassar</ins>" in row
    assert "<strong>City</strong>: <del>—</del> → <ins>Makassar</ins>" in row
    assert (
        f"<strong>Time zone</strong>: <del>{TimeZone.WIB.label}</del> → <ins>{TimeZone.WITA.label}</ins>"
        in row
    )


def test_sign_ins_of_members_are_listed_but_not_those_of_others(
    owner: User,
    outsider: User,
    workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # given
    Client().post("/akun/masuk/", {"email": owner.email, "password": PASSWORD})
    Client().post("/akun/masuk/", {"email": owner.email, "password": "salah"})
    Client().post("/akun/masuk/", {"email": outsider.email, "password": PASSWORD})
    audit_record(action=AuditAction.UPDATE, actor=outsider, workspace=outsider.memberships.get().workspace)
    # when
    html = client_as(owner).get(url("audit", workspace.slug)).content.decode()
    # then
    rows = _rows(html)
    assert len(rows) == 2
    assert [row.split('"')[1] for row in rows] == ["sign_in_failed", "sign_in"]
    assert outsider.email not in html


def test_filter_by_action(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client], url: Callable[..., str]
) -> None:
    # given
    Client().post("/akun/masuk/", {"email": owner.email, "password": PASSWORD})
    audit_record(action=AuditAction.EXPORT, actor=owner, workspace=workspace)
    # when
    html = client_as(owner).get(url("audit", workspace.slug), {"action": AuditAction.EXPORT}).content.decode()
    # then
    rows = _rows(html)
    assert len(rows) == 1
    assert rows[0].startswith('"export"')


def test_filter_by_person_includes_failed_sign_ins_with_their_address(
    owner: User,
    sales: User,
    workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # given
    audit_record(action=AuditAction.CREATE, actor=owner, workspace=workspace)
    audit_record(action=AuditAction.CREATE, actor=sales, workspace=workspace)
    Client().post("/akun/masuk/", {"email": sales.email, "password": "salah"})
    # when
    html = client_as(owner).get(url("audit", workspace.slug), {"person": sales.pk}).content.decode()
    # then
    rows = _rows(html)
    assert [row.split('"')[1] for row in rows] == ["sign_in_failed", "create"]
    assert all(sales.email in row for row in rows)


def test_filter_by_a_person_who_is_not_a_member_is_a_400(
    owner: User,
    outsider: User,
    workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # given
    audit_record(action=AuditAction.CREATE, actor=outsider, workspace=workspace)
    # when
    response = client_as(owner).get(url("audit", workspace.slug), {"person": outsider.pk})
    # then
    assert response.status_code == 400
    assert outsider.email not in response.content.decode()


def test_keyset_pages_cover_every_entry_once(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client], url: Callable[..., str]
) -> None:
    # given
    for number in range(60):
        audit_record(
            action=AuditAction.UPDATE, actor=owner, workspace=workspace, changes={"n": [number, number + 1]}
        )
    client = client_as(owner)
    # when
    first = client.get(url("audit", workspace.slug), {"action": "update"}).content.decode()
    next_link = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    second = client.get(url("audit", workspace.slug) + next_link).content.decode()
    # then
    assert len(_rows(first)) == 50
    assert len(_rows(second)) == 10
    assert "action=update" in next_link
    assert 'rel="next"' not in second
    assert "<del>59</del>" in first
    assert "<del>0</del>" in second


def test_bad_cursor_goes_back_to_the_first_page(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client], url: Callable[..., str]
) -> None:
    # when
    response = client_as(owner).get(url("audit", workspace.slug), {"cursor": "bukan-kursor"})
    # then
    assert response.status_code == 302
    assert response["Location"] == url("audit", workspace.slug)


def test_query_count_does_not_grow_with_the_entries(
    owner: User,
    workspace: Workspace,
    make_member: Callable[..., User],
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # given
    client = client_as(owner)
    client.get(url("audit", workspace.slug))  # the first visit stores the workspace in the session
    audit_record(action=AuditAction.CREATE, actor=owner, workspace=workspace)
    with CaptureQueriesContext(connection) as few:
        client.get(url("audit", workspace.slug))
    for _number in range(40):
        audit_record(action=AuditAction.CREATE, actor=make_member(workspace, Role.AGENT), workspace=workspace)
    # when
    with CaptureQueriesContext(connection) as many:
        response = client.get(url("audit", workspace.slug))
    # then
    assert len(_rows(response.content.decode())) == 41
    assert len(many.captured_queries) == len(few.captured_queries)


def test_entries_cannot_be_changed_from_the_page(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client], url: Callable[..., str]
) -> None:
    # given
    audit_record(action=AuditAction.CREATE, actor=owner, workspace=workspace)
    # when
    response = client_as(owner).post(url("audit", workspace.slug), {"action": "create"})
    # then
    assert response.status_code == 405
    assert AuditLog.objects.count() == 1


def test_failed_sign_ins_say_why(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client], url: Callable[..., str]
) -> None:
    # given
    Client().post("/akun/masuk/", {"email": owner.email, "password": "salah"})
    # when
    html = client_as(in_english(owner)).get(url("audit", workspace.slug)).content.decode()
    # then
    [row] = _rows(html)
    assert "Sign-in failed" in row
    assert "<strong>Reason</strong>: wrong e-mail address or password" in row
    assert "127.0.0.1" in row
