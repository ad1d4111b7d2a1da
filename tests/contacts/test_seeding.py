"""``relasi seed``: generated data is valid and unique, the demo is idempotent, bulk seeding
writes contacts with identities and tags on the current database, and search finds them."""

from __future__ import annotations

import io
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.validators import validate_email
from django.db import connection

from relasi.accounts.enums import Role
from relasi.accounts.models import Membership, User, Workspace
from relasi.contacts import seeding
from relasi.contacts.enums import Channel, ContactKind
from relasi.contacts.models import (
    Company,
    Contact,
    ContactIdentity,
    ContactNote,
    CustomFieldDefinition,
    Department,
    Tag,
    TimelineEvent,
)
from relasi.contacts.selectors import ContactFilters, contact_list
from relasi.core.models import AuditLog
from relasi.core.phone import normalize_phone
from tests.factories import ContactFactory, MembershipFactory, UserFactory, WorkspaceFactory


def _generator(rng_seed: int = 7) -> seeding.ContactGenerator:
    return seeding.ContactGenerator(
        rng_seed=rng_seed, number_key="toko-test", staff_email_domain="toko.co.id", owner_ids=[None]
    )


def test_generated_mobile_numbers_are_valid_unique_and_invertible() -> None:
    # given
    numbers = seeding.MobileNumberSpace("toko-test")

    # when
    generated = [numbers.national(i) for i in range(20000)]

    # then
    parsed = [normalize_phone(n) for n in generated]
    assert all(p is not None and p.is_mobile for p in parsed)
    e164 = [p.e164 for p in parsed if p is not None]
    assert len(set(e164)) == len(e164)
    assert all(numbers.index_of(e) == i for i, e in enumerate(e164[:2000]))
    assert numbers.index_of("+62215551234") is None  # a Jakarta landline is outside the space


def test_every_operator_prefix_gives_valid_mobile_numbers() -> None:
    # given
    numbers = seeding.MobileNumberSpace("toko-test")
    slots = seeding._number_slots()

    # when
    edges = [
        f"0{prefix}{lead}{rest:0{length - 1}d}"
        for prefix, length, lead in slots
        for rest in (0, 10 ** (length - 1) - 1)
    ]

    # then
    prefixes = {prefix for prefix, _length, _lead in slots}
    assert {
        "811",
        "812",
        "813",
        "821",
        "852",
        "855",
        "858",
        "859",
        "877",
        "878",
        "895",
        "899",
        "881",
        "889",
    } <= prefixes
    for number in edges:
        parsed = normalize_phone(number)
        assert parsed is not None, number
        assert parsed.is_mobile, number
        assert numbers.index_of(parsed.e164) is not None, number


def test_generated_emails_are_valid_and_unique() -> None:
    # given
    generator = _generator()

    # when
    contacts = [generator.generate(i) for i in range(5000)]

    # then
    emails = [c.values["email"] for c in contacts if "email" in c.values]
    assert len(emails) > 3000
    for email in emails:
        validate_email(email)
    assert len(set(emails)) == len(emails)
    domains = Counter(e.split("@")[1] for e in emails)
    assert domains.most_common(1)[0][0] == "gmail.com"
    assert "yahoo.co.id" in domains


def test_generated_customers_look_indonesian_and_complete() -> None:
    # given
    generator = _generator()

    # when
    contacts = [generator.generate(i) for i in range(3000)]

    # then
    names = " ".join(c.values["full_name"] for c in contacts)
    for marker in ("Siregar", "Wijaya", "Ni ", "Asep", "Alatas", "Wowor", "Wenda"):
        assert marker in names
    cities = Counter(c.values["city"] for c in contacts)
    assert {"Surabaya", "Medan", "Makassar", "Denpasar", "Jayapura", "Bandung"} <= set(cities)
    assert all(c.values["province"] for c in contacts)
    assert {c.values["gender"] for c in contacts} == {"female", "male", ""}
    assert sum(1 for c in contacts if c.tag_names) > 1000
    assert all(normalize_phone(c.phone_typed) is not None for c in contacts[:500])
    for c in contacts:
        if "phone_alt" in c.values:
            landline = normalize_phone(c.values["phone_alt_raw"])
            assert landline is not None
            assert landline.e164 == c.values["phone_alt"]


