"""The Playground's settings: one table of fields, and the frozen configuration they make.

Each field of ``PlaygroundConfig`` carries its ``Setting`` (URL name, widget, range or
choices, label, help, what a change of it does), as TensorFlow Playground's ``State.PROPS``
does. The URL parser and writer, the sidebar's widgets, validation and README's list of URL
names are all read from that one table, ``SETTINGS``.

``from_query`` reads ``st.query_params`` (plain strings, possibly hand-edited or hostile) and
never raises: a bad value is replaced by the nearest valid one, or the default, with a notice
that says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from app import messages
from engine import datasets
from engine.activations import ACTIVATION_NAMES
from engine.features import FEATURE_NAMES, RAW
from engine.losses import LOSS_NAMES
from engine.network import INITS
from engine.settings import TrainingSettings

# Widths a slider offers: every small width, then a log-like ladder so 2, 10, 100 and 500
# are each one drag away.
WIDTHS = (1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 20, 25, 32, 40, 50, 64, 80, 100, 128, 150, 200)
WIDTHS += (250, 300, 400, 500)
LEARNING_RATES = (1e-5, 3e-5, 1e-4, 3e-4, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
BATCH_SIZES = (0, 1, 2, 5, 10, 20, 32, 50, 100, 200)  # 0: the whole training set
PENALTIES = (0.0, 1e-5, 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0)
MAX_LAYERS = 6  # as TensorFlow Playground
CUSTOM = "csv"  # the dataset name of an uploaded CSV
DATASET_NAMES = (*datasets.NAMES, *datasets.REGRESSION_NAMES)
# TF Playground's regression sets spread their inputs over [-6, 6]^2 (variance 12, where the
# initial weights assume 1): full-batch descent on the squared error is stable only below
# ~0.02-0.07 there, so the page's 0.1 blew up on the first Play. 0.03 is TF Playground's own
# default, and trains on every seed tried.
REGRESSION_LEARNING_RATE = 0.03
INIT_LABELS = {
    "auto": "He (ReLU-like) / Glorot",
    "he": "He",
    "glorot": "Glorot",
    "tfp": "TF Playground: U(-0.5, 0.5), b = 0.1",
}

# What a change of a setting does (README's table shows these words).
RESET = "restarts training"  # new data or a new network, from the same seed
LIVE = "applies at the next step"  # the optimiser's settings: TrainingSettings
PAGE = "applies at the next frame"  # how the page plays: steps per frame, the stopping rule
RESAMPLE = "new points, same weights"


@dataclass(frozen=True)
class Setting:
    """One field of the configuration, as the URL, the sidebar and README know it.

    ``widget`` is also its type: ``selectbox`` (one of ``options``), ``multiselect`` (a
    non-empty subset of ``options``, in their order), ``select_slider`` (a number on the
    ladder ``options``), ``slider`` (a number in ``low..high`` on a grid of ``step``),
    ``number_input`` (a number in ``low..high``; ``step`` is only the +/- increment),
    ``layers`` (the hidden-layer widths), or None (no control: the page's own actions).
    """

    key: str  # the URL name: short, so that a link stays readable on a slide
    label: str
    widget: str | None
    help: str | None = None
    low: float | None = None
    high: float | None = None
    step: float | None = None
    options: tuple = ()
    aliases: Mapping[str, str] = field(default_factory=dict)  # other URL spellings
    option_labels: Mapping = field(default_factory=dict)  # how the sidebar names options
    zero: str | None = None  # what 0 means ("off", "full batch"): None for the engine
    format: str | None = None  # a number box's printf format
    change: str = RESET
    name: str = ""  # the field's name and default, filled in from PlaygroundConfig
    default: object = None

    def __post_init__(self):
        if self.widget == "select_slider":  # a ladder's range is its ends
            object.__setattr__(self, "low", min(self.options))
            object.__setattr__(self, "high", max(self.options))

    @property
    def numeric(self) -> bool:
        return self.widget in ("slider", "number_input", "select_slider", None)

    @property
    def grid(self) -> float | None:
        """The step every value lies on (a slider's; a number box takes any value)."""
        return self.step if self.widget == "slider" else None

    def nearest(self, number):
        """The value the control offers nearest ``number`` (which is within range)."""
        if self.grid:
            number = round(round(number / self.grid) * self.grid, 6)
            number = min(max(number, self.low), self.high)
        if isinstance(self.default, int):
            number = int(round(number))
        if self.options and not (self.zero and number == 0):
            # 0 (full batch) is no neighbour of 3: the others snap among themselves.
            number = snap(number, [o for o in self.options if o or not self.zero])
        return number

    def show(self, option) -> str:
        """An option as the sidebar names it."""
        if option in self.option_labels:
            return self.option_labels[option]
        if self.zero and option == 0:
            return self.zero
        return f"{option:g}" if isinstance(option, (int, float)) else str(option)


def setting(default, key, label, widget, **about):
    """A config field with its ``Setting`` (see ``SETTINGS``)."""
    return field(default=default, metadata={"setting": Setting(key, label, widget, **about)})


@dataclass(frozen=True)
class PlaygroundConfig:
    dataset: str = setting("moons", "data", "Dataset", "selectbox", options=DATASET_NAMES)
    noise: float = setting(0.15, "noise", "Noise", "slider", low=0.0, high=0.5, step=0.01)
    n_samples: int = setting(200, "n", "Number of points", "slider", low=20, high=2000, step=10)
    test_fraction: float = setting(
        0.3, "test", "Test fraction", "slider", low=0.0, high=0.9, step=0.05,
        help="The share of the points held out as test data.",
    )  # fmt: skip
    seed: int = setting(
        0, "seed", "Seed", "number_input", low=0, high=2**31 - 1, step=1,
        help="The same seed gives the same data and the same initial weights.",
    )  # fmt: skip
    hidden: tuple[int, ...] = setting(
        (8,), "layers", "Hidden layers", "layers", high=MAX_LAYERS, options=WIDTHS,
        help="0 is the slide's 1-layer network: a linear classifier.",
    )  # fmt: skip
    activation: str = setting(
        "relu", "act", "Activation f", "selectbox", options=ACTIVATION_NAMES,
        aliases={"logistic": "sigmoid"},
    )  # fmt: skip
    loss: str = setting("hinge", "loss", "Loss", "selectbox", options=LOSS_NAMES)
    learning_rate: float = setting(
        0.1, "lr", "Learning rate η", "select_slider", options=LEARNING_RATES, change=LIVE
    )
    momentum: float = setting(
        0.0, "mom", "Momentum μ", "slider", low=0.0, high=0.99, step=0.01, change=LIVE
    )
    clip_norm: float = setting(
        0.0, "clip", "Gradient clipping (0 = off)", "slider", low=0.0, high=10.0, step=0.1,
        zero="off", change=LIVE,
    )  # fmt: skip
    l2: float = setting(0.0, "l2", "L2 penalty λ", "select_slider", options=PENALTIES, change=LIVE)
    batch_size: int = setting(
        0, "batch", "Batch size", "select_slider", options=BATCH_SIZES, zero="full batch",
        change=LIVE,
    )  # fmt: skip
    steps_per_frame: int = setting(
        40, "spf", "Training steps per frame", "slider", low=1, high=500, change=PAGE
    )
    # The network's inputs: x1, x2, x1^2, ... sin(x2).
    features: tuple[str, ...] = setting(
        RAW, "feat", "Input features", "multiselect", options=FEATURE_NAMES,
        help="The network's inputs: the raw coordinates, or a prespecified "
        "map of them (the lecture's explicit nonlinear features).",
    )  # fmt: skip
    l1: float = setting(0.0, "l1", "L1 penalty", "select_slider", options=PENALTIES, change=LIVE)
    init: str = setting(
        "auto", "init", "Initial weights", "selectbox", options=INITS, option_labels=INIT_LABELS
    )
    stop_epochs: int = setting(
        0, "stop", "Stop after this many epochs (0 = never)", "number_input", low=0,
        high=10**7, step=100, zero="never", change=PAGE,
    )  # fmt: skip
    stop_loss: float = setting(
        0.0, "target", "Stop when the test loss is below (0 = never)", "number_input",
        low=0.0, high=10.0, step=0.01, format="%.3f", zero="never", change=PAGE,
    )  # fmt: skip
    # Which sample of the data set: 0 is the seed's own, k > 0 the k-th "regenerate". In
    # the URL, so a shared link shows the lecturer's points; changing it keeps the weights.
    draw: int = setting(
        0, "draw", "Sample of the data (Regenerate counts up)", None, low=0, high=10**6,
        zero="the seed's own", change=RESAMPLE,
    )  # fmt: skip

    @property
    def regression(self):
        return self.dataset in datasets.REGRESSION_NAMES

    def structure(self):
        """What a change of resets training (data, architecture, loss), with the same seed."""
        return tuple(getattr(self, s.name) for s in SETTINGS.values() if s.change == RESET)

    def training_settings(self) -> TrainingSettings:
        """What changes live, between steps, as in TensorFlow Playground."""
        values = {}
        for s in SETTINGS.values():
            if s.change == LIVE:
                value = getattr(self, s.name)
                # A slider's 0 that means "off" or "full batch" is the engine's None.
                values[s.name] = None if s.zero and value == 0 else value
        return TrainingSettings(**values)


# The table: name -> Setting, in the fields' order (the URL's).
SETTINGS: dict[str, Setting] = {
    f.name: replace(f.metadata["setting"], name=f.name, default=f.default)
    for f in fields(PlaygroundConfig)
}
DEFAULT = PlaygroundConfig()
# Views of the table that other modules and the tests read.
QUERY_NAMES = {s.name: s.key for s in SETTINGS.values()}
RANGES = {s.name: (s.low, s.high) for s in SETTINGS.values() if s.numeric}
CHOICES = {s.name: s.options for s in SETTINGS.values() if s.widget == "selectbox"}
STEPS = {s.name: s.grid for s in SETTINGS.values() if s.grid}  # a URL value rounds to these


# -- the URL --------------------------------------------------------------------------------
def to_query(config: PlaygroundConfig) -> dict[str, str]:
    return {s.key: _url_text(getattr(config, s.name)) for s in SETTINGS.values()}


def _url_text(value) -> str:
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value) or "0"  # no hidden layer
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back to the same float
    return str(value)


def from_query(params: Mapping[str, str], base: PlaygroundConfig = DEFAULT):
    """(config, notices): the configuration a URL describes, corrected where it must be."""
    values, notices = {}, []
    for s in SETTINGS.values():
        raw = params.get(s.key)
        if raw is None:
            continue
        raw = str(raw)[:200]
        try:
            values[s.name] = _parse(s, raw, notices)
        except (ValueError, OverflowError) as err:
            # A refusal of _parse is Markdown of its own; any other text may quote the value.
            why = err.args[0] if err.args and isinstance(err.args[0], messages.Markdown) else None
            notices.append(
                messages.text(
                    "URL value {pair} ignored: {why}.",
                    pair=f"{s.key}={raw}",
                    why=why or messages.detail(err),
                )
            )
    config = replace(base, **values)
    if config.regression and QUERY_NAMES["learning_rate"] not in params:
        config = replace(config, learning_rate=REGRESSION_LEARNING_RATE)
    if config.regression and config.loss != "squared_error":
        config = replace(config, loss="squared_error")
        notices.append(
            messages.text("Regression data trains with squared error; loss set to squared_error.")
        )
    return config, notices


def _parse(s: Setting, raw: str, notices: list):
    """``raw`` as a value of ``s``; a ValueError (its message Markdown) to ignore it."""
    if s.widget == "selectbox":
        value = s.aliases.get(raw, raw)
        if value not in s.options:
            raise ValueError(messages.text(f"choose from {', '.join(s.options)}"))
        return value
    if s.widget == "multiselect":
        names = tuple(n for n in raw.replace(" ", "").split(",") if n)
        if not names or not set(names) <= set(s.options):
            raise ValueError(
                messages.text(f"{s.label.lower()} are a non-empty list of {', '.join(s.options)}")
            )
        return tuple(n for n in s.options if n in names)
    if s.widget == "layers":
        return parse_layers(raw, notices)
    pair = f"{s.key}={raw}"
    number = _number(raw)
    if not s.low <= number <= s.high:
        clamped = min(max(number, s.low), s.high)
        notices.append(
            messages.text(
                "URL value {pair} is outside {low:g}..{high:g}; using {clamped:g}.",
                pair=pair,
                low=s.low,
                high=s.high,
                clamped=clamped,
            )
        )
        number = clamped
    value = s.nearest(number)
    if value != number:
        notices.append(
            messages.text(
                "URL value {pair} set to {value:g}, the nearest value the sidebar offers.",
                pair=pair,
                value=value,
            )
        )
    return value


def _number(raw):
    """A finite float, or a ValueError whose message (Markdown) does not quote ``raw``."""
    try:
        number = float(raw)
    except ValueError:
        raise ValueError(messages.text("not a number")) from None
    if not math.isfinite(number):
        raise ValueError(messages.text("not a finite number"))
    return number


def _widths_text(widths):
    return ",".join(str(w) for w in widths)


def parse_layers(raw, notices):
    """Hidden-layer widths from text such as ``"8,4"`` (``""``, ``"0"``, ``"none"``: no
    hidden layer). Raises ValueError (a Markdown message) when no width can be read."""
    if raw.strip() in ("", "0", "none"):
        return ()
    parts = [p for p in raw.replace(" ", "").split(",") if p]
    if not parts:
        # ",,,," is not "no hidden layer" ("0" says that): it names no width at all.
        raise ValueError(messages.text("no layer width in it; write e.g. 8,4, or 0 for none"))
    numbers = [_number(p) for p in parts]
    widths = [int(round(n)) for n in numbers]
    if widths != numbers:
        notices.append(
            messages.text(
                "Layer widths {given} rounded to whole units {widths}.",
                given=",".join(parts),
                widths=_widths_text(widths),
            )
        )
    if len(widths) > MAX_LAYERS:
        notices.append(
            messages.text(f"At most {MAX_LAYERS} hidden layers; keeping the first {MAX_LAYERS}.")
        )
        widths = widths[:MAX_LAYERS]
    low, high = WIDTHS[0], WIDTHS[-1]
    fixed = tuple(snap(min(max(w, low), high), WIDTHS) for w in widths)
    if list(fixed) != widths:
        notices.append(
            messages.text(
                f"Layer widths {{widths}} set to {{fixed}} ({low}..{high} on the slider).",
                widths=_widths_text(widths),
                fixed=_widths_text(fixed),
            )
        )
    return fixed


def snap(value, options):
    """The option nearest ``value`` (on a log scale for positive ladders)."""
    if value in options:
        return value
    key = (
        (lambda o: abs(math.log(o) - math.log(value)))
        if value > 0 and min(options) > 0
        else (lambda o: abs(o - value))
    )
    return min(options, key=key)


# -- validation -----------------------------------------------------------------------------
def problems(config: PlaygroundConfig) -> list[str]:
    """What in ``config`` no control could hold (empty when valid): for configurations
    that enter other than through ``from_query`` or the sidebar (presets)."""
    out = []
    for s in SETTINGS.values():
        value = getattr(config, s.name)
        if s.widget == "selectbox":
            ok = value in s.options or (s.name == "dataset" and value == CUSTOM)
        elif s.widget == "multiselect":
            ok = bool(value) and value == tuple(n for n in s.options if n in value)
        elif s.widget == "layers":
            ok = len(value) <= s.high and all(type(w) is int and w in s.options for w in value)
        else:
            ok = (
                type(value) is type(s.default)
                and math.isfinite(value)
                and s.low <= value <= s.high
                and s.nearest(value) == value
            )
        if not ok:
            out.append(f"{s.name} = {value!r} is not a value of {s.label!r}")
    if config.regression and config.loss != "squared_error":
        out.append("regression data trains with loss = 'squared_error'")
    return out


# -- README's list of URL names -------------------------------------------------------------
README = Path(__file__).resolve().parent.parent / "README.md"
README_BEGIN = "<!-- URL parameters: written by `python -m app.config` from app/config.py -->"
README_END = "<!-- end of URL parameters -->"


def _values_text(s: Setting) -> str:
    if s.widget in ("selectbox", "multiselect"):
        kind = "one of" if s.widget == "selectbox" else "a list of"
        also = "".join(f"; `{a}` for `{b}`" for a, b in s.aliases.items())
        return f"{kind} {', '.join(f'`{o}`' for o in s.options)}{also}"
    if s.widget == "layers":
        return (
            f"up to {s.high} widths, each one of {', '.join(map(str, s.options))}; "
            "`0`: no hidden layer"
        )
    if s.widget == "select_slider":
        text = f"one of {', '.join(f'{o:g}' for o in s.options)}"
    else:
        text = f"{s.low:g} to {s.high:g}" if isinstance(s.low, float) else f"{s.low} to {s.high}"
        text += f", step {s.grid:g}" if s.grid else ""
    return text + (f"; `0`: {s.zero}" if s.zero else "")


def readme_table() -> str:
    """README's table of URL names, from ``SETTINGS``."""
    lines = [
        "| URL name | setting | values | default | a change |",
        "| --- | --- | --- | --- | --- |",
    ]
    for s in SETTINGS.values():
        default = f"{s.default:g}" if isinstance(s.default, float) else _url_text(s.default)
        lines.append(f"| `{s.key}` | {s.label} | {_values_text(s)} | `{default}` | {s.change} |")
    return "\n".join(lines)


def readme_block(text: str) -> str:
    """The part of README between the markers (ValueError if they are missing)."""
    return text[_readme_span(text)].strip()


def _readme_span(text: str) -> slice:
    return slice(text.index(README_BEGIN) + len(README_BEGIN), text.index(README_END))


# Classroom mode: `?hide=noise,lr` (or TensorFlow Playground's style `?lr_hide=1`) hides
# those controls, so a lecturer can hand out a link that shows only what the lesson needs.
HIDEABLE = (*QUERY_NAMES.values(), "preset", "upload", "flip", "edit", "compare", "export")


def is_on(value) -> bool:
    """A URL switch that is on: ``1``, ``true`` or ``yes`` (``?present=1``, ``?lr_hide=1``)."""
    return str(value).lower() in ("1", "true", "yes")


def hidden_controls(params: Mapping[str, str]) -> frozenset[str]:
    names = set()
    raw = params.get("hide")
    if raw:
        names.update(n.strip() for n in str(raw)[:500].split(","))
    for key, value in params.items():
        if key.endswith("_hide") and is_on(value):
            names.add(key[: -len("_hide")])
    return frozenset(n for n in names if n in HIDEABLE)


def with_changes(config: PlaygroundConfig, **changes) -> PlaygroundConfig:
    return replace(config, **changes)


if __name__ == "__main__":
    # Rewrite README's table from SETTINGS.
    text = README.read_text(encoding="utf-8")
    span = _readme_span(text)
    text = text[: span.start] + "\n" + readme_table() + "\n" + text[span.stop :]
    README.write_text(text, encoding="utf-8")
