"""Indonesia's national holidays (*libur nasional*) and collective leave (*cuti bersama*) as
data, seeded per workspace by ``office_hours.holidays_seed`` and editable by the owner.

2026: SKB 3 Menteri (Menteri Agama, Menteri Ketenagakerjaan, Menteri PANRB) No. 1497, 2 and 5
of 2025 — 17 libur nasional and 8 cuti bersama. Islamic dates follow the SKB; the Ministry of
Religious Affairs' *sidang isbat* may still move Idul Fitri/Idul Adha by a day.

2027: PROVISIONAL. The SKB for 2027 was not available to us; the fixed dates are certain, the
moveable ones are computed (Easter; Chinese, Saka and Buddhist calendars; the Hijri calendar by
*hisab*) and Islamic ones may shift by a day after sighting. No cuti bersama is listed for 2027
until the SKB is published: the owner adds them on the settings page.
"""

from __future__ import annotations

import datetime as dt
from typing import Final, NamedTuple

NATIONAL: Final = "national"
CUTI_BERSAMA: Final = "cuti_bersama"


class HolidayData(NamedTuple):
    date: dt.date
    name: str
    kind: str


def _d(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, day)


HOLIDAYS_2026: Final[tuple[HolidayData, ...]] = (
    HolidayData(_d(2026, 1, 1), "Tahun Baru 2026 Masehi", NATIONAL),
    HolidayData(_d(2026, 1, 16), "Isra Mikraj Nabi Muhammad SAW", NATIONAL),
    HolidayData(_d(2026, 2, 16), "Cuti Bersama Tahun Baru Imlek", CUTI_BERSAMA),
    HolidayData(_d(2026, 2, 17), "Tahun Baru Imlek 2577 Kongzili", NATIONAL),
    HolidayData(_d(2026, 3, 18), "Cuti Bersama Hari Suci Nyepi", CUTI_BERSAMA),
    HolidayData(_d(2026, 3, 19), "Hari Suci Nyepi (Tahun Baru Saka 1948)", NATIONAL),
    HolidayData(_d(2026, 3, 20), "Cuti Bersama Idulfitri 1447 H", CUTI_BERSAMA),
    HolidayData(_d(2026, 3, 21), "Idulfitri 1447 H", NATIONAL),  # subject to sidang isbat
    HolidayData(_d(2026, 3, 22), "Idulfitri 1447 H", NATIONAL),  # subject to sidang isbat
    HolidayData(_d(2026, 3, 23), "Cuti Bersama Idulfitri 1447 H", CUTI_BERSAMA),
    HolidayData(_d(2026, 3, 24), "Cuti Bersama Idulfitri 1447 H", CUTI_BERSAMA),
    HolidayData(_d(2026, 4, 3), "Wafat Yesus Kristus", NATIONAL),
    HolidayData(_d(2026, 4, 5), "Kebangkitan Yesus Kristus (Paskah)", NATIONAL),
    HolidayData(_d(2026, 5, 1), "Hari Buruh Internasional", NATIONAL),
    HolidayData(_d(2026, 5, 14), "Kenaikan Yesus Kristus", NATIONAL),
    HolidayData(_d(2026, 5, 15), "Cuti Bersama Kenaikan Yesus Kristus", CUTI_BERSAMA),
    HolidayData(_d(2026, 5, 27), "Iduladha 1447 H", NATIONAL),  # subject to sidang isbat
    HolidayData(_d(2026, 5, 28), "Cuti Bersama Iduladha 1447 H", CUTI_BERSAMA),
    HolidayData(_d(2026, 5, 31), "Hari Raya Waisak 2570 BE", NATIONAL),
    HolidayData(_d(2026, 6, 1), "Hari Lahir Pancasila", NATIONAL),
    HolidayData(_d(2026, 6, 16), "1 Muharam Tahun Baru Islam 1448 H", NATIONAL),
    HolidayData(_d(2026, 8, 17), "Hari Kemerdekaan Republik Indonesia", NATIONAL),
    HolidayData(_d(2026, 8, 25), "Maulid Nabi Muhammad SAW", NATIONAL),
    HolidayData(_d(2026, 12, 24), "Cuti Bersama Hari Raya Natal", CUTI_BERSAMA),
    HolidayData(_d(2026, 12, 25), "Kelahiran Yesus Kristus (Hari Raya Natal)", NATIONAL),
)

# PROVISIONAL (see the module docstring): check against the SKB for 2027 when it is published.
HOLIDAYS_2027: Final[tuple[HolidayData, ...]] = (
    HolidayData(_d(2027, 1, 1), "Tahun Baru 2027 Masehi", NATIONAL),
    HolidayData(_d(2027, 1, 5), "Isra Mikraj Nabi Muhammad SAW", NATIONAL),  # hisab, uncertain ±1
    HolidayData(_d(2027, 2, 6), "Tahun Baru Imlek 2578 Kongzili", NATIONAL),
    HolidayData(_d(2027, 3, 8), "Hari Suci Nyepi (Tahun Baru Saka 1949)", NATIONAL),  # uncertain
    HolidayData(_d(2027, 3, 10), "Idulfitri 1448 H", NATIONAL),  # hisab, uncertain ±1
    HolidayData(_d(2027, 3, 11), "Idulfitri 1448 H", NATIONAL),  # hisab, uncertain ±1
    HolidayData(_d(2027, 3, 26), "Wafat Yesus Kristus", NATIONAL),
    HolidayData(_d(2027, 3, 28), "Kebangkitan Yesus Kristus (Paskah)", NATIONAL),
    HolidayData(_d(2027, 5, 1), "Hari Buruh Internasional", NATIONAL),
    HolidayData(_d(2027, 5, 6), "Kenaikan Yesus Kristus", NATIONAL),
    HolidayData(_d(2027, 5, 17), "Iduladha 1448 H", NATIONAL),  # hisab, uncertain ±1
    HolidayData(_d(2027, 5, 20), "Hari Raya Waisak 2571 BE", NATIONAL),  # uncertain
    HolidayData(_d(2027, 6, 1), "Hari Lahir Pancasila", NATIONAL),
    HolidayData(_d(2027, 6, 6), "1 Muharam Tahun Baru Islam 1449 H", NATIONAL),  # hisab, uncertain ±1
    HolidayData(_d(2027, 8, 15), "Maulid Nabi Muhammad SAW", NATIONAL),  # hisab, uncertain ±1
    HolidayData(_d(2027, 8, 17), "Hari Kemerdekaan Republik Indonesia", NATIONAL),
    HolidayData(_d(2027, 12, 25), "Kelahiran Yesus Kristus (Hari Raya Natal)", NATIONAL),
)

HOLIDAYS_BY_YEAR: Final[dict[int, tuple[HolidayData, ...]]] = {2026: HOLIDAYS_2026, 2027: HOLIDAYS_2027}
PROVISIONAL_YEARS: Final[frozenset[int]] = frozenset({2027})
