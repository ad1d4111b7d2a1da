"""Throughput pacing with an explicit clock: one message per slot, and a reservation used in
its own slot only (Meta counts per second)."""

from __future__ import annotations

import uuid

import pytest

from relasi.channels.whatsapp.pacing import throughput_reserve

# Two a second: slots of half a second; second 1000 holds slots 2000 and 2001.
T = 1000.0


@pytest.fixture
def number() -> str:
    return f"pace-{uuid.uuid4().hex}"  # a number of its own: the cache is shared


def test_a_free_slot_is_used_at_once_and_the_next_message_waits_for_the_next_slot(number: str) -> None:
    first = throughput_reserve(phone_number_id=number, per_second=2, message_id=1, now=T + 0.1)
    second = throughput_reserve(phone_number_id=number, per_second=2, message_id=2, now=T + 0.2)
    assert (first.wait, first.slot) == (0.0, 2000)
    assert second.slot == 2001
    assert second.wait == pytest.approx(0.3)
    # Back on time, the reservation is its own.
    back = throughput_reserve(phone_number_id=number, per_second=2, message_id=2, now=T + 0.51)
    assert (back.wait, back.slot) == (0.0, 2001)


def test_a_message_woken_late_in_its_own_second_goes_at_once(number: str) -> None:
    throughput_reserve(phone_number_id=number, per_second=4, message_id=1, now=T + 0.01)  # slot 4000
    reserved = throughput_reserve(phone_number_id=number, per_second=4, message_id=2, now=T + 0.02)
    assert reserved.slot == 4001
    late = throughput_reserve(phone_number_id=number, per_second=4, message_id=2, now=T + 0.9)
    assert (late.wait, late.slot) == (0.0, 4001)  # still second 1000: its budget holds it


def test_a_message_woken_in_a_later_second_reserves_again(number: str) -> None:
    throughput_reserve(phone_number_id=number, per_second=2, message_id=1, now=T + 0.1)  # slot 2000
    reserved = throughput_reserve(phone_number_id=number, per_second=2, message_id=2, now=T + 0.2)
    assert reserved.slot == 2001
    # Woken in the next second, after slot 2002 was taken by another message.
    throughput_reserve(phone_number_id=number, per_second=2, message_id=3, now=T + 1.05)  # slot 2002
    late = throughput_reserve(phone_number_id=number, per_second=2, message_id=2, now=T + 1.1)
    assert late.slot == 2003  # not 2001: that would be a third message in second 1001
    assert late.wait == pytest.approx(0.4)
