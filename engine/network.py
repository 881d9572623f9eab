"""A feed-forward network in the lecture's notation, and backpropagation over whole batches.

Layers are numbered as on the slides: ``a^0 = x`` is the input, for ``l = 1..L``

    z^l = (W^l)^T a^{l-1} + b^l,      a^l = f(z^l)    (a^L = z^L: the output is linear)

and the rows of a batch are the points, so in code ``Z^l = A^{l-1} @ W^l + b^l``.
``W^l`` has shape (units in l-1, units in l), as scikit-learn's ``coefs_``.

All parameters live in one flat vector ``theta``; ``coefs`` and ``intercepts`` are views into
it. An optimizer then updates every parameter with a handful of vector operations (the step is
bound by Python call overhead, not arithmetic), and a snapshot of the network is one copy.
"""

from __future__ import annotations

import numpy as np

from engine import activations

INITS = ("auto", "he", "glorot", "tfp")
# The bytes of one chunk's widest z in ``Network.forward`` (about a core's L2 cache).
CHUNK_BYTES = 1 << 20


FUSED_FROM = 256  # points from which a one-hidden-layer forward pass in float32 is compiled


def _compiled():
    """engine.compiled when the trainer uses it (numba present, ENGINE_JIT not 0), else None.
    Imported here, not at the top: the trainer imports this module."""
    from engine import trainer

    return trainer.compiled


