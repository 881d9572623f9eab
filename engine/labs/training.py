"""What the four labs share: training a network end to end, or only its output unit on
fixed features (with an exact verdict on separability), and scoring it."""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine import losses
from engine.network import Network
from engine.settings import TrainingSettings
from engine.trainer import Trainer

# How the labs train unless told otherwise: full-batch gradient descent with momentum.
LAB_SETTINGS = TrainingSettings(learning_rate=0.1, momentum=0.9)


@dataclass(frozen=True)
class LinearFit:
    """An output unit ``z = v . h + c`` fitted on fixed features ``h``."""

    weights: np.ndarray  # v, shape (m,)
    bias: float  # c
    accuracy: float  # training accuracy of sign(z)
    separable: bool  # an exact verdict: does some line separate the classes?
    source: str = "gradient descent"  # or "linear programme" (see fit_output_unit)

    def decision(self, H):
        return np.asarray(H, dtype=np.float64) @ self.weights + self.bias


def separating_line(H, y) -> tuple[np.ndarray, float] | None:
    """Some ``(v, c)`` with ``s_i (v . h_i + c) >= 1`` for every point (s = +-1), or None.

    That is a feasibility linear programme; it has a solution exactly when the two classes
    are strictly linearly separable (scale any separating line until its margin is 1).
    Solved with SciPy's HiGHS, which scikit-learn already depends on.
    """
    from scipy.optimize import linprog

    H = np.asarray(H, dtype=np.float64)
    s = np.where(np.asarray(y) == 1, 1.0, -1.0)
    n, m = H.shape
    if len(np.unique(s)) < 2:
        return np.zeros(m), (float(s[0]) if n else 1.0)
    # Scale the features so the programme is well conditioned; separability is unchanged.
    scale = np.abs(H).max(axis=0)
    scale[scale == 0] = 1.0
    A = -s[:, None] * np.hstack([H / scale, np.ones((n, 1))])
    result = linprog(
        np.zeros(m + 1),
        A_ub=A,
        b_ub=-np.ones(n),
        bounds=[(None, None)] * (m + 1),
        method="highs",
    )
    if result.status != 0:
        return None
    return result.x[:m] / scale, float(result.x[m])


def linearly_separable(H, y) -> bool:
    """Whether a line (hyperplane) strictly separates the two classes of features ``H``."""
    return separating_line(H, y) is not None


def fit_output_unit(
    H,
    y,
    *,
    steps=1500,
    settings: TrainingSettings = LAB_SETTINGS,
    loss="hinge",
    random_state=0,
    exact=True,
) -> LinearFit:
    """Train only an output unit on fixed features ``H`` (n, m); labels ``y`` in {0, 1}.

    The unit is our own network with no hidden layer (``layer_sizes = (m, 1)``), trained by
    full-batch gradient descent with momentum on the hinge loss, from zero weights. The
    features are standardised first (an affine change of variables, so the class of lines
    is the same) and the weights are mapped back, so ``z = v . h + c`` on the raw features.

    Whether the features are separable is decided exactly by `separating_line`. When they
    are but gradient descent has not yet separated them within ``steps`` (a thin margin),
    the programme's line is used instead (``source = "linear programme"``), so the accuracy
    reported is 100 % exactly when the pattern works. With ``exact=False`` no programme is
    solved: the unit is what gradient descent found (``separable`` then means it separates).
    """
    H = np.asarray(H, dtype=np.float64)
    y = np.asarray(y)
    mu = H.mean(axis=0)
    sd = H.std(axis=0)
    sd[sd < 1e-12] = 1.0
    Hs = (H - mu) / sd
    out = Network((H.shape[1], 1), "identity", random_state=random_state)
    out.theta[:] = 0.0
    trainer = Trainer(
        out,
        Hs,
        y,
        n_classes=2,
        loss=loss,
        settings=settings,
        history_capacity=0,
        random_state=random_state,
    )
    trainer.step(steps, record=False)
    v = out.coefs[0][:, 0] / sd
    c = float(out.intercepts[0][0] - v @ mu)

    def score(v, c):
        return float(np.mean(((H @ v + c) > 0).astype(int) == y))

    accuracy = score(v, c)
    if accuracy == 1.0 or not exact:
        return LinearFit(v, c, accuracy, accuracy == 1.0)
    line = separating_line(H, y)
    if line is None:
        return LinearFit(v, c, accuracy, False)
    return LinearFit(line[0], line[1], score(*line), True, "linear programme")


def with_output(net: Network, fit: LinearFit) -> Network:
    """A copy of ``net`` whose output unit is ``fit`` (one hidden layer, one output)."""
    new = copy.deepcopy(net)
    new.coefs[-1][:, 0] = fit.weights
    new.intercepts[-1][0] = fit.bias
    return new


def accuracy(net: Network, X, y) -> float:
    """Share of points whose predicted class (sign, or the largest output) is ``y``."""
    if len(X) == 0:
        return math.nan
    return float(np.mean(losses.predict_index(net.forward(X)) == np.asarray(y)))


def train_network(
    X,
    y,
    hidden: Sequence[int],
    activation="relu",
    *,
    loss="hinge",
    epochs=800,
    settings: TrainingSettings = LAB_SETTINGS,
    random_state=0,
    restarts=1,
    X_test=None,
    y_test=None,
    history_capacity=0,
) -> Trainer:
    """Train a classifier end to end (full batch); return its `Trainer`.

    With ``restarts > 1`` up to that many seeds (``random_state``, ``+1``, ...) are tried and
    the first to reach 100 % training accuracy, or else the most accurate, is kept: a net of
    two ReLU units sometimes starts with a unit on the wrong side of all the data.
    """
    y = np.asarray(y)
    k = int(y.max()) + 1 if len(y) else 2
    best, best_acc = None, -1.0
    for r in range(max(1, int(restarts))):
        seed = int(random_state) + r
        net = Network((X.shape[1], *hidden, losses.n_outputs(max(k, 2))), activation, "auto", seed)
        trainer = Trainer(
            net,
            X,
            y,
            X_test,
            y_test,
            n_classes=max(k, 2),
            loss=loss,
            settings=settings,
            random_state=seed,
            history_capacity=history_capacity,
        )
        trainer.step(int(epochs), record=history_capacity > 0)
        if history_capacity:
            trainer.record()
        acc = accuracy(net, X, y)
        if acc > best_acc:
            best, best_acc = trainer, acc
        if acc == 1.0:
            break
    return best
