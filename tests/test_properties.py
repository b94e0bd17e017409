"""Property-based tests (hypothesis) of the parsers that read untrusted input: the card parser, the
YAML/JSON loader, safetensors headers and index files, the waiver and rule loaders, and the git log
parser. Each property says: on any input the parser returns a result or its own input error, never
another exception; and on well-formed input it returns what was put in."""

from __future__ import annotations

import contextlib
import io
import json
import re
import struct
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.errors import AuditorError
from auditor.escape import printable
from auditor.facts.card import parse_card
from auditor.facts.layout import split_layer
from auditor.facts.paths import path_rules
from auditor.facts.tensors import read_index, read_safetensors_header
from auditor.safeload import YAML_LIMITS, Limits, UnsafeDocument, load_json, load_yaml
from auditor.sources.local import MalformedLog, _tokens, parse_log
from auditor.waivers import REASONS, parse_waivers

# Modest counts keep the whole file to a few seconds; the database is off so the tree stays clean.
FUZZ = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.text(max_size=20),
                    st.floats(allow_nan=False, allow_infinity=False))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)
# Text that looks like YAML: its punctuation, anchors, aliases, tags and indentation.
yamlish = st.text(st.sampled_from(list("ab1 :-&*!|>[]{},'\"#\n\t?%@`~<=\\")) | st.characters(), max_size=200)


@FUZZ
@given(yamlish)
def test_yaml_loader_returns_data_or_its_own_error(text):
    try:
        load_yaml(text)
    except UnsafeDocument as exc:
        assert "\n" not in str(exc)


@FUZZ
@given(values)
def test_yaml_loader_round_trips_plain_data(value):
    assert load_yaml(yaml.safe_dump(value)) == value


@FUZZ
@given(st.integers(1, 12), st.integers(2, 12))
def test_yaml_alias_expansion_is_bounded(levels, fan_out):
    lines = ["l0: &l0 [x]"] + [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * fan_out) + "]"
                               for i in range(1, levels + 1)]
    expanded = sum(fan_out ** i for i in range(levels + 1))  # lower bound of the node count
    try:
        load_yaml("\n".join(lines))
        assert expanded <= YAML_LIMITS.max_nodes
    except UnsafeDocument as exc:
        assert "expands to more than" in str(exc)


@FUZZ
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_json_loader_returns_data_or_its_own_error(data):
    with contextlib.suppress(UnsafeDocument):
        load_json(data, Limits(max_bytes=1000, max_depth=5))


@FUZZ
@given(values)
def test_json_loader_round_trips_and_bounds_depth(value):
    text = json.dumps(value)
    try:
        assert load_json(text, Limits(max_bytes=10**6, max_depth=3)) == value
    except UnsafeDocument as exc:
        assert "nested deeper than 3" in str(exc)


@FUZZ
@given(st.one_of(yamlish, values.map(lambda v: yaml.safe_dump(v))),
       st.sampled_from(["", "\n# Model\n", "\n---\nmore\n"]))
def test_card_parser_never_raises(front_matter, rest):
    card = parse_card(f"---\n{front_matter}\n---{rest}")
    assert card.present and (card.error is None or "\n" not in card.error)


@FUZZ
@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30),
       st.lists(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20), max_size=3))
def test_card_parser_reads_license_and_base_model(license_id, bases):
    card = parse_card("---\n" + yaml.safe_dump({"license": license_id, "base_model": bases}) + "---\n# M\n")
    assert card.error is None
    assert card.license == license_id and card.base_model == tuple(bases)


@FUZZ
@given(st.binary(max_size=400))
def test_safetensors_header_reader_never_raises(data):
    shapes, why = read_safetensors_header(io.BytesIO(data))
    assert (shapes is None) != (why is None)


@FUZZ
@given(st.dictionaries(st.text(min_size=1, max_size=30).filter(lambda n: n != "__metadata__"),
                       st.lists(st.integers(0, 2**40), max_size=4), max_size=20),
       st.integers(0, 64))
def test_safetensors_header_reader_reads_what_was_written(tensors, trailing):
    header = {name: {"dtype": "F16", "shape": shape, "data_offsets": [0, 0]} for name, shape in tensors.items()}
    header["__metadata__"] = {"format": "pt"}
    raw = json.dumps(header).encode()
    shapes, why = read_safetensors_header(io.BytesIO(struct.pack("<Q", len(raw)) + raw + bytes(trailing)))
    assert why is None and shapes == {name: tuple(shape) for name, shape in tensors.items()}


@FUZZ
@given(st.one_of(st.text(max_size=300), values.map(json.dumps)))
def test_index_reader_never_raises(text):
    names, why = read_index(text)
    assert (names is None) != (why is None)


@FUZZ
@given(st.dictionaries(st.text(max_size=40), st.text(max_size=20), max_size=30))
def test_index_reader_lists_the_weight_map(weight_map):
    names, why = read_index(json.dumps({"metadata": {"total_size": 10**30}, "weight_map": weight_map}))
    assert why is None and names == sorted(weight_map)


waiver_entries = st.lists(st.fixed_dictionaries({
    "rule": st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20),
    "subject": st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20),
    "reason": st.sampled_from(REASONS),
    "comment": st.text(max_size=20),
}, optional={"expires": st.dates().map(str)}), max_size=5)


@FUZZ
@given(st.one_of(yamlish, st.binary(max_size=200), values.map(lambda v: yaml.safe_dump({"waivers": v}))))
def test_waiver_loader_returns_waivers_or_one_line_error(text):
    try:
        parse_waivers(text, "waivers.yaml")
    except AuditorError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("waivers.yaml")


