"""license-missing and license-metadata-invalid on the card and license files at HEAD."""

from __future__ import annotations

import pytest
from helpers import MIT_TEXT, card, findings, scan


def _scan_with(repo, files):
    repo.commit("Files", "2025-01-01 10:00:00", files)
    return scan(repo.path)


def test_no_license_anywhere_is_an_error(repo):
    doc = _scan_with(repo, {"README.md": "# Model\n", "config.json": "{}"})
    [missing] = findings(doc, "license-missing")
    assert missing["severity"] == "error"
    [invalid] = findings(doc, "license-metadata-invalid")
    assert "no front matter" in invalid["message"]
    assert doc["summary"]["verdict"] == "fail"


def test_no_readme_at_all(repo):
    doc = _scan_with(repo, {"LICENSE": MIT_TEXT, "config.json": "{}"})
    assert not findings(doc, "license-missing")
    assert "no model card" in findings(doc, "license-metadata-invalid")[0]["message"]


@pytest.mark.parametrize("front, expected", [
    ("license: mit", None),
    ("license: llama3.1", None),
    ("license: MIT", None),
    ("tags: [a]", "no `license:` field"),
    ("license: my-own-license", "'my-own-license' is not a Hugging Face license id"),
    ("license: other", "without license_name and license_link"),
    ("license: other\nlicense_name: acme", "without license_link"),
    ("license: other\nlicense_name: acme\nlicense_link: LICENSE", None),
])
def test_card_license_field(repo, front, expected):
    doc = _scan_with(repo, {"README.md": card(front), "LICENSE": MIT_TEXT})
    found = findings(doc, "license-metadata-invalid")
    if expected is None:
        assert found == []
    else:
        [finding] = found
        assert expected in finding["message"]
        assert finding["subject"] == "README.md"


def test_evidence_points_at_the_license_line(repo):
    doc = _scan_with(repo, {"README.md": "---\ntags: [a]\nlicense: nope\n---\n", "LICENSE": MIT_TEXT})
    [finding] = findings(doc, "license-metadata-invalid")
    assert finding["evidence"][0]["line"] == 3 and finding["evidence"][0]["excerpt"] == "license: nope"


def test_card_fields_are_reported(repo):
    front = ("license: apache-2.0\nbase_model:\n- Qwen/Qwen2.5-7B\n- meta-llama/Llama-3.1-8B\n"
             "base_model_relation: merge\n")
    doc = _scan_with(repo, {"README.md": card(front)})
    assert doc["card"]["base_model"] == ["Qwen/Qwen2.5-7B", "meta-llama/Llama-3.1-8B"]
    assert doc["card"]["base_model_relation"] == "merge"
    assert doc["card"]["license"] == "apache-2.0"
    assert not findings(doc, "license-missing")


def test_readme_without_front_matter_beside_a_license_file_is_info(repo):
    """A GitHub copy of a model states its terms in LICENSE; only the Hub's metadata is in question."""
    doc = _scan_with(repo, {"README.md": "# Model\n", "LICENSE": MIT_TEXT, "config.json": "{}"})
    [invalid] = findings(doc, "license-metadata-invalid")
    assert invalid["severity"] == "info" and "add `license: mit` to the card" in invalid["message"]
    # A card with front matter but no `license:` is a Hub card missing its field: still a warning.
    doc = _scan_with(repo, {"README.md": card("tags: [a]")})
    [invalid] = findings(doc, "license-metadata-invalid")
    assert invalid["severity"] == "warning"


@pytest.mark.parametrize("text", [
    "---\nlicense: mit\n---\n# x\n", "  \n---\r\nlicense: mit\r\n---\r\n", "---\nlicense: mit\n---   \nbody",
    "---\nlicense: mit\n", "# no front matter\n---\nlicense: mit\n---\n", "---\n---\n", "---\na: 1\n---",
    "\ufeff---\nlicense: mit\n---\n", "---\rlicense: mit\r---\r"])
def test_front_matter_is_found_where_the_hub_finds_it(text):
    """The card's own pattern (kept so a local scan need not import the Hub client) agrees with
    huggingface_hub.repocard's."""
    from huggingface_hub.repocard import REGEX_YAML_BLOCK

    from auditor.facts.card import FRONT_MATTER

    ours, hubs = FRONT_MATTER.search(text), REGEX_YAML_BLOCK.search(text)
    assert (ours and ours.groups()) == (hubs and hubs.groups())
