"""The lecture's presets (assets/presets.json): each sets the whole configuration at once."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import cache
from pathlib import Path

from app.config import DEFAULT, PlaygroundConfig

PRESETS_FILE = Path(__file__).resolve().parent.parent / "assets" / "presets.json"


@cache
def load() -> dict[str, dict]:
    """Name -> {"about": str, "config": PlaygroundConfig}. Read once; never mutated."""
    raw = json.loads(PRESETS_FILE.read_text(encoding="utf-8"))
    out = {}
    for name, entry in raw.items():
        values = dict(entry["config"])
        values["hidden"] = tuple(values.get("hidden", DEFAULT.hidden))
        values["features"] = tuple(values.get("features", DEFAULT.features))
        out[name] = {"about": entry["about"], "config": replace(PlaygroundConfig(), **values)}
    return out
