"""The lecture's presets (assets/presets.json): each sets the whole configuration at once."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import cache
from pathlib import Path

from app.config import DEFAULT, SETTINGS, problems

PRESETS_FILE = Path(__file__).resolve().parent.parent / "assets" / "presets.json"


@cache
def load() -> dict[str, dict]:
    """Name -> {"about": str, "config": PlaygroundConfig}. Read once; never mutated.

    Fields a preset does not name keep their defaults. A value no control could show is a
    mistake in the file: ValueError, naming the preset (tests/test_config.py loads them all).
    """
    raw = json.loads(PRESETS_FILE.read_text(encoding="utf-8"))
    out = {}
    for name, entry in raw.items():
        values = {}
        for field, value in entry["config"].items():
            kind = type(SETTINGS[field].default)  # JSON has lists for tuples, 1 for 1.0
            values[field] = kind(value) if kind in (tuple, float) else value
        config = replace(DEFAULT, **values)
        wrong = problems(config)
        if wrong:
            raise ValueError(f"preset {name!r} in {PRESETS_FILE.name}: {'; '.join(wrong)}")
        out[name] = {"about": entry["about"], "config": config}
    return out
