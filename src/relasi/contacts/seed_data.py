"""The word lists behind ``relasi seed``: Indonesian names by tradition, cities with their
provinces, area and postal codes, operator prefixes, companies, tags, and the fixed pieces of
the demo shop. Data only; ``contacts/seeding.py`` turns it into customers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from relasi.accounts.enums import Role
from relasi.contacts.enums import CustomFieldType, Gender, Source

# ---------------------------------------------------------------------------------------
# Name pools. Each tradition has given names per gender, family (or second) names and the
# cities where its people mostly live; weights are rough shares of a shop's customers.


@dataclass(frozen=True)
class NameTradition:
    key: str
    weight: int
    male: tuple[str, ...]
    female: tuple[str, ...]
    family_male: tuple[str, ...]
    family_female: tuple[str, ...]
    family_share: float  # how often a second/family name follows the given name
    cities: dict[str, int]


def _t(text: str) -> tuple[str, ...]:
    return tuple(text.split(","))


JAVA_CITIES = {
    "Jakarta Selatan": 6,
    "Jakarta Timur": 6,
    "Jakarta Barat": 4,
    "Jakarta Utara": 3,
    "Jakarta Pusat": 2,
    "Surabaya": 12,
    "Semarang": 9,
    "Yogyakarta": 7,
    "Surakarta": 6,
    "Malang": 6,
    "Bekasi": 6,
    "Tangerang": 6,
    "Depok": 4,
    "Bogor": 3,
    "Bandung": 3,
    "Balikpapan": 3,
    "Samarinda": 2,
    "Palembang": 2,
    "Bandar Lampung": 3,
    "Batam": 2,
    "Pekalongan": 2,
    "Medan": 1,
    "Makassar": 1,
    "Denpasar": 1,
    "Jayapura": 1,
    "Pontianak": 1,
    "Banjarmasin": 1,
}

TRADITIONS: tuple[NameTradition, ...] = (
    NameTradition(
        "javanese",
        30,
        _t(
            "Budi,Agus,Bambang,Joko,Slamet,Eko,Dwi,Teguh,Hadi,Wahyu,Sugeng,Bayu,Rudi,Hendro,Arif,"
            "Dimas,Yoga,Aditya,Anang,Heru,Didik,Galih,Muhammad,Ahmad,Rizky,Fajar,Ilham,Andi,Dani,"
            "Yudi,Imam,Bagus,Tri,Catur,Wisnu,Nanda,Adi,Ari,Satria,Gilang"
        ),
        _t(
            "Sri,Dewi,Siti,Endang,Wulan,Ratna,Tri,Rini,Ayu,Yuni,Dyah,Retno,Kartika,Sekar,Putri,"
            "Indah,Elok,Nur,Puji,Anjani,Larasati,Fitri,Novi,Rahma,Nurul,Intan,Ika,Yanti,Wahyu,"
            "Dina,Lia,Septi,Anisa,Eka,Mega,Diah,Asih,Tutik,Suci,Nadia"
        ),
        _t(
            "Santoso,Susanto,Wibowo,Prasetyo,Nugroho,Setiawan,Hartono,Purnomo,Kurniawan,Saputra,"
            "Prabowo,Widodo,Sutrisno,Haryanto,Suryadi,Budiman,Hidayat,Firmansyah,Sasongko,"
            "Wicaksono,Wijayanto,Pamungkas,Ramadhan,Hermawan,Setyawan,Utomo,Syahputra,Nugraha"
        ),
        _t(
            "Rahayu,Lestari,Wahyuni,Handayani,Pratiwi,Utami,Sulistyowati,Kusumawati,Astuti,"
            "Wulandari,Puspitasari,Rahmawati,Susanti,Maharani,Permatasari,Anggraini,Safitri,"
            "Kurniasari,Setyaningsih,Nurhayati,Fitriani,Ningrum,Cahyani,Hapsari"
        ),
        0.85,
        JAVA_CITIES,
    ),
    NameTradition(
        "sundanese",
        11,
        _t(
            "Asep,Cecep,Dadang,Ujang,Entis,Dede,Agus,Iwan,Yayan,Encep,Jajang,Ade,Dedi,Ridwan,"
            "Rizal,Aep,Ajat,Deden,Endang,Kurnia,Hendra,Yusuf,Ilham,Rudi"
        ),
        _t(
            "Euis,Neneng,Iis,Cucu,Enung,Nining,Lilis,Imas,Tati,Yeni,Rina,Nenden,Popon,Ai,Nurul,"
            "Siti,Dewi,Rika,Wida,Resti,Santi,Nia,Elis,Teti"
        ),
        _t(
            "Sunandar,Hidayat,Suherman,Permana,Gunawan,Kusnadi,Rusmana,Sudrajat,Suryana,Mulyana,"
            "Komarudin,Hermawan,Sobari,Supriatna,Ramdani,Setiadi,Nugraha,Saepudin,Firdaus"
        ),
        _t(
            "Komalasari,Nurhayati,Rohaeni,Kurniasih,Sumiati,Rosmiati,Yulianti,Maryani,Sukaesih,"
            "Rahmawati,Herawati,Nurjanah,Susilawati,Oktaviani,Fauziah"
        ),
        0.8,
        {
            "Bandung": 40,
            "Bogor": 10,
            "Tasikmalaya": 10,
            "Cirebon": 8,
            "Depok": 6,
            "Bekasi": 8,
            "Jakarta Selatan": 5,
            "Jakarta Timur": 5,
            "Tangerang": 6,
        },
    ),
    NameTradition(
        "batak",
        7,
        _t(
            "Togar,Parlindungan,Marihot,Poltak,Bonar,Hotman,Sahat,Tigor,Martua,Ruhut,Binsar,"
            "Gomgom,Jonni,Roy,Daniel,Samuel,Hendrik,Robert,Jansen,Frans"
        ),
        _t(
            "Rosmawati,Tiurma,Lasma,Romauli,Sondang,Butet,Dame,Friska,Rumondang,Nurmala,Erna,"
            "Mutiara,Lestari,Yohana,Elfrida,Debora,Rotua,Tiara"
        ),
        _t(
            "Siregar,Simanjuntak,Nasution,Harahap,Lubis,Sitorus,Panjaitan,Hutapea,Sinaga,"
            "Situmorang,Pardede,Manurung,Tampubolon,Sihombing,Silalahi,Ginting,Tarigan,Sembiring,"
            "Simatupang,Hutagalung,Napitupulu,Pasaribu,Siahaan,Damanik,Purba,Saragih"
        ),
        (),
        1.0,
        {
            "Medan": 60,
            "Pematangsiantar": 10,
            "Jakarta Timur": 8,
            "Jakarta Selatan": 5,
            "Batam": 6,
            "Pekanbaru": 6,
            "Bekasi": 5,
        },
    ),
    NameTradition(
        "minang",
        6,
        _t(
            "Rahmat,Zulkifli,Yusrizal,Afrizal,Hendri,Syafrizal,Erwin,Fadli,Ilham,Rizki,Andre,"
            "Nofrizal,Deri,Yuliandri,Irfan,Reza,Hafiz,Arif"
        ),
        _t(
            "Fitri,Yenni,Deswita,Rahmi,Nofriyanti,Susi,Lisa,Mega,Elvira,Desi,Yulia,Rosa,Vivi,"
            "Hayati,Zulfa,Melati"
        ),
        _t(
            "Tanjung,Chaniago,Piliang,Koto,Sikumbang,Effendi,Syahputra,Marzuki,Amri,Rusli,"
            "Jambak,Putra,Hamdani"
        ),
        _t("Yanti,Oktavia,Handayani,Novita,Sari,Rahmadani,Tanjung,Chaniago,Putri,Elvina"),
        0.75,
        {
            "Padang": 50,
            "Bukittinggi": 15,
            "Jakarta Timur": 8,
            "Jakarta Barat": 6,
            "Pekanbaru": 10,
            "Medan": 4,
            "Bandung": 4,
            "Batam": 3,
        },
    ),
    NameTradition(
        "bugis",
        5,
        _t(
            "Muhammad,Syamsul,Arfah,Baso,Sulaiman,Ismail,Rusdi,Irwan,Jusman,Haerul,Syahrir,"
            "Ilyas,Amiruddin,Taufik,Akbar,Fadly,Zainal"
        ),
        _t(
            "Nurhayati,Hasnah,Sitti,Rahmawati,Fatmawati,Kasmawati,Nurul,Hasmiah,Jumriah,"
            "Megawati,Nurfadillah,Hasniati,Besse,Andriani"
        ),
        _t(
            "Mallarangeng,Limpo,Mappaseng,Pawelloi,Rahman,Hamzah,Baharuddin,Mustafa,Nurdin,Amir,"
            "Haris,Parenrengi,Mappa,Tenri,Latif"
        ),
        _t("Rahman,Hamzah,Baharuddin,Nurdin,Amir,Tenri,Mappa,Aisyah,Latif"),
        0.8,
        {
            "Makassar": 60,
            "Parepare": 15,
            "Balikpapan": 8,
            "Samarinda": 5,
            "Jakarta Selatan": 6,
            "Jayapura": 3,
            "Kupang": 3,
        },
    ),
    NameTradition(
        "balinese",
        4,
        _t(
            "Sudirta,Suarjana,Arsana,Mertayasa,Budiarta,Adnyana,Suardana,Wirawan,Sukadana,"
            "Widiana,Darmawan,Astawa,Pastika,Sudarma,Yasa,Artawan"
        ),
        _t(
            "Sukerti,Sriani,Suarni,Ariani,Suartini,Sukarini,Ayu Lestari,Ratna Dewi,Sulastri,"
            "Wahyuni,Darmayanti,Sariasih,Purnamasari,Wulandari"
        ),
        (),
        (),
        0.0,
        {"Denpasar": 65, "Singaraja": 15, "Mataram": 5, "Jakarta Selatan": 8, "Surabaya": 7},
    ),
    NameTradition(
        "chinese_indonesian",
        8,
        _t(
            "Hendra,Budi,Kevin,Yohanes,Andreas,Steven,Hendrik,Rudy,Johan,Felix,Wilson,Ferry,"
            "Irwan,Sugianto,Jimmy,Michael,Ricky,William,Jonathan,Edward,Vincent,Darmadi"
        ),
        _t(
            "Lina,Lily,Meiliana,Susanti,Yenny,Cindy,Jessica,Vivian,Fenny,Angela,Sherly,Melinda,"
            "Lanny,Cynthia,Natalia,Herlina,Olivia,Grace,Monica,Stephanie,Elisabeth,Widya"
        ),
        _t(
            "Wijaya,Tanoto,Halim,Gunawan,Salim,Santoso,Tanuwidjaja,Sutanto,Hartono,Kusuma,Lim,Tan,"
            "Liem,Gozali,Setiawan,Chandra,Tjahjadi,Widjaja,Sugiarto,Lukito,Susanto,Djohan,Tanjaya,"
            "Honggo,Kurniawan,Oei,Go,Hartanto,Tedjasukmana"
        ),
        (),
        0.95,
        {
            "Jakarta Barat": 25,
            "Jakarta Utara": 15,
            "Medan": 15,
            "Surabaya": 15,
            "Pontianak": 8,
            "Semarang": 7,
            "Bandung": 5,
            "Makassar": 5,
            "Batam": 5,
            "Tangerang": 5,
        },
    ),
    NameTradition(
        "arab_indonesian",
        3,
        _t(
            "Hasan,Husein,Umar,Ali,Abdullah,Fadli,Salim,Muhammad,Ahmad,Faisal,Hamid,Alwi,Zein,"
            "Anis,Segaf,Thoha"
        ),
        _t(
            "Aisyah,Fatimah,Khadijah,Syarifah,Zahra,Nabila,Salma,Sarah,Mariam,Farah,Rugayah,Najwa,"
            "Nadia,Hanifah"
        ),
        _t(
            "Alatas,Assegaf,Shihab,Alhabsyi,Baswedan,Bahasuan,Alaydrus,Aljufri,Bawazier,Basalamah,"
            "Alkaff,Alhadar,Albar,Bafadal,Bin Syech"
        ),
        (),
        0.9,
        {
            "Jakarta Selatan": 15,
            "Jakarta Timur": 10,
            "Surabaya": 15,
            "Pekalongan": 10,
            "Surakarta": 10,
            "Palembang": 10,
            "Malang": 6,
            "Bogor": 6,
            "Makassar": 4,
        },
    ),
    NameTradition(
        "minahasa",
        3,
        _t("Stevan,Jefry,Ronny,Frangky,Rudy,Hanny,Meldy,Denny,Ferdinand,Jantje,Royke,Olly,Christian,Rivo"),
        _t("Grace,Jeane,Vanny,Meyti,Marlyn,Debby,Sherly,Stella,Novita,Inggrid,Lenny,Maria,Chintya,Feby"),
        _t(
            "Wowor,Lumowa,Rumengan,Sondakh,Pangemanan,Tumbelaka,Lengkong,Runtuwene,Kalalo,Mandagi,"
            "Sumampouw,Lontoh,Tangkudung,Walangitan,Kaunang,Rompas"
        ),
        (),
        1.0,
        {"Manado": 70, "Jakarta Timur": 8, "Jakarta Utara": 5, "Makassar": 5, "Balikpapan": 6, "Surabaya": 6},
    ),
    NameTradition(
        "papuan",
        2,
        _t("Yohanis,Marthen,Yance,Yulius,Benny,Frans,Obed,Nelson,Petrus,Decky,Septinus,Otto"),
        _t("Salomina,Yuliana,Ribka,Agustina,Martha,Yosina,Naomi,Febiola,Priska,Margaretha"),
        _t(
            "Wenda,Kogoya,Tabuni,Wonda,Rumbiak,Mandowen,Kaisiepo,Ayomi,Sawaki,Rumansara,Yikwa,"
            "Karubaba,Mirino,Womsiwor,Wanimbo"
        ),
        (),
        1.0,
        {"Jayapura": 80, "Makassar": 5, "Ambon": 5, "Jakarta Timur": 10},
    ),
    NameTradition(
        "single_name",
        8,
        _t(
            "Suparman,Mulyadi,Sukirman,Paijo,Tukimin,Sarmin,Suwarno,Supardi,Sutarno,Kasimin,"
            "Darsono,Karno,Ngadiman,Mujiono,Rohmat,Jumadi,Sumarno,Wagimin,Saimun,Karyono"
        ),
        _t(
            "Sukarni,Ngatini,Tukiyem,Sutinah,Sumarni,Painem,Sumiati,Wagiyem,Juminten,Kasiyem,"
            "Suwarni,Sarinah,Mujiati,Sulastri,Paini,Surati,Waginah,Parmi,Sumirah,Katmi"
        ),
        (),
        (),
        0.0,
        JAVA_CITIES,
    ),
)

# Balinese names: I/Ni + birth-order name + given name; some carry a caste title instead.
BALI_ORDER_MALE = _t("Wayan,Putu,Gede,Made,Kadek,Nyoman,Komang,Ketut")
BALI_ORDER_FEMALE = _t("Luh,Putu,Made,Kadek,Nyoman,Komang,Ketut,Wayan")
BALI_TITLE_MALE = _t("Ida Bagus,I Gusti Ngurah,Anak Agung Gede,I Gusti Made")
BALI_TITLE_FEMALE = _t("Ida Ayu,I Gusti Ayu,Anak Agung Istri,Desak Made")


@dataclass(frozen=True)
class City:
    name: str
    province: str
    area_code: str  # landline area code without the trunk 0
    postal_low: int
    postal_high: int
    districts: tuple[str, ...]  # kelurahan / kecamatan for addresses


CITIES: dict[str, City] = {
    c.name: c
    for c in (
        City(
            "Jakarta Selatan",
            "DKI Jakarta",
            "21",
            12110,
            12960,
            _t("Kebayoran Baru,Tebet,Cilandak,Pancoran,Mampang Prapatan"),
        ),
        City(
            "Jakarta Timur",
            "DKI Jakarta",
            "21",
            13110,
            13960,
            _t("Jatinegara,Duren Sawit,Cakung,Kramat Jati,Pulo Gadung"),
        ),
        City(
            "Jakarta Barat",
            "DKI Jakarta",
            "21",
            11110,
            11850,
            _t("Grogol Petamburan,Taman Sari,Cengkareng,Kebon Jeruk,Kalideres"),
        ),
        City(
            "Jakarta Utara",
            "DKI Jakarta",
            "21",
            14110,
            14470,
            _t("Kelapa Gading,Pademangan,Penjaringan,Tanjung Priok,Koja"),
        ),
        City(
            "Jakarta Pusat",
            "DKI Jakarta",
            "21",
            10110,
            10730,
            _t("Menteng,Tanah Abang,Gambir,Senen,Cempaka Putih"),
        ),
        City(
            "Surabaya",
            "Jawa Timur",
            "31",
            60111,
            60299,
            _t("Gubeng,Tegalsari,Wonokromo,Rungkut,Sukolilo,Genteng"),
        ),
        City(
            "Bandung",
            "Jawa Barat",
            "22",
            40111,
            40294,
            _t("Coblong,Sukajadi,Cicendo,Buahbatu,Antapani,Lengkong"),
        ),
        City(
            "Medan",
            "Sumatera Utara",
            "61",
            20111,
            20371,
            _t("Medan Baru,Medan Petisah,Medan Johor,Medan Helvetia,Medan Sunggal"),
        ),
        City(
            "Semarang",
            "Jawa Tengah",
            "24",
            50111,
            50275,
            _t("Candisari,Banyumanik,Tembalang,Semarang Tengah,Gajahmungkur"),
        ),
        City(
            "Makassar",
            "Sulawesi Selatan",
            "411",
            90111,
            90245,
            _t("Panakkukang,Tamalate,Rappocini,Mariso,Ujung Pandang"),
        ),
        City(
            "Denpasar",
            "Bali",
            "361",
            80111,
            80239,
            _t("Denpasar Barat,Denpasar Timur,Denpasar Selatan,Denpasar Utara"),
        ),
        City(
            "Yogyakarta",
            "DI Yogyakarta",
            "274",
            55111,
            55295,
            _t("Gondokusuman,Umbulharjo,Jetis,Kotagede,Mergangsan"),
        ),
        City(
            "Palembang",
            "Sumatera Selatan",
            "711",
            30111,
            30264,
            _t("Ilir Barat I,Ilir Timur I,Seberang Ulu I,Sukarami,Kemuning"),
        ),
        City(
            "Balikpapan",
            "Kalimantan Timur",
            "542",
            76111,
            76136,
            _t("Balikpapan Kota,Balikpapan Selatan,Balikpapan Utara"),
        ),
        City("Manado", "Sulawesi Utara", "431", 95111, 95259, _t("Wenang,Sario,Malalayang,Tikala,Wanea")),
        City("Jayapura", "Papua", "967", 99111, 99225, _t("Jayapura Utara,Jayapura Selatan,Abepura,Heram")),
        City(
            "Padang",
            "Sumatera Barat",
            "751",
            25111,
            25176,
            _t("Padang Barat,Padang Utara,Kuranji,Lubuk Begalung"),
        ),
        City(
            "Bukittinggi",
            "Sumatera Barat",
            "752",
            26111,
            26138,
            _t("Guguk Panjang,Mandiangin Koto Selayan,Aur Birugo Tigo Baleh"),
        ),
        City(
            "Malang", "Jawa Timur", "341", 65111, 65149, _t("Klojen,Lowokwaru,Blimbing,Sukun,Kedungkandang")
        ),
        City(
            "Surakarta",
            "Jawa Tengah",
            "271",
            57111,
            57178,
            _t("Laweyan,Banjarsari,Jebres,Pasar Kliwon,Serengan"),
        ),
        City(
            "Pekalongan",
            "Jawa Tengah",
            "285",
            51111,
            51152,
            _t("Pekalongan Utara,Pekalongan Barat,Pekalongan Timur"),
        ),
        City(
            "Bekasi",
            "Jawa Barat",
            "21",
            17111,
            17158,
            _t("Bekasi Timur,Bekasi Barat,Bekasi Selatan,Rawalumbu"),
        ),
        City("Tangerang", "Banten", "21", 15111, 15158, _t("Karawaci,Cipondoh,Ciledug,Pinang,Batuceper")),
        City("Depok", "Jawa Barat", "21", 16411, 16518, _t("Beji,Pancoran Mas,Sukmajaya,Cimanggis")),
        City(
            "Bogor",
            "Jawa Barat",
            "251",
            16111,
            16168,
            _t("Bogor Tengah,Bogor Barat,Tanah Sareal,Bogor Selatan"),
        ),
        City("Tasikmalaya", "Jawa Barat", "265", 46111, 46196, _t("Cihideung,Tawang,Cipedes,Indihiang")),
        City("Cirebon", "Jawa Barat", "231", 45111, 45143, _t("Kejaksan,Lemahwungkuk,Pekalipan,Kesambi")),
        City("Pekanbaru", "Riau", "761", 28111, 28299, _t("Sukajadi,Senapelan,Marpoyan Damai,Tampan")),
        City(
            "Pontianak",
            "Kalimantan Barat",
            "561",
            78111,
            78244,
            _t("Pontianak Kota,Pontianak Selatan,Pontianak Barat"),
        ),
        City(
            "Banjarmasin",
            "Kalimantan Selatan",
            "511",
            70111,
            70249,
            _t("Banjarmasin Tengah,Banjarmasin Utara,Banjarmasin Barat"),
        ),
        City(
            "Samarinda",
            "Kalimantan Timur",
            "541",
            75111,
            75251,
            _t("Samarinda Ulu,Samarinda Ilir,Sungai Kunjang"),
        ),
        City("Batam", "Kepulauan Riau", "778", 29411, 29469, _t("Batam Kota,Lubuk Baja,Nongsa,Batu Aji")),
        City(
            "Bandar Lampung",
            "Lampung",
            "721",
            35111,
            35245,
            _t("Tanjung Karang Pusat,Kedaton,Way Halim,Rajabasa"),
        ),
        City(
            "Pematangsiantar",
            "Sumatera Utara",
            "622",
            21111,
            21151,
            _t("Siantar Barat,Siantar Timur,Siantar Utara"),
        ),
        City("Parepare", "Sulawesi Selatan", "421", 91111, 91133, _t("Bacukiki,Ujung,Soreang")),
        City("Singaraja", "Bali", "362", 81111, 81119, _t("Buleleng,Banyuasri,Kampung Baru")),
        City("Mataram", "Nusa Tenggara Barat", "370", 83111, 83128, _t("Ampenan,Cakranegara,Selaparang")),
        City("Kupang", "Nusa Tenggara Timur", "380", 85111, 85148, _t("Oebobo,Kelapa Lima,Maulafa")),
        City("Ambon", "Maluku", "911", 97111, 97128, _t("Sirimau,Nusaniwe,Baguala")),
    )
}

STREETS = _t(
    "Jl. Sudirman,Jl. Diponegoro,Jl. Gajah Mada,Jl. Ahmad Yani,Jl. Pahlawan,Jl. Merdeka,"
    "Jl. Cendrawasih,Jl. Kenanga,Jl. Melati,Gg. Mawar,Jl. Imam Bonjol,Jl. Hayam Wuruk,"
    "Jl. Pemuda,Jl. Veteran,Jl. Kartini,Jl. Teuku Umar,Jl. Hasanuddin,Jl. Sisingamangaraja,"
    "Jl. Pattimura,Jl. Gatot Subroto,Jl. MH Thamrin,Jl. Cempaka,Jl. Anggrek,Gg. Masjid,"
    "Jl. Raya Bogor,Jl. Kaliurang,Jl. Dr. Wahidin,Jl. Pangeran Antasari,Jl. Sultan Agung,"
    "Perumahan Griya Asri Blok C,Komplek Taman Indah Blok B"
)

COMPANY_WORDS = _t(
    "Maju,Jaya,Sejahtera,Abadi,Makmur,Sentosa,Mandiri,Bersama,Berkah,Sumber,Rezeki,Cahaya,"
    "Gemilang,Nusantara,Indah,Prima,Karya,Utama,Mulia,Agung,Lestari,Sinar,Terang,Murni,Harapan,"
    "Bintang,Mitra,Anugerah,Sukses,Samudra,Permata,Mega,Putra,Sakti,Kencana"
)
COMPANY_TYPES = ("PT", "PT", "PT", "CV", "CV", "UD", "Toko")
COMPANY_TRADES = _t(
    "Souvenir,Percetakan,Konveksi,Katering,Elektronik,Bangunan,Kosmetik,Kue,Bunga,Hampers,"
    "Parsel,Mebel,Plastik,Sembako,Batik,Kopi"
)
INDUSTRIES = _t(
    "Perdagangan,Perhotelan,Pendidikan,Kesehatan,Perbankan,Manufaktur,Event organizer,"
    "Restoran,Konstruksi,Pemerintahan"
)
JOB_TITLES = _t(
    "Pemilik,Direktur,Manajer Pembelian,Staf Purchasing,Admin Gudang,Bagian Keuangan,"
    "Manajer HRD,Sekretaris,Staf Pemasaran,Koordinator Acara"
)
DEPARTMENTS = (
    ("Gudang", "GDG", "Kepala Gudang,Staf Gudang"),
    ("Keuangan", "KEU", "Manajer Keuangan,Staf Akuntansi"),
    ("Pemasaran", "MKT", "Manajer Pemasaran,Staf Media Sosial"),
    ("Produksi", "PRD", "Kepala Produksi,Operator Produksi"),
    ("Layanan Pelanggan", "CS", "Supervisor CS,Staf CS"),
    ("Pengadaan", "PGD", "Staf Pengadaan,Kepala Pengadaan"),
    ("HRD", "HRD", "Staf HRD,Manajer HRD"),
    ("Teknologi Informasi", "TI", "Staf TI,Kepala TI"),
)

# (tag, share of customers) — one customer gets 0–2 of them.
TAGS: tuple[tuple[str, int], ...] = (
    ("langganan", 12),
    ("member", 10),
    ("baru", 8),
    ("reseller", 6),
    ("grosir", 5),
    ("vip", 5),
    ("cod", 5),
    ("tidak aktif", 4),
    ("dropshipper", 3),
    ("korporat", 3),
)
SOURCES: tuple[tuple[Source, int], ...] = (
    (Source.WHATSAPP, 25),
    (Source.WALK_IN, 15),
    (Source.INSTAGRAM, 12),
    (Source.MARKETPLACE, 12),
    (Source.REFERRAL, 10),
    (Source.TIKTOK, 7),
    (Source.FACEBOOK, 6),
    (Source.WEBSITE, 4),
    (Source.EXHIBITION, 3),
    (Source.SALES_VISIT, 3),
    (Source.OTHER, 1),
    (Source.UNKNOWN, 2),
)
EMAIL_DOMAINS: tuple[tuple[str, int], ...] = (
    ("gmail.com", 62),
    ("yahoo.co.id", 11),
    ("yahoo.com", 8),
    ("hotmail.com", 4),
    ("outlook.com", 4),
    ("ymail.com", 2),
    ("icloud.com", 3),
    ("rocketmail.com", 1),
    ("live.com", 2),
    ("telkom.net", 1),
    ("plasa.com", 1),
    ("mail.com", 1),
)

# Mobile operator prefixes (reference/indonesia.md §3; informative only, numbers are portable).
OPERATOR_PREFIXES: dict[str, tuple[str, ...]] = {
    "Telkomsel": _t("811,812,813,821,822,823,852,853"),
    "Indosat": _t("814,815,816,855,856,857,858"),
    "XL": _t("817,818,819,859,877,878"),
    "Tri": _t("895,896,897,898,899"),
    "Smartfren": _t("881,882,883,884,885,886,887,888,889"),
}
LEADING_DIGITS = {
    "Telkomsel": (1, 2, 3, 4, 5, 6, 7, 8, 9),
    "Indosat": (2, 5, 8),
    "XL": (3, 6, 9),
    "Tri": (1, 7),
    "Smartfren": (4,),
}
SHORT_NUMBER_PREFIXES = frozenset(_t("811,812,813,815,816,817,818"))  # old 11-digit numbers


# ---------------------------------------------------------------------------------------
# The demo workspace.

DEMO_SLUG = "hero"
DEMO_NAME = "Toko Hadiah Hero"
DEMO_PASSWORD = "hero-demo-2026"  # noqa: S105 - printed by ``relasi seed --demo``; a demo, not a secret
DEMO_OWNER_EMAIL = "pemilik@hero.test"
DEMO_COLLEAGUES: tuple[tuple[str, str, str], ...] = (
    ("admin@hero.test", "Rina Kartika", Role.ADMIN),
    ("sales@hero.test", "Bayu Saputra", Role.SALES),
    ("finance@hero.test", "Dewi Lestari", Role.FINANCE),
    ("agent@hero.test", "Fajar Nugroho", Role.AGENT),
    ("viewer@hero.test", "Yohanes Wibisono", Role.VIEWER),
)
DEMO_CUSTOMERS = 200
DEMO_RNG_SEED = 20260217
DEMO_TAGS = ("vip", "reseller", "grosir", "langganan", "member", "dropshipper", "korporat", "baru")
DEMO_COMPANIES: tuple[dict[str, str], ...] = (
    {
        "name": "PT Sinar Abadi Sentosa",
        "city": "Jakarta Selatan",
        "province": "DKI Jakarta",
        "phone": "(021) 5290 1188",
        "industry": "Perdagangan",
        "email": "pembelian@sinarabadi.co.id",
    },
    {
        "name": "CV Berkah Jaya Makmur",
        "city": "Surabaya",
        "province": "Jawa Timur",
        "phone": "(031) 7345 210",
        "industry": "Event organizer",
        "email": "halo@berkahjaya.co.id",
    },
    {
        "name": "UD Sumber Rezeki",
        "city": "Medan",
        "province": "Sumatera Utara",
        "phone": "(061) 4567 890",
        "industry": "Perdagangan",
    },
    {
        "name": "Toko Kue Bu Ani",
        "city": "Yogyakarta",
        "province": "DI Yogyakarta",
        "phone": "(0274) 512 345",
        "industry": "Restoran",
    },
    {
        "name": "PT Nusantara Mitra Karya",
        "city": "Makassar",
        "province": "Sulawesi Selatan",
        "phone": "(0411) 872 100",
        "industry": "Konstruksi",
        "email": "hrd@nusantaramitra.co.id",
    },
)
DEMO_DEPARTMENTS = (("Gudang", "GDG"), ("Keuangan", "KEU"), ("Pemasaran", "MKT"), ("Layanan Pelanggan", "CS"))
DEMO_CUSTOM_FIELDS: tuple[dict[str, Any], ...] = (
    {
        "key": "ukuran_baju",
        "label": "Ukuran baju",
        "field_type": CustomFieldType.CHOICE,
        "choices": ["S", "M", "L", "XL", "XXL"],
        "position": 1,
    },
    {
        "key": "member_sejak",
        "label": "Member sejak",
        "field_type": CustomFieldType.DATE,
        "choices": [],
        "position": 2,
    },
)
ELOK = {
    "full_name": "Elok Pratiwi",
    "phone": "0812-3456-7891",
    "email": "elok.pratiwi@gmail.com",
    "gender": Gender.FEMALE,
    "city": "Jakarta Selatan",
    "province": "DKI Jakarta",
    "address": "Jl. Kenanga No. 12, RT 04/RW 06, Tebet",
    "postal_code": "12820",
    "birthday": "1992-08-17",
    "source": Source.INSTAGRAM,
    "tags": ["vip", "langganan"],
    "custom_fields": {"ukuran_baju": "M", "member_sejak": "2021-03-14"},
}
# Two obvious duplicates for the merge screen: the same number, a slightly different name.
DUPLICATE_PAIR = (
    {
        "full_name": "Siti Nurhaliza",
        "phone": "0813-1122-3344",
        "email": "siti.nurhaliza@yahoo.co.id",
        "city": "Bandung",
        "province": "Jawa Barat",
        "gender": Gender.FEMALE,
        "source": Source.WHATSAPP,
        "tags": ["reseller"],
    },
    {
        "full_name": "Siti Nur Haliza",
        "phone": "+62 813-1122-3344",
        "city": "Bandung",
        "province": "Jawa Barat",
        "gender": Gender.FEMALE,
        "source": Source.MARKETPLACE,
    },
)
