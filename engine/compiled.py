"""The trainer's hot loop compiled with numba: many SGD steps of a small network in one call.

The NumPy path (``objective_and_gradients``, ``Network.backward``, ``SGD.step``) is the
lecture's reference and the path for wide networks, where BLAS does the work. For the
networks of the Playground (a few units, a few hundred points) a NumPy step is ~20 calls
whose overhead is nearly all of its time; here the same maths runs as compiled loops, and
one call runs as many steps as the trainer asks (figures: benchmarks/engine_speed.py).

The maths is the NumPy path's, built from the same definitions: each activation, loss,
penalty and update rule is written once, per number, in the tables of ``engine.activations``,
``.losses``, ``.objective`` and ``.optim``; here each row is compiled into a loop, and the
if-chain that picks a row by its number is generated from the table. Step for step (sums may
be added in another order):

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

import hashlib
import math
import os
import tempfile
import threading
import time
from pathlib import Path

import numba
import numpy as np

from engine import activations, losses, objective, optim

# The tables the maths is written in, once (engine.activations, .losses, .objective and
# .optim): the kernel picks a row by its number, in the table's order.
ACTIVATION_TABLE = list(dict.fromkeys(activations.ACTIVATIONS.values()))  # aliases once
ACTIVATION_CODES = {
    name: ACTIVATION_TABLE.index(act) for name, act in activations.ACTIVATIONS.items()
}
LOSS_CODES = {name: code for code, name in enumerate(losses.LOSSES)}
SOLVER_CODES = {name: code for code, name in enumerate(optim.SOLVERS)}
# What a call of the kernel ends with: the guard's verdicts (OK: every step was taken).
OK, NOT_FINITE, GREW, TAKE_AND_KEEP = optim.TAKE, optim.NOT_FINITE, optim.GREW, optim.TAKE_AND_KEEP


def penalty_strengths(settings):
    """The kernel's ``strengths``: each penalty's setting, in the order of objective.PENALTIES."""
    return np.array([getattr(settings, name) for name in objective.PENALTIES], dtype=np.float64)


# Where the compiled code is cached across processes (None: compiled in each process).
CACHE_DIR: str | None = None
# nogil: the app serves its sessions on threads, and one session's steps need not hold up
# the others. error_model "numpy": x / 0 is inf or NaN, as in NumPy, for the guard to see,
# not an exception (and divisions need no test for zero).
OPTIONS = dict(nogil=True, error_model="numpy")


def _maths_fingerprint():
    """A hash of the files the formulas are written in."""
    digest = hashlib.sha1()
    for module in (activations, losses, objective, optim):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:12]


def _jit(func=None, **extra):
    """``numba.njit(cache=True)``, where a cache can be written (``extra``: more of numba's
    options, e.g. fastmath).

    numba caches next to this file, else in ~/.cache/numba, and refuses ``cache=True`` when
    neither is writable (a container that runs as a user without a home). Then the cache
    goes to the temporary directory, and failing that there is none: the kernel is compiled
    in each process, which costs seconds but never stops the import.

    numba checks that a cached function's own file is unchanged, not the functions it calls:
    the cache's file name carries a hash of the tables' files, so that a new or changed
    formula compiles afresh.
    """
    if func is None:
        return lambda f: _jit(f, **extra)
    func.__qualname__ += "_" + _maths_fingerprint()  # numba names the cache file by it
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


MATH = dict(fastmath=FASTMATH, error_model="numpy")
INLINE = dict(MATH, inline="always")


def _compile(formula):
    """A formula of the tables, compiled for one number at a time."""
    return numba.njit(**INLINE)(formula)


def _generate(branches, params, body):
    """A compiled function of (params) whose ``body`` calls ``branch_0``.. ``branch_k``
    (the loops made from the rows of a table, inlined into it)."""
    source = f"def generated({params}):\n" + "".join(f"    {line}\n" for line in body)
    namespace = {f"branch_{number}": branch for number, branch in enumerate(branches)}
    exec(source, namespace)  # noqa: S102 (the text above, and nothing else)
    return numba.njit(**MATH)(namespace["generated"])


def _dispatch(branches, params):
    """``choose(code, params) = branches[code](params)``: the if-chain on the code that one
    would write by hand, generated from the table (each branch holds its own loop, so the
    choice is made once per loop)."""
    body = []
    for number in range(len(branches)):
        body += [f"if code == {number}:", f"    return branch_{number}({params})"]
    body.append(f"return branch_0({params})")  # never: the codes come from the table
    return _generate(branches, "code, " + params, body)


def _total(branches, params):
    """``total(params) = sum of branches[i](params)``."""
    calls = " + ".join(f"branch_{number}({params})" for number in range(len(branches)))
    return _generate(branches, params, [f"return {calls}"])


def _activation_loops(act):
    """a = f(z) and delta *= f'(z) over the first n points, from one row of ACTIVATIONS."""
    f, df = _compile(act.formula), _compile(act.derivative)

    @numba.njit(**INLINE)
    def activate(z, a, n):
        for p in range(n):
            a[p] = f(z[p])

    # A NaN here never matters: a NaN z^l makes the output, hence the objective, NaN and
    # the guard does not take the step.
    @numba.njit(**INLINE)
    def times_derivative(z, a, delta, n):
        for p in range(n):
            delta[p] *= df(z[p], a[p])

    return activate, times_derivative


