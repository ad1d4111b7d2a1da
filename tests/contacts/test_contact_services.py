"""contact_create / contact_update / contact_delete / notes / identities."""

from __future__ import annotations

import pytest
from django.utils import translation

from relasi.accounts.models import User, Workspace
from relasi.contacts import services
from relasi.contacts.enums import Channel, ContactKind, TimelineKind
from relasi.contacts.models import Contact, ContactIdentity, TimelineEvent
from relasi.core.exceptions import Conflict, ValidationError
from relasi.core.models import AuditAction, AuditLog
from tests.factories import CompanyFactory, DepartmentFactory


def test_create_normalises_phone_and_email_and_keeps_raw(owner: User, workspace: Workspace) -> None:
    # when
    contact = services.contact_create(
        workspace=workspace,
        actor=owner,
        values={"full_name": "  Elok   Pratiwi ", "phone": "0812-3456-7890", "email": "Elok@Contoh.CO.ID"},
    )
    # then
    assert contact.full_name == "Elok Pratiwi"
    assert contact.phone == "+6281234567890"
    assert contact.phone_raw == "0812-3456-7890"
    assert contact.email == "elok@contoh.co.id"
    assert contact.owner == owner


def test_create_links_whatsapp_and_email_identities(owner: User, workspace: Workspace) -> None:
    contact = services.contact_create(
        workspace=workspace,
        actor=owner,
        values={"full_name": "Budi", "phone": "+62 813 1111 2222", "email": "budi@contoh.id"},
    )
    addresses = set(ContactIdentity.objects.filter(contact=contact).values_list("channel", "address"))
    assert addresses == {(Channel.WHATSAPP, "6281311112222"), (Channel.EMAIL, "budi@contoh.id")}


def test_create_writes_audit_and_timeline(owner: User, workspace: Workspace) -> None:
    contact = services.contact_create(workspace=workspace, actor=owner, values={"full_name": "Sari"})
    entry = AuditLog.objects.get(object_type="contacts.contact", object_id=str(contact.pk))
    assert entry.action == AuditAction.CREATE
    assert entry.actor == owner
    assert entry.changes["full_name"] == "Sari"
    assert TimelineEvent.objects.filter(contact=contact, kind=TimelineKind.CREATED).count() == 1


def test_create_reports_every_bad_field_at_once_and_writes_nothing(owner: User, workspace: Workspace) -> None:
    # when
    with pytest.raises(ValidationError) as error:
        services.contact_create(
            workspace=workspace,
            actor=owner,
            values={"full_name": "", "phone": "08123", "email": "bukan-email", "nik": "0000000000000000"},
        )
    # then
    assert set(error.value.fields) == {"full_name", "phone", "email", "nik"}
    assert Contact.objects.count() == 0
    assert AuditLog.objects.count() == 0


def test_error_messages_are_in_the_users_language(owner: User, workspace: Workspace) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as english:
        services.contact_create(workspace=workspace, actor=owner, values={"full_name": "X", "phone": "1"})
    with translation.override("id"), pytest.raises(ValidationError) as indonesian:
        services.contact_create(workspace=workspace, actor=owner, values={"full_name": "X", "phone": "1"})
    assert "not a valid phone number" in str(english.value.fields["phone"])
    assert "bukan nomor telepon yang valid" in str(indonesian.value.fields["phone"])


def test_internal_customer_needs_a_department(owner: User, workspace: Workspace) -> None:
    with pytest.raises(ValidationError) as error:
        services.contact_create(
            workspace=workspace, actor=owner, values={"full_name": "Rina", "kind": ContactKind.INTERNAL}
        )
    assert "department_id" in error.value.fields
    department = DepartmentFactory(workspace=workspace, name="Gudang")
    contact = services.contact_create(
        workspace=workspace,
        actor=owner,
        values={"full_name": "Rina", "kind": ContactKind.INTERNAL, "department_id": department.pk},
    )
    assert contact.department == department


def test_company_of_another_workspace_is_refused(
    owner: User, workspace: Workspace, other_workspace: Workspace
) -> None:
    foreign = CompanyFactory(workspace=other_workspace)
    with pytest.raises(ValidationError) as error:
        services.contact_create(
            workspace=workspace, actor=owner, values={"full_name": "Ani", "company_id": foreign.pk}
        )
    assert "company_id" in error.value.fields