def test_generator_is_deterministic_for_a_seed() -> None:
    # given
    first, again, other = _generator(11), _generator(11), _generator(12)

    # when
    a = [first.generate(i).values for i in range(200)]
    b = [again.generate(i).values for i in range(200)]
    c = [other.generate(i).values for i in range(200)]

    # then
    assert a == b
    assert [v["full_name"] for v in a] != [v["full_name"] for v in c]
    assert [v["phone"] for v in a] == [v["phone"] for v in c]  # numbers follow the index only


@pytest.mark.slow
def test_demo_workspace_is_idempotent_and_has_elok(db: None) -> None:
    # given
    seeding.demo_workspace_ensure()

    def counts() -> dict[str, int]:
        return {
            model.__name__: model.objects.count()
            for model in (
                User,
                Workspace,
                Membership,
                Contact,
                ContactIdentity,
                ContactNote,
                Company,
                Department,
                Tag,
                CustomFieldDefinition,
                TimelineEvent,
                AuditLog,
            )
        }

    before = counts()

    # when
    out = io.StringIO()
    result = seeding.demo_workspace_ensure(stdout=out)

    # then
    assert counts() == before
    assert result.created_contacts == 0
    assert result.total_contacts == seeding.DEMO_CUSTOMERS
    workspace = Workspace.objects.get(slug="hero")
    assert workspace.name == "Toko Hadiah Hero"
    assert workspace.timezone == "Asia/Jakarta"
    elok = Contact.objects.get(workspace=workspace, full_name="Elok Pratiwi")
    assert elok.phone == "+6281234567891"
    assert ContactIdentity.objects.filter(
        contact=elok, channel=Channel.WHATSAPP, address="6281234567891"
    ).exists()
    assert TimelineEvent.objects.filter(contact=elok).exists()
    assert AuditLog.objects.filter(object_type="contacts.contact", object_id=str(elok.pk)).exists()
    assert elok.custom_fields["ukuran_baju"] == "M"
    duplicates = Contact.objects.filter(workspace=workspace, phone="+6281311223344")
    assert sorted(duplicates.values_list("full_name", flat=True)) == ["Siti Nur Haliza", "Siti Nurhaliza"]
    roles = set(Membership.objects.filter(workspace=workspace).values_list("role", flat=True))
    assert roles == set(Role.values)
    assert User.objects.get(email="pemilik@hero.test").check_password(seeding.DEMO_PASSWORD)
    assert Contact.objects.filter(workspace=workspace, kind=ContactKind.INTERNAL).exists()
    assert Contact.objects.filter(workspace=workspace, company__isnull=False).exists()
    assert CustomFieldDefinition.objects.filter(workspace=workspace, key="member_sejak").exists()
    assert "0 baru" in out.getvalue()


def _seed_workspace() -> tuple[Workspace, User]:
    workspace = WorkspaceFactory(slug="grosir-test")
    owner = UserFactory()
    MembershipFactory(user=owner, workspace=workspace, role=Role.OWNER)
    return workspace, owner


def test_bulk_seed_writes_contacts_identities_and_tags(db: None) -> None:
    # given
    workspace, owner = _seed_workspace()

    # when
    result = seeding.seed_contacts(workspace=workspace, count=2000, rng_seed=3)

    # then
    contacts = Contact.objects.filter(workspace=workspace)
    assert result.contacts == contacts.count() == 2000
    phones = list(contacts.values_list("phone", flat=True))
    assert len(set(phones)) == 2000
    assert all((p := normalize_phone(phone)) is not None and p.is_mobile for phone in phones[:300])
    whatsapp = ContactIdentity.objects.filter(workspace=workspace, channel=Channel.WHATSAPP)
    assert whatsapp.count() == 2000
    assert set(whatsapp.values_list("address", flat=True)) == {p[1:] for p in phones}
    with_email = contacts.exclude(email="")
    emails = ContactIdentity.objects.filter(workspace=workspace, channel=Channel.EMAIL)
    assert emails.count() == with_email.count() > 1000
    assert result.identities == whatsapp.count() + emails.count()
    links = Contact.tags.through.objects.filter(contact__workspace=workspace)
    assert result.tag_links == links.count() > 500
    assert contacts.filter(owner=owner).exists()
    assert contacts.filter(owner__isnull=True).exists()
    assert contacts.filter(company__isnull=False).exists()
    assert contacts.filter(kind=ContactKind.INTERNAL, department__isnull=False).exists()
    assert not TimelineEvent.objects.filter(workspace=workspace).exists()  # bulk rows: no timeline


