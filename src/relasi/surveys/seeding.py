"""The demo workspace's surveys: an NPS survey and a CES survey with answers from its customers
over the last 90 days (the same every time: a fixed random seed), made through the services —
invitations by e-mail or WhatsApp, answers with Indonesian comments that the default feedback
topics sort. Elok Pratiwi, the demo's loyal customer, is a promoter. Safe to run again: a
survey that exists is left as it is."""

from __future__ import annotations

import datetime as dt
import random
from typing import Protocol

from django.db import transaction
from django.utils import timezone

from relasi.accounts.models import User, Workspace
from relasi.contacts.enums import ContactKind
from relasi.contacts.models import Contact
from relasi.surveys import services
from relasi.surveys.enums import InvitationStatus, ResponseSource, SurveyChannel
from relasi.surveys.models import Survey


class _Writer(Protocol):
    def write(self, text: str) -> object: ...


NPS_NAME = "NPS pelanggan"
CES_NAME = "Kemudahan pemesanan (CES)"
ELOK_NAME = "Elok Pratiwi"
RNG_SEED = 2026

NPS_COMMENTS: dict[str, list[str]] = {
    "promoter": [
        "Pelayanan ramah, barang sampai cepat",
        "Kualitas bagus dan awet, pasti belanja lagi",
        "Admin cepat balas, mantap",
        "",
    ],
    "passive": ["Barang bagus, tapi ongkir agak mahal", "Lumayan, pengiriman agak lama", ""],
    "detractor": [
        "Pengiriman telat 3 hari, tapi harganya murah",
        "Barang rusak waktu sampai",
        "Stok warna favorit sering kosong",
        "Admin jutek dan lama balas",
    ],
}
CES_COMMENTS = [
    "Gampang, tinggal chat admin",
    "Agak ribet cari info ongkir",
    "",
    "Stok tidak jelas, harus tanya dulu",
]


def _nps_score(rng: random.Random) -> int:
    """Answers skewed like a well-liked shop: about half promoters, a fifth detractors."""
    band = rng.random()
    if band < 0.5:
        return rng.choice((9, 10))
    if band < 0.8:
        return rng.choice((7, 8))
    return rng.choice((2, 4, 5, 6))


def _answer(
    survey: Survey, contact: Contact, score: int, comment: str, when: dt.datetime, rng: random.Random
) -> None:
    channel = SurveyChannel.EMAIL if contact.email and rng.random() < 0.5 else SurveyChannel.WHATSAPP
    invitation = services.survey_invitation_create(
        survey=survey, contact=contact, channel=channel, status=InvitationStatus.SENT, sent_to=contact.email
    )
    services.survey_response_record(
        survey=survey,
        score=score,
        comment=comment,
        source=ResponseSource(channel),
        invitation=invitation,
        answered_at=when,
    )


@transaction.atomic
def demo_surveys_ensure(*, workspace: Workspace, owner: User, stdout: _Writer | None = None) -> list[Survey]:
    """Create the demo's NPS and CES surveys with their answers (see the module docstring)."""
    rng = random.Random(RNG_SEED)  # noqa: S311 - demo data, not security
    now = timezone.now()
    customers = list(
        Contact.objects.filter(
            workspace=workspace, kind=ContactKind.EXTERNAL, merged_into__isnull=True
        ).order_by("id")[:40]
    )
    made: list[Survey] = []
    if not Survey.objects.filter(workspace=workspace, name=NPS_NAME).exists():
        nps = services.survey_create(
            workspace=workspace, actor=owner, values={"kind": "nps", "name": NPS_NAME}
        )
        for contact in customers:
            score = 10 if contact.full_name == ELOK_NAME else _nps_score(rng)
            band = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
            comment = (
                "Pelayanan ramah, kualitas bagus"
                if contact.full_name == ELOK_NAME
                else rng.choice(NPS_COMMENTS[band])
            )
            _answer(
                nps,
                contact,
                score,
                comment,
                now - dt.timedelta(days=rng.randint(1, 90), hours=rng.randint(0, 23)),
                rng,
            )
        made.append(nps)
    if not Survey.objects.filter(workspace=workspace, name=CES_NAME).exists():
        ces = services.survey_create(
            workspace=workspace, actor=owner, values={"kind": "ces", "name": CES_NAME}
        )
        for contact in customers[::3]:
            score = rng.choice((7, 6, 6, 5, 4, 3, 2))
            _answer(
                ces,
                contact,
                score,
                rng.choice(CES_COMMENTS),
                now - dt.timedelta(days=rng.randint(1, 60)),
                rng,
            )
        made.append(ces)
    if stdout is not None and made:
        stdout.write(f"Surveys: {', '.join(s.name for s in made)} with their answers.\n")
    return made
