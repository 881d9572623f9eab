"""The Playground's session state: one object, created only when missing.

It holds the configuration, the data, the trainer and what the views need between frames
(the hidden space's fixed axes, the frame counter). Nothing here is shared between browser
sessions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from app.config import CUSTOM, PlaygroundConfig
from engine import Network, Trainer, datasets, losses
from engine.features import FeatureMap


@dataclass
class Data:
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int  # 0 for regression
    class_names: tuple[str, ...] = ()


@dataclass
class Uploaded:
    """A CSV the user uploaded: kept so that the seed and split can change over it."""

    name: str
    X: np.ndarray
    y: np.ndarray
    class_names: tuple[str, ...]


@dataclass
class PlaygroundState:
    config: PlaygroundConfig
    data: Data
    trainer: Trainer
    uploaded: Uploaded | None = None
    playing: bool = False
    frame: int = 0
    full_run: bool = False  # set by the page's full run, read by the live fragment
    points_version: int = 0
    hidden_layer: int = 1
    hidden_units: tuple[int, int] = (0, 1)
    hidden_axes: tuple | None = None
    scrub: int | None = None  # a history index being looked at, None = the present
    notices: list[str] = field(default_factory=list)
    hidden_controls: frozenset[str] = frozenset()  # classroom mode: controls not shown
    session_id: str = ""  # marks this browser tab (a cookie, never the URL): app.session_mark
    # Display choices, kept here and not only in their widgets' keys: Streamlit forgets
    # those when another page is shown.
    show_test: bool = True
    discretize: bool = False
    present: bool = False  # presentation mode: large text, the live views on the first screen
    compensate: bool = False  # flips also negate the unit's outgoing weights
    hold_first_frame: bool = False  # the next live frame shows the network before any step
    compare: object | None = None  # the last side-by-side comparison (app.compare.Result)

    @property
    def features(self) -> FeatureMap:
        return FeatureMap(self.config.features)


def make_data(config: PlaygroundConfig, uploaded: Uploaded | None = None) -> Data:
    """The data a configuration names; ``config.draw`` > 0 is a fresh sample ("regenerate")."""
    draw = config.draw
    if config.dataset == CUSTOM and uploaded is not None:
        X, y, names = uploaded.X, uploaded.y, uploaded.class_names
    else:
        seed = config.seed if draw == 0 else [config.seed, draw]
        seed = seed if draw == 0 else int(np.random.default_rng(seed).integers(2**31))
        X, y = datasets.make(config.dataset, config.n_samples, config.noise, seed)
        names = ()
    k = 0 if config.regression else int(len(np.unique(y)))
    if config.regression:
        X_tr, X_te, y_tr, y_te = _split_regression(X, y, config.test_fraction, config.seed)
    else:
        X_tr, X_te, y_tr, y_te = datasets.split(X, y, config.test_fraction, config.seed)
    names = names or tuple(f"class {i}" for i in range(k))
    return Data(X_tr, y_tr, X_te, y_te, k, names)


def _split_regression(X, y, test_fraction, seed):
    order = np.random.default_rng(seed).permutation(len(X))
    n_test = int(round(test_fraction * len(X)))
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def make_trainer(config: PlaygroundConfig, data: Data) -> Trainer:
    """A fresh network on the data's features: the same seed gives the same weights."""
    phi = FeatureMap(config.features)
    n_out = 1 if data.n_classes == 0 else losses.n_outputs(data.n_classes)
    net = Network(
        (len(phi.names), *config.hidden, n_out), config.activation, config.init, config.seed
    )
    trainer = Trainer(
        net,
        phi(data.X_train),
        data.y_train,
        phi(data.X_test),
        data.y_test,
        n_classes=data.n_classes,
        loss=config.loss,
        random_state=config.seed,
        settings=config.training_settings(),
    )
    # A snapshot (with its evaluation on all the data) at most once a frame, not every step.
    trainer.history.interval = max(1, config.steps_per_frame)
    return trainer


def new_state(config: PlaygroundConfig, uploaded: Uploaded | None = None) -> PlaygroundState:
    data = make_data(config, uploaded)
    return PlaygroundState(config, data, make_trainer(config, data), uploaded)