def test_bulk_seed_twice_keeps_phones_unique(db: None) -> None:
    # given
    workspace, _owner = _seed_workspace()
    seeding.seed_contacts(workspace=workspace, count=300, rng_seed=1)

    # when
    seeding.seed_contacts(workspace=workspace, count=300, rng_seed=1)

    # then
    phones = list(Contact.objects.filter(workspace=workspace).values_list("phone", flat=True))
    assert len(phones) == len(set(phones)) == 600
    assert ContactIdentity.objects.filter(workspace=workspace, channel=Channel.WHATSAPP).count() == 600


def test_bulk_seed_skips_a_number_someone_already_has(db: None) -> None:
    # given
    workspace, _owner = _seed_workspace()
    numbers = seeding.MobileNumberSpace(workspace.slug)
    taken = "+62" + numbers.national(1)[1:]  # the number the seed would give its second row
    holder = ContactFactory(workspace=workspace, phone=taken, email="pemegang@contoh.co.id")
    ContactIdentity.objects.create(
        workspace=workspace, contact=holder, channel=Channel.WHATSAPP, address=taken[1:]
    )

    # when
    result = seeding.seed_contacts(workspace=workspace, count=50, rng_seed=5)

    # then
    assert result.skipped_numbers == 1
    phones = list(Contact.objects.filter(workspace=workspace).values_list("phone", flat=True))
    assert len(phones) == len(set(phones)) == 51


def test_bulk_seed_refuses_owners_from_outside_the_workspace(db: None) -> None:
    # given
    workspace, _owner = _seed_workspace()
    stranger = UserFactory()

    # when
    with pytest.raises(ValueError, match="not members"):
        seeding.seed_contacts(workspace=workspace, count=10, owner_ids=[stranger.pk])

    # then
    assert not Contact.objects.filter(workspace=workspace).exists()


def test_search_finds_seeded_contacts_by_name_phone_and_email(db: None) -> None:
    # given
    workspace, _owner = _seed_workspace()
    seeding.seed_contacts(workspace=workspace, count=2000, rng_seed=9)
    target = Contact.objects.filter(workspace=workspace).exclude(email="").order_by("id")[700]
    word = max(target.full_name.split(), key=len)
    fragment = word[1:5] if len(word) > 5 else word
    national = "0" + target.phone[3:]
    queries = {
        "name fragment": fragment.lower(),
        "phone 08…": national[:7],
        "phone 62…": "62" + national[1:8],
        "phone +62 …": f"+62 {national[1:4]} {national[4:8]}",
        "e-mail up to the @": target.email[: target.email.index("@") + 1],
        "e-mail past the @": target.email[: target.email.index("@") + 3],
    }

    for label, q in queries.items():
        # when
        found = contact_list(workspace=workspace, filters=ContactFilters(q=q))

        # then
        assert found.filter(pk=target.pk).exists(), (label, q, target.full_name, target.phone, target.email)


def test_seed_command_bulk_creates_the_workspace_and_reports_the_rate(db: None) -> None:
    # given
    out = io.StringIO()

    # when
    call_command("seed", workspace="baru-test", contacts=120, create=True, stdout=out)

    # then
    workspace = Workspace.objects.get(slug="baru-test")
    assert Contact.objects.filter(workspace=workspace).count() == 120
    assert Membership.objects.filter(
        workspace=workspace, role=Role.OWNER, user__email="pemilik@baru-test.test"
    ).exists()
    assert re.search(r"120 customers, .* customers/s\)", out.getvalue())


def test_seed_command_without_create_refuses_an_unknown_workspace(db: None) -> None:
    # given
    from django.core.management.base import CommandError

    # when
    with pytest.raises(CommandError, match="--create"):
        call_command("seed", workspace="tidak-ada", contacts=10, stdout=io.StringIO())

    # then
    assert not Workspace.objects.filter(slug="tidak-ada").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="index rebuild is PostgreSQL only")
def test_bulk_seed_with_index_rebuild_restores_every_index(db: None) -> None:
    # given
    workspace, _owner = _seed_workspace()
    tables = list(seeding._bulk_tables())

    def index_definitions() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_get_indexdef(indexrelid) FROM pg_index "
                "WHERE indrelid = ANY(%s::regclass[]) ORDER BY 1",
                [tables],
            )
            return [row[0] for row in cursor.fetchall()]

    before = index_definitions()

    # when
    result = seeding.seed_contacts(workspace=workspace, count=500, rebuild_indexes=True)

    # then
    assert result.contacts == 500
    assert index_definitions() == before
    assert any("gin_trgm_ops" in definition for definition in before)
    assert Contact.objects.filter(workspace=workspace).count() == 500
