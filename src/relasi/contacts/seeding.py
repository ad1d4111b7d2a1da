"""Realistic Indonesian demo and bulk data (``relasi seed``, DESIGN §7).

Two entry points:

- ``demo_workspace_ensure`` builds the demo shop "Toko Hadiah Hero" through the normal
  services (``contact_create`` and friends), so every demo customer has its timeline and audit
  entries. It is idempotent: a second run finds what is there and adds nothing twice.
- ``seed_contacts`` writes any number of customers straight into the tables for benchmarks and
  load tests: ``COPY`` through psycopg 3 on PostgreSQL, ``bulk_create`` in batches on SQLite.
  Bulk rows get no timeline events and no audit entries (they are test data, not business
  events), and memory stays flat: rows are generated and written batch by batch.

Everything is deterministic: a seeded ``random.Random`` picks names, cities and the rest, and
mobile numbers come from a keyed bijection of a running index over the real operator prefixes,
so numbers are valid, unique within the workspace and the same on every run. The word lists
are in ``contacts/seed_data.py``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import hashlib
import itertools
import json
import random
import re
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import connection, transaction
from django.utils import timezone
from psycopg.copy import QueuedLibpqWriter

from relasi.accounts.enums import Role, TimeZone
from relasi.accounts.models import Membership, User, Workspace
from relasi.accounts.services import user_create, workspace_create
from relasi.contacts import services
from relasi.contacts.enums import Channel, ContactKind, Gender, Source
from relasi.contacts.models import (
    Company,
    Contact,
    ContactIdentity,
    CustomFieldDefinition,
    Department,
)
from relasi.contacts.seed_data import (
    BALI_ORDER_FEMALE,
    BALI_ORDER_MALE,
    BALI_TITLE_FEMALE,
    BALI_TITLE_MALE,
    CITIES,
    COMPANY_TRADES,
    COMPANY_TYPES,
    COMPANY_WORDS,
    DEMO_COLLEAGUES,
    DEMO_COMPANIES,
    DEMO_CUSTOM_FIELDS,
    DEMO_CUSTOMERS,
    DEMO_DEPARTMENTS,
    DEMO_NAME,
    DEMO_OWNER_EMAIL,
    DEMO_PASSWORD,
    DEMO_RNG_SEED,
    DEMO_SLUG,
    DEMO_TAGS,
    DEPARTMENTS,
    DUPLICATE_PAIR,
    ELOK,
    EMAIL_DOMAINS,
    INDUSTRIES,
    JOB_TITLES,
    LEADING_DIGITS,
    OPERATOR_PREFIXES,
    SHORT_NUMBER_PREFIXES,
    SOURCES,
    STREETS,
    TAGS,
    TRADITIONS,
    City,
    NameTradition,
)
from relasi.core.phone import normalize_phone

# ---------------------------------------------------------------------------------------
# Mobile numbers.


def _number_slots() -> list[tuple[str, int, int]]:
    """(operator prefix, subscriber digits, leading digit); operators get slots roughly by
    market share (Telkomsel about half). Each slot holds 10^(digits-1) numbers."""
    slots: list[tuple[str, int, int]] = []
    for operator, prefixes in OPERATOR_PREFIXES.items():
        for prefix in prefixes:
            for lead in LEADING_DIGITS[operator]:
                slots.append((prefix, 8, lead))  # 0812-3456-7890: 12 digits
                if prefix in SHORT_NUMBER_PREFIXES:
                    slots.append((prefix, 7, lead))  # 0812-345-6789: 11 digits
    return slots


_MASK31 = (1 << 31) - 1
_MULTIPLIER = 0x2C1B3C6D  # odd, so multiplying is a bijection modulo 2^31
_MULTIPLIER_INVERSE = pow(_MULTIPLIER, -1, 1 << 31)


class MobileNumberSpace:
    """A keyed bijection between running indexes 0, 1, 2, … and Indonesian mobile numbers.

    Distinct indexes always give distinct numbers, so numbers are unique by construction, and
    ``index_of`` inverts the mapping, which lets a later run skip numbers already taken. The
    permutation is an invertible xor-shift/multiply mix on 31 bits, cycle-walked into the
    ~1.34 billion numbers of the slots (Black & Rogaway, "Ciphers with Arbitrary Finite
    Domains", 2002): not cryptographic, only well spread and cheap (~1 µs).
    """

    def __init__(self, key: str) -> None:
        digest = hashlib.sha256(("relasi-seed:" + key).encode()).digest()
        self._key1 = int.from_bytes(digest[:4], "big") & _MASK31
        self._key2 = int.from_bytes(digest[4:8], "big") & _MASK31
        self._slots = _number_slots()
        self._offsets: list[int] = []
        total = 0
        for _prefix, length, _lead in self._slots:
            self._offsets.append(total)
            total += 10 ** (length - 1)
        self.size = total
        self._slot_of = {slot: i for i, slot in enumerate(self._slots)}
        self._formats = [f"0{prefix}{lead}{{:0{length - 1}d}}" for prefix, length, lead in self._slots]

    def _mix(self, x: int) -> int:
        size, k1, k2 = self.size, self._key1, self._key2
        while True:
            x ^= k1
            x ^= x >> 15
            x = (x * _MULTIPLIER) & _MASK31
            x ^= x >> 13
            x = (x * _MULTIPLIER) & _MASK31
            x ^= x >> 16
            x ^= k2
            if x < size:
                return x

    @staticmethod
    def _unshift(x: int, shift: int) -> int:
        """Invert ``x ^= x >> shift`` on 31 bits."""
        result = x
        for _ in range(31 // shift + 1):
            result = x ^ (result >> shift)
        return result

    def _unmix(self, x: int) -> int:
        size, k1, k2 = self.size, self._key1, self._key2
        while True:
            x ^= k2
            x = self._unshift(x, 16)
            x = (x * _MULTIPLIER_INVERSE) & _MASK31
            x = self._unshift(x, 13)
            x = (x * _MULTIPLIER_INVERSE) & _MASK31
            x = self._unshift(x, 15)
            x ^= k1
            if x < size:
                return x

    def national(self, index: int) -> str:
        """The number for ``index`` as dialled at home: ``081234567890``."""
        n = self._mix(index % self.size)
        slot = bisect.bisect_right(self._offsets, n) - 1
        return self._formats[slot].format(n - self._offsets[slot])

    def index_of(self, e164: str) -> int | None:
        """The index whose number is ``e164`` (``+62…``), or ``None`` outside this space."""
        if not e164.startswith("+628") or not e164[1:].isdigit():
            return None
        prefix, subscriber = e164[3:6], e164[6:]
        if not subscriber or subscriber[0] == "0":
            return None
        slot = self._slot_of.get((prefix, len(subscriber), int(subscriber[0])))
        if slot is None:
            return None
        rest = int(subscriber[1:]) if len(subscriber) > 1 else 0
        return self._unmix(self._offsets[slot] + rest)


def format_typed(national: str, style: int) -> str:
    """How people type a number: ``0812-3456-7890``, ``081234567890``, ``+62 812-3456-7890``,
    ``6281234567890`` or ``0812 3456 7890``."""
    if style == 0:
        return f"{national[:4]}-{national[4:8]}-{national[8:]}"
    if style == 1:
        return national
    if style == 2:
        return f"+62 {national[1:4]}-{national[4:8]}-{national[8:]}"
    if style == 3:
        return "62" + national[1:]
    return f"{national[:4]} {national[4:8]} {national[8:]}"


# ---------------------------------------------------------------------------------------
# The generator.

BIRTH_REFERENCE_YEAR = 2026  # customers are 17–70 years old in this year
_NOT_LETTERS = re.compile(r"[^a-z]")
_EMAIL_SKIP_WORDS = frozenset({"i", "ni", "luh", "ida", "bagus", "gusti", "anak", "agung", "bin", "desak"})


def email_local_bases(full_name: str) -> tuple[str, str, str, str]:
    """E-mail local parts people make from a name: ``budi.santoso``, ``budisantoso``,
    ``budi_santoso``, ``budi`` (Balinese and noble prefixes are left out)."""
    words = [w for w in (_NOT_LETTERS.sub("", w) for w in full_name.lower().split()) if w]
    words = [w for w in words if w not in _EMAIL_SKIP_WORDS] or words or ["pelanggan"]
    first, last = words[0], words[-1]
    if len(words) == 1:
        return first, first, first, first
    return f"{first}.{last}", f"{first}{last}", f"{first}_{last}", first


def _weighted(pairs: Sequence[tuple[Any, int]]) -> tuple[Any, ...]:
    """Expand (value, weight) pairs so that one uniform pick respects the weights."""
    return tuple(value for value, weight in pairs for _ in range(weight))


_Name = tuple[str, tuple[str, str, str, str]]  # full name, e-mail local parts


@dataclass(frozen=True)
class _TraditionPool:
    key: str
    male: tuple[_Name, ...]
    female: tuple[_Name, ...]
    cities: tuple[City, ...]


def _names(given: Sequence[str], families: Sequence[str], share: float) -> tuple[_Name, ...]:
    """Every given + family combination, plus given names alone at ``1 - share`` of the pool."""
    full: list[str] = [f"{g} {f}" for g in given for f in families if f != g]
    alone = round(len(full) * (1 - share) / share) if families and share > 0 else len(given)
    full.extend(given[i % len(given)] for i in range(alone))
    return tuple((name, email_local_bases(name)) for name in full)


def _bali_names(
    given: Sequence[str], orders: Sequence[str], titles: Sequence[str], female: bool
) -> tuple[_Name, ...]:
    plain = [f"{'Ni' if female else 'I'} {order} {g}" for order in orders for g in given]
    titled = [f"{title} {g}" for title in titles for g in given]
    # About one in seven carries a caste title (Ida Bagus, I Gusti Ayu, Anak Agung …).
    full = plain + titled * max(1, len(plain) // (6 * len(titled)))
    return tuple((name, email_local_bases(name)) for name in full)


def _tradition_pool(t: NameTradition) -> _TraditionPool:
    if t.key == "balinese":
        male = _bali_names(t.male, BALI_ORDER_MALE, BALI_TITLE_MALE, female=False)
        female = _bali_names(t.female, BALI_ORDER_FEMALE, BALI_TITLE_FEMALE, female=True)
    else:
        male = _names(t.male, t.family_male, t.family_share)
        female = _names(t.female, t.family_female or t.family_male, t.family_share)
        if t.key == "bugis":  # "Andi", the Bugis noble title, for about one in five
            male += tuple((f"Andi {n}", email_local_bases(f"Andi {n}")) for n, _b in male[::4])
            female += tuple((f"Andi {n}", email_local_bases(f"Andi {n}")) for n, _b in female[::4])
    cities = _weighted([(CITIES[name], weight) for name, weight in t.cities.items()])
    return _TraditionPool(t.key, male, female, cities)


@functools.cache
def _pools() -> tuple[_TraditionPool, ...]:
    """The name pools, weighted by tradition; built once per process."""
    return _weighted([(_tradition_pool(t), t.weight) for t in TRADITIONS])


@dataclass(slots=True)
class GeneratedContact:
    """One customer: model attribute values plus the rows that hang off it."""

    index: int  # position in the workspace's number space
    values: dict[str, Any]  # Contact attribute names → values (dates as dt.date)
    tag_names: list[str] = field(default_factory=list)
    whatsapp_id: str = ""  # E.164 without '+', for a WhatsApp identity ("" = none)
    email_identity: str = ""  # for an e-mail identity ("" = none)
    phone_typed: str = ""  # the phone as the customer typed it


class ContactGenerator:
    """Realistic Indonesian customers, deterministic for a given ``rng_seed``.

    ``generate(index)`` uses the index for the mobile number and the number in the e-mail
    address (both unique per index); everything else comes from the seeded random stream.
    Hot path: about a dozen random draws per customer, picks inlined.
    """

    def __init__(
        self,
        *,
        rng_seed: int,
        number_key: str,
        staff_email_domain: str,
        owner_ids: Sequence[int | None] = (None,),
        company_ids: Sequence[int] = (),
        company_domains: dict[int, str] | None = None,
        department_ids: Sequence[int] = (),
        department_titles: dict[int, tuple[str, ...]] | None = None,
        internal_share: float = 0.01,
        company_share: float = 0.12,
    ) -> None:
        self.rng = random.Random(rng_seed)  # noqa: S311 - test data, not secrets
        self.numbers = MobileNumberSpace(number_key)
        self.staff_email_domain = staff_email_domain
        self.owner_ids = tuple(owner_ids) or (None,)
        self.company_ids = tuple(company_ids)
        self.company_domains = company_domains or {}
        self.department_ids = tuple(department_ids)
        self.department_titles = department_titles or {}
        self.internal_share = internal_share if self.department_ids else 0.0
        self.company_share = company_share if self.company_ids else 0.0
        self._pools = _pools()
        self._sources = _weighted([(source.value, weight) for source, weight in SOURCES])
        self._domains = _weighted(EMAIL_DOMAINS)
        self._tags = _weighted(TAGS)
        self._birth_low = dt.date(BIRTH_REFERENCE_YEAR - 70, 1, 1).toordinal()
        self._birth_span = dt.date(BIRTH_REFERENCE_YEAR - 17, 12, 31).toordinal() - self._birth_low

    def pick(self, pool: Sequence[Any]) -> Any:
        """One element of ``pool``, uniformly (weighted pools repeat their elements)."""
        return pool[int(self.rng.random() * len(pool))]

    def person_name(self) -> tuple[str, str]:
        """A full name and its gender (a ``Gender`` value)."""
        pool: _TraditionPool = self.pick(self._pools)
        female = self.rng.random() < 0.52
        name, _bases = self.pick(pool.female if female else pool.male)
        return name, Gender.FEMALE.value if female else Gender.MALE.value

    def company_name(self) -> str:
        kind = self.pick(COMPANY_TYPES)
        words = self.rng.sample(COMPANY_WORDS, 3 if kind == "PT" else 2)
        if kind == "Toko":
            return f"Toko {self.pick(COMPANY_TRADES)} {words[0]}"
        return f"{kind} {' '.join(words)}"

    def landline(self, city: City) -> tuple[str, str]:
        """An office number in ``city``: (E.164, as typed like ``(021) 5551234``)."""
        digits = 8 if len(city.area_code) == 2 else 7
        low = 2 * 10 ** (digits - 1)
        subscriber = str(low + int(self.rng.random() * 6 * 10 ** (digits - 1)))
        return f"+62{city.area_code}{subscriber}", f"(0{city.area_code}) {subscriber}"

    def generate(self, index: int) -> GeneratedContact:
        r = self.rng.random
        pools = self._pools
        pool: _TraditionPool = pools[int(r() * len(pools))]
        u = r() * 100.0
        names = pool.female if u < 52.0 else pool.male
        name, bases = names[int(r() * len(names))]
        # The fraction of the same draw decides "gender not stated" (about 8%).
        gender = "" if u % 1.0 < 0.08 else ("female" if u < 52.0 else "male")
        cities = pool.cities
        city: City = cities[int(r() * len(cities))]
        national = self.numbers.national(index)
        typed = format_typed(national, int(r() * 5))
        e164 = "+62" + national[1:]
        sources, owners = self._sources, self.owner_ids
        values: dict[str, Any] = {
            "full_name": name,
            "gender": gender,
            "phone": e164,
            "phone_raw": typed,
            "city": city.name,
            "province": city.province,
            "source": sources[int(r() * len(sources))],
            "owner_id": owners[int(r() * len(owners))],
        }
        u = r()
        if u < 0.7:  # an address: street, house number, RT/RW, district, postal code
            house = int(u / 0.7 * 19440)  # 180 house numbers × 12 RT × 9 RW
            number, rest = divmod(house, 108)
            rt, rw = divmod(rest, 9)
            streets, districts = STREETS, city.districts
            values["address"] = (
                f"{streets[int(r() * len(streets))]} No. {number + 1}, "
                f"RT {rt + 1:02d}/RW {rw + 1:02d}, {districts[int(r() * len(districts))]}"
            )
            values["postal_code"] = str(city.postal_low + int(r() * (city.postal_high - city.postal_low + 1)))
        u = r()
        if u < 0.65:
            values["birthday"] = dt.date.fromordinal(self._birth_low + int(u / 0.65 * self._birth_span))
        elif u > 0.96:  # an office or home landline as the second number
            values["phone_alt"], values["phone_alt_raw"] = self.landline(city)
        email_domain = ""
        u = r()
        if u < self.internal_share:
            department_id = self.pick(self.department_ids)
            values["kind"] = ContactKind.INTERNAL.value
            values["department_id"] = department_id
            values["job_title"] = self.pick(self.department_titles.get(department_id, ("Staf",)))
            values["source"] = Source.UNKNOWN.value
            email_domain = self.staff_email_domain
        elif u < self.internal_share + self.company_share:
            company_id = self.pick(self.company_ids)
            values["company_id"] = company_id
            values["job_title"] = self.pick(JOB_TITLES)
            email_domain = self.company_domains.get(company_id, "")
        contact = GeneratedContact(index=index, values=values, phone_typed=typed, whatsapp_id=e164[1:])
        u = r()
        if email_domain or u < 0.72:
            v = u / 0.72 * 4.0
            local = bases[int(v) & 3]
            if not email_domain:
                domains = self._domains
                email_domain = domains[int((v % 1.0) * len(domains))]
            # The index makes the address unique in the workspace (e-mail identities must be).
            values["email"] = contact.email_identity = f"{local}{index + 1}@{email_domain}"
        u = r()
        if u < 0.45:  # 0–2 tags
            tags = self._tags
            first = tags[int(u / 0.45 * len(tags))]
            contact.tag_names.append(first)
            if u < 0.1:
                second = tags[int(r() * len(tags))]
                if second != first:
                    contact.tag_names.append(second)
        if values.get("kind") == ContactKind.INTERNAL.value:
            contact.tag_names.clear()  # colleagues are not resellers or VIPs
        elif "company_id" in values and u > 0.7 and "korporat" not in contact.tag_names:
            contact.tag_names.append("korporat")
        return contact


# ---------------------------------------------------------------------------------------
# Bulk seeding.


class _Writer(Protocol):
    def write(self, text: str, /) -> Any: ...


@dataclass
class SeedResult:
    """What a bulk seed wrote and how long it took."""

    contacts: int = 0
    identities: int = 0
    tag_links: int = 0
    companies: int = 0
    seconds: float = 0.0  # all of it, from the first query to the last
    load_seconds: float = 0.0  # generating and writing the rows (COPY / bulk_create)
    index_seconds: float = 0.0  # recreating dropped indexes (PostgreSQL, rebuild only)
    maintenance_seconds: float = 0.0  # VACUUM (ANALYZE) or ANALYZE afterwards
    skipped_numbers: int = 0  # indexes skipped because their number was already taken

    @property
    def rows_per_second(self) -> float:
        return self.contacts / self.seconds if self.seconds else 0.0


@dataclass
class _TakenState:
    start: int
    indexes: set[int]
    emails: set[str]


_TRAILING_NUMBER = re.compile(r"(\d+)@")


def _taken_state(*, workspace: Workspace, numbers: MobileNumberSpace) -> _TakenState:
    """Where this run starts in the number space and what it must skip.

    The start is the number of contacts already in the workspace (earlier seed runs used the
    indexes below it). Phones and channel addresses already present are streamed (a
    server-side cursor on PostgreSQL, so memory stays flat); only those that fall at or above
    the start are kept, so that this run skips them.
    """
    start = Contact.objects.filter(workspace=workspace).count()
    indexes: set[int] = set()
    emails: set[str] = set()

    def keep_phone(e164: str) -> None:
        index = numbers.index_of(e164)
        if index is not None and index >= start:
            indexes.add(index)

    def keep_email(address: str) -> None:
        match = _TRAILING_NUMBER.search(address)
        if match and int(match.group(1)) > start:
            emails.add(address)

    contacts = Contact.objects.filter(workspace=workspace).values_list("phone", "phone_alt", "email")
    for phone, phone_alt, email in contacts.iterator(chunk_size=20000):
        if phone:
            keep_phone(phone)
        if phone_alt:
            keep_phone(phone_alt)
        if email:
            keep_email(email)
    identities = ContactIdentity.objects.filter(
        workspace=workspace, channel__in=[Channel.WHATSAPP, Channel.EMAIL]
    ).values_list("channel", "address")
    for channel, address in identities.iterator(chunk_size=20000):
        if channel == Channel.WHATSAPP:
            keep_phone("+" + address)
        else:
            keep_email(address)
    return _TakenState(start=start, indexes=indexes, emails=emails)


def company_domain(name: str) -> str:
    """``PT Maju Jaya Abadi`` → ``majujayaabadi.co.id``."""
    words = name.lower().split()
    if words and words[0] in {"pt", "cv", "ud"}:
        words = words[1:]
    return "".join(_NOT_LETTERS.sub("", w) for w in words)[:40] + ".co.id"


def _companies_create(*, workspace: Workspace, generator: ContactGenerator, count: int) -> list[Company]:
    """``count`` new companies with realistic names, cities and office numbers (bulk, no audit)."""
    companies = []
    city_names = tuple(CITIES)
    for _ in range(count):
        city = CITIES[generator.pick(city_names)]
        phone, phone_raw = generator.landline(city)
        name = generator.company_name()
        companies.append(
            Company(
                workspace=workspace,
                name=name,
                city=city.name,
                province=city.province,
                phone=phone,
                phone_raw=phone_raw,
                industry=generator.pick(INDUSTRIES),
                email=f"info@{company_domain(name)}",
            )
        )
    return Company.objects.bulk_create(companies, batch_size=1000)


def _departments_ensure(*, workspace: Workspace) -> list[Department]:
    existing = {d.name.lower(): d for d in Department.objects.filter(workspace=workspace)}
    result = []
    for name, code, _titles in DEPARTMENTS:
        department = existing.get(name.lower())
        if department is None:
            department = Department.objects.create(workspace=workspace, name=name, code=code)
        result.append(department)
    return result


def _department_titles(departments: Sequence[Department]) -> dict[int, tuple[str, ...]]:
    titles = {name.lower(): tuple(t.split(",")) for name, _code, t in DEPARTMENTS}
    return {d.pk: titles.get(d.name.lower(), ("Staf",)) for d in departments}


def seed_contacts(
    *,
    workspace: Workspace,
    count: int,
    rng_seed: int = 2026,
    owner_ids: Sequence[int | None] | None = None,
    batch_size: int = 20000,
    rebuild_indexes: bool | None = None,
    progress: Callable[[int], None] | None = None,
) -> SeedResult:
    """Add ``count`` realistic customers to ``workspace`` as fast as the database allows.

    Phones are unique in the workspace (numbers already taken are skipped) and e-mails carry a
    per-index number, so identities never collide. Bulk rows get **no timeline events and no
    audit entries**: they are generated test data, not things that happened. ``owner_ids``
    (default: the members who may own customers, plus "no owner") must be members. About one
    company per 400 customers and the standard departments (for internal customers) are
    created too. Memory stays flat: one batch of rows is held at a time.

    PostgreSQL, in one transaction:

    - writes to the contact tables are locked out (``SHARE ROW EXCLUSIVE``; reads go on) and
      the contact ids are reserved from the sequence in one step;
    - contacts, their WhatsApp and e-mail identities and their tag links are streamed with
      ``COPY … FROM STDIN`` (psycopg 3 ``cursor.copy``);
    - as a superuser, foreign-key triggers are skipped (``session_replication_role =
      replica``): every reference is read or created in this same transaction; otherwise the
      deferred checks run at the end as usual;
    - ``rebuild_indexes`` drops the secondary indexes of the three tables before the load and
      recreates them from their own definitions afterwards (as ``pg_restore`` does), several
      times faster than maintaining 15 indexes row by row, but it blocks reads of those
      tables until the commit: for seeding, never on a live shop. ``None`` (the default)
      rebuilds when the load is at least 50,000 rows and at least as big as the table;
    - after the commit the tables are vacuumed and analyzed (``VACUUM (ANALYZE)``: statistics
      for the planner, and the visibility map that index-only scans need, since autovacuum
      may be off or far behind); inside an enclosing transaction, where VACUUM cannot run,
      only ANALYZE.

    SQLite and others: ``bulk_create`` in batches.
    """
    started = time.perf_counter()
    result = SeedResult()
    if count <= 0:
        return result
    members = Membership.objects.filter(workspace=workspace)
    if owner_ids is None:
        owner_ids = [*members.exclude(role=Role.VIEWER).order_by("user_id").values_list("user_id", flat=True)]
        owner_ids.append(None)
    strangers = {i for i in owner_ids if i is not None} - set(members.values_list("user_id", flat=True))
    if strangers:
        raise ValueError(f"owner_ids {sorted(strangers)} are not members of {workspace.slug}")
    postgres = connection.vendor == "postgresql"
    with transaction.atomic():
        session = (
            _postgres_session_prepare(count=count, rebuild_indexes=rebuild_indexes) if postgres else None
        )
        generator = ContactGenerator(
            rng_seed=rng_seed,
            number_key=workspace.slug,
            staff_email_domain=f"{workspace.slug}.co.id",
            owner_ids=owner_ids,
        )
        companies = _companies_create(
            workspace=workspace, generator=generator, count=min(2500, max(3, count // 400))
        )
        departments = _departments_ensure(workspace=workspace)
        generator.company_ids = tuple(c.pk for c in companies)
        generator.company_domains = {c.pk: company_domain(c.name) for c in companies}
        generator.company_share = 0.12
        generator.department_ids = tuple(d.pk for d in departments)
        generator.department_titles = _department_titles(departments)
        generator.internal_share = 0.01
        result.companies = len(companies)
        tags = services.tags_get_or_create(workspace=workspace, names=[name for name, _ in TAGS])
        tag_ids = {t.name.lower(): t.pk for t in tags}
        taken = _taken_state(workspace=workspace, numbers=generator.numbers)

        def rows() -> Iterator[GeneratedContact]:
            index = taken.start
            for _ in range(count):
                while index in taken.indexes:
                    index += 1
                    result.skipped_numbers += 1
                contact = generator.generate(index)
                if contact.email_identity in taken.emails:
                    contact.email_identity = ""  # like contact_create: the holder keeps it
                index += 1
                yield contact

        load_started = time.perf_counter()
        if session is not None:
            _copy_batches(
                workspace=workspace,
                rows=rows(),
                count=count,
                tag_ids=tag_ids,
                batch_size=batch_size,
                result=result,
                progress=progress,
            )
            result.load_seconds = time.perf_counter() - load_started
            _postgres_session_finish(session)
            result.index_seconds = time.perf_counter() - load_started - result.load_seconds
        else:
            _bulk_create_batches(
                workspace=workspace, rows=rows(), tag_ids=tag_ids, result=result, progress=progress
            )
            result.load_seconds = time.perf_counter() - load_started
    if postgres:
        maintenance_started = time.perf_counter()
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            for table in _bulk_tables():
                cursor.execute(f"{command} {connection.ops.quote_name(table)}")
        result.maintenance_seconds = time.perf_counter() - maintenance_started
    result.seconds = time.perf_counter() - started
    return result


def _bulk_tables() -> tuple[str, str, str]:
    """The contact, identity and contact–tag tables (read from the models, not hard-coded)."""
    return Contact._meta.db_table, ContactIdentity._meta.db_table, Contact.tags.through._meta.db_table


@dataclass
class _PostgresSession:
    replica: bool  # foreign-key triggers skipped for this transaction
    dropped_indexes: list[tuple[str, str]]  # (name, CREATE INDEX statement) to recreate


def _postgres_session_prepare(*, count: int, rebuild_indexes: bool | None) -> _PostgresSession:
    """Lock, relax what is safe to relax for this transaction, drop indexes if rebuilding."""
    tables = _bulk_tables()
    quoted = [connection.ops.quote_name(t) for t in tables]
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {', '.join(quoted)} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        replica = bool(cursor.fetchone()[0])
        if replica:
            cursor.execute("SET LOCAL session_replication_role = replica")
        # Bigger buffers for the GIN pending list and for index builds, this transaction only.
        cursor.execute("SET LOCAL gin_pending_list_limit = '32MB'")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        if rebuild_indexes is None:
            cursor.execute(
                "SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = %s::regclass", [tables[0]]
            )
            rebuild_indexes = count >= 50000 and count >= float(cursor.fetchone()[0])
        dropped: list[tuple[str, str]] = []
        if rebuild_indexes:
            # Indexes that back a constraint (primary key, unique) stay: they guard the load.
            cursor.execute(
                """
                SELECT quote_ident(ns.nspname) || '.' || quote_ident(ic.relname),
                       pg_get_indexdef(i.indexrelid)
                FROM pg_index i
                JOIN pg_class ic ON ic.oid = i.indexrelid
                JOIN pg_namespace ns ON ns.oid = ic.relnamespace
                WHERE i.indrelid = ANY(%s::regclass[])
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
                ORDER BY ic.relname
                """,
                [list(tables)],
            )
            dropped = [(name, definition) for name, definition in cursor.fetchall()]
            for name, _definition in dropped:
                cursor.execute(f"DROP INDEX {name}")
    return _PostgresSession(replica=replica, dropped_indexes=dropped)


def _postgres_session_finish(session: _PostgresSession) -> None:
    """Recreate the dropped indexes and put the session settings back (``SET LOCAL`` would
    otherwise last to the end of an enclosing transaction, e.g. a test's)."""
    with connection.cursor() as cursor:
        if session.replica:
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        elif session.dropped_indexes:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # CREATE INDEX refuses pending checks
        for _name, definition in session.dropped_indexes:
            cursor.execute(definition)
        cursor.execute("SET LOCAL gin_pending_list_limit = DEFAULT")
        cursor.execute("SET LOCAL maintenance_work_mem = DEFAULT")


@dataclass
class SeedWorkspace:
    workspace: Workspace
    owner: User
    password: str | None  # set only when the owner was created now


@transaction.atomic
def seed_workspace_ensure(*, slug: str, name: str = "", owner_email: str = "") -> SeedWorkspace:
    """The workspace ``slug`` for a bulk seed, created with an owner when missing.

    The owner is ``owner_email`` (default ``pemilik@<slug>.test``); a new owner gets a random
    password, returned once so the caller can print it.
    """
    owner_email = (owner_email or f"pemilik@{slug}.test").lower()
    password: str | None = None
    owner = User.objects.filter(email__iexact=owner_email).first()
    if owner is None:
        password = secrets.token_urlsafe(12)
        owner = user_create(email=owner_email, password=password, full_name=f"Pemilik {slug}")
    workspace = Workspace.objects.filter(slug=slug).first()
    if workspace is None:
        workspace = workspace_create(name=name or f"Toko {slug.title()}", owner=owner, slug=slug)
    else:
        Membership.objects.get_or_create(user=owner, workspace=workspace, defaults={"role": Role.OWNER})
    return SeedWorkspace(workspace=workspace, owner=owner, password=password)


def _batched(rows: Iterator[GeneratedContact], size: int) -> Iterator[list[GeneratedContact]]:
    batch: list[GeneratedContact] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: Any) -> str:
    """One value in PostgreSQL's COPY text format (``\\N`` for NULL, escapes for the rest)."""
    if value is None:
        return "\\N"
    if isinstance(value, dict | list):
        value = json.dumps(value)
    elif isinstance(value, dt.date):  # dates and datetimes
        value = value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


def _contact_template(workspace: Workspace) -> tuple[list[str], list[str], dict[str, int]]:
    """Column names, a row of defaults in COPY text, and the position of each attribute."""
    columns: list[str] = []
    template: list[str] = []
    position: dict[str, int] = {}
    for f in Contact._meta.concrete_fields:
        if not f.column:
            continue
        default = f.get_default() if f.has_default() else (None if f.null else "")
        position[f.attname] = len(columns)
        columns.append(f.column)
        template.append(copy_text(default))
    template[position["workspace_id"]] = str(workspace.pk)
    return columns, template, position


def _copy_batches(
    *,
    workspace: Workspace,
    rows: Iterator[GeneratedContact],
    count: int,
    tag_ids: dict[str, int],
    batch_size: int,
    result: SeedResult,
    progress: Callable[[int], None] | None,
) -> None:
    """PostgreSQL: reserve ``count`` contact ids, then per batch COPY the contacts, their
    identities and their tag links. ``created_at`` grows with the id over three years.

    The reservation moves the sequence past the block in one statement; it is safe because
    the caller holds a lock that keeps other writers out of the table until the commit. Rows
    are formatted as COPY text here (about twice as fast as ``write_row``); a line that would
    need escaping (never, with the word lists as they are) is rebuilt value by value.
    """
    contact_table, identity_table, link_table = _bulk_tables()
    columns, template, position = _contact_template(workspace)
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    contact_sql = f"COPY {contact_table} ({quoted}) FROM STDIN"
    identity_sql = (
        f"COPY {identity_table} "
        "(created_at, updated_at, workspace_id, contact_id, channel, address, display_name) FROM STDIN"
    )
    link_sql = f"COPY {link_table} (contact_id, tag_id) FROM STDIN"
    id_at, created_at, updated_at = position["id"], position["created_at"], position["updated_at"]
    tabs = len(columns) - 1
    now = timezone.now()
    first = now - dt.timedelta(days=3 * 365)
    step = (now - first) / max(1, count)
    workspace_id = str(workspace.pk)
    whatsapp, email = Channel.WHATSAPP.value, Channel.EMAIL.value
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # the psycopg 3 cursor under Django's wrapper
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), nextval(pg_get_serial_sequence(%s, 'id')) + %s)",
            [contact_table, contact_table, count - 1],
        )
        next_id = int(cursor.fetchone()[0]) - count + 1
        done = 0
        pending = iter(rows)
        while True:
            identity_lines: list[str] = []
            link_lines: list[str] = []
            chunk: list[str] = []
            in_batch = 0
            # Rows are generated while the COPY is open and handed to a writer thread in
            # chunks, so PostgreSQL parses one chunk while Python builds the next.
            with cursor.copy(contact_sql, writer=QueuedLibpqWriter(cursor)) as copy:
                for contact in itertools.islice(pending, batch_size):
                    in_batch += 1
                    contact_id = str(next_id + done)
                    created = (first + step * done).isoformat()
                    done += 1
                    cells = template.copy()
                    cells[id_at], cells[created_at], cells[updated_at] = contact_id, created, created
                    for name, value in contact.values.items():
                        cells[position[name]] = (
                            value if value.__class__ is str else ("\\N" if value is None else str(value))
                        )
                    line = "\t".join(cells)
                    if (
                        line.count("\t") != tabs
                        or line.count("\\") != cells.count("\\N")  # the only backslashes: NULLs
                        or "\n" in line
                        or "\r" in line
                    ):
                        for name, value in contact.values.items():  # escape value by value
                            cells[position[name]] = copy_text(value)
                        line = "\t".join(cells)
                    chunk.append(line)
                    if len(chunk) >= 1000:
                        copy.write("\n".join(chunk) + "\n")
                        chunk.clear()
                    prefix = f"{created}\t{created}\t{workspace_id}\t{contact_id}\t"
                    if contact.whatsapp_id:
                        identity_lines.append(f"{prefix}{whatsapp}\t{copy_text(contact.whatsapp_id)}\t")
                    if contact.email_identity:
                        identity_lines.append(f"{prefix}{email}\t{copy_text(contact.email_identity)}\t")
                    for name in contact.tag_names:
                        link_lines.append(f"{contact_id}\t{tag_ids[name]}")
                if chunk:
                    copy.write("\n".join(chunk) + "\n")
            if not in_batch:
                break
            for sql, lines in ((identity_sql, identity_lines), (link_sql, link_lines)):
                if lines:
                    with cursor.copy(sql) as copy:
                        copy.write("\n".join(lines) + "\n")
            result.contacts += in_batch
            result.identities += len(identity_lines)
            result.tag_links += len(link_lines)
            if progress is not None:
                progress(result.contacts)


