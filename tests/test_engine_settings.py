"""TrainingSettings: one frozen object, validated once, that the trainer reads (both paths)."""

from __future__ import annotations

import contextlib
import dataclasses
import math

import numpy as np
import pytest
from engine_paths import numpy_path

from engine import Network, Trainer, TrainingSettings, datasets

BAD = [
    ({"learning_rate": 0.0}, "learning_rate"),
    ({"learning_rate": -0.1}, "learning_rate"),
    ({"learning_rate": math.inf}, "learning_rate"),
    ({"learning_rate": math.nan}, "learning_rate"),
    ({"learning_rate": "0.1"}, "learning_rate"),
    ({"momentum": 1.0}, "momentum"),
    ({"momentum": -0.1}, "momentum"),
    ({"momentum": math.nan}, "momentum"),
    ({"clip_norm": 0.0}, "clip_norm"),
    ({"clip_norm": math.inf}, "clip_norm"),
    ({"l2": -1e-3}, "l2"),
    ({"l2": math.nan}, "l2"),
    ({"l1": -1e-3}, "l1"),
    ({"l1": math.inf}, "l1"),
    ({"batch_size": 0}, "batch_size"),
    ({"batch_size": 2.5}, "batch_size"),
    ({"batch_size": True}, "batch_size"),
    ({"solver": "lbfgs"}, "solver"),
    ({"solver": None}, "solver"),
]


@pytest.mark.parametrize(("fields", "name"), BAD)
def test_each_field_is_validated_with_a_message_that_names_it(fields, name):
    with pytest.raises(ValueError, match=f"^{name} must be") as caught:
        TrainingSettings(**fields)
    assert repr(next(iter(fields.values()))) in str(caught.value)  # the value given, as given


def test_numpy_scalars_are_accepted_and_stored_as_python_numbers():
    s = TrainingSettings(
        learning_rate=np.float32(0.5), momentum=np.float64(0.9), batch_size=np.int64(8)
    )
    assert (s.learning_rate, s.momentum, s.batch_size) == (0.5, 0.9, 8)
    assert type(s.learning_rate) is float and type(s.batch_size) is int


def test_settings_are_frozen_and_replace_validates():
    s = TrainingSettings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.learning_rate = 1.0
    assert s.replace(l1=0.01) == TrainingSettings(l1=0.01)
    with pytest.raises(ValueError, match="l1"):
        s.replace(l1=-1.0)


@pytest.fixture
def moons():
    return datasets.make("moons", n_samples=60, noise=0.1, random_state=0)


def trainer(moons, **kw):
    X, y = moons
    return Trainer(Network((2, 5, 1), "tanh", random_state=0), X, y, history_capacity=0, **kw)


@pytest.mark.parametrize("path", ["compiled", "numpy"])
def test_the_old_keywords_are_the_settings_object(moons, path):
    fields = dict(learning_rate=0.2, momentum=0.5, clip_norm=0.3, l2=0.01, l1=0.002, batch_size=7)
    old, new = trainer(moons, **fields), trainer(moons, settings=TrainingSettings(**fields))
    assert old.settings == new.settings
    with numpy_path() if path == "numpy" else contextlib.nullcontext():
        old.step(9)
        new.step(9)
    np.testing.assert_array_equal(old.net.theta, new.net.theta)
    # Keywords next to settings change those fields of it.
    both = trainer(moons, settings=TrainingSettings(**fields), momentum=0.0)
    assert both.settings == TrainingSettings(**{**fields, "momentum": 0.0})
    with pytest.raises(TypeError, match="learning_rat"):
        trainer(moons, learning_rat=0.1)
    with pytest.raises(ValueError, match="momentum"):
        trainer(moons, momentum=1.5)


@pytest.mark.parametrize("path", ["compiled", "numpy"])
def test_change_settings_acts_from_the_next_step(moons, path):
    """A learning rate three times larger: without momentum the step -eta g is three times
    longer (the same gradient), in whichever path the steps run."""
    a, b = trainer(moons), trainer(moons)
    with numpy_path() if path == "numpy" else contextlib.nullcontext():
        a.step(3)
        b.step(3)
        before = a.net.theta.copy()
        b.change_settings(b.settings.replace(learning_rate=0.3))
        a.step(1)
        b.step(1)
    assert b.settings.learning_rate == 0.3
    np.testing.assert_allclose(b.net.theta - before, 3 * (a.net.theta - before), rtol=1e-12)


def test_a_change_of_solver_starts_a_fresh_state(moons):
    tr = trainer(moons, momentum=0.9)
    tr.step(5)
    assert tr.optimizer.velocity.any()
    tr.change_settings(tr.settings.replace(solver="adam", learning_rate=0.01))
    assert tr.optimizer.t == 0 and not tr.optimizer.velocity.any()
    tr.step(2)
    assert tr.optimizer.t == 2
    same = tr.optimizer
    tr.change_settings(tr.settings.replace(learning_rate=0.02))  # same solver: state kept
    assert tr.optimizer is same and tr.optimizer.t == 2
    with pytest.raises(TypeError, match="TrainingSettings"):
        tr.change_settings({"learning_rate": 0.1})
