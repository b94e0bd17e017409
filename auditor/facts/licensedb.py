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
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import accumulate, chain
from operator import sub
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
_FORMAT = 5


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
    rules (notices, references, tags) are matched as whole phrases.

    The shingles are indexed both ways: by hash (which references hold it: finds the candidates
    in one pass of C-level counting) and by reference (which hashes it holds: places the hits of
    the few candidates that pass). Postings that say nothing were dropped when the index was built
    (_keep), so a query counts only what decides."""

    keys: list[str]
    forms: list[str]  # text | notice | reference, per reference
    sizes: array  # sampled shingles per reference text (all of them, dropped ones included)
    exact: dict[str, int]  # digest of normalised text -> reference id
    phrases: list[list[str]]  # [normalised phrase, key, form] of the short rules
    deciding: list[list[str]]  # per reference: phrases a text must hold to be that one (deciding_phrases)
    hashes: array  # sorted distinct shingle hashes
    starts: array  # postings of hashes[i]: refs[starts[i]:starts[i + 1]]
    refs: array  # reference ids, per hash
    ref_starts: array  # hashes of reference r: ref_hashes[ref_starts[r]:ref_starts[r + 1]]
    ref_hashes: array  # each reference's in the order of its text: a query's hits come nearly sorted

    def exact_match(self, digest: str) -> tuple[str, str] | None:
        """(key, form) of the reference whose whole text this is."""
        ref = self.exact.get(digest) if digest else None
        return None if ref is None else (self.keys[ref], self.forms[ref])

    @cached_property
    def with_text(self) -> frozenset[str]:
        """Keys LicenseDB or a long rule has a text for."""
        return frozenset(self.keys)

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
        where: dict[int, list[int]] = defaultdict(list)  # query hash -> its positions
        for position, h in shingles:
            where[h].append(position)
        hashes, starts, refs = self.hashes, self.starts, self.refs
        end = len(hashes)
        posted = array("I")
        for h in where:
            i = bisect.bisect_left(hashes, h)
            if i < end and hashes[i] == h:
                posted += refs[starts[i]:starts[i + 1]]
        sizes, count, ref_starts, ref_hashes = self.sizes, len(self.keys), self.ref_starts, self.ref_hashes
        positions = [p for p, _h in shingles]
        query = [h for _p, h in shingles]
        hash_at = dict(shingles)
        found = []
        # A reference scores at most (distinct hashes it shares) / size: only those that can reach
        # the threshold are placed. (A ref past the keys, from a file that lies behind a valid
        # checksum, is ignored here rather than looked for among 10^6 postings on every load.)
        for ref, shared in Counter(posted).items():
            if ref >= count or shared / sizes[ref] < threshold:
                continue
            size = sizes[ref]
            common = list(filter(where.__contains__, ref_hashes[ref_starts[ref]:ref_starts[ref + 1]]))
            hits = sorted(chain.from_iterable(map(where.__getitem__, common)))  # query positions
            if len(hits) < 3:
                continue
            # Hits on one copy of a text sit a few words apart; a gap over _MAX_GAP starts another.
            # (Most candidates have none, found without a loop in Python.)
            cuts = ([i for i in range(1, len(hits)) if hits[i] - hits[i - 1] > _MAX_GAP]
                    if max(map(sub, hits[1:], hits)) > _MAX_GAP else [])
            for a, b in zip([0, *cuts], [*cuts, len(hits)], strict=True):
                matched = len(common) if not cuts else len({hash_at[p] for p in hits[a:b]})
                if matched / size < threshold:
                    continue  # the score below is never more than this
                first, last = hits[a], hits[b - 1]
                span = query[bisect.bisect_left(positions, first):bisect.bisect_right(positions, last)]
                score = matched / max(size, len(set(span)))
                if score >= threshold:
                    found.append(SimilarMatch(self.keys[ref], self.forms[ref], first, last + SHINGLE - 1,
                                              round(score, 3), matched, tuple(self.deciding[ref])))
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


def _keep(hashes: list[array], license_refs: int) -> Iterator[array]:
    """Each reference's hashes without those that say nothing about it. Rules repeat the common
    texts thousands of times: of a shingle more than _MAX_POSTINGS references share, only the
    license texts count, and of one more than _MAX_POSTINGS license texts share, nothing."""
    everywhere = Counter(h for ref_hashes in hashes for h in ref_hashes)
    in_texts = Counter(h for ref_hashes in hashes[:license_refs] for h in ref_hashes)
    for ref, ref_hashes in enumerate(hashes):
        if ref < license_refs:
            yield array("I", (h for h in ref_hashes if everywhere[h] <= _MAX_POSTINGS or in_texts[h] <= _MAX_POSTINGS))
        else:
            yield array("I", (h for h in ref_hashes if everywhere[h] <= _MAX_POSTINGS))


def build_index(progress: bool = False) -> ReferenceIndex:
    """`progress`: show a progress line on stderr (the cold start takes seconds)."""
    keys: list[str] = []
    forms: list[str] = []
    deciding: list[list[str]] = []
    sizes = array("I")
    exact: dict[str, int] = {}
    per_ref: list[array] = []
    short: dict[str, tuple[str, str]] = {}
    license_refs = None
    for key, form, text, is_rule in _corpus(progress):
        if is_rule and license_refs is None:
            license_refs = len(keys)
        normalised = None if is_rule else NormalisedText(text)
        words = words_of(text) if normalised is None else normalised.words
        if len(words) < _MIN_WORDS:
            if len(words) >= _MIN_RULE_WORDS:
                short.setdefault(" ".join(words), (key, form))
            continue
        # The same digest a query gets: copyright lines left out (rules carry none worth the search).
        digest = (hashlib.sha256(" ".join(words).encode()).hexdigest() if normalised is None
                  else normalised.digest(frozenset(c.line for c in find_copyrights(text))))
        if not digest or digest in exact:
            continue  # the same words under another key or rule: the first (the license's own) stands
        unique = list(dict.fromkeys(h for _p, h in sampled_shingles(words)))  # in the text's order
        if not unique:
            continue
        exact[digest] = len(keys)
        keys.append(key)
        forms.append(form)
        deciding.append(deciding_phrases(words))
        sizes.append(len(unique))
        per_ref.append(array("I", unique))
    kept = list(_keep(per_ref, len(keys) if license_refs is None else license_refs))
    postings: dict[int, list[int]] = defaultdict(list)  # hash -> references, in ascending order
    for ref, ref_hashes in enumerate(kept):
        for h in ref_hashes:
            postings[h].append(ref)
    hashes = array("I", sorted(postings))
    runs = [postings[h] for h in hashes]
    return ReferenceIndex(keys=keys, forms=forms, deciding=deciding, sizes=sizes, exact=exact,
                          phrases=[[p, k, f] for p, (k, f) in sorted(short.items())],
                          hashes=hashes, starts=array("I", accumulate(map(len, runs), initial=0)),
                          refs=array("I", chain.from_iterable(runs)),
                          ref_starts=array("I", accumulate((len(k) for k in kept), initial=0)),
                          ref_hashes=array("I", (h for ref_hashes in kept for h in ref_hashes)))


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
_ARRAYS = ("sizes", "hashes", "starts", "refs", "ref_starts", "ref_hashes")
_MAX_CACHE_BYTES = 256 << 20  # the real one is a few MB


def _encode(index: ReferenceIndex) -> bytes:
    arrays = {name: getattr(index, name) for name in _ARRAYS}
    meta = {"keys": index.keys, "forms": index.forms, "deciding": index.deciding, "exact": index.exact,
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
    payload = memoryview(data)[len(_MAGIC) + _HEADER.size:]  # views, not copies, of a 13 MB file
    if version != _FORMAT or size != len(payload) or hashlib.sha256(payload).digest() != checksum:
        return None
    try:
        (body_size,) = struct.unpack_from("<Q", payload)
        meta = json.loads(bytes(payload[8:8 + body_size]))
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
        # Whatever the file says, queries must not be able to index outside the arrays (slices
        # past an end are only shorter; a posting past the keys is skipped where it is counted).
        if (offset != len(payload) or set(arrays) != set(_ARRAYS) or len(arrays["sizes"]) != len(keys)
                or len(arrays["starts"]) != len(arrays["hashes"]) + 1 or len(arrays["ref_starts"]) != len(keys) + 1
                or not all(isinstance(k, str) for k in keys) or 0 in arrays["sizes"]
                or not all(isinstance(r, int) and 0 <= r < len(keys) for r in exact.values())):
            return None
        forms, phrases, deciding = meta["forms"], meta["phrases"], meta["deciding"]
        if (len(forms) != len(keys) or len(deciding) != len(keys)
                or not all(isinstance(p, list) and len(p) == 3 for p in phrases)):
            return None
        return ReferenceIndex(keys=keys, forms=forms, deciding=deciding, exact=exact, phrases=phrases, **arrays)
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