def _bulk_create_batches(
    *,
    workspace: Workspace,
    rows: Iterator[GeneratedContact],
    tag_ids: dict[str, int],
    result: SeedResult,
    progress: Callable[[int], None] | None,
) -> None:
    """SQLite (and any other database): ``bulk_create`` in batches of 2,000."""
    link_model = Contact.tags.through
    for batch in _batched(rows, 2000):
        created = Contact.objects.bulk_create([Contact(workspace=workspace, **c.values) for c in batch])
        identities: list[ContactIdentity] = []
        links: list[Any] = []
        for saved, contact in zip(created, batch, strict=True):
            if contact.whatsapp_id:
                identities.append(
                    ContactIdentity(
                        workspace=workspace,
                        contact=saved,
                        channel=Channel.WHATSAPP,
                        address=contact.whatsapp_id,
                    )
                )
            if contact.email_identity:
                identities.append(
                    ContactIdentity(
                        workspace=workspace,
                        contact=saved,
                        channel=Channel.EMAIL,
                        address=contact.email_identity,
                    )
                )
            links.extend(link_model(contact_id=saved.pk, tag_id=tag_ids[name]) for name in contact.tag_names)
        ContactIdentity.objects.bulk_create(identities)
        link_model.objects.bulk_create(links)
        result.contacts += len(batch)
        result.identities += len(identities)
        result.tag_links += len(links)
        if progress is not None:
            progress(result.contacts)


