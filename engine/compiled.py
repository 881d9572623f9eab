"""The trainer's hot loop compiled with numba: many SGD steps of a small network in one call.

The NumPy path (``objective_and_gradients``, ``Network.backward``, ``SGD.step``) is the
lecture's reference and the path for wide networks, where BLAS does the work. For the
networks of the Playground (a few units, a few hundred points) a NumPy step is ~20 calls
whose overhead is nearly all of its time (~18 us for 2-8-1 on 200 points); here the same
maths runs as compiled loops (~3 us), and one call runs as many steps as the trainer asks.

The maths is the NumPy path's, step for step (sums may be added in another order):

    forward    z^l = (W^l)^T a^{l-1} + b^l,   a^l = f(z^l),   a^L = z^L
    loss       R = (1/n) sum_i l(t_i, z^L_i) + l2 sum ||W^l||^2 + l1 sum |W^l|
    backward   delta^L = (1/n) dl/dz^L,   delta^{l-1} = f'(z^{l-1}) * W^l delta^l,
               dR/dW^l = sum_i a^{l-1} (delta^l)^T (+ 2 l2 W^l + l1 sign W^l),
               dR/db^l = sum_i delta^l
    update     g <- g min(1, c / ||g||);   v <- mu v - eta g;   theta <- theta + v
               (or Adam's update, engine.optim.Adam)

and the divergence guard runs before each update: a step whose objective or gradient norm
is not finite (or whose update would overflow), or whose objective grew past the trainer's
limit, is not taken; the trainer then puts back the good copy of theta the kernel kept.
``theta`` is the network's flat vector, its layers the blocks ``[W^l; b^l]`` of
shape (units in l-1 + 1, units in l), row-major (``Network.augmented_views``).
"""

from __future__ import annotations

import math
import os
import tempfile
import threading
import time

import numba
import numpy as np

from engine import optim
from engine.activations import LEAKY_SLOPE
from engine.optim import Adam

# The kernel picks f, f' and the loss by number (numba compiles the branches once).
RELU, SIGMOID, TANH, IDENTITY, LEAKY_RELU, QUADRATIC = range(6)
ACTIVATION_CODES = {
    "relu": RELU,
    "sigmoid": SIGMOID,
    "logistic": SIGMOID,
    "tanh": TANH,
    "identity": IDENTITY,
    "leaky_relu": LEAKY_RELU,
    "quadratic": QUADRATIC,
}
HINGE, SQUARED_ERROR, LOG_LOSS = range(3)
LOSS_CODES = {"hinge": HINGE, "squared_error": SQUARED_ERROR, "log_loss": LOG_LOSS}
SGD, ADAM = range(2)
SOLVER_CODES = {"sgd": SGD, "adam": ADAM}
# Adam's constants, as engine.optim.Adam's (beta1 comes in as ``momentum``).
ADAM_BETA2 = Adam.beta2
ADAM_EPS = Adam.eps
# What a call of the kernel ends with.
OK, NOT_FINITE, GREW = range(3)
GOOD_FACTOR = optim.GOOD_FACTOR

# Where the compiled code is cached across processes (None: compiled in each process).
CACHE_DIR: str | None = None
# nogil: the app serves its sessions on threads, and one session's steps need not hold up
# the others. error_model "numpy": x / 0 is inf or NaN, as in NumPy, for the guard to see,
# not an exception (and divisions need no test for zero).
OPTIONS = dict(nogil=True, error_model="numpy")