class Network:
    """Weights, forward passes and the backward recursion of one network."""

    def __init__(self, layer_sizes, activation="relu", init="auto", random_state=None):
        self.layer_sizes = tuple(int(s) for s in layer_sizes)
        if len(self.layer_sizes) < 2 or min(self.layer_sizes) < 1:
            raise ValueError(f"layer sizes must be positive integers, got {layer_sizes}")
        self.activation = activation
        self.act = activations.get(activation)
        if init not in INITS:
            raise ValueError(f"init must be one of {INITS}, got {init!r}")
        self.init = init
        self.theta = np.zeros(self._count_params(), dtype=np.float64)
        self._bind()
        self.initialize(random_state)

    # -- layout -------------------------------------------------------------------------
    def _count_params(self):
        s = self.layer_sizes
        return sum((s[i] + 1) * s[i + 1] for i in range(len(s) - 1))

    def augmented_views(self, flat):
        """Per-layer views ``[W^l; b^l]`` of shape (units in l-1 + 1, units in l).

        With a column of ones appended to a^{l-1}, ``z^l = [a^{l-1}, 1] @ [W^l; b^l]``: one
        matrix product gives the weighted input with its bias, and in the backward pass one
        product ``[a^{l-1}, 1]^T delta^l`` gives both dl/dW^l and dl/db^l.
        """
        blocks, start = [], 0
        for n_in, n_out in zip(self.layer_sizes[:-1], self.layer_sizes[1:]):
            size = (n_in + 1) * n_out
            blocks.append(flat[start : start + size].reshape(n_in + 1, n_out))
            start += size
        return blocks

    def views(self, flat):
        """Split a flat vector laid out like ``theta`` into per-layer (W^l, b^l) views."""
        blocks = self.augmented_views(flat)
        return [B[:-1] for B in blocks], [B[-1] for B in blocks]

    def weight_mask(self):
        """1 on weights, 0 on biases: the L2 penalty leaves biases alone."""
        mask = np.zeros_like(self.theta)
        for w in self.views(mask)[0]:
            w[...] = 1.0
        return mask

    @property
    def n_layers(self):
        """L: the number of weight layers (hidden layers + the output layer)."""
        return len(self.layer_sizes) - 1

    def initialize(self, random_state=None):
        """He for ReLU-like units, Glorot otherwise; 'tfp' is TensorFlow Playground's."""
        rng = np.random.default_rng(random_state)
        scheme = self.act.init if self.init == "auto" else self.init
        for W, b in zip(self.coefs, self.intercepts):
            n_in, n_out = W.shape
            if scheme == "tfp":
                W[...] = rng.uniform(-0.5, 0.5, W.shape)
                b[...] = 0.1
            elif scheme == "he":
                W[...] = rng.normal(0.0, np.sqrt(2.0 / n_in), W.shape)
                # Small random offsets spread the units' lines z_i = 0 over the plane
                # instead of all passing through the origin.
                b[...] = rng.uniform(-0.5, 0.5, n_out) * np.sqrt(1.0 / n_in)
            else:
                bound = np.sqrt(6.0 / (n_in + n_out))
                W[...] = rng.uniform(-bound, bound, W.shape)
                b[...] = rng.uniform(-bound, bound, n_out)

    def __getstate__(self):
        # The views are rebuilt on unpickling so that they still share theta's memory.
        state = self.__dict__.copy()
        for name in ("coefs", "intercepts", "_blocks", "_blocks_T", "_buffers", "_grad_blocks"):
            state.pop(name, None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._bind()
        if self._grad_owner is not None:
            self.bind_gradient(self._grad_owner)

    def _bind(self):
        self._blocks = self.augmented_views(self.theta)
        # (W^l)^T with b^l as its last column: z^l = [W^l; b^l]^T [a^{l-1}; 1].
        self._blocks_T = [B.T for B in self._blocks]
        self.coefs, self.intercepts = self.views(self.theta)
        self._buffers = {}

    # -- forward ------------------------------------------------------------------------
    @staticmethod
    def augment(X):
        """[X, 1]: the points with a column of ones (its transpose feeds forward_cached)."""
        X = np.asarray(X, dtype=np.float64)
        out = np.ones((len(X), X.shape[1] + 1))
        out[:, :-1] = X
        return out

    def forward(self, X, dtype=np.float64, chunk=None):
        """F(X; theta) = z^L, keeping nothing: for grids and prediction.

        The points go through in chunks of ``chunk`` rows (by default sized so that the
        widest layer's z for a chunk, ~CHUNK_BYTES, stays in the core's cache between the
        product that writes it and f that reads it: a 100 x 100 grid through 2-500-1 in
        float32 takes ~40 % less time in chunks of 512 than in one piece)."""
        X = np.asarray(X, dtype=dtype)
        params = list(zip(self.coefs, self.intercepts))
        if dtype != np.float64:
            params = [(W.astype(dtype), b.astype(dtype)) for W, b in params]
            compiled = _compiled()
            if compiled is not None and self.n_layers == 2 and len(X) >= FUSED_FROM:
                # One hidden layer, many points (a grid): the compiled pass that keeps each
                # point's hidden row in cache (engine.compiled.one_hidden_layer).
                (W1, b1), (W2, b2) = params
                code = compiled.ACTIVATION_CODES[self.activation]
                return compiled.one_hidden_layer(np.ascontiguousarray(X), W1, b1, code, W2, b2)
        if chunk is None:
            widest = max(self.layer_sizes[1:])
            rows = CHUNK_BYTES // (np.dtype(dtype).itemsize * widest)
            chunk = int(min(4096, max(256, rows)))
        if len(X) <= chunk:
            return self._forward(X, params)
        # In chunks, so that a wide layer's z for a whole grid never sits in memory at once.
        return np.concatenate(
            [self._forward(X[i : i + chunk], params) for i in range(0, len(X), chunk)]
        )

    def _forward(self, a, params):
        f = self.act.f
        for W, b in params[:-1]:
            z = np.dot(a, W)
            z += b
            a = f(z, out=z)
        W, b = params[-1]
        z = np.dot(a, W)
        z += b
        return z

    def forward_cached(self, A0, reuse=False):
        """Feed-forward keeping every z^l and a^l, with points as columns as on the slides.

        ``A0`` is the input ``[x; 1]`` as a (p + 1, n) array (``augment(X).T``). Returns
        lists indexed by layer: ``zs[l]`` of shape (units, n) (zs[0] is None) and
        ``acts[l]`` of shape (units + 1, n), a^l with a last row of ones (``acts[l][:-1]``
        is a^l; acts[0] is the input; acts[L] = zs[L] is the output). With ``reuse`` the
        activation buffers are those of the previous call with the same batch size (the
        trainer's hot path): keep nothing across calls then.
        """
        n = A0.shape[1]
        zs, acts, a_rows = self._workspace(n) if reuse else self._new_workspace(n)
        acts[0] = A0
        f = self.act.f
        last = self.n_layers
        for l, Bt in enumerate(self._blocks_T, start=1):
            np.dot(Bt, acts[l - 1], out=zs[l])  # z^l = (W^l)^T a^{l-1} + b^l
            if l < last:
                f(zs[l], out=a_rows[l])  # a^l = f(z^l), above the row of ones
        return zs, acts

    def _new_workspace(self, n):
        """Arrays for one forward pass over n points: ``zs``, ``acts`` (a^l with its row of
        ones; acts[L] is zs[L]) and ``a_rows`` (the views acts[l][:-1] that f writes into)."""
        sizes = self.layer_sizes
        zs = [None] + [np.empty((m, n)) for m in sizes[1:]]
        acts = [None] + [np.ones((m + 1, n)) for m in sizes[1:-1]] + [zs[-1]]
        a_rows = [None] + [a[:-1] for a in acts[1:-1]]
        return zs, acts, a_rows

    def _workspace(self, n):
        """The workspace of the last passes over n points (a few batch sizes are kept)."""
        ws = self._buffers.get(n)
        if ws is None:
            if len(self._buffers) > 4:
                self._buffers.clear()
            ws = self._buffers[n] = self._new_workspace(n)
        return ws

    def hidden_preactivations(self, X, layer):
        """z^layer for 1 <= layer <= L (layer L is the output)."""
        self._check_layer(layer, allow_output=True)
        a = np.asarray(X, dtype=np.float64)
        for l in range(1, layer + 1):
            z = a @ self.coefs[l - 1] + self.intercepts[l - 1]
            a = self.act.f(z)
        return z

    def hidden_activations(self, X, layer):
        """a^layer = f(z^layer): the learned features of a hidden layer, shape (n, units)."""
        self._check_layer(layer)
        return self.act.f(self.hidden_preactivations(X, layer))

    # -- backward -----------------------------------------------------------------------
    def backward(self, zs, acts, delta_L, grad_flat):
        """Backpropagation, the lecture's pseudocode over a batch (rows are points).

        Points are columns: ``delta^l`` has shape (units in l, n). Given
        ``delta^L = dl/dz^L`` (already divided by the batch size), for l = L..1:

            dl/dW^l = a^{l-1} (delta^l)^T,  dl/db^l = delta^l   (summed over the points:
                one product [a^{l-1}; 1] (delta^l)^T gives both)
            delta^{l-1} = Diag[f'(z^{l-1})] W^l delta^l

        Writes the gradients into ``grad_flat`` (laid out like ``theta``) and returns the
        list ``deltas`` indexed by layer (deltas[0] unused).
        """
        grads = (
            self._grad_blocks if grad_flat is self._grad_owner else self.augmented_views(grad_flat)
        )
        df = self.act.derivative
        deltas = [None] * (self.n_layers + 1)
        delta = delta_L
        for l in range(self.n_layers, 0, -1):
            deltas[l] = delta
            np.dot(acts[l - 1], delta.T, out=grads[l - 1])  # [a^{l-1}; 1] (delta^l)^T
            if l > 1:
                delta = np.dot(self.coefs[l - 1], delta)  # W^l delta^l
                delta *= df(zs[l - 1], acts[l - 1][:-1])  # Diag[f'(z^{l-1})] W^l delta^l
        return deltas

    def bind_gradient(self, grad_flat):
        """Remember the views of a gradient buffer that is used on every step."""
        self._grad_owner = grad_flat
        self._grad_blocks = self.augmented_views(grad_flat)

    _grad_owner = None

    # -- edits --------------------------------------------------------------------------
    def flip_unit_sign(self, layer, unit, compensate=False):
        """Negate unit ``unit``'s incoming weights and bias in hidden layer ``layer``.

        Its normal vector w_i turns around, z_i becomes -z_i, so a_i = f(-z_i): for a ReLU
        the unit now fires on the other side of its line. With ``compensate`` its outgoing
        weights (row ``unit`` of W^{layer+1}) are negated too, so the next layer receives
        -f(-z_i): the same as before exactly when f is odd (tanh, identity), which is the
        sign symmetry of such networks; a ReLU or a sigmoid is not odd, so the output changes.
        """
        self._check_layer(layer)
        if not 0 <= unit < self.layer_sizes[layer]:
            raise ValueError(
                f"unit must be in 0..{self.layer_sizes[layer] - 1} for layer {layer}, got {unit}"
            )
        self.coefs[layer - 1][:, unit] *= -1.0
        self.intercepts[layer - 1][unit] *= -1.0
        if compensate:
            self.coefs[layer][unit, :] *= -1.0

    def unit_param_mask(self, layer, unit, outgoing=False):
        """Boolean mask over theta of the unit's incoming weights and bias (and with
        ``outgoing`` its outgoing weights, row ``unit`` of W^{layer+1})."""
        mask = np.zeros(self.theta.shape, dtype=bool)
        W, b = self.views(mask)
        W[layer - 1][:, unit] = True
        b[layer - 1][unit] = True
        if outgoing:
            W[layer][unit, :] = True
        return mask

    def _check_layer(self, layer, allow_output=False):
        top = self.n_layers if allow_output else self.n_layers - 1
        if not isinstance(layer, (int, np.integer)) or not 1 <= layer <= top:
            what = "layer" if allow_output else "hidden layer"
            raise ValueError(f"{what} must be in 1..{top}, got {layer!r}")