# ---------------------------------------------------------------------------------------
# The demo workspace.


@dataclass
class DemoResult:
    workspace: Workspace
    owner_email: str
    password: str
    created_contacts: int
    total_contacts: int


def _say(stdout: _Writer | None, text: str) -> None:
    if stdout is not None:
        stdout.write(text + "\n")


def _demo_user(email: str, full_name: str) -> User:
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user
    return user_create(email=email, password=DEMO_PASSWORD, full_name=full_name)


def _demo_values(contact: GeneratedContact, *, position: int) -> dict[str, Any]:
    """A generated customer as raw input for ``contact_create``: the phone as typed, dates as
    text, a custom field value now and then."""
    values = {k: v for k, v in contact.values.items() if k not in {"phone_raw", "phone_alt_raw"}}
    values["phone"] = contact.phone_typed
    if "phone_alt" in values:
        values["phone_alt"] = contact.values["phone_alt_raw"]
    if isinstance(values.get("birthday"), dt.date):
        values["birthday"] = values["birthday"].isoformat()
    values["tags"] = [t for t in contact.tag_names if t in DEMO_TAGS]
    if position % 7 == 0:
        sizes = DEMO_CUSTOM_FIELDS[0]["choices"]
        values["custom_fields"] = {
            "ukuran_baju": sizes[position % len(sizes)],
            "member_sejak": (dt.date(2020, 1, 6) + dt.timedelta(days=position * 9)).isoformat(),
        }
    return values