def _jit(func=None, **extra):
    """``numba.njit(cache=True)``, where a cache can be written (``extra``: more of numba's
    options, e.g. fastmath).

    numba caches next to this file, else in ~/.cache/numba, and refuses ``cache=True`` when
    neither is writable (a container that runs as a user without a home). Then the cache
    goes to the temporary directory, and failing that there is none: the kernel is compiled
    in each process, which costs seconds but never stops the import.
    """
    if func is None:
        return lambda f: _jit(f, **extra)
    global CACHE_DIR
    try:
        dispatcher = numba.njit(cache=True, **OPTIONS, **extra)(func)
        CACHE_DIR = dispatcher.stats.cache_path
        return dispatcher
    except (RuntimeError, OSError):
        pass
    # numba reads CACHE_DIR when the function is decorated; it is put back at once so that
    # nothing else in the process caches there.
    saved = numba.config.CACHE_DIR
    try:
        numba.config.CACHE_DIR = os.path.join(tempfile.gettempdir(), "engine-numba-cache")
        dispatcher = numba.njit(cache=True, **OPTIONS, **extra)(func)
        CACHE_DIR = dispatcher.stats.cache_path
        return dispatcher
    except (RuntimeError, OSError):
        CACHE_DIR = None
        return numba.njit(**OPTIONS, **extra)(func)
    finally:
        numba.config.CACHE_DIR = saved


# -- one objective and gradient ---------------------------------------------------------------

# Loops over the points are innermost, so that they run over rows of points in memory and
# compile to vector instructions. Sums over the points (dR/dW) are vectorised only if their
# terms may be added in another order: ``reassoc`` allows that and nothing else (NaN and
# inf keep their meaning, which the divergence guard relies on).
FASTMATH = {"reassoc", "contract"}


@numba.njit(fastmath=FASTMATH, error_model="numpy")
def _activate(activation, z, a, n):
    """a = f(z) over the first n points; written so that a NaN z gives NaN, as NumPy's
    maximum does (the guard must see it)."""
    if activation == RELU:
        for p in range(n):
            a[p] = 0.0 if z[p] <= 0.0 else z[p]
    elif activation == SIGMOID:
        for p in range(n):
            a[p] = 0.5 * (math.tanh(0.5 * z[p]) + 1.0)  # tanh form: no overflow
    elif activation == TANH:
        for p in range(n):
            a[p] = math.tanh(z[p])
    elif activation == LEAKY_RELU:
        for p in range(n):
            a[p] = LEAKY_SLOPE * z[p] if z[p] <= 0.0 else z[p]
    elif activation == QUADRATIC:
        for p in range(n):
            a[p] = z[p] * z[p]
    else:
        for p in range(n):
            a[p] = z[p]


@numba.njit(fastmath=FASTMATH, error_model="numpy")
def _times_derivative(activation, z, a, delta, n):
    """delta *= f'(z) over the first n points, given a = f(z), as activations.py does.

    A NaN here never matters: a NaN z^l makes the output, hence the objective, NaN and
    the guard does not take the step."""
    if activation == RELU:
        for p in range(n):
            delta[p] *= 1.0 if a[p] > 0.0 else 0.0
    elif activation == SIGMOID:
        for p in range(n):
            delta[p] *= a[p] * (1.0 - a[p])
    elif activation == TANH:
        for p in range(n):
            delta[p] *= 1.0 - a[p] * a[p]
    elif activation == LEAKY_RELU:
        for p in range(n):
            delta[p] *= 1.0 if z[p] > 0.0 else LEAKY_SLOPE
    elif activation == QUADRATIC:
        for p in range(n):
            delta[p] *= 2.0 * z[p]


@numba.njit(error_model="numpy")
def _log1p_exp(z):
    """log(1 + e^z), as NumPy's logaddexp(0, z) computes it (no overflow)."""
    if z > 0.0:
        return z + math.log1p(math.exp(-z))
    if z <= 0.0:
        return math.log1p(math.exp(z))
    return z  # NaN