@FUZZ
@given(waiver_entries)
def test_waiver_loader_reads_what_was_written(entries):
    parsed = parse_waivers(yaml.safe_dump({"waivers": entries}), "w")
    assert [(w.rule, w.subject, w.reason) for w in parsed] == [(e["rule"], e["subject"], e["reason"]) for e in entries]
    assert [w.expires.isoformat() if w.expires else None for w in parsed] == [e.get("expires") for e in entries]


rule_entries = st.lists(st.dictionaries(
    st.sampled_from(["id", "severity", "title", "check", "description", "references", "params", "remediation"]),
    st.one_of(values, st.sampled_from(["error", "warning", "denied-licenses", "license-missing",
                                       "history-incomplete"])), max_size=8), max_size=4)


@FEW
@given(st.one_of(yamlish, rule_entries.map(lambda r: yaml.safe_dump({"rules": r}))))
def test_rule_loader_returns_rules_or_one_line_error(text):
    from auditor.engine import load_rules

    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "user.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            ruleset = load_rules((Path(folder),))
        except AuditorError as exc:
            assert "\n" not in str(exc)
        else:
            assert all(isinstance(r.params, dict) and isinstance(r.references, tuple) for r in ruleset.rules)


# The git log parser: the token stream `git log -z --raw` writes, and anything cut short or garbled.

class _Chunked(io.RawIOBase):
    """A stream that hands out its bytes in given chunk sizes, as a pipe does."""

    def __init__(self, data: bytes, sizes: list[int]) -> None:
        self._data, self._sizes = data, sizes or [len(data) or 1]

    def read(self, _size: int = -1) -> bytes:
        size = self._sizes.pop(0) if len(self._sizes) > 1 else self._sizes[0]
        chunk, self._data = self._data[:size], self._data[size:]
        return chunk


@FUZZ
@given(st.binary(max_size=300), st.lists(st.integers(1, 40), max_size=20))
def test_tokens_are_the_nul_separated_fields_whatever_the_chunks(data, sizes):
    expected = data.split(b"\0")
    if expected[-1] == b"":
        expected.pop()
    assert list(_tokens(_Chunked(data, sizes))) == expected


hexes = st.text("0123456789abcdef", min_size=40, max_size=40)
paths = st.sampled_from(["LICENSE", "NOTICE", "README.md", "model.safetensors", "src/x.py", "licenses/a.txt",
                         "weird\udcff name", "a\nb"])
raw_entries = st.lists(st.tuples(st.sampled_from(["000000", "100644", "120000"]), st.sampled_from(["100644", "000000"]),
                                 hexes, hexes, st.sampled_from("AMDT"), paths), max_size=4)
commits = st.lists(st.tuples(hexes, st.text(max_size=10).filter(lambda t: "\0" not in t),
                             st.text(max_size=15).filter(lambda t: "\0" not in t), raw_entries), max_size=5)


def _log_bytes(history) -> bytes:
    out = []
    for sha, author, title, entries in history:
        out += [sha.encode(), b"", b"1700000000", author.encode("utf-8", "surrogateescape"),
                title.encode("utf-8", "surrogateescape")]
        for number, (old_mode, new_mode, old, new, status, path) in enumerate(entries):
            out += [(b"\n" if number == 0 else b"") + f":{old_mode} {new_mode} {old} {new} {status}".encode(),
                    path.encode("utf-8", "surrogateescape")]
    return b"\0".join(out) + (b"\0" if out else b"")


@FUZZ
@given(commits)
def test_log_parser_reads_every_commit_and_relevant_change(history):
    kind_of = path_rules().kind
    parsed = list(parse_log(iter(_log_bytes(history).split(b"\0")[:-1]), kind_of))
    assert [fields[0] for fields, _c, _w in parsed] == [sha for sha, *_rest in history]
    for (fields, changes, weights), (_sha, author, title, entries) in zip(parsed, history, strict=True):
        assert fields[3] == author.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        assert fields[4] == title.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        wanted = [e for e in entries if kind_of(e[5]) not in (None, "weights")]
        assert [(c.path, c.status, c.new_blob) for c in changes] == [(e[5], e[4], e[3]) for e in wanted]
        assert list(weights) == [e[5] for e in entries if kind_of(e[5]) == "weights" and e[4] != "D"]


@FUZZ
@given(commits, st.integers(0, 400), st.binary(max_size=30))
def test_log_parser_on_cut_short_or_garbled_output_raises_only_malformed_log(history, cut, garbage):
    data = _log_bytes(history)
    data = data[:cut] + garbage
    with contextlib.suppress(MalformedLog):
        for _commit in parse_log(_tokens(_Chunked(data, [7])), path_rules().kind):
            pass


# Tensor names: the linear split agrees with the pattern it replaced, on names without newlines.

_OLD_LAYER = re.compile(r"^(?P<prefix>.+?)\.(?P<index>\d+)\.(?P<suffix>.+)$")


@FUZZ
@given(st.text(st.sampled_from(list("ab.0123_x")), max_size=40))
def test_layer_split_agrees_with_the_old_pattern(name):
    match = _OLD_LAYER.match(name)
    assert split_layer(name) == ((match["prefix"], int(match["index"]), match["suffix"]) if match else None)


@FUZZ
@given(st.text(max_size=100))
def test_printable_is_valid_utf8_without_control_characters(text):
    shown = printable(text)
    shown.encode("utf-8")
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", shown)
    assert printable(shown) == shown