@transaction.atomic
def demo_workspace_ensure(*, stdout: _Writer | None = None) -> DemoResult:
    """Create (or complete) the demo shop "Toko Hadiah Hero" at ``/w/hero/``.

    Owner ``pemilik@hero.test`` and one colleague per role (``admin@``, ``sales@``,
    ``finance@``, ``agent@``, ``viewer@hero.test``), all with the password ``DEMO_PASSWORD``
    when first created; 200 customers made through ``contact_create`` (so with timeline and
    audit), among them Elok Pratiwi (0812-3456-7891, with a note) and a pair of duplicates
    for the merge screen; companies, departments with internal customers, tags and two custom
    fields ("Ukuran baju", "Member sejak").

    Idempotent: every piece is looked up first (users by e-mail, companies and departments by
    name, custom fields by key, customers by name and phone), so a second run adds nothing.
    Existing passwords are left alone.
    """
    owner = _demo_user(DEMO_OWNER_EMAIL, "Pemilik Hero")
    workspace = Workspace.objects.filter(slug=DEMO_SLUG).first()
    if workspace is None:
        workspace = workspace_create(
            name=DEMO_NAME, owner=owner, slug=DEMO_SLUG, timezone_name=TimeZone.WIB, city="Jakarta"
        )
        _say(stdout, f"Workspace {DEMO_NAME} (/w/{DEMO_SLUG}/) dibuat.")
    Membership.objects.get_or_create(user=owner, workspace=workspace, defaults={"role": Role.OWNER})
    sellers = [owner]
    for email, full_name, role in DEMO_COLLEAGUES:
        user = _demo_user(email, full_name)
        Membership.objects.get_or_create(user=user, workspace=workspace, defaults={"role": role})
        if role in (Role.ADMIN, Role.SALES, Role.AGENT):
            sellers.append(user)

    for spec in DEMO_CUSTOM_FIELDS:
        CustomFieldDefinition.objects.get_or_create(
            workspace=workspace, key=spec["key"], defaults={k: v for k, v in spec.items() if k != "key"}
        )
    services.tags_get_or_create(workspace=workspace, names=list(DEMO_TAGS))
    companies: list[Company] = []
    for company_values in DEMO_COMPANIES:
        company = Company.objects.filter(workspace=workspace, name=company_values["name"]).first()
        if company is None:
            company = services.company_create(workspace=workspace, actor=owner, values=company_values)
        companies.append(company)
    departments: list[Department] = []
    for name, code in DEMO_DEPARTMENTS:
        department = Department.objects.filter(workspace=workspace, name__iexact=name).first()
        if department is None:
            department = services.department_create(
                workspace=workspace, actor=owner, values={"name": name, "code": code}
            )
        departments.append(department)

    existing = set(Contact.objects.filter(workspace=workspace).values_list("full_name", "phone"))
    created = 0

    def ensure(values: dict[str, Any], actor: User) -> Contact | None:
        nonlocal created
        number = normalize_phone(str(values.get("phone") or ""))
        key = (" ".join(str(values["full_name"]).split()), number.e164 if number else "")
        if key in existing:
            return None
        contact = services.contact_create(
            workspace=workspace, actor=actor, values=values, timeline_source="demo"
        )
        existing.add(key)
        created += 1
        return contact

    elok = ensure(dict(ELOK, owner_id=owner.pk), owner)
    if elok is not None:
        services.contact_note_add(
            contact=elok,
            author=owner,
            body="Suka hampers Lebaran dan bunga. Minta dikirim sebelum jam 10 pagi.",
        )
    for values in DUPLICATE_PAIR:
        ensure(dict(values), sellers[-1])

    generator = ContactGenerator(
        rng_seed=DEMO_RNG_SEED,
        number_key=DEMO_SLUG,
        staff_email_domain="hero.co.id",
        owner_ids=[m.pk for m in sellers] + [None],
        company_ids=[c.pk for c in companies],
        company_domains={c.pk: company_domain(c.name) for c in companies},
        department_ids=[d.pk for d in departments],
        department_titles=_department_titles(departments),
        internal_share=0.05,
        company_share=0.1,
    )
    for position in range(DEMO_CUSTOMERS - 1 - len(DUPLICATE_PAIR)):
        contact = generator.generate(position)
        ensure(_demo_values(contact, position=position), generator.pick(sellers))

    total = Contact.objects.filter(workspace=workspace).count()
    _say(stdout, f"Pelanggan demo: {created} baru, {total} seluruhnya.")
    return DemoResult(
        workspace=workspace,
        owner_email=owner.email,
        password=DEMO_PASSWORD,
        created_contacts=created,
        total_contacts=total,
    )