@numba.njit(fastmath=FASTMATH, error_model="numpy")
def _loss_and_delta(loss, T, start, Z, D, k, n):
    """Sum over the n points T[start:start + n] of l(t, z^L), and delta^L = (1/n) dl/dz^L
    into D; Z and D are (k, n): points as columns."""
    scale = 1.0 / n
    value = 0.0
    if loss == HINGE:  # l = max(0, 1 - t z), dl/dz = -t 1[1 - t z > 0]
        for m in range(k):
            for p in range(n):
                t = T[start + p, m]
                margin = 1.0 - t * Z[m, p]
                value += 0.0 if margin <= 0.0 else margin  # max(NaN, 0) is NaN, as in NumPy
                D[m, p] = -t * scale if margin > 0.0 else 0.0
    elif loss == SQUARED_ERROR:  # l = (z - t)^2 / 2, dl/dz = z - t
        for m in range(k):
            for p in range(n):
                r = Z[m, p] - T[start + p, m]
                value += 0.5 * r * r
                D[m, p] = r * scale
    elif k == 1:  # log loss under a sigmoid: l = log(1 + e^z) - t z, dl/dz = sigmoid(z) - t
        for p in range(n):
            z, t = Z[0, p], T[start + p, 0]
            value += _log1p_exp(z) - t * z
            D[0, p] = (0.5 * (1.0 + math.tanh(0.5 * z)) - t) * scale
    else:  # under a softmax: l = log sum e^z - t.z, dl/dz = softmax(z) - t
        for p in range(n):
            top = Z[0, p]
            for m in range(1, k):
                top = max(top, Z[m, p])
            total = 0.0
            for m in range(k):
                D[m, p] = math.exp(Z[m, p] - top)
                total += D[m, p]
            value += top + math.log(total)
            for m in range(k):
                t = T[start + p, m]
                value -= t * Z[m, p]
                D[m, p] = (D[m, p] / total - t) * scale
    return value * scale


@numba.njit(fastmath=FASTMATH, error_model="numpy")
def _add_weighted_rows(out, rows, first, count, theta, w, stride, n):
    """out[:n] += sum_k theta[w + k stride] rows[first + k, :n] for k < count.

    The products W^T a (forward) and W delta (backward) are sums of rows weighted by one
    column or one row of W. Four rows go in one pass, so that ``out`` is read and written
    once for four of them (the pass, not the multiply-add, is what costs here).
    """
    k = 0
    while k + 4 <= count:
        w0, w1 = theta[w + k * stride], theta[w + (k + 1) * stride]
        w2, w3 = theta[w + (k + 2) * stride], theta[w + (k + 3) * stride]
        r0, r1 = rows[first + k], rows[first + k + 1]
        r2, r3 = rows[first + k + 2], rows[first + k + 3]
        for p in range(n):
            out[p] += w0 * r0[p] + w1 * r1[p] + w2 * r2[p] + w3 * r3[p]
        k += 4
    while k < count:
        weight, row = theta[w + k * stride], rows[first + k]
        for p in range(n):
            out[p] += weight * row[p]
        k += 1


@numba.njit(fastmath=FASTMATH, error_model="numpy")
def _row_dots(a, rows, first, count, grad, g, n):
    """grad[g + k] = a[:n] . rows[first + k, :n] for k < count: one row of dR/dW^l,
    a^{l-1}_i (delta^l)^T summed over the points, four entries a pass."""
    k = 0
    while k + 4 <= count:
        r0, r1 = rows[first + k], rows[first + k + 1]
        r2, r3 = rows[first + k + 2], rows[first + k + 3]
        s0 = s1 = s2 = s3 = 0.0
        for p in range(n):
            s0 += a[p] * r0[p]
            s1 += a[p] * r1[p]
            s2 += a[p] * r2[p]
            s3 += a[p] * r3[p]
        grad[g + k], grad[g + k + 1], grad[g + k + 2], grad[g + k + 3] = s0, s1, s2, s3
        k += 4
    while k < count:
        row = rows[first + k]
        s = 0.0
        for p in range(n):
            s += a[p] * row[p]
        grad[g + k] = s
        k += 1