def rebuild(state: PlaygroundState, config: PlaygroundConfig) -> None:
    """Apply a new configuration: reset on a change of data or architecture, otherwise
    change the optimizer's settings live."""
    if config.structure() != state.config.structure():
        if config.draw == state.config.draw:
            # New data or a new network start from the seed's own sample, as a link without
            # `draw` would (a link that names a draw keeps it).
            config = replace(config, draw=0)
        data = make_data(config, state.uploaded)
        state.trainer = make_trainer(config, data)
        state.data = data
        state.points_version += 1
        state.hidden_axes = None
        state.scrub = None
        if state.hidden_layer > len(config.hidden):
            state.hidden_layer = 1
        state.hidden_units = (0, 1)
    else:
        if config.training_settings() != state.config.training_settings():
            state.trainer.change_settings(config.training_settings())
            state.trainer.clear_stop()
        if config.draw != state.config.draw:
            _draw_data(state, config)
    state.config = config


def regenerate(state: PlaygroundState) -> None:
    """New points from the same distribution; the network keeps its weights (as in
    TensorFlow Playground's "regenerate")."""
    if state.config.dataset == CUSTOM:
        return
    config = replace(state.config, draw=state.config.draw + 1)
    _draw_data(state, config)
    state.config = config


def _draw_data(state: PlaygroundState, config: PlaygroundConfig) -> None:
    """Train on ``config``'s sample of the data from now on, with the same weights."""
    use_data(state, make_data(config, state.uploaded), FeatureMap(config.features))


def use_data(state: PlaygroundState, data: Data, phi: FeatureMap | None = None) -> None:
    """Train and evaluate on ``data`` from the next step on, with the same weights (a new
    sample, drawn points); ``phi`` the input features (the configuration's by default)."""
    phi = state.features if phi is None else phi
    state.trainer.replace_data(phi(data.X_train), data.y_train)
    state.trainer.replace_test_data(phi(data.X_test), data.y_test)
    state.data = data
    state.points_version += 1
    state.scrub = None
    # The status line and the curves read the last snapshot: evaluate it on the new points.
    state.trainer.record()


def stop_reached(state: PlaygroundState) -> str | None:
    """The stopping rule's message once the epoch budget or the target test loss is reached."""
    cfg, tr = state.config, state.trainer
    if cfg.stop_epochs and tr.epoch >= cfg.stop_epochs:
        return f"Stopped: the epoch budget of {cfg.stop_epochs:,} is reached."
    if cfg.stop_loss and tr.history.entries:
        test_loss = tr.history.entries[-1].test_loss
        if math.isfinite(test_loss) and test_loss < cfg.stop_loss:
            return (
                f"Stopped: the test loss {test_loss:.4f} is below the target "
                f"{cfg.stop_loss:g}, at epoch {tr.epoch:,.0f}."
            )
    return None


def reset(state: PlaygroundState) -> None:
    """Start again from the same seed: the same data and the same initial weights."""
    state.trainer = make_trainer(state.config, state.data)
    state.playing = False
    state.hidden_axes = None
    state.scrub = None


def status_line(trainer: Trainer, regression: bool, at: int | None = None) -> str:
    """Where the run stands: now, or at history entry ``at`` (the timeline being scrubbed)."""
    entries = trainer.history.entries
    if at is not None:
        snap = entries[at]
        epoch, step = snap.epoch, snap.step
    else:
        snap = entries[-1] if entries else None
        epoch, step = trainer.epoch, trainer.step_count
        if snap is not None and snap.step != step:
            snap = None
    m = (
        trainer.metrics()
        if snap is None
        else {
            "train_loss": snap.train_loss,
            "test_loss": snap.test_loss,
            "train_accuracy": snap.train_accuracy,
            "test_accuracy": snap.test_accuracy,
        }
    )
    parts = [f"epoch {epoch:,.0f}", f"step {step:,}", f"train loss {number(m['train_loss'])}"]
    if not math.isnan(m["test_loss"]):
        parts.append(f"test loss {number(m['test_loss'])}")
    if not regression:
        acc = m["test_accuracy"] if not math.isnan(m["test_accuracy"]) else m["train_accuracy"]
        which = "test accuracy" if not math.isnan(m["test_accuracy"]) else "train accuracy"
        parts.append(f"{which} {acc * 100:.1f} %")
    return " · ".join(parts)


def number(x: float, digits: int = 4) -> str:
    """A number as people read it on a slide: a few significant digits, never 300 of them."""
    if not math.isfinite(x):
        return "—"
    return f"{x:.{digits}g}"
