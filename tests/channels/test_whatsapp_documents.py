"""Sending an invoice's or a quotation's PDF into a WhatsApp conversation: from the contact
panel, the API and the service, delivered to the fake Graph API as a document."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.channels.whatsapp.models import WhatsAppAccount
from relasi.channels.whatsapp.sending import message_deliver
from relasi.contacts.enums import Channel
from relasi.contacts.models import Contact, ContactIdentity
from relasi.conversations.enums import ChannelType, DeliveryStatus, MessageKind
from relasi.conversations.models import Conversation, Inbox, Message
from relasi.conversations.services_documents import document_send
from relasi.core.exceptions import Conflict, NotFound, ValidationError
from relasi.sales.models import Invoice
from relasi.sales.profile import sales_profile_get
from relasi.sales.services_invoices import invoice_create, invoice_issue
from tests.channels.conftest import APP_SECRET, PHONE_NUMBER_ID, TOKEN, WABA_ID, FakeGraphHandle

WA_ID = "6281234567890"


@pytest.fixture
def buyer(workspace: Workspace) -> Contact:
    contact = Contact.objects.create(workspace=workspace, full_name="Budi Santoso", phone="+6281234567890")
    ContactIdentity.objects.create(
        workspace=workspace, contact=contact, channel=Channel.WHATSAPP, address=WA_ID
    )
    return contact


@pytest.fixture
def conversation(workspace: Workspace, buyer: Contact, fake_graph: FakeGraphHandle) -> Conversation:
    inbox = Inbox.objects.create(workspace=workspace, name="WA Toko", channel_type=ChannelType.WHATSAPP)
    WhatsAppAccount.objects.create(
        inbox=inbox,
        phone_number_id=PHONE_NUMBER_ID,
        business_account_id=WABA_ID,
        access_token=TOKEN,
        app_secret=APP_SECRET,
        verify_token="v",
        api_base_url=fake_graph.base_url,
        recipient_spacing_seconds=0,
    )
    fake_graph.fake.open_window(PHONE_NUMBER_ID, WA_ID)
    return Conversation.objects.create(
        workspace=workspace,
        inbox=inbox,
        contact=buyer,
        identity=buyer.identities.get(),
        last_inbound_at=timezone.now() - dt.timedelta(minutes=5),
    )


def _invoice(workspace: Workspace, buyer: Contact, *, issue: bool = True) -> Invoice:
    profile = sales_profile_get(workspace=workspace)
    profile.is_pkp = False  # no PPN: the total is the line, Rp1.000.000
    profile.save()
    invoice = invoice_create(
        workspace=workspace,
        actor=None,
        values={"contact": buyer.pk, "issue_date": dt.date(2026, 11, 20), "payment_terms_days": 14},
        lines=[{"description": "Parsel Lebaran", "quantity": "2", "unit_price": "500.000"}],
    )
    return invoice_issue(invoice=invoice, actor=None) if issue else invoice


@pytest.mark.django_db
def test_the_invoice_pdf_goes_out_as_a_whatsapp_document(
    workspace: Workspace, owner: User, buyer: Contact, conversation: Conversation, fake_graph: FakeGraphHandle
) -> None:
    invoice = _invoice(workspace, buyer)
    message = document_send(
        conversation=conversation, actor=owner, document_type="invoice", document_id=invoice.pk
    )

    assert message.kind == MessageKind.DOCUMENT
    assert invoice.number in message.body
    assert "Rp1.000.000" in message.body
    attachment = message.attachments.get()
    assert attachment.content_type == "application/pdf"
    assert attachment.file_name.endswith(".pdf")
    with attachment.file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"

    assert message_deliver(message_id=message.pk).retry_in is None
    message.refresh_from_db()
    assert message.status == DeliveryStatus.SENT
    sent = fake_graph.fake.state()["sent"][-1]
    assert sent["type"] == "document"
    assert sent["to"] == WA_ID
    assert sent["payload"]["document"]["filename"] == attachment.file_name
    assert invoice.number in sent["payload"]["document"]["caption"]
    media_id = sent["payload"]["document"]["id"]
    assert fake_graph.fake.media[media_id]["data"][:5] == b"%PDF-"


@pytest.mark.django_db
def test_drafts_foreign_documents_and_a_closed_window_are_refused_and_nothing_is_stored(
    workspace: Workspace,
    other_workspace: Workspace,
    owner: User,
    buyer: Contact,
    conversation: Conversation,
) -> None:
    draft = _invoice(workspace, buyer, issue=False)
    with pytest.raises(ValidationError) as refused:
        document_send(conversation=conversation, actor=owner, document_type="invoice", document_id=draft.pk)
    assert "document_id" in refused.value.fields

    stranger = Contact.objects.create(workspace=other_workspace, full_name="Orang Lain")
    foreign = _invoice(other_workspace, stranger)
    with pytest.raises(NotFound):
        document_send(conversation=conversation, actor=owner, document_type="invoice", document_id=foreign.pk)
    with pytest.raises(ValidationError):
        document_send(conversation=conversation, actor=owner, document_type="receipt", document_id=foreign.pk)

    invoice = _invoice(workspace, buyer)
    Conversation.objects.filter(pk=conversation.pk).update(
        last_inbound_at=timezone.now() - dt.timedelta(hours=25)
    )
    conversation.refresh_from_db()
    with pytest.raises(Conflict) as closed:
        document_send(conversation=conversation, actor=owner, document_type="invoice", document_id=invoice.pk)
    assert closed.value.code == "window_closed"
    assert not Message.objects.filter(conversation=conversation).exists()


@pytest.mark.django_db
def test_contact_panel_button_and_api_send_the_pdf_with_permissions_and_isolation(
    workspace: Workspace,
    owner: User,
    outsider: User,
    buyer: Contact,
    conversation: Conversation,
    make_member: Callable[..., User],
    client_as: Callable[[User], Client],
    api_as: Callable[..., object],
) -> None:
    invoice = _invoice(workspace, buyer)
    page = client_as(owner).get(reverse("conversations:conversation", args=[workspace.slug, conversation.pk]))
    assert f'data-testid="send-invoice-{invoice.pk}"'.encode() in page.content

    agent = make_member(workspace, Role.AGENT)
    url = reverse("conversations:document_send", args=[workspace.slug, conversation.pk])
    posted = client_as(agent).post(url, {"document_type": "invoice", "document_id": invoice.pk})
    assert posted.status_code == 302
    assert Message.objects.filter(conversation=conversation, kind=MessageKind.DOCUMENT).count() == 1

    viewer = make_member(workspace, Role.VIEWER)
    assert (
        client_as(viewer).post(url, {"document_type": "invoice", "document_id": invoice.pk}).status_code
        == 403
    )

    api = api_as(owner, workspace)
    created = api.post(  # type: ignore[attr-defined]
        f"/api/v1/conversations/{conversation.pk}/documents",
        {"document_type": "invoice", "document_id": invoice.pk, "idempotency_key": "inv-1"},
    )
    assert created.status_code == 201, created.content
    assert created.json()["kind"] == "document"
    again = api.post(  # type: ignore[attr-defined]
        f"/api/v1/conversations/{conversation.pk}/documents",
        {"document_type": "invoice", "document_id": invoice.pk, "idempotency_key": "inv-1"},
    )
    assert again.json()["id"] == created.json()["id"]
    assert Message.objects.filter(conversation=conversation, kind=MessageKind.DOCUMENT).count() == 2

    other = api_as(outsider, outsider.memberships.get().workspace)
    assert (
        other.post(  # type: ignore[attr-defined]
            f"/api/v1/conversations/{conversation.pk}/documents",
            {"document_type": "invoice", "document_id": invoice.pk},
        ).status_code
        == 404
    )
