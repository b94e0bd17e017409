"""The reference corpus: ScanCode's LicenseDB texts (registry package `licensedcode-data`), indexed
for the exact stage (hash of the normalised text) and the similarity stage (sampled word 5-grams in
an inverted index, so a query meets only the licenses it shares text with).

The index is built once and cached in the user cache dir, keyed by the data version and the
normalisation table, so later runs load it in milliseconds. The cache is data only (JSON and raw
arrays behind a versioned, checksummed header): a file someone else put there can at worst make
the next run rebuild it, never run code.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import importlib.metadata
import json
import os
import struct
import sys
import tempfile
import zlib
from array import array
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from auditor import __version__
from auditor.facts.normalise import NormalisedText, words_of
from auditor.resources import rules_dir

SHINGLE = 5
_MASK = 0xFFFFFFFF
# Keep about one shingle in four (2**30 of 2**32), chosen by content.
_SAMPLE_BITS = 30
# A shingle shared by more licenses than this is boilerplate and says nothing about which one it is.
_MAX_POSTINGS = 48
_MIN_WORDS = 30  # shorter reference texts are notices, better left to phrase rules
# Hits on one copy of a text sit about four words apart; a longer gap than this means another text.
_MAX_GAP = 80
_FORMAT = 3


@dataclass(frozen=True)
class SimilarMatch:
    key: str
    first: int  # word indexes in the query
    last: int
    score: float


def sampled_shingles(words: list[str]) -> list[tuple[int, int]]:
    """(position of the first word, hash) of the sampled 5-grams of `words`.

    A 5-gram is kept when a hash of its first two words falls in the lowest quarter, so query and
    reference keep the same ones; only kept 5-grams are hashed (crc32 of the words: stable across
    processes, unlike hash())."""
    count = len(words) - SHINGLE + 1
    if count <= 0:
        return []
    ids = {w: zlib.crc32(w.encode("utf-8")) for w in set(words)}
    wids = [ids[w] for w in words]
    threshold = 1 << _SAMPLE_BITS
    anchors = [i for i, (a, b) in enumerate(zip(wids[:count], wids[1:count + 1], strict=True))
               if ((a * 31 + b) * 0x9E3779B1) & _MASK < threshold]
    join = " ".join
    return [(i, zlib.crc32(join(words[i:i + SHINGLE]).encode("utf-8"))) for i in anchors]


@dataclass
class ReferenceIndex:
    keys: list[str]
    sizes: array  # sampled shingles per reference text
    exact: dict[str, int]  # digest of normalised text -> reference id
    hashes: array  # sorted shingle hashes
    refs: array  # reference id of each hash

    def exact_match(self, digest: str) -> str | None:
        ref = self.exact.get(digest)
        return None if ref is None else self.keys[ref]

    def similar(self, text: NormalisedText, threshold: float = 0.75) -> list[SimilarMatch]:
        """Candidate spans, best first, possibly overlapping: the caller picks."""
        shingles = sampled_shingles(text.words)
        hits: dict[int, list[tuple[int, int]]] = defaultdict(list)
        hashes, refs = self.hashes, self.refs
        end = len(hashes)
        for position, h in shingles:
            lo = bisect.bisect_left(hashes, h)
            if lo == end or hashes[lo] != h:
                continue
            hi = lo + 1
            while hi < end and hashes[hi] == h and hi - lo <= _MAX_POSTINGS:
                hi += 1
            if hi - lo > _MAX_POSTINGS:
                continue
            for ref in refs[lo:hi]:
                hits[ref].append((position, h))
        positions = [p for p, _h in shingles]
        found = []
        for ref, ref_hits in hits.items():
            size = self.sizes[ref]
            if len(ref_hits) < max(3, threshold * size):
                continue
            gap = _MAX_GAP
            cluster = [ref_hits[0]]
            for hit in ref_hits[1:] + [None]:
                if hit is not None and hit[0] - cluster[-1][0] <= gap:
                    cluster.append(hit)
                    continue
                matched = len({h for _p, h in cluster})
                first, last = cluster[0][0], cluster[-1][0]
                span = shingles[bisect.bisect_left(positions, first):bisect.bisect_right(positions, last)]
                score = matched / max(size, len({h for _p, h in span}))
                if score >= threshold:
                    found.append(SimilarMatch(self.keys[ref], first, last + SHINGLE - 1, round(score, 3)))
                if hit is not None:
                    cluster = [hit]
        found.sort(key=lambda m: (-m.score, -(m.last - m.first), m.key))
        return found


def _data_root() -> tuple[Path, str]:
    dist = importlib.metadata.distribution("licensedcode-data")
    return Path(str(dist.locate_file("licensedcode/data/licenses"))), dist.version


def data_version() -> str:
    """The LicenseDB (licensedcode-data) version: with the rules digest, it decides the results."""
    return _data_root()[1]


def _read_reference(path: Path) -> tuple[str, bool, str]:
    """(key, usable, text) of one ScanCode .LICENSE file: YAML front matter, then the text."""
    raw = path.read_text(encoding="utf-8", errors="replace")
    _empty, meta, text = raw.split("---", 2) if raw.startswith("---") else ("", "", raw)
    usable = not any(flag in meta for flag in ("is_deprecated: yes", "is_unknown: yes", "is_generic: yes"))
    return path.name.removesuffix(".LICENSE"), usable, text


def reference_text(key: str) -> str | None:
    """The license text LicenseDB carries for a key, or None."""
    root, _version = _data_root()
    path = root / f"{key}.LICENSE"
    if not path.is_file():
        return None
    _key, _usable, text = _read_reference(path)
    return text.strip("\n") or None


def build_index(progress: bool = False) -> ReferenceIndex:
    """`progress`: show a progress line on stderr (the cold start takes seconds)."""
    root, _version = _data_root()
    keys: list[str] = []
    sizes = array("I")
    exact: dict[str, int] = {}
    pairs: list[tuple[int, int]] = []
    files = sorted(root.glob("*.LICENSE"))
    for done, file in enumerate(files, start=1):
        if progress and (done % 50 == 0 or done == len(files)):
            end = "\n" if done == len(files) else ""
            print(f"\rbuilding the license index (first run): {done}/{len(files)}", end=end, file=sys.stderr,
                  flush=True)
        key, usable, text = _read_reference(file)
        words = words_of(text)
        if not usable or len(words) < _MIN_WORDS:
            continue
        ref = len(keys)
        keys.append(key)
        exact.setdefault(hashlib.sha256(" ".join(words).encode()).hexdigest(), ref)
        unique = {h for _p, h in sampled_shingles(words)}
        sizes.append(len(unique))
        pairs.extend((h, ref) for h in unique)
    pairs.sort()
    return ReferenceIndex(keys=keys, sizes=sizes, exact=exact,
                          hashes=array("I", (h for h, _r in pairs)), refs=array("H", (r for _h, r in pairs)))


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "model-license-auditor"


def _cache_key() -> str:
    _root, version = _data_root()
    table = (rules_dir() / "normalisation.yaml").read_bytes()
    return hashlib.sha256(f"{_FORMAT}|{__version__}|{version}|".encode() + table).hexdigest()[:16]


# The cache is plain data, never code: a magic line, then a header (format version, payload size,
# SHA-256 of the payload), then the payload: a JSON document (keys, exact map, array layout)
# followed by the raw arrays. A file that is not exactly that is rebuilt, never interpreted.
_MAGIC = b"model-license-auditor licensedb\n"
_HEADER = struct.Struct("<IQ32s")
_ARRAYS = ("sizes", "hashes", "refs")
_MAX_CACHE_BYTES = 256 << 20  # the real one is a few MB


def _encode(index: ReferenceIndex) -> bytes:
    arrays = {name: getattr(index, name) for name in _ARRAYS}
    meta = {"keys": index.keys, "exact": index.exact, "byteorder": sys.byteorder,
            "arrays": [[name, a.typecode, a.itemsize, len(a)] for name, a in arrays.items()]}
    body = json.dumps(meta, sort_keys=True, separators=(",", ":")).encode()
    payload = struct.pack("<Q", len(body)) + body + b"".join(a.tobytes() for a in arrays.values())
    return _MAGIC + _HEADER.pack(_FORMAT, len(payload), hashlib.sha256(payload).digest()) + payload


def _decode(data: bytes) -> ReferenceIndex | None:
    """The index a cache file holds, or None when it is not a complete, intact cache of this format."""
    if not data.startswith(_MAGIC) or len(data) < len(_MAGIC) + _HEADER.size:
        return None
    version, size, checksum = _HEADER.unpack_from(data, len(_MAGIC))
    payload = data[len(_MAGIC) + _HEADER.size:]
    if version != _FORMAT or size != len(payload) or hashlib.sha256(payload).digest() != checksum:
        return None
    try:
        (body_size,) = struct.unpack_from("<Q", payload)
        meta = json.loads(payload[8:8 + body_size])
        if meta["byteorder"] != sys.byteorder:
            return None
        offset = 8 + body_size
        arrays = {}
        for name, typecode, itemsize, count in meta["arrays"]:
            values = array(typecode)
            if name not in _ARRAYS or values.itemsize != itemsize:
                return None
            values.frombytes(payload[offset:offset + itemsize * count])
            offset += itemsize * count
            arrays[name] = values
        keys, exact = meta["keys"], meta["exact"]
        refs = arrays["refs"]
        # Whatever the file says, queries must not be able to index outside the arrays.
        if (offset != len(payload) or set(arrays) != set(_ARRAYS) or len(arrays["sizes"]) != len(keys)
                or len(refs) != len(arrays["hashes"]) or not all(isinstance(k, str) for k in keys)
                or (refs and max(refs) >= len(keys))
                or not all(isinstance(r, int) and 0 <= r < len(keys) for r in exact.values())):
            return None
        return ReferenceIndex(keys=keys, exact=exact, **arrays)
    except (ValueError, TypeError, KeyError, struct.error):
        return None


def _write_atomically(path: Path, data: bytes) -> None:
    """Unique temp file in the same folder, then rename: concurrent runs never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("wb", dir=path.parent, prefix=path.name + ".", suffix=".tmp",
                                     delete=False) as handle:
        try:
            handle.write(data)
        except OSError:
            os.unlink(handle.name)
            raise
    os.replace(handle.name, path)


def cache_path() -> Path:
    return _cache_dir() / f"licensedb-{_cache_key()}.bin"


@lru_cache(maxsize=1)
def reference_index() -> ReferenceIndex:
    cache = cache_path()
    try:
        if cache.stat().st_size <= _MAX_CACHE_BYTES:
            index = _decode(cache.read_bytes())
            if index is not None:
                return index
    except OSError:
        pass
    index = build_index(progress=sys.stderr.isatty())
    with contextlib.suppress(OSError):  # a read-only home still works, only slower
        _write_atomically(cache, _encode(index))
    return index