@numba.njit(fastmath=FASTMATH, error_model="numpy")
def _objective_and_gradient(
    theta, X, T, start, n, sizes, blocks, rows, activation, loss, l2, l1, grad, zs, acts, deltas
):
    """R(theta) on the n points X[start:start + n], with dR/dtheta written into ``grad``.

    As on the slides, points are columns: ``zs``, ``acts`` (a^0 = x) and ``deltas`` hold
    layer l's units in rows ``rows[l]:rows[l + 1]``; ``blocks[l - 1]`` is where [W^l; b^l]
    starts in theta (row-major, shape (units in l-1 + 1, units in l)).
    """
    L = len(sizes) - 1
    for i in range(sizes[0]):
        for p in range(n):
            acts[i, p] = X[start + p, i]
    # forward: z^l = (W^l)^T a^{l-1} + b^l,  a^l = f(z^l)
    for l in range(1, L + 1):
        n_in, n_out, w = sizes[l - 1], sizes[l], blocks[l - 1]
        for j in range(n_out):
            z = zs[rows[l] + j]
            bias = theta[w + n_in * n_out + j]
            for p in range(n):
                z[p] = bias
            _add_weighted_rows(z, acts, rows[l - 1], n_in, theta, w + j, n_out, n)
            if l < L:
                _activate(activation, z, acts[rows[l] + j], n)
    # delta^L = (1/n) dl/dz^L
    value = _loss_and_delta(loss, T, start, zs[rows[L] :], deltas[rows[L] :], sizes[L], n)
    # backward: dR/dW^l = sum_points a^{l-1} (delta^l)^T,  dR/db^l = sum_points delta^l,
    #           delta^{l-1} = f'(z^{l-1}) * W^l delta^l
    for l in range(L, 0, -1):
        n_in, n_out, w = sizes[l - 1], sizes[l], blocks[l - 1]
        for i in range(n_in):
            _row_dots(acts[rows[l - 1] + i], deltas, rows[l], n_out, grad, w + i * n_out, n)
        bias = w + n_in * n_out
        for j in range(n_out):
            total = 0.0
            for p in range(n):
                total += deltas[rows[l] + j, p]
            grad[bias + j] = total
        if l > 1:
            for i in range(n_in):
                u = rows[l - 1] + i
                back = deltas[u]
                for p in range(n):
                    back[p] = 0.0
                _add_weighted_rows(back, deltas, rows[l], n_out, theta, w + i * n_out, 1, n)
                _times_derivative(activation, zs[u], acts[u], back, n)
    # The penalties on the weights (not the biases): l2 ||W||^2 and l1 |W|.
    if l2 != 0.0 or l1 != 0.0:
        for l in range(1, L + 1):
            w = blocks[l - 1]
            for i in range(w, w + sizes[l - 1] * sizes[l]):
                weight = theta[i]
                if l2 != 0.0:
                    value += l2 * weight * weight
                    grad[i] += 2.0 * l2 * weight
                if l1 != 0.0:
                    value += l1 * abs(weight)
                    grad[i] += l1 * np.sign(weight)
    return value


