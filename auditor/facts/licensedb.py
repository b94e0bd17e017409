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
import re
import struct
import sys
import zlib
from array import array
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from auditor import __version__
from auditor.cachefiles import user_cache_dir, write_atomically
from auditor.facts.copyrights import find_copyrights
from auditor.facts.normalise import NormalisedText, words_of
from auditor.resources import rules_dir

SHINGLE = 5
_MASK = 0xFFFFFFFF
# Keep about one shingle in four (2**30 of 2**32), chosen by content.
_SAMPLE_BITS = 30
# A shingle shared by more licenses than this is boilerplate and says nothing about which one it is.
_MAX_POSTINGS = 400
_MIN_WORDS = 30  # shorter reference texts are notices, better left to phrase rules
# Hits on one copy of a text sit about four words apart; a longer gap than this means another text.
_MAX_GAP = 80
_FORMAT = 4


@dataclass(frozen=True)
class SimilarMatch:
    key: str
    form: str
    first: int  # word indexes in the query
    last: int
    score: float
    matched: int  # reference shingles found: how much of the text the match explains
    deciding: tuple[str, ...] = ()  # phrases the span must hold to be this reference (deciding_phrases)

    @property
    def rank(self) -> float:
        """Of overlapping candidates the one that explains most of the text, least padded, wins: a
        text that contains a shorter license (BSD-3 holds BSD-2's clauses, AGPL-1.0 GPL-2.0's) is
        that text, not the shorter one."""
        return self.score * self.matched


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


@dataclass(frozen=True)
class PhraseHit:
    key: str
    form: str
    first: int  # word indexes in the query
    last: int


@dataclass
class ReferenceIndex:
    """References are LicenseDB's license texts and ScanCode's rules of 30 words or more; shorter
    rules (notices, references, tags) are matched as whole phrases."""

    keys: list[str]
    forms: list[str]  # text | notice | reference, per reference
    sizes: array  # sampled shingles per reference text
    exact: dict[str, int]  # digest of normalised text -> reference id
    phrases: list[list[str]]  # [normalised phrase, key, form] of the short rules
    deciding: list[list[str]]  # per reference: phrases a text must hold to be that one (deciding_phrases)
    license_refs: int  # references 0..license_refs-1 are LicenseDB's license texts, the rest rules
    hashes: array  # sorted shingle hashes
    refs: array  # reference id of each hash

    def exact_match(self, digest: str) -> tuple[str, str] | None:
        """(key, form) of the reference whose whole text this is."""
        ref = self.exact.get(digest) if digest else None
        return None if ref is None else (self.keys[ref], self.forms[ref])

    @cached_property
    def _by_start(self) -> dict[tuple[str, ...], list[tuple[int, str, str, str]]]:
        out: dict[tuple[str, ...], list[tuple[int, str, str, str]]] = defaultdict(list)
        for text, key, form in self.phrases:
            words = text.split()
            out[tuple(words[:_MIN_RULE_WORDS])].append((len(words), text, key, form))
        for candidates in out.values():
            candidates.sort(reverse=True)  # longest first
        return out

    def short_rules(self, text: NormalisedText) -> list[PhraseHit]:
        """Every whole short rule in the text, longest first where they overlap."""
        words, by_start, found = text.words, self._by_start, []
        covered = -1
        for i in range(len(words) - _MIN_RULE_WORDS + 1):
            for length, rule, key, form in by_start.get(tuple(words[i:i + _MIN_RULE_WORDS]), ()):
                if i + length - 1 > covered and text.phrase_at(i, rule, length):
                    found.append(PhraseHit(key, form, i, i + length - 1))
                    covered = i + length - 1
                    break
        return found

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
            hi = bisect.bisect_right(hashes, h, lo)
            if hi - lo > _MAX_POSTINGS:
                # Rules repeat the common texts thousands of times: of such a shingle, only the
                # license texts' postings (the lowest reference ids, first in the run) count.
                hi = bisect.bisect_left(refs, self.license_refs, lo, hi)
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
                    found.append(SimilarMatch(self.keys[ref], self.forms[ref], first, last + SHINGLE - 1,
                                              round(score, 3), matched, tuple(self.deciding[ref])))
                if hit is not None:
                    cluster = [hit]
        found.sort(key=lambda m: (-m.rank, -m.score, m.key))
        return found