def test_update_audits_old_and_new_values(owner: User, workspace: Workspace) -> None:
    # given
    contact = services.contact_create(
        workspace=workspace, actor=owner, values={"full_name": "Dewi", "city": "Bandung"}
    )
    # when
    services.contact_update(contact=contact, actor=owner, values={"city": "Surabaya", "tags": ["vip"]})
    # then
    entry = AuditLog.objects.filter(action=AuditAction.UPDATE).get()
    assert entry.changes["city"] == ["Bandung", "Surabaya"]
    assert entry.changes["tags"] == [[], ["vip"]]
    event = TimelineEvent.objects.get(contact=contact, kind=TimelineKind.UPDATED)
    assert event.data["fields"] == ["city", "tags"]


def test_update_without_change_writes_no_audit(owner: User, workspace: Workspace) -> None:
    contact = services.contact_create(workspace=workspace, actor=owner, values={"full_name": "Dewi"})
    services.contact_update(contact=contact, actor=owner, values={"full_name": "Dewi"})
    assert not AuditLog.objects.filter(action=AuditAction.UPDATE).exists()


def test_delete_is_audited_with_the_data(owner: User, workspace: Workspace) -> None:
    contact = services.contact_create(workspace=workspace, actor=owner, values={"full_name": "Hapus Saya"})
    services.contact_delete(contact=contact, actor=owner)
    assert not Contact.objects.exists()
    entry = AuditLog.objects.get(action=AuditAction.DELETE)
    assert entry.changes["full_name"] == "Hapus Saya"


def test_identity_belongs_to_one_contact_per_workspace(
    owner: User, workspace: Workspace, other_workspace: Workspace
) -> None:
    first = services.contact_create(workspace=workspace, actor=owner, values={"full_name": "A"})
    second = services.contact_create(workspace=workspace, actor=owner, values={"full_name": "B"})
    services.contact_identity_add(
        contact=first, channel=Channel.WHATSAPP, address="0812-9999-0000", actor=owner
    )
    with pytest.raises(Conflict):
        services.contact_identity_add(
            contact=second, channel=Channel.WHATSAPP, address="+6281299990000", actor=owner
        )
    # the same address in another workspace is another customer
    elsewhere = services.contact_create(workspace=other_workspace, actor=None, values={"full_name": "C"})
    identity = services.contact_identity_add(
        contact=elsewhere, channel=Channel.WHATSAPP, address="081299990000", actor=None
    )
    assert identity.address == "6281299990000"


def test_note_is_added_to_timeline(owner: User, workspace: Workspace) -> None:
    contact = services.contact_create(workspace=workspace, actor=owner, values={"full_name": "A"})
    note = services.contact_note_add(contact=contact, author=owner, body="Suka warna merah")
    assert TimelineEvent.objects.get(contact=contact, kind=TimelineKind.NOTE_ADDED).data["note_id"] == note.pk
    with pytest.raises(ValidationError):
        services.contact_note_add(contact=contact, author=owner, body="   ")


def test_birthday_is_read_day_first(owner: User, workspace: Workspace) -> None:
    contact = services.contact_create(
        workspace=workspace, actor=owner, values={"full_name": "A", "birthday": "05/02/1990"}
    )
    assert contact.birthday is not None
    assert (contact.birthday.month, contact.birthday.day) == (2, 5)


def test_note_and_channel_address_are_audited(owner: User, workspace: Workspace) -> None:
    contact = services.contact_create(workspace=workspace, actor=owner, values={"full_name": "A"})
    note = services.contact_note_add(contact=contact, author=owner, body="Alamat kantor baru")
    identity = services.contact_identity_add(
        contact=contact, channel=Channel.EMAIL, address="A@Contoh.id", actor=owner
    )
    note_entry = AuditLog.objects.get(object_type="contacts.contactnote", object_id=str(note.pk))
    identity_entry = AuditLog.objects.get(object_type="contacts.contactidentity", object_id=str(identity.pk))
    assert note_entry.changes["body"] == "Alamat kantor baru"
    assert identity_entry.changes["address"] == "a@contoh.id"
    assert note_entry.actor == identity_entry.actor == owner