@_jit
def _train_steps(
    theta,
    velocity,
    second,
    X,
    T,
    cursor,
    batch_size,
    cycle,
    n_steps,
    layer_sizes,
    activation,
    loss,
    l2,
    l1,
    solver,
    learning_rate,
    momentum,
    clip_norm,
    adam_t,
    values,
    norms,
    guard,
    good_theta,
):
    """Up to ``n_steps`` steps of SGD (``solver`` SGD) or Adam (ADAM: ``momentum`` is beta1,
    ``second`` the running mean of g*g, ``adam_t`` the updates made before this call), on
    the minibatches of ``batch_size`` rows of (X, T) that follow each other from row
    ``cursor`` on (the last one of a pass may be shorter).

    ``X`` holds the points as rows (a column of ones after them is ignored), ``T`` the
    encoded targets. When the rows run out the kernel stops (the trainer shuffles the next
    pass), or with ``cycle`` starts again at row 0 (full batch: ``batch_size = len(X)``).
    ``clip_norm`` is inf for no clipping. Step s writes its objective and gradient norm
    (before clipping) into ``values[s]`` and ``norms[s]``.

    The growth guard: ``guard`` is [best objective, limit, index of the good copy]. A
    step whose objective is at most GOOD_FACTOR x the best so far copies theta (before its
    update) into ``good_theta`` and writes its index s into guard[2]; a step whose
    objective exceeds the limit is not taken (status GREW).

    Returns ``(steps taken, status)``: OK, NOT_FINITE or GREW. When not OK the step ``steps
    taken`` was not taken: theta, velocity and second are as the last good step left them,
    and values/norms at that index say what went wrong (norm inf: the update overflowed).
    """
    L = len(layer_sizes) - 1
    blocks = np.zeros(L, np.int64)
    rows = np.zeros(L + 2, np.int64)
    for l in range(1, L + 2):
        rows[l] = rows[l - 1] + layer_sizes[l - 1]
    for l in range(1, L):
        blocks[l] = blocks[l - 1] + (layer_sizes[l - 1] + 1) * layer_sizes[l]
    n = X.shape[0]
    width = min(batch_size, n)
    # zs and deltas have rows for the inputs too (unused), so that one index serves all three.
    zs = np.zeros((rows[L + 1], width))
    acts, deltas = np.zeros_like(zs), np.zeros_like(zs)
    grad, update = np.empty_like(theta), np.empty_like(theta)
    for s in range(n_steps):
        if cursor >= n:
            if not cycle:
                return s, OK
            cursor = 0
        size = min(batch_size, n - cursor)
        value = _objective_and_gradient(
            theta, X, T, cursor, size, layer_sizes, blocks, rows, activation, loss, l2, l1,
            grad, zs, acts, deltas,
        )  # fmt: skip
        total = 0.0
        for i in range(len(grad)):
            total += grad[i] * grad[i]
        norm = math.sqrt(total)
        values[s], norms[s] = value, norm
        if not (math.isfinite(value) and math.isfinite(norm)):
            return s, NOT_FINITE
        if value > guard[1]:
            return s, GREW
        if value < guard[0]:
            guard[0] = value
        if value <= GOOD_FACTOR * guard[0]:
            for i in range(len(theta)):
                good_theta[i] = theta[i]
            guard[2] = s
        if norm > clip_norm:
            shrink = clip_norm / norm
            for i in range(len(grad)):
                grad[i] *= shrink
        # The step, kept aside until it is known finite:
        #   SGD   v = mu v - eta g (v = -eta g without momentum)
        #   Adam  -eta m_hat / (sqrt(s_hat) + eps), m and s updated only once it is finite
        total = 0.0
        if solver == ADAM:
            t = adam_t + s + 1
            scale_m = -learning_rate / (1.0 - momentum**t)
            scale_s = 1.0 / (1.0 - ADAM_BETA2**t)
            for i in range(len(grad)):
                m = velocity[i] * momentum + (1.0 - momentum) * grad[i]
                v = second[i] * ADAM_BETA2 + (1.0 - ADAM_BETA2) * (grad[i] * grad[i])
                update[i] = (m * scale_m) / (math.sqrt(v * scale_s) + ADAM_EPS)
                total += update[i] * update[i]
        else:
            for i in range(len(grad)):
                if momentum != 0.0:
                    update[i] = velocity[i] * momentum - learning_rate * grad[i]
                else:
                    update[i] = grad[i] * -learning_rate
                total += update[i] * update[i]
        if not math.isfinite(total):
            norms[s] = math.inf
            return s, NOT_FINITE
        if solver == ADAM:
            for i in range(len(theta)):
                velocity[i] = velocity[i] * momentum + (1.0 - momentum) * grad[i]
                second[i] = second[i] * ADAM_BETA2 + (1.0 - ADAM_BETA2) * (grad[i] * grad[i])
                theta[i] += update[i]
        else:
            for i in range(len(theta)):
                velocity[i] = update[i]
                theta[i] += update[i]
        cursor += batch_size
    return n_steps, OK


