"""Saved segments: create with the filter form (multi-selects, numbers, rupiah typed the
Indonesian way, places, tags), errors at the fields, edit, delete, each opening the customer
list with its filter; permissions and workspace isolation."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.analytics.models import Segment
from tests.factories import TagFactory


def url(name: str, *args: object) -> str:
    return reverse(f"analytics:{name}", args=["hero", *args])


@pytest.mark.django_db
def test_create_a_segment_with_the_form(
    workspace: Workspace, owner: User, client_as: Callable[[User], Client]
) -> None:
    vip = TagFactory(workspace=workspace, name="VIP")
    client = client_as(owner)
    assert client.get(url("segment_create")).status_code == 200
    response = client.post(
        url("segment_create"),
        {
            "name": "  Pelanggan besar   berisiko ",
            "description": "Untuk kampanye win-back",
            "rfm_segment": ["at_risk", "cant_lose"],
            "churn_risk": ["high"],
            "min_total_spend": "1.500.000",
            "max_p_alive": "0,5",
            "city": "Surabaya, Malang",
            "tag": [str(vip.pk)],
            "kind": "external",
        },
    )
    assert response.status_code == 302
    segment = Segment.objects.get(workspace=workspace)
    assert segment.name == "Pelanggan besar berisiko"
    assert segment.created_by == owner
    assert segment.filters == {
        "rfm_segment": ["at_risk", "cant_lose"],
        "churn_risk": ["high"],
        "min_total_spend": "1500000",
        "max_p_alive": "0.5",
        "city": ["Surabaya", "Malang"],
        "tag": [vip.pk],
        "kind": "external",
    }
    # the list shows its conditions in words and opens its customers
    html = client.get(url("segment_list")).content.decode()
    assert "Pelanggan besar berisiko" in html
    assert "Rp1.500.000" in html  # the conditions in words, money as money
    assert ": VIP</span>" in html
    link = re.search(r'<a href="/w/hero/analitik/pelanggan/\?([^"]+)">Pelanggan besar berisiko</a>', html)
    assert link is not None
    query = QueryDict(link.group(1).replace("&amp;", "&"))
    assert {key: query.getlist(key) for key in query} == {
        "rfm_segment": ["at_risk", "cant_lose"],
        "churn_risk": ["high"],
        "min_total_spend": ["1500000"],
        "max_p_alive": ["0.5"],
        "city": ["Surabaya", "Malang"],
        "tag": [str(vip.pk)],
        "kind": ["external"],
    }
    # and the list it opens accepts that filter
    listing = client.get(
        reverse("analytics:customer_list", args=["hero"]),
        {"rfm_segment": ["at_risk", "cant_lose"], "tag": vip.pk},
    )
    assert listing.status_code == 200


@pytest.mark.django_db
def test_errors_are_shown_at_their_fields_and_nothing_is_saved(
    workspace: Workspace, make_member: Callable[..., User], client_as: Callable[[User], Client]
) -> None:
    owner = make_member(workspace, Role.OWNER, language="en")
    client = client_as(owner)
    response = client.post(url("segment_create"), {"name": "", "rfm_segment": ["lost"]})
    assert response.status_code == 400
    assert 'id="id_name_error">Give the segment a name.' in response.content.decode()
    response = client.post(
        url("segment_create"), {"name": "Salah", "max_p_alive": "2", "min_orders": "banyak"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_max_p_alive_error">Give a number from 0 to 1.' in html
    assert 'id="id_min_orders_error">Give a number.' in html
    assert not Segment.objects.exists()
    Segment.objects.create(workspace=workspace, name="Setia", filters={})
    response = client.post(url("segment_create"), {"name": "Setia"})
    assert response.status_code == 400
    assert 'id="id_name_error">Choose another name.' in response.content.decode()


@pytest.mark.django_db
def test_edit_and_delete_a_segment(
    workspace: Workspace, owner: User, client_as: Callable[[User], Client]
) -> None:
    segment = Segment.objects.create(
        workspace=workspace, name="Lama", filters={"rfm_segment": ["lost"], "min_total_spend": "2000000"}
    )
    client = client_as(owner)
    html = client.get(url("segment_edit", segment.pk)).content.decode()
    assert 'value="Lama"' in html
    assert 'value="2.000.000"' in html  # the rupiah as the owner types it
    assert '<option value="lost" selected>' in html
    response = client.post(url("segment_edit", segment.pk), {"name": "Baru", "lifecycle_stage": ["loyalty"]})
    assert response.status_code == 302
    segment.refresh_from_db()
    assert (segment.name, segment.filters) == ("Baru", {"lifecycle_stage": ["loyalty"]})
    assert client.post(url("segment_delete", segment.pk)).status_code == 302
    assert not Segment.objects.exists()


@pytest.mark.django_db
def test_another_workspaces_segment_is_not_found(
    workspace: Workspace, other_workspace: Workspace, owner: User, client_as: Callable[[User], Client]
) -> None:
    theirs = Segment.objects.create(workspace=other_workspace, name="Milik sebelah", filters={})
    client = client_as(owner)
    assert client.get(url("segment_edit", theirs.pk)).status_code == 404
    assert client.post(url("segment_edit", theirs.pk), {"name": "Diambil"}).status_code == 404
    assert client.post(url("segment_delete", theirs.pk)).status_code == 404
    assert "Milik sebelah" not in client.get(url("segment_list")).content.decode()
    theirs.refresh_from_db()
    assert theirs.name == "Milik sebelah"


@pytest.mark.django_db
def test_viewers_see_segments_but_cannot_change_them(
    workspace: Workspace, make_member: Callable[..., User], client_as: Callable[[User], Client]
) -> None:
    segment = Segment.objects.create(workspace=workspace, name="Setia", filters={"rfm_segment": ["loyal"]})
    viewer = make_member(workspace, Role.VIEWER)
    client = client_as(viewer)
    html = client.get(url("segment_list")).content.decode()
    assert "Setia" in html
    assert url("segment_edit", segment.pk) not in html
    assert client.get(url("segment_create")).status_code == 403
    assert client.post(url("segment_edit", segment.pk), {"name": "x"}).status_code == 403
    assert client.post(url("segment_delete", segment.pk)).status_code == 403
    agent = make_member(workspace, Role.AGENT)  # agents edit customers, so segments too
    assert client_as(agent).get(url("segment_create")).status_code == 200
