"""The LicenseDB index cache is data, never code: a hostile file in its place is rebuilt, not run."""

from __future__ import annotations

import pickle

from auditor.facts import licensedb


class _Canary:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):  # what an attacker's pickle does on load: create a file
        return (open, (str(self.path), "w"))


def test_a_pickle_put_in_place_of_the_cache_is_not_run_and_is_rebuilt(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no default cache to fall back on
    canary = tmp_path / "canary"
    cache = licensedb.cache_path()
    cache.parent.mkdir(parents=True)
    cache.write_bytes(pickle.dumps(_Canary(canary)))
    licensedb.reference_index.cache_clear()
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)  # the cold build shows progress on a TTY
    try:
        index = licensedb.reference_index()
    finally:
        licensedb.reference_index.cache_clear()
    assert not canary.exists()
    assert index.exact_match("") is None and "apache-2.0" in index.keys
    assert "building the license index" in capsys.readouterr().err
    rebuilt = cache.read_bytes()
    assert licensedb._decode(rebuilt) is not None
    # Only the rebuilt file is left: the temp file was renamed into place.
    assert [p.name for p in cache.parent.iterdir()] == [cache.name]

    # A cache whose checksum, version or size is wrong is not used.
    flipped = bytearray(rebuilt)
    flipped[-1] ^= 1
    assert licensedb._decode(bytes(flipped)) is None
    assert licensedb._decode(rebuilt[:-1]) is None
    version_at = len(licensedb._MAGIC)
    assert licensedb._decode(rebuilt[:version_at] + b"\x02\0\0\0" + rebuilt[version_at + 4:]) is None
