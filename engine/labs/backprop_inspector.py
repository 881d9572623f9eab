"""Lab 4, the backprop inspector: what does backpropagation compute for one training point?

`point_backprop` gives one point's ``z^l``, ``a^l`` and ``delta^l`` per layer and the
gradient of every parameter; `gradient_check` compares it with central finite differences,
and times both.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass

import numpy as np

from engine import losses
from engine.network import Network
from engine.objective import objective_and_gradients


@dataclass(frozen=True)
class LayerTrace:
    """One layer's quantities at one point: ``z^l``, ``a^l = f(z^l)`` and ``delta^l``.

    Layer 0 is the input (``a^0 = x``; no z or delta). The output layer is linear, so
    ``a^L = z^L`` and ``delta^L = dl/dz^L``.
    """

    layer: int
    z: np.ndarray | None
    a: np.ndarray
    delta: np.ndarray | None


@dataclass(frozen=True)
class PointBackprop:
    layers: list[LayerTrace]
    target: np.ndarray  # the encoded target t (what the loss compares z^L with)
    objective: float  # R(theta) = l(t, F(x)) + l2 * sum ||W||^2 at this one point
    grad: np.ndarray  # dR/dtheta, laid out like net.theta
    names: list[str]  # each parameter's name, in theta's order


def largest_loss_point(net: Network, loss_name: str, X, T) -> int:
    """The index of the point with the largest loss: a point the network gets wrong, where
    delta^L is not zero and there is something to propagate back."""
    loss = losses.get(loss_name)
    Z = net.forward(np.asarray(X, dtype=np.float64))
    T = np.asarray(T, dtype=np.float64).reshape(len(Z), -1)
    per_point = [loss.value(T[i : i + 1], Z[i : i + 1]) for i in range(len(Z))]
    return int(np.argmax(per_point)) if per_point else 0


def parameter_names(net: Network) -> list[str]:
    """Names in ``theta``'s order: ``W1[i,j]`` (from unit i of layer 0 to unit j of layer
    1, 1-based) then ``b1[j]``, for each layer."""
    names = []
    for l, (n_in, n_out) in enumerate(zip(net.layer_sizes[:-1], net.layer_sizes[1:]), start=1):
        # augmented_views lays each layer out as [W^l; b^l] of shape (n_in + 1, n_out).
        for i in range(n_in + 1):
            for j in range(n_out):
                names.append(f"W{l}[{i + 1},{j + 1}]" if i < n_in else f"b{l}[{j + 1}]")
    return names


def point_backprop(net: Network, loss_name: str, x, t, l2=0.0, l1=0.0) -> PointBackprop:
    """Run the lecture's pseudocode on one point ``(x, t)`` and keep everything.

    ``x`` is the input (p,), ``t`` the encoded target (k,) (a row of ``Trainer.T_train``);
    ``l2`` (and ``l1``) the trainer's penalties, so R is exactly what training minimises.
    One forward pass caches ``z^l`` and ``a^l``; one backward pass gives ``delta^l`` and the
    gradient (``engine.objective.objective_and_gradients``, the trainer's own code).
    """
    loss = losses.get(loss_name)
    X = np.asarray(x, dtype=np.float64).reshape(1, -1)
    T = np.asarray(t, dtype=np.float64).reshape(1, -1)
    zs, acts = net.forward_cached(net.augment(X).T)
    grad = np.zeros_like(net.theta)
    value, _, deltas = _objective_and_gradients(net, loss, X, T, l2, l1, grad, net.weight_mask())
    layers = [LayerTrace(0, None, X[0].copy(), None)]
    for l in range(1, net.n_layers + 1):
        a = acts[l] if l == net.n_layers else acts[l][:-1]
        layers.append(LayerTrace(l, zs[l][:, 0].copy(), a[:, 0].copy(), deltas[l][:, 0].copy()))
    return PointBackprop(layers, T[0].copy(), float(value), grad, parameter_names(net))


def _objective_and_gradients(net, loss, X, T, l2, l1, grad, mask):
    # l1 is passed only when used, so this works with objectives that predate it.
    extra = {"l1": l1} if l1 else {}
    return objective_and_gradients(net, loss, X, T, l2, grad, mask, **extra)


@dataclass(frozen=True)
class GradCheck:
    """Backprop's gradient against central differences, parameter by parameter."""

    indices: np.ndarray  # which entries of theta were checked
    backprop: np.ndarray
    numeric: np.ndarray
    rel_error: np.ndarray
    eps: float
    n_params: int
    extended: bool  # R evaluated in extended precision for the differences
    backward_seconds: float  # one forward + one backward pass, float64 (median of repeats)
    forward_seconds: float  # one plain forward pass of R, float64 (median of repeats)
    numeric_seconds: float  # the 2 * len(indices) passes of the check, measured

    @property
    def forward_passes(self) -> int:
        return 2 * len(self.indices)

    @property
    def all_params_seconds(self) -> float:
        """What 2P float64 forward passes (every parameter) cost at the measured rate."""
        return 2 * self.n_params * self.forward_seconds


def relative_error(a, b, floor=1e-12):
    """``|a - b| / max(|a|, |b|, floor)``: cs231n's relative error; the floor keeps a
    gradient that is zero in both (a dead ReLU's weights) from dividing by zero."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)


def objective_value(net: Network, loss_name, X, T, l2=0.0, dtype=np.float64, l1=0.0) -> float:
    """R(theta) by one plain forward pass (nothing cached): what finite differences call.

    With ``dtype=np.longdouble`` the pass and the loss run in extended precision (80-bit on
    x86), written out here independently of `engine.losses`: the difference
    ``R(theta + eps e_i) - R(theta - eps e_i)`` cancels about ``log10(R / (eps g_i))``
    digits, so in float64 the check of a small gradient drowns in round-off.
    """
    X = np.asarray(X, dtype=dtype)
    T = np.asarray(T, dtype=dtype)
    f = net.act.f
    a = X
    for l, (W, b) in enumerate(zip(net.coefs, net.intercepts), start=1):
        z = a @ W.astype(dtype) + b.astype(dtype)
        a = z if l == net.n_layers else f(z)
    Z, n = a, len(X)
    if loss_name == "hinge":
        value = np.maximum(0, 1 - T * Z).sum() / n
    elif loss_name == "squared_error":
        value = 0.5 * ((Z - T) ** 2).sum() / n
    elif loss_name == "log_loss":
        if Z.shape[1] == 1:
            value = (np.logaddexp(0, Z) - T * Z).sum() / n
        else:
            top = Z.max(axis=1, keepdims=True)
            log_norm = top[:, 0] + np.log(np.exp(Z - top).sum(axis=1))
            value = (log_norm - (T * Z).sum(axis=1)).sum() / n
    else:
        losses.get(loss_name)  # raises for an unknown name
        raise ValueError(f"no reference objective for loss {loss_name!r}")
    if l2:
        value = value + dtype(l2) * sum((W.astype(dtype) ** 2).sum() for W in net.coefs)
    if l1:
        value = value + dtype(l1) * sum(np.abs(W.astype(dtype)).sum() for W in net.coefs)
    return value


def gradient_check(
    net: Network,
    loss_name: str,
    X,
    T,
    l2=0.0,
    *,
    l1=0.0,
    eps=1e-6,
    max_params: int | None = None,
    extended=True,
    random_state=0,
    repeats=5,
) -> GradCheck:
    """Compare dR/dtheta by backprop with ``[R(theta + eps e_i) - R(theta - eps e_i)] / 2 eps``.

    ``R`` is the objective on (X, T) (one point or a batch). Each parameter costs two
    forward passes, so with ``max_params`` a random subset of that many is checked (all of
    them when P is smaller); the cost of all 2P passes is given from the measured time of
    one float64 pass. With ``extended`` (the default) R is evaluated in extended precision,
    so what is left is the method's own ``O(eps^2)`` error. Works on a copy of ``net``.
    """
    loss = losses.get(loss_name)
    net = copy.deepcopy(net)
    X = np.asarray(X, dtype=np.float64).reshape(-1, net.layer_sizes[0])
    T = np.asarray(T, dtype=np.float64).reshape(len(X), -1)
    P = len(net.theta)
    grad = np.zeros(P)
    mask = net.weight_mask()

    def median_time(fn):
        times = []
        for _ in range(max(1, repeats)):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return float(np.median(times))

    backward_seconds = median_time(
        lambda: _objective_and_gradients(net, loss, X, T, l2, l1, grad, mask)
    )
    forward_seconds = median_time(lambda: objective_value(net, loss_name, X, T, l2, l1=l1))

    if max_params is None or max_params >= P:
        idx = np.arange(P)
    else:
        idx = np.sort(np.random.default_rng(random_state).choice(P, int(max_params), False))
    dtype = np.longdouble if extended else np.float64
    numeric = np.empty(len(idx))
    theta = net.theta
    t0 = time.perf_counter()
    for k, i in enumerate(idx):
        old = theta[i]
        theta[i] = old + eps
        up = objective_value(net, loss_name, X, T, l2, dtype, l1)
        theta[i] = old - eps
        down = objective_value(net, loss_name, X, T, l2, dtype, l1)
        theta[i] = old
        # The step actually taken, (old + eps) - (old - eps), is exact in extended precision.
        step = dtype(old + eps) - dtype(old - eps)
        numeric[k] = float((up - down) / step)
    numeric_seconds = time.perf_counter() - t0
    g = grad[idx].copy()
    return GradCheck(
        idx,
        g,
        numeric,
        relative_error(g, numeric),
        float(eps),
        P,
        bool(extended),
        backward_seconds,
        forward_seconds,
        numeric_seconds,
    )