def _loss_loop(loss):
    """Sum over the n points T[start:start + n] of l(t, z^L), and delta^L = (1/n) dl/dz^L
    into D, from one row of LOSSES; Z and D are (k, n): points as columns; S holds each
    point's log-partition (log loss)."""
    value_of, slope_of = _compile(loss.loss), _compile(loss.loss_d)
    step = _compile(losses.log_partition_step)
    partition = loss.log_partition

    @numba.njit(**INLINE)
    def loss_and_delta(T, start, Z, D, S, k, n):
        scale = 1.0 / n
        value = 0.0
        if partition:
            for p in range(n):
                s = 0.0 if k == 1 else -math.inf
                for m in range(k):
                    s = step(s, Z[m, p])
                S[p] = s
                value += s
        for m in range(k):
            for p in range(n):
                t, z = T[start + p, m], Z[m, p]
                value += value_of(t, z)
                D[m, p] = slope_of(t, z, S[p] if partition else 0.0) * scale
        return value * scale

    return loss_and_delta


def _penalty_loop(penalty, index):
    """Adds strengths[index] times one row of PENALTIES over theta[lo:hi] (the weights of a
    layer) to the objective and to grad."""
    value_of, slope_of = _compile(penalty.penalty), _compile(penalty.penalty_d)

    @numba.njit(**INLINE)
    def add_penalty(strengths, theta, grad, lo, hi):
        strength = strengths[index]
        value = 0.0
        if strength != 0.0:
            for i in range(lo, hi):
                value += strength * value_of(theta[i])
                grad[i] += strength * slope_of(theta[i])
        return value

    return add_penalty


def _update_loop(rule):
    """One rule of optim.SOLVERS over the flat vector: the step, m and s it proposes go to
    ``update``, ``m_new``, ``s_new``; returns step . step (the trainer's overflow test)."""
    rule = _compile(rule)

    @numba.njit(**INLINE)
    def propose(grad, m, s, update, m_new, s_new, eta, mu, t):
        total = 0.0
        for i in range(len(grad)):
            update[i], m_new[i], s_new[i] = rule(grad[i], m[i], s[i], eta, mu, t)
            total += update[i] * update[i]
        return total

    return propose


