"""A hostile corpus, built in code: each case is audited through the CLI under a time and memory
bound (tests/limits.py) and must end with a report (exit 0/1) or one stderr line (exit 2), never an
internal error, and leak nothing from outside the target."""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import MIT_TEXT, card, index_json, safetensors_bytes
from limits import Run, assert_contained, run_limited

OUTSIDE_SECRET = "OUTSIDE-SECRET-7f3a"


def billion_laughs() -> str:
    """~350 bytes of YAML that expand to 9^9 strings."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
        previous = name
    return "\n".join(lines) + "\n"


def deep_json(depth: int = 100_000) -> str:
    return "[" * depth + "]" * depth


@pytest.fixture
def outside(tmp_path):
    """A file beside the target that no output may ever show."""
    folder = tmp_path / "outside"
    folder.mkdir()
    secret = folder / "secret.txt"
    secret.write_text(f"{OUTSIDE_SECRET}\n{MIT_TEXT}")
    return secret


def audit(target, *extra: str, timeout: float = 60, memory_mb: int = 1024) -> tuple[Run, dict | None]:
    """A JSON scan of `target` under the bounds; the report when there is one."""
    run = run_limited("scan", target, "--format", "json", "--fail-on", "never", *extra,
                      timeout=timeout, memory_mb=memory_mb)
    assert_contained(run)
    assert OUTSIDE_SECRET not in run.out and OUTSIDE_SECRET not in run.err
    return run, (json.loads(run.stdout) if run.returncode in (0, 1) and run.stdout else None)


def notes(doc: dict) -> str:
    return "\n".join(doc["notes"])


# 2. YAML alias bombs and other hostile YAML, wherever YAML is read.

def test_alias_bomb_in_card_front_matter_is_a_finding(repo, outside):
    repo.commit("Bomb", "2025-01-01 10:00:00", {"README.md": "---\nlicense: mit\n" + billion_laughs() + "---\n# M\n",
                                                 "LICENSE": MIT_TEXT})
    run, doc = audit(repo.path, timeout=30, memory_mb=512)
    assert run.returncode == 0
    assert "expands to more than" in doc["card"]["error"]
    assert any(f["rule"] == "license-metadata-invalid" for f in doc["findings"])


def test_alias_bomb_in_repo_waivers_is_a_note_and_the_audit_goes_on(repo):
    repo.commit("Bomb", "2025-01-01 10:00:00", {"README.md": card(), ".auditor.yaml": billion_laughs()})
    run, doc = audit(repo.path, timeout=30, memory_mb=512)
    assert ".auditor.yaml: expands to more than" in notes(doc)
    assert doc["card"]["license"] == "mit" and doc["target"]["commits_scanned"] == 1  # the audit went on


@pytest.mark.parametrize("content, message", [
    (billion_laughs(), "expands to more than"),
    ("rules: &r [*r]\n", "recursive"),
    ("rules:\n  - id: x\n    severity: error\n    title: t\n    check: denied-licenses\n    params: 5\n",
     "params must be a mapping"),
    ("rules:\n  - id: license-missing\n    references: 5\n", "references must be a list"),
    ("rules: [" * 5000 + "]" * 5000, "nest"),
    ("rules: [1]\nwhen: 2020-13-45\n", "invalid YAML value"),
])
def test_broken_rules_file_is_one_line_exit_2(repo, tmp_path, content, message):
    repo.commit("Card", "2025-01-01 10:00:00", {"README.md": card(), "LICENSE": MIT_TEXT})
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "bomb.yaml").write_text(content)
    run, _doc = audit(repo.path, "--rules", str(rules), timeout=30, memory_mb=512)
    assert run.returncode == 2 and message in run.err and "bomb.yaml" in run.err


@pytest.mark.parametrize("content", [billion_laughs().encode(), b"waivers: [\xff\xfe]\n", b"x" * (3 << 20)])
def test_broken_waivers_file_is_one_line_exit_2(repo, tmp_path, content):
    repo.commit("Card", "2025-01-01 10:00:00", {"README.md": card(), "LICENSE": MIT_TEXT})
    waivers = tmp_path / "waivers.yaml"
    waivers.write_bytes(content)
    run, _doc = audit(repo.path, "--waivers", str(waivers), timeout=30, memory_mb=512)
    assert run.returncode == 2 and "waivers.yaml" in run.err


# 9. Deep nesting, huge claims and bad encodings in the JSON a repo carries: notes, never a crash.

def test_deep_and_huge_json_model_files_are_notes(repo):
    repo.commit("Hostile JSON", "2025-01-01 10:00:00", {
        "README.md": card(), "LICENSE": MIT_TEXT,
        "config.json": deep_json(),
        "tokenizer_config.json": '{"added_tokens_decoder": ' + "{\"a\": " * 5000 + "1" + "}" * 5001,
        "tokenizer.json": '{"model": "x", "added_tokens": 5}',
        "special_tokens_map.json": b'{"bos_token": "\xff\xfe"}',
        "adapter_config.json": '{"r": ' + "9" * 5000 + "}",
        "model.safetensors.index.json": '{"metadata": {"total_size": 1e999999}, "weight_map": ' + deep_json(50) + "}",
    })
    run, doc = audit(repo.path, timeout=30, memory_mb=512)
    text = notes(doc)
    assert "config.json: nested deeper than" in text
    assert "tokenizer_config.json: nested deeper than" in text
    assert "adapter_config.json: invalid JSON value" in text
    assert "model.safetensors.index.json: nested deeper than" in text


def test_hostile_safetensors_headers_are_notes(repo):
    deep = deep_json(20_000).encode()
    huge_dims = json.dumps({"w": {"dtype": "F16", "shape": [2**62, 2**62], "data_offsets": [0, 2**63]}}).encode()
    repo.commit("Hostile headers", "2025-01-01 10:00:00", {
        "README.md": card(), "LICENSE": MIT_TEXT,
        "a.safetensors": struct.pack("<Q", len(deep)) + deep,
        "b.safetensors": struct.pack("<Q", 24_000_000) + b"{" + b" " * 100,  # claims more than it holds
        "c.safetensors": struct.pack("<Q", 26_000_000),  # over the cap huggingface_hub applies too
        "d.safetensors": struct.pack("<Q", len(huge_dims)) + huge_dims,
        "e.safetensors": struct.pack("<Q", 4) + b"\xff\xfe\xfd\xfc",
    })
    run, doc = audit(repo.path, timeout=30, memory_mb=512)
    text = notes(doc)
    assert "a.safetensors: header: nested deeper than" in text
    assert "b.safetensors: truncated header" in text
    assert "c.safetensors: header claims 26000000 bytes" in text
    assert "e.safetensors: header: invalid JSON" in text


# 6. Tensor names: parsed in linear time, length and count capped, what was skipped noted.

def test_long_hostile_tensor_names_are_linear_and_capped(repo):
    # A 160 KB name with an inner newline took 32 s through the old backtracking pattern.
    hostile = "a" * 80_000 + ".1\n" + "b" * 80_000
    long_names = ["model.layers.0." + "x" * 900 + str(i) for i in range(2_000)]  # under the cap
    names = [hostile, "model.layers.1\n.mlp.weight", *long_names, "model.layers.0.w" + "." * 4000]
    repo.commit("Hostile index", "2025-01-01 10:00:00", {
        "README.md": card(), "LICENSE": MIT_TEXT,
        "model.safetensors.index.json": index_json(names),
        "model.safetensors": safetensors_bytes({"model.layers.0." + "y" * 30_000 + ".1.z": (1,)}),
    })
    run, doc = audit(repo.path, timeout=20, memory_mb=512)
    assert "4 tensor names longer than 1024 characters or with control characters were not analysed" in notes(doc)


# 4. File names that are not UTF-8, and 8. control characters: every format and stream is valid
# UTF-8, shows them escaped the same way, and never passes a control character to the terminal.

UNDECODABLE = "LICENSE-\udcff\udcfe"  # the bytes LICENSE-\xff\xfe, as os and git hand them over
OSC52 = "\x1b]52;c;SGVsbG8=\x07"  # writes the clipboard
TITLE = "\x1b]0;pwned\x07\x1b[2J\r"  # retitles the terminal, clears the screen, returns the cursor


def _no_raw_controls(raw: bytes) -> str:
    text = raw.decode("utf-8")  # strict: output must be valid UTF-8
    assert not any(ch in text for ch in "\x1b\x07\r\x9b"), repr(text[:200])
    return text


@pytest.fixture
def escaping_repo(repo):
    repo.commit("Add " + TITLE, "2025-01-01 10:00:00", {
        UNDECODABLE: MIT_TEXT, "README.md": card(), f"licenses/{OSC52}.txt": "Terms of use: none.\n",
        "NOTICE": f"Copyright 2024 Evil {OSC52} Corp\n"}, author=f"Mallory{OSC52} <m@example.com>")
    repo.commit("Remove " + OSC52, "2025-01-02 10:00:00", {UNDECODABLE: None})
    return repo


def test_undecodable_names_and_control_characters_in_every_format(escaping_repo, tmp_path):
    suffixes = (".txt", ".json", ".html", ".sarif", ".md")
    written = [tmp_path / f"report{suffix}" for suffix in suffixes]
    run = run_limited("scan", escaping_repo.path, "--fail-on", "never",
                      *[arg for path in written for arg in ("--output", path)], timeout=60)
    assert_contained(run)
    _no_raw_controls(run.stderr)
    for path in written:
        assert "LICENSE-\\xff\\xfe" in _no_raw_controls(path.read_bytes()).replace("\\\\", "\\"), path.name
    run = run_limited("scan", escaping_repo.path, "--fail-on", "never", timeout=60)  # text on stdout
    assert_contained(run)
    assert _no_raw_controls(run.stdout) == written[0].read_text(encoding="utf-8")


def test_undecodable_name_is_the_same_string_in_json(escaping_repo):
    _run, doc = audit(escaping_repo.path)
    removed = [f for f in doc["findings"] if f["rule"] == "license-removed"]
    assert removed and removed[0]["subject"] == "LICENSE-\\xff\\xfe"
    assert any(e["title"] == "Remove \\x1b]52;c;SGVsbG8=\\x07" for e in doc["timeline"])


def test_identify_escapes_control_characters_and_undecodable_names(escaping_repo):
    folder = escaping_repo.path
    for fmt in ("text", "json"):
        run = run_limited("identify", folder / "licenses", folder / "NOTICE", "--format", fmt, timeout=60)
        assert_contained(run)
        out = _no_raw_controls(run.stdout)
        assert "\\x1b]52;c;SGVsbG8=\\x07" in out.replace("\\\\", "\\")


def test_folder_with_undecodable_names_in_every_output(tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / UNDECODABLE).write_text(MIT_TEXT)
    (folder / "README.md").write_text(card())
    for fmt in ("text", "json"):
        run = run_limited("scan", folder, "--format", fmt, timeout=60)
        assert_contained(run)
        assert "LICENSE-\\xff\\xfe" in _no_raw_controls(run.stdout).replace("\\\\", "\\")


# 3. Missing and corrupt objects: a note naming the object and commit, history_complete false,
# never a silent exit 1 and never a report that looks complete.

def _object_file(repo, obj: str):
    path = repo.path / ".git" / "objects" / obj[:2] / obj[2:]
    path.chmod(0o644)
    return path


def test_missing_blob_is_a_note_and_history_incomplete(repo):
    repo.commit("Add", "2025-01-01 10:00:00", {"LICENSE": MIT_TEXT, "README.md": card()})
    first = repo.git("rev-parse", "HEAD").strip()
    repo.commit("Change", "2025-01-02 10:00:00", {"LICENSE": MIT_TEXT + "\nExtra.\n"})
    blob = repo.git("rev-parse", f"{first}:LICENSE").strip()
    _object_file(repo, blob).unlink()
    run, doc = audit(repo.path)
    assert run.returncode == 0 and not doc["target"]["history_complete"]
    assert f"object {blob} at commit {first} could not be read" in notes(doc)
    assert any(f["rule"] == "history-incomplete" for f in doc["findings"])


def test_corrupt_blob_that_kills_cat_file_is_a_note_and_later_reads_go_on(repo):
    repo.commit("Add", "2025-01-01 10:00:00", {"LICENSE": MIT_TEXT * 40, "README.md": card()})
    first = repo.git("rev-parse", "HEAD").strip()
    repo.commit("Notice", "2025-01-02 10:00:00", {"NOTICE": MIT_TEXT})
    blob = repo.git("rev-parse", f"{first}:LICENSE").strip()
    path = _object_file(repo, blob)
    path.write_bytes(path.read_bytes()[:60])  # the zlib stream is cut: git dies mid-object
    run, doc = audit(repo.path)
    assert run.returncode == 0 and not doc["target"]["history_complete"]
    assert f"object {blob} at commit {first} could not be read" in notes(doc)
    [notice] = [lf for lf in doc["license_files"] if lf["path"] == "NOTICE"]
    assert notice["licenses"][0]["spdx"] == "MIT"  # read by a fresh cat-file after the failure


def test_missing_tree_stops_the_history_with_a_note(repo):
    repo.commit("One", "2025-01-01 10:00:00", {"LICENSE": MIT_TEXT})
    repo.commit("Two", "2025-01-02 10:00:00", {"NOTICE": MIT_TEXT})
    repo.commit("Three", "2025-01-03 10:00:00", {"README.md": card()})
    tree = repo.git("rev-parse", "HEAD~2^{tree}").strip()
    _object_file(repo, tree).unlink()
    run, doc = audit(repo.path)
    assert not doc["target"]["history_complete"]
    assert "the history stops" in notes(doc) and tree in notes(doc)


def test_partial_clone_missing_blobs_never_fetch_and_never_run_the_remote(tmp_path, repo):
    repo.commit("One", "2025-01-01 10:00:00", {"LICENSE": MIT_TEXT, "README.md": card()})
    repo.commit("Two", "2025-01-02 10:00:00", {"LICENSE": MIT_TEXT + "\nMore.\n"})
    repo.git("config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "partial"
    repo.git("clone", "-q", "--bare", "--filter=blob:none", f"file://{repo.path}", str(clone))
    canary = _canary(tmp_path)
    _git_config(clone, ("remote.origin.uploadpack", str(canary.script)), ("protocol.allow", "always"))
    run, doc = audit(clone)
    assert not canary.ran()
    assert run.returncode == 0 and not doc["target"]["history_complete"]
    assert "could not be read" in notes(doc)


# 5. A replace ref must not hide a removal.

def test_replace_ref_does_not_hide_a_removal(repo):
    repo.commit("Add", "2025-01-01 10:00:00", {"LICENSE": "Apache", "NOTICE": MIT_TEXT, "README.md": card()})
    repo.commit("Drop notice", "2025-01-02 10:00:00", {"NOTICE": None})
    removal = repo.git("rev-parse", "HEAD").strip()
    # A stand-in for the removal commit that keeps NOTICE: with replace objects on, git shows it instead.
    fake_tree = repo.git("rev-parse", "HEAD~1^{tree}").strip()
    fake = repo.git("commit-tree", fake_tree, "-p", "HEAD~1", "-m", "Drop notice",
                    env={"GIT_AUTHOR_DATE": "2025-01-02 10:00:00 +0000",
                         "GIT_COMMITTER_DATE": "2025-01-02 10:00:00 +0000"}).strip()
    repo.git("replace", removal, fake)
    assert "NOTICE" in repo.git("ls-tree", "--name-only", "HEAD")  # the lie git would tell
    _run, doc = audit(repo.path)
    removed = [f for f in doc["findings"] if f["rule"] == "license-removed"]
    assert removed and removed[0]["severity"] == "error" and removed[0]["subject"] == "NOTICE"
    # ... and the reader is told why git log in this clone disagrees with the audit
    assert any(n.startswith(f"refs/replace: 1 replace ref(s) ignored ({removal})") for n in doc["notes"])


def test_grafts_are_still_detected(repo):
    repo.commit("One", "2025-01-01 10:00:00", {"LICENSE": MIT_TEXT})
    repo.commit("Two", "2025-01-02 10:00:00", {"README.md": card()})
    graft = repo.git("rev-parse", "HEAD").strip()
    (repo.path / ".git" / "info").mkdir(exist_ok=True)
    (repo.path / ".git" / "info" / "grafts").write_text(graft + "\n")
    _run, doc = audit(repo.path)
    assert not doc["target"]["history_complete"] and doc["target"]["commits_scanned"] == 1


# 6. Special files in a plain folder are skipped with a note; nothing blocks.

def test_fifos_in_a_folder_do_not_block(tmp_path):
    import os

    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "NOTICE").write_text(MIT_TEXT)
    for name in ("LICENSE", "README.md", "config.json", "model.safetensors", ".auditor.yaml"):
        os.mkfifo(folder / name)
    run, doc = audit(folder, timeout=30)
    files = {lf["path"]: lf for lf in doc["license_files"]}
    assert files["LICENSE"]["unreadable"] == "unreadable (a FIFO, not a regular file)"
    assert "a FIFO" in doc["card"]["error"]
    assert "config.json: not read (unreadable (a FIFO, not a regular file))" in notes(doc)
    assert "model.safetensors: a FIFO, not a regular file" in notes(doc)
    assert files["NOTICE"]["licenses"][0]["spdx"] == "MIT"


def test_device_named_license_is_skipped(tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "LICENSE").symlink_to("/dev/zero")  # a link leaving the folder is not followed either
    (folder / "config.json").symlink_to("/dev/urandom")
    run, doc = audit(folder, timeout=30)
    assert "/dev/" not in run.out


def test_identify_skips_a_fifo(tmp_path):
    import os

    os.mkfifo(tmp_path / "LICENSE")
    run = run_limited("identify", tmp_path / "LICENSE", timeout=30)
    assert_contained(run)
    assert "a FIFO, not a regular file" in run.out


# Reads outside the target: a .git file or link to another repository is refused.

@pytest.mark.parametrize("how", ["file", "symlink"])
def test_git_pointing_at_a_repository_outside_is_refused(tmp_path, repo, how):
    repo.commit("Private", "2025-01-01 10:00:00", {"LICENSE": f"{OUTSIDE_SECRET}\n", "README.md": card()})
    target = tmp_path / "innocent"
    target.mkdir()
    if how == "file":
        (target / ".git").write_text(f"gitdir: {repo.path / '.git'}\n")
    else:
        (target / ".git").symlink_to(repo.path / ".git")
    run, _doc = audit(target)
    assert run.returncode == 2 and "outside the target" in run.err
    assert str(repo.path) not in run.err


def test_linked_worktree_is_audited(tmp_path, repo):
    repo.commit("One", "2025-01-01 10:00:00", {"LICENSE": MIT_TEXT, "README.md": card()})
    worktree = tmp_path / "worktree"
    repo.git("worktree", "add", "-q", str(worktree))
    run, doc = audit(worktree)
    assert run.returncode == 0 and doc["license_files"][0]["licenses"][0]["spdx"] == "MIT"


# No program from the audited repo ever runs: every config knob that makes git run one points at a
# canary that would leave a file behind.

@dataclass(frozen=True)
class Canary:
    script: Path
    marker: Path

    def ran(self) -> bool:
        return self.marker.exists()


def _canary(tmp_path) -> Canary:
    marker = tmp_path / "CANARY-RAN"
    script = tmp_path / "canary.sh"
    script.write_text(f"#!/bin/sh\necho \"$0 $*\" >> {marker}\ncat >/dev/null 2>&1\nexit 0\n")
    script.chmod(0o755)
    return Canary(script, marker)


def _git_config(repo_dir, *pairs: tuple[str, str]) -> None:
    import subprocess

    for key, value in pairs:
        subprocess.run(["git", "config", "--file", str(_git_dir(repo_dir) / "config"), key, value], check=True)


def _git_dir(repo_dir) -> Path:
    return repo_dir / ".git" if (repo_dir / ".git").is_dir() else repo_dir


def test_repo_config_cannot_run_a_program(tmp_path, repo):
    canary = _canary(tmp_path)
    repo.commit("One", "2025-01-01 10:00:00", {
        "LICENSE": MIT_TEXT, "README.md": card(), ".gitattributes": "* filter=evil diff=evil\n",
        "model.safetensors": safetensors_bytes({"model.layers.0.mlp.up_proj.weight": (2, 2)})})
    repo.commit("Two", "2025-01-02 10:00:00", {"LICENSE": MIT_TEXT + "\nMore.\n", "NOTICE": "x"})
    script = str(canary.script)
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for hook in ("pre-commit", "post-checkout", "post-index-change", "reference-transaction", "pre-auto-gc"):
        (hooks / hook).write_bytes(canary.script.read_bytes())
        (hooks / hook).chmod(0o755)
    _git_config(repo.path, ("core.fsmonitor", script), ("core.hooksPath", str(hooks)), ("core.pager", script),
                ("core.sshCommand", script), ("core.askPass", script), ("core.alternateRefsCommand", script),
                ("filter.evil.smudge", script), ("filter.evil.clean", script), ("filter.evil.process", script),
                ("filter.evil.required", "true"), ("diff.evil.textconv", script), ("diff.external", script),
                ("gpg.program", script), ("log.showSignature", "true"), ("credential.helper", f"!{script}"),
                ("uploadpack.packObjectsHook", script), ("pager.log", script), ("pager.cat-file", script),
                ("core.repositoryformatversion", "1"), ("extensions.partialClone", "origin"),
                ("remote.origin.url", str(tmp_path / "nowhere")), ("remote.origin.promisor", "true"),
                ("remote.origin.uploadpack", script), ("protocol.allow", "always"))
    # A missing blob makes git want the promisor remote: it must not even try.
    first = repo.git("rev-list", "--max-parents=0", "HEAD").strip()
    _object_file(repo, repo.git("rev-parse", f"{first}:LICENSE").strip()).unlink()
    audit(repo.path)
    run = run_limited("notice", repo.path, timeout=60)
    assert_contained(run)
    assert not canary.ran(), canary.marker.read_text()
