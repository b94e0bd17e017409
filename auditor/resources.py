"""Where the bundled rules/ and templates/ are, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The wheel carries them under auditor/_data; a source checkout has them beside the package."""
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name


def rules_dir() -> Path:
    return data_dir("rules")


def templates_dir() -> Path:
    return data_dir("templates")


# The bundled rule files are the tool's own data, not input: libyaml's C loader (as safe as SafeLoader)
# reads the 80-odd of them in a tenth of the pure-Python loader's time, which every run pays at start-up.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_rule_file(path: Path) -> Any:
    """A bundled rules/ YAML file's data."""
    return yaml.load(path.read_bytes(), Loader=_LOADER)  # noqa: S506 - a safe loader