# -- a forward pass through one hidden layer, for grids -------------------------------------


@_jit(fastmath=FASTMATH)
def _one_hidden_layer(X, W1, b1, activation, W2, b2, out):
    """out = f(X W1 + b1) W2 + b2, one point at a time: the point's z and a (a row of the
    hidden layer) stay in registers and L1 between the product that writes them, f, and the
    output's product that reads them. For a 100 x 100 grid through 2-500-1 in float32 this
    is ~1.1 ms, against ~4 ms for the same maths as three NumPy calls per chunk (which
    write and read the chunk's z and a in memory)."""
    n, d = X.shape
    m = W1.shape[1]
    k = W2.shape[1]
    z = np.empty(m, dtype=X.dtype)
    a = np.empty(m, dtype=X.dtype)
    for p in range(n):
        for j in range(m):
            z[j] = b1[j]
        for c in range(d):
            x = X[p, c]
            for j in range(m):
                z[j] += x * W1[c, j]
        _activate(activation, z, a, m)
        for o in range(k):
            total = b2[o]
            for j in range(m):
                total += a[j] * W2[j, o]
            out[p, o] = total
    return out


def one_hidden_layer(X, W1, b1, activation, W2, b2):
    """``F(X)`` of a network with one hidden layer of activation ``activation`` (a code of
    ``ACTIVATION_CODES``), in X's dtype (the arrays must share it)."""
    out = np.empty((X.shape[0], W2.shape[1]), dtype=X.dtype)
    try:
        return _one_hidden_layer(X, W1, b1, activation, W2, b2, out)
    except OSError:  # compiled, but the cache could not be written (as train_steps)
        return _one_hidden_layer(X, W1, b1, activation, W2, b2, out)


def train_steps(*args):
    """The kernel ``_train_steps`` (see there), compiled or loaded on the first call."""
    try:
        return _train_steps(*args)
    except OSError:
        # numba compiled the kernel but could not write it to its cache (a full disk, a
        # directory gone read-only): the compiled code is in memory all the same.
        return _train_steps(*args)


def warm_up():
    """Compile the kernel, or load it from the cache; return the seconds it took.

    One compiled kernel serves every network, activation, loss and setting (they are
    arguments, and the trainer passes arrays of one kind), so one call is enough."""
    start = time.perf_counter()
    X = np.ones((4, 3))
    T = np.ones((4, 1))
    theta = np.zeros(13)
    log = np.empty(2)
    guard = np.array([math.inf, math.inf, -1.0])
    train_steps(
        theta, np.zeros(13), np.zeros(13), X, T, 0, 2, True, 1, np.array([2, 3, 1], np.int64),
        RELU, HINGE, 0.0, 0.0, SGD, 0.1, 0.0, math.inf, 0, log, log.copy(), guard, theta.copy(),
    )  # fmt: skip
    # The grids' forward pass (float32, as views.decision_surface asks).
    f32 = np.ones((2, 2), np.float32)
    one_hidden_layer(f32, f32, f32[0], RELU, f32, f32[0])
    return time.perf_counter() - start


_warming: threading.Thread | None = None
_warming_lock = threading.Lock()


def warm_up_in_background() -> threading.Thread:
    """Run ``warm_up`` once per process, on a daemon thread: a server calls this when it
    starts, so that the first Play does not wait seconds for a compile."""
    global _warming
    with _warming_lock:
        if _warming is None:
            _warming = threading.Thread(target=warm_up, name="engine-warm-up", daemon=True)
            _warming.start()
    return _warming
