"""The Playground's configuration: one frozen value, and its round trip through the URL.

Widgets produce a ``PlaygroundConfig``; the trainer is built from one. ``from_query`` reads
``st.query_params`` (plain strings, possibly hand-edited or hostile) and never raises: a bad
value is replaced by the nearest valid one, or the default, with a notice that says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace

from app import messages
from engine import datasets
from engine.activations import ACTIVATION_NAMES
from engine.features import FEATURE_NAMES, RAW
from engine.losses import LOSS_NAMES
from engine.network import INITS

# Widths a slider offers: every small width, then a log-like ladder so 2, 10, 100 and 500
# are each one drag away.
WIDTHS = (
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    10,
    12,
    16,
    20,
    25,
    32,
    40,
    50,
    64,
    80,
    100,
    128,
    150,
    200,
    250,
    300,
    400,
    500,
)
LEARNING_RATES = (1e-5, 3e-5, 1e-4, 3e-4, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
BATCH_SIZES = (0, 1, 2, 5, 10, 20, 32, 50, 100, 200)  # 0: the whole training set
PENALTIES = (0.0, 1e-5, 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0)
# The sliders' steps: a URL value between steps is rounded to one.
STEPS = {"noise": 0.01, "n_samples": 10, "test_fraction": 0.05, "momentum": 0.01, "clip_norm": 0.1}
MAX_LAYERS = 6  # as TensorFlow Playground
CUSTOM = "csv"  # the dataset name of an uploaded CSV
DATASET_NAMES = (*datasets.NAMES, *datasets.REGRESSION_NAMES)
# TF Playground's regression sets spread their inputs over [-6, 6]^2 (variance 12, where the
# initial weights assume 1): full-batch descent on the squared error is stable only below
# ~0.02-0.07 there, so the page's 0.1 blew up on the first Play. 0.03 is TF Playground's own
# default, and trains on every seed tried.
REGRESSION_LEARNING_RATE = 0.03


@dataclass(frozen=True)
class PlaygroundConfig:
    dataset: str = "moons"
    noise: float = 0.15
    n_samples: int = 200
    test_fraction: float = 0.3
    seed: int = 0
    hidden: tuple[int, ...] = (8,)
    activation: str = "relu"
    loss: str = "hinge"
    learning_rate: float = 0.1
    momentum: float = 0.0
    clip_norm: float = 0.0  # 0: no clipping
    l2: float = 0.0
    batch_size: int = 0  # 0: full batch
    steps_per_frame: int = 40
    features: tuple[str, ...] = RAW  # the network's inputs: x1, x2, x1^2, ... sin(x2)
    l1: float = 0.0
    init: str = "auto"  # "tfp": TensorFlow Playground's U(-0.5, 0.5) weights, biases 0.1
    stop_epochs: int = 0  # stop playing after this many epochs; 0: never
    stop_loss: float = 0.0  # stop playing once the test loss is below this; 0: never
    # Which sample of the data set: 0 is the seed's own, k > 0 the k-th "regenerate". In
    # the URL, so a shared link shows the lecturer's points; changing it keeps the weights.
    draw: int = 0

    @property
    def regression(self):
        return self.dataset in datasets.REGRESSION_NAMES

    def structure(self):
        """What a change of resets training (data, architecture, loss), with the same seed."""
        return (
            self.dataset,
            self.noise,
            self.n_samples,
            self.test_fraction,
            self.seed,
            self.hidden,
            self.activation,
            self.loss,
            self.features,
            self.init,
        )

    def optimizer_settings(self):
        """What changes live, between steps, as in TensorFlow Playground."""
        return {
            "learning_rate": self.learning_rate,
            "momentum": self.momentum,
            "clip_norm": self.clip_norm or None,
            "l2": self.l2,
            "l1": self.l1,
            "batch_size": self.batch_size or None,
        }


DEFAULT = PlaygroundConfig()

# URL names, short so that a link stays readable on a slide.
QUERY_NAMES = {
    "dataset": "data",
    "noise": "noise",
    "n_samples": "n",
    "test_fraction": "test",
    "seed": "seed",
    "hidden": "layers",
    "activation": "act",
    "loss": "loss",
    "learning_rate": "lr",
    "momentum": "mom",
    "clip_norm": "clip",
    "l2": "l2",
    "batch_size": "batch",
    "steps_per_frame": "spf",
    "features": "feat",
    "l1": "l1",
    "init": "init",
    "stop_epochs": "stop",
    "stop_loss": "target",
    "draw": "draw",
}

# (low, high) for numbers; a value outside is clamped.
RANGES = {
    "noise": (0.0, 0.5),
    "n_samples": (20, 2000),
    "test_fraction": (0.0, 0.9),
    "seed": (0, 2**31 - 1),
    "learning_rate": (1e-5, 10.0),
    "momentum": (0.0, 0.99),
    "clip_norm": (0.0, 10.0),
    "l2": (0.0, 1.0),
    "l1": (0.0, 1.0),
    "stop_epochs": (0, 10**7),
    "stop_loss": (0.0, 10.0),
    "batch_size": (0, 2000),
    "steps_per_frame": (1, 500),
    "draw": (0, 10**6),
}
CHOICES = {"activation": ACTIVATION_NAMES, "loss": LOSS_NAMES, "init": INITS}


def to_query(config: PlaygroundConfig) -> dict[str, str]:
    out = {}
    for f in fields(config):
        value = getattr(config, f.name)
        if f.name == "hidden":
            text = ",".join(str(w) for w in value) or "0"
        elif f.name == "features":
            text = ",".join(value)
        elif isinstance(value, float):
            text = repr(value)  # the shortest text that reads back to the same float
        else:
            text = str(value)
        out[QUERY_NAMES[f.name]] = text
    return out


def from_query(params: Mapping[str, str], base: PlaygroundConfig = DEFAULT):
    """(config, notices): the configuration a URL describes, corrected where it must be."""
    values, notices = asdict(base), []
    values["hidden"] = base.hidden
    values["features"] = base.features
    for f in fields(base):
        raw = params.get(QUERY_NAMES[f.name])
        if raw is None:
            continue
        raw = str(raw)[:200]
        try:
            values[f.name] = _parse(f.name, raw, notices)
        except (ValueError, OverflowError) as err:
            # A refusal of _parse is Markdown of its own; any other text may quote the value.
            why = err.args[0] if err.args and isinstance(err.args[0], messages.Markdown) else None
            notices.append(
                messages.text(
                    "URL value {pair} ignored: {why}.",
                    pair=f"{QUERY_NAMES[f.name]}={raw}",
                    why=why or messages.detail(err),
                )
            )
    config = PlaygroundConfig(**values)
    if config.regression and QUERY_NAMES["learning_rate"] not in params:
        config = replace(config, learning_rate=REGRESSION_LEARNING_RATE)
    if config.regression and config.loss != "squared_error":
        config = replace(config, loss="squared_error")
        notices.append(
            messages.text("Regression data trains with squared error; loss set to squared_error.")
        )
    return config, notices


def _parse(name, raw, notices):
    if name == "dataset":
        if raw not in DATASET_NAMES:
            raise ValueError(
                messages.text(f"not a dataset (choose from {', '.join(DATASET_NAMES)})")
            )
        return raw
    if name in CHOICES:
        value = "sigmoid" if raw == "logistic" else raw
        if value not in CHOICES[name]:
            raise ValueError(messages.text(f"choose from {', '.join(CHOICES[name])}"))
        return value
    if name == "hidden":
        return parse_layers(raw, notices)
    if name == "features":
        names = tuple(n for n in raw.replace(" ", "").split(",") if n)
        unknown = [n for n in names if n not in FEATURE_NAMES]
        if unknown or not names:
            raise ValueError(
                messages.text(f"input features are a non-empty list of {', '.join(FEATURE_NAMES)}")
            )
        return tuple(n for n in FEATURE_NAMES if n in names)
    number = _number(raw)
    low, high = RANGES[name]
    if not low <= number <= high:
        clamped = min(max(number, low), high)
        notices.append(
            messages.text(
                "URL value {pair} is outside {low:g}..{high:g}; using {clamped:g}.",
                pair=f"{QUERY_NAMES[name]}={raw}",
                low=low,
                high=high,
                clamped=clamped,
            )
        )
        number = clamped
    given = number
    if name in STEPS:
        number = round(round(number / STEPS[name]) * STEPS[name], 6)
        number = min(max(number, low), high)
    if isinstance(getattr(DEFAULT, name), int):
        number = int(round(number))
        if name == "batch_size" and number:
            number = snap(number, BATCH_SIZES[1:])
    if number != given:
        notices.append(
            messages.text(
                "URL value {pair} set to {number:g}, the nearest value the slider offers.",
                pair=f"{QUERY_NAMES[name]}={raw}",
                number=number,
            )
        )
    if isinstance(getattr(DEFAULT, name), int):
        return number
    if name in ("l1", "l2"):
        snapped = snap(number, PENALTIES)
        if snapped != number:
            notices.append(
                messages.text(
                    f"{name.upper()} penalty {{number:g}} set to {{snapped:g}}, the nearest "
                    "step of the slider.",
                    number=number,
                    snapped=snapped,
                )
            )
        return snapped
    if name == "learning_rate":
        snapped = snap(number, LEARNING_RATES)
        if snapped != number:
            notices.append(
                messages.text(
                    "Learning rate {number:g} set to {snapped:g}, the nearest step of the slider.",
                    number=number,
                    snapped=snapped,
                )
            )
        return snapped
    return number


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
    fixed = tuple(snap(min(max(w, 1), 500), WIDTHS) for w in widths)
    if list(fixed) != widths:
        notices.append(
            messages.text(
                "Layer widths {widths} set to {fixed} (1..500 on the slider).",
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