_loops = [_activation_loops(act) for act in ACTIVATION_TABLE]
_activate = _dispatch([loop[0] for loop in _loops], "z, a, n")
_times_derivative = _dispatch([loop[1] for loop in _loops], "z, a, delta, n")
_loss_and_delta = _dispatch(
    [_loss_loop(loss) for loss in losses.LOSSES.values()], "T, start, Z, D, S, k, n"
)
_add_penalties = _total(
    [_penalty_loop(p, index) for index, p in enumerate(objective.PENALTIES.values())],
    "strengths, theta, grad, lo, hi",
)
_propose_update = _dispatch(
    [_update_loop(cls.rule) for cls in optim.SOLVERS.values()],
    "grad, m, s, update, m_new, s_new, eta, mu, t",
)
_clip_scale = _compile(optim.clip_scale)
_guard_verdict = _compile(optim.guard_verdict)


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
    theta,
    X,
    T,
    start,
    n,
    sizes,
    blocks,
    rows,
    activation,
    loss,
    strengths,
    grad,
    zs,
    acts,
    deltas,
    S,
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
    value = _loss_and_delta(loss, T, start, zs[rows[L] :], deltas[rows[L] :], S, sizes[L], n)
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
    for l in range(1, L + 1):
        w = blocks[l - 1]
        value += _add_penalties(strengths, theta, grad, w, w + sizes[l - 1] * sizes[l])
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
    strengths,
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
    """Up to ``n_steps`` steps of the update rule ``solver`` (a code of SOLVER_CODES; its state
    is ``velocity`` (m) and ``second`` (s, zeros for a rule that keeps none), ``adam_t`` the
    updates made before this call; ``strengths`` the penalties' settings), on
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
    m_new, s_new = np.empty_like(theta), np.empty_like(theta)
    S = np.zeros(width)
    for s in range(n_steps):
        if cursor >= n:
            if not cycle:
                return s, OK
            cursor = 0
        size = min(batch_size, n - cursor)
        value = _objective_and_gradient(
            theta, X, T, cursor, size, layer_sizes, blocks, rows, activation, loss, strengths,
            grad, zs, acts, deltas, S,
        )  # fmt: skip
        total = 0.0
        for i in range(len(grad)):
            total += grad[i] * grad[i]
        norm = math.sqrt(total)
        values[s], norms[s] = value, norm
        verdict = NOT_FINITE if not math.isfinite(norm) else _guard_verdict(value, guard)
        if verdict == NOT_FINITE or verdict == GREW:
            return s, verdict
        if verdict == TAKE_AND_KEEP:
            for i in range(len(theta)):
                good_theta[i] = theta[i]
            guard[2] = s
        shrink = _clip_scale(norm, clip_norm)
        if shrink != 1.0:
            for i in range(len(grad)):
                grad[i] *= shrink
        # The step is kept aside, and the rule's state is changed only once it is finite.
        t = adam_t + s + 1.0  # a float: beta^t is then one pow, made once per step
        total = _propose_update(
            solver, grad, velocity, second, update, m_new, s_new, learning_rate, momentum, t
        )
        if not math.isfinite(total):
            norms[s] = math.inf
            return s, NOT_FINITE
        for i in range(len(theta)):
            velocity[i] = m_new[i]
            second[i] = s_new[i]
            theta[i] += update[i]
        cursor += batch_size
    return n_steps, OK


# -- a forward pass through one hidden layer, for grids -------------------------------------


@_jit(fastmath=FASTMATH)
def _one_hidden_layer(X, W1, b1, activation, W2, b2, out):
    """out = f(X W1 + b1) W2 + b2, one point at a time: the point's z and a (a row of the
    hidden layer) stay in registers and L1 between the product that writes them, f, and the
    output's product that reads them, where three NumPy calls per chunk write and read the
    chunk's z and a in memory (benchmarks/engine_speed.py's grid figures)."""
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
        0, 0, np.zeros(len(objective.PENALTIES)), 0, 0.1, 0.0, math.inf, 0, log, log.copy(),
        guard, theta.copy(),
    )  # fmt: skip
    # The grids' forward pass (float32, as views.decision_surface asks).
    f32 = np.ones((2, 2), np.float32)
    one_hidden_layer(f32, f32, f32[0], 0, f32, f32[0])
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
