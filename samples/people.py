"""Workers as people: names, occupations and NIKs that pass the contract's checks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from samples.days import day_number


def _words(text: str) -> np.ndarray:
    return np.array(text.split(), dtype=object)


_MALE_FIRST = _words(
    "Ahmad Muhammad Budi Rahmat Agus Joko Dedi Eko Hendra Irwan Yusuf Andi Rudi Syahrial "
    "Zulkifli Abdul Arif Bambang Darmawan Fajar Hasan Iskandar Junaidi Lukman Mulyadi Nasrul "
    "Rizki Samsul Taufik Usman Wahyu Yudi Zainal Firdaus Herman Ismail Jamal Khairul Rusli "
    "Sofyan Suparman Slamet Sutrisno Amran Azhar Safrizal"
)
_MALE_SECOND = _words(
    "Santoso Hidayat Fauzi Saputra Setiawan Nugroho Pratama Wijaya Hakim Rahman Syahputra "
    "Hamzah Effendi Gunawan Kurniawan Ramadhan Firmansyah Hermawan Sulaiman Ibrahim Hasbi "
    "Anwar Yunus Azmi Arifin Syafii Maulana Hidayatullah"
)
_FEMALE_FIRST = _words(
    "Siti Nur Dewi Sri Rina Yuliana Fitri Ani Rahmawati Wati Nurhayati Sumarni Indah Ratna "
    "Maya Lina Eka Dian Yanti Rosmawati Nurul Erni Fatimah Halimah Juliana Kartini Mariana "
    "Suryani Zubaidah Asmah Rohani"
)
_FEMALE_SECOND = _words(
    "Aminah Aisyah Lestari Rahayu Wulandari Handayani Susanti Purnamasari Hasanah Maryam "
    "Khadijah Nurjanah Fitriani Anggraini Safitri Ningsih Yulianti Sari Rahmadani Marlina"
)
# Batak and Malay family names, common in Jambi and Riau for men and women alike.
_FAMILY = _words("Harahap Nasution Siregar Lubis Hasibuan Simatupang Tanjung Batubara Daulay Pohan")

# The work of the people these programmes protect, with relative weights for men and women;
# rural Sumatra, so farming and rubber tapping lead.
OCCUPATIONS = np.array(
    [
        "petani",
        "buruh tani",
        "penyadap karet",
        "nelayan",
        "buruh harian lepas",
        "pedagang kaki lima",
        "ojek",
        "kuli bangunan",
        "asisten rumah tangga",
        "pekerja serabutan",
        "pengrajin",
        "pemulung",
        "marbot/penjaga masjid",
        "guru ngaji",
    ],
    dtype=object,
)
_OCC_MALE = np.array([20, 12, 10, 6, 12, 6, 7, 8, 0, 9, 2, 2, 3, 3], dtype=float)
_OCC_FEMALE = np.array([14, 16, 8, 1, 10, 14, 0, 0, 15, 8, 7, 3, 0, 4], dtype=float)
# Coastal districts (Indragiri Hilir) live from fishing more than from rubber.
_COASTAL_BOOST = np.array([1, 1, 0.5, 6, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], dtype=float)

FEMALE_SHARE = 0.38
# Aged 18 to 60 throughout the fiscal year.
_BIRTH_FIRST = day_number("1965-11-08")
_BIRTH_LAST = day_number("2006-12-31")


# --- workers: enrollments and coverage -----------------------------------------------------


def pick_from(values: np.ndarray, rng: np.random.Generator, n: int) -> np.ndarray:
    return values[rng.integers(0, len(values), n)]


def occupations_for(
    female: np.ndarray, coastal: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    u = rng.random(len(female))
    choice = np.zeros(len(female), dtype=int)
    for is_female, weights in ((False, _OCC_MALE), (True, _OCC_FEMALE)):
        for is_coastal in (False, True):
            w = weights * _COASTAL_BOOST if is_coastal else weights
            mask = (female == is_female) & (coastal == is_coastal)
            choice[mask] = np.searchsorted(np.cumsum(w) / w.sum(), u[mask], side="right")
    return OCCUPATIONS[np.minimum(choice, len(OCCUPATIONS) - 1)]


def person_names(female: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n = len(female)
    first = np.where(female, pick_from(_FEMALE_FIRST, rng, n), pick_from(_MALE_FIRST, rng, n))
    second = np.where(female, pick_from(_FEMALE_SECOND, rng, n), pick_from(_MALE_SECOND, rng, n))
    family = pick_from(_FAMILY, rng, n)
    form = rng.random(n)
    two = first + " " + second
    # Many Indonesians carry a single name; Batak and some Malay families add a family name.
    return np.where(form < 0.12, first, np.where(form < 0.85, two, two + " " + family))


def niks(
    villages: pd.Series, female: np.ndarray, rng: np.random.Generator, taken: set[int]
) -> np.ndarray:
    """Valid NIKs, unique and not in `taken`: kecamatan, birth date (+40 for women), serial."""
    n = len(villages)
    kecamatan = villages.str.replace(".", "", regex=False).str.slice(0, 6).astype(np.int64)
    birth = pd.to_datetime(rng.integers(_BIRTH_FIRST, _BIRTH_LAST + 1, n), unit="D")
    ddmmyy = (birth.day + 40 * female) * 10_000 + birth.month * 100 + birth.year % 100
    # As 64-bit integers: kecamatan codes start at 11, so every NIK has 16 digits.
    base = kecamatan.to_numpy() * 10**10 + np.asarray(ddmmyy, dtype=np.int64) * 10**4
    # Serials count people born on one day in one kecamatan, so they are mostly small.
    nik = base + rng.integers(1, 200, n)
    excluded = np.fromiter(taken, dtype=np.int64, count=len(taken)) if n > 64 else None
    for _ in range(50):
        clash = pd.Series(nik).duplicated().to_numpy().copy()
        if excluded is None:
            # A bad row's one new worker: a set lookup beats sorting the province's NIKs.
            clash |= np.array([int(v) in taken for v in nik], dtype=bool)
        else:
            clash |= np.isin(nik, excluded)
        if not clash.any():
            return nik
        nik[clash] = base[clash] + rng.integers(1, 10_000, int(clash.sum()))
    raise RuntimeError("could not draw unique NIKs")  # pragma: no cover
