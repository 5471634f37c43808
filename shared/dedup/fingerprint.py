"""The duplicate fingerprint of a posting and the one decision whether two postings are one vacancy.

Two postings are the same vacancy when they are in the same city (region
code at city level), from the same employer (the credit code when both
carry one, else the employer key of ``shared.dedup.employer``), their texts
are near-identical (the MinHash estimate of the Jaccard similarity of their
character shingles, ``shared.dedup.text``) and their titles name the same
job. The indexer, the tests and ``benchmarks/eval_dedup.py`` all decide
with ``same_vacancy``.

Finding the candidates among a million postings is MinHash LSH: the
signature is cut into ``BANDS`` bands of ``ROWS`` values, and each band,
hashed together with the city and the employer, is one keyword token of the
posting's index document (``PostingField.DEDUP_BANDS``). Two postings that
share a token share a band, a city and an employer (its credit code, or
the start of its trade name), so one terms query on a
batch's tokens returns every candidate of every posting in the batch, with
the city and employer filters already applied. A posting with a credit code
and a name carries tokens for both, so a posting naming only the name finds
it too. datasketch chooses ``BANDS`` and ``ROWS`` for ``LSH_THRESHOLD``
(weighing false negatives above false positives: a candidate too many costs
one comparison, a missed one a duplicate shown twice).
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import numpy as np
from datasketch import MinHash, MinHashLSH

from shared.dedup.employer import employer_key, name_prefix, same_employer_name
from shared.dedup.text import shingles, title_similarity, title_words
from shared.domain.credit_code import normalize_credit_code
from shared.domain.records import PostingRecord
from shared.domain.regions import region_path

NUM_PERM = 128
"""Hash functions of the signature: the Jaccard estimate's standard error is at most 0.044 (1/√(4·128))."""
LSH_THRESHOLD = 0.4
"""Below ``JACCARD_MIN``, so that a pair just above it is a candidate with a high probability."""
JACCARD_MIN = 0.5
"""Estimated Jaccard similarity of the shingles from which two texts are the same vacancy's."""
TITLE_MIN = 0.6
"""Title similarity (``shared.dedup.text.title_similarity``) from which two titles name the same job."""
MIN_SHINGLES = 10
"""A shorter text (a title alone, no description) says too little to call two postings one vacancy."""
SEED = 1
_TOKEN_VERSION = b"dedup-v1"
"""Part of every band token: a change of the parameters above changes it, so old tokens match nothing."""


@cache
def _bands() -> tuple[tuple[int, int], ...]:
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM, weights=(0.3, 0.7))
    return tuple(lsh.hashranges)


@cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    return MinHash(num_perm=NUM_PERM, seed=SEED).permutations


def _shingle_hash(data: bytes) -> int:
    # CRC-32 instead of datasketch's default SHA-1: a tenth of the cost per shingle, stable across processes,
    # and no two shingles of up to four bytes share a value; the signature's random permutations do the mixing.
    return zlib.crc32(data)


def bands_layout() -> tuple[int, int]:
    """(bands, rows per band) of the LSH: what the report and the tests quote."""
    ranges = _bands()
    return len(ranges), ranges[0][1] - ranges[0][0]


@dataclass(frozen=True)
class Fingerprint:
    id: str
    city: str
    credit_code: str | None
    employer: str | None
    title: tuple[str, ...]
    signature: np.ndarray
    tokens: frozenset[str]


def _city(region_code: str | None) -> str | None:
    path = region_path(region_code) if region_code else []
    return path[1] if len(path) > 1 else (path[0] if path else None)


def fingerprint(record: PostingRecord) -> Fingerprint | None:
    """The posting's fingerprint; None when it cannot be compared (no city, no employer, too little text)."""
    city = _city(record.location.region_code)
    code = normalize_credit_code(record.employer.credit_code) if record.employer.credit_code else None
    name = employer_key(record.employer.name, record.location)
    if city is None or (code is None and name is None):
        return None
    title = title_words(record.title)
    grams = shingles(title, record.description)
    if len(grams) < MIN_SHINGLES:
        return None
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=_shingle_hash, permutations=_permutations())
    minhash.update_batch([gram.encode() for gram in grams])
    signature = minhash.hashvalues
    employers = [f"c{code}" for code in (code,) if code] + [
        f"n{name_prefix(name)}" for name in (name,) if name
    ]
    values = signature.astype("<u8").tobytes()
    tokens = frozenset(
        token for employer in employers for token in _band_tokens(f"{city}|{employer}|".encode(), values)
    )
    return Fingerprint(record.id, city, code, name, title, signature, tokens)


def _band_tokens(prefix: bytes, values: bytes) -> Iterator[str]:
    """One token per band: a hash of the city, the employer, the band's position and its values."""
    start = hashlib.blake2b(prefix, digest_size=8, person=_TOKEN_VERSION)
    for band, (low, high) in enumerate(_bands()):
        digest = start.copy()
        digest.update(bytes((band,)) + values[low * 8 : high * 8])
        yield digest.hexdigest()


def same_employer(a: Fingerprint, b: Fingerprint) -> bool:
    if a.credit_code and b.credit_code:
        return a.credit_code == b.credit_code
    return a.employer is not None and b.employer is not None and same_employer_name(a.employer, b.employer)


def jaccard(a: Fingerprint, b: Fingerprint) -> float:
    """The MinHash estimate of the Jaccard similarity of the two postings' shingles."""
    return float(np.count_nonzero(a.signature == b.signature)) / NUM_PERM


def same_vacancy(a: Fingerprint, b: Fingerprint) -> bool:
    """Whether the two postings are one vacancy: the indexer's decision, candidates and confirmation both."""
    return (
        a.city == b.city
        and same_employer(a, b)
        and not a.tokens.isdisjoint(b.tokens)
        and jaccard(a, b) >= JACCARD_MIN
        and title_similarity(a.title, b.title) >= TITLE_MIN
    )