def _data_root() -> tuple[Path, str]:
    dist = importlib.metadata.distribution("licensedcode-data")
    return Path(str(dist.locate_file("licensedcode/data/licenses"))), dist.version


def data_version() -> str:
    """The LicenseDB (licensedcode-data) version: with the rules digest, it decides the results."""
    return _data_root()[1]


def data_root() -> Path:
    """The folder of LicenseDB's .LICENSE files."""
    return _data_root()[0]


def read_reference(path: Path) -> tuple[str, bool, str]:
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
    _key, _usable, text = read_reference(path)
    return text.strip("\n") or None


_FORMS = {"is_license_text": "text", "is_license_notice": "notice", "is_license_reference": "reference",
          "is_license_tag": "reference"}
_RULE_KEY = re.compile(r"^license_expression:\s*([a-z0-9][a-z0-9.+_-]*)\s*$", re.MULTILINE)
_MIN_RULE_WORDS = 4  # "MIT", "GPL v2": too short to name a license on their own


# Words that set a license apart from its relatives: the text of an Affero, Lesser, NonCommercial,
# ShareAlike or NoDerivatives license says so, and a text that does not say so is not that license.
_FAMILY_WORDS = ("affero", "lesser", "library", "non commercial", "noncommercial", "sharealike", "share alike",
                 "noderivatives", "no derivatives", "noderivs")
_VERSION = re.compile(r" (?:version|v) (\d+(?: \d+)?) ")
_TITLE_WORDS = 60


def deciding_phrases(words: list[str]) -> list[str]:
    """What a text must hold to be this reference rather than a relative: its family words, and the
    version number its title gives (GPL "version 2" against "version 3")."""
    joined = " " + " ".join(words) + " "
    found = [w for w in _FAMILY_WORDS if f" {w} " in joined]
    title = " " + " ".join(words[:_TITLE_WORDS]) + " "
    version = _VERSION.search(title)
    if version:
        found.append(version.group(0).strip())
    return found


def read_rule(path: Path) -> tuple[str, str, str] | None:
    """(key, form, text) of one ScanCode .RULE file naming a single license; None for other rules
    (false positives, intros, clues, deprecated ones, expressions of several licenses)."""
    raw = path.read_text(encoding="utf-8", errors="replace")
    if not raw.startswith("---"):
        return None
    _empty, meta, text = raw.split("---", 2)
    key = _RULE_KEY.search(meta)
    if key is None or "is_false_positive: yes" in meta or "is_deprecated: yes" in meta:
        return None
    form = next((f for flag, f in _FORMS.items() if f"{flag}: yes" in meta), None)
    return (key.group(1), form, text) if form else None


def _corpus(progress: bool) -> Iterator[tuple[str, str, str, bool]]:
    """(key, form, text, is_rule): LicenseDB's license texts, then its rules."""
    root = data_root()
    files = sorted(root.glob("*.LICENSE")) + sorted((root.parent / "rules").glob("*.RULE"))
    for done, file in enumerate(files, start=1):
        if progress and (done % 500 == 0 or done == len(files)):
            end = "\n" if done == len(files) else ""
            print(f"\rbuilding the license index (first run): {done}/{len(files)}", end=end, file=sys.stderr,
                  flush=True)
        if file.suffix == ".LICENSE":
            key, usable, text = read_reference(file)
            if usable:
                yield key, "text", text, False
        elif (rule := read_rule(file)) is not None:
            yield *rule, True


def build_index(progress: bool = False) -> ReferenceIndex:
    """`progress`: show a progress line on stderr (the cold start takes seconds)."""
    keys: list[str] = []
    forms: list[str] = []
    deciding: list[list[str]] = []
    sizes = array("I")
    exact: dict[str, int] = {}
    pairs: list[tuple[int, int]] = []
    short: dict[str, tuple[str, str]] = {}
    license_refs = None
    for key, form, text, is_rule in _corpus(progress):
        if is_rule and license_refs is None:
            license_refs = len(keys)
        words = words_of(text)
        if len(words) < _MIN_WORDS:
            if len(words) >= _MIN_RULE_WORDS:
                short.setdefault(" ".join(words), (key, form))
            continue
        # The same digest a query gets: copyright lines left out (rules carry none worth the search).
        digest = (hashlib.sha256(" ".join(words).encode()).hexdigest() if is_rule
                  else NormalisedText(text).digest(frozenset(c.line for c in find_copyrights(text))))
        if not digest or digest in exact:
            continue  # the same words under another key or rule: the first (the license's own) stands
        unique = {h for _p, h in sampled_shingles(words)}
        if not unique:
            continue
        ref = len(keys)
        keys.append(key)
        forms.append(form)
        deciding.append(deciding_phrases(words))
        exact[digest] = ref
        sizes.append(len(unique))
        pairs.extend((h, ref) for h in unique)
    pairs.sort()
    return ReferenceIndex(keys=keys, forms=forms, deciding=deciding, license_refs=license_refs or len(keys),
                          sizes=sizes, exact=exact,
                          phrases=[[p, k, f] for p, (k, f) in sorted(short.items())],
                          hashes=array("I", (h for h, _r in pairs)), refs=array("I", (r for _h, r in pairs)))


def _cache_key() -> str:
    """Changes with the data, the normalisation table and the code that builds the index."""
    _root, version = _data_root()
    digest = hashlib.sha256(f"{_FORMAT}|{__version__}|{version}|".encode())
    digest.update((rules_dir() / "normalisation.yaml").read_bytes())
    for module in ("licensedb.py", "normalise.py", "copyrights.py"):
        digest.update((Path(__file__).parent / module).read_bytes())
    return digest.hexdigest()[:16]


# The cache is plain data, never code: a magic line, then a header (format version, payload size,
# SHA-256 of the payload), then the payload: a JSON document (keys, exact map, array layout)
# followed by the raw arrays. A file that is not exactly that is rebuilt, never interpreted.
_MAGIC = b"model-license-auditor licensedb\n"
_HEADER = struct.Struct("<IQ32s")
_ARRAYS = ("sizes", "hashes", "refs")
_MAX_CACHE_BYTES = 256 << 20  # the real one is a few MB


def _encode(index: ReferenceIndex) -> bytes:
    arrays = {name: getattr(index, name) for name in _ARRAYS}
    meta = {"keys": index.keys, "forms": index.forms, "deciding": index.deciding, "license_refs": index.license_refs,
            "exact": index.exact,
            "phrases": index.phrases, "byteorder": sys.byteorder,
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
        forms, phrases, deciding = meta["forms"], meta["phrases"], meta["deciding"]
        if (len(forms) != len(keys) or len(deciding) != len(keys)
                or not all(isinstance(p, list) and len(p) == 3 for p in phrases)):
            return None
        license_refs = meta["license_refs"]
        if not isinstance(license_refs, int) or not 0 <= license_refs <= len(keys):
            return None
        return ReferenceIndex(keys=keys, forms=forms, deciding=deciding, license_refs=license_refs, exact=exact,
                              phrases=phrases, **arrays)
    except (ValueError, TypeError, KeyError, struct.error):
        return None


def cache_path() -> Path:
    return user_cache_dir() / f"licensedb-{_cache_key()}.bin"


def _load(cache: Path) -> ReferenceIndex | None:
    try:
        return _decode(cache.read_bytes()) if cache.stat().st_size <= _MAX_CACHE_BYTES else None
    except OSError:
        return None


@lru_cache(maxsize=1)
def reference_index() -> ReferenceIndex:
    cache = cache_path()
    index = _load(cache)
    # A run with its own XDG_CACHE_HOME (a CI job, a sandbox) reads the index the user's default
    # cache already holds rather than spend seconds rebuilding it: the file is checked data either way.
    if index is not None:
        return index
    default = Path(os.path.expanduser("~")) / ".cache" / "model-license-auditor" / cache.name
    index = _load(default) if default != cache else None
    if index is None:
        index = build_index(progress=sys.stderr.isatty())
    with contextlib.suppress(OSError):  # a read-only home still works, only slower
        write_atomically(cache, _encode(index))
    return index
