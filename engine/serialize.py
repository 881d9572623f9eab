"""A trained network as JSON, and back, with every field checked (never pickle).

The file is plain JSON that a person can read::

    {"format": "decision-boundary-studio/network", "version": 1,
     "layer_sizes": [2, 8, 1], "activation": "relu",
     "coefs": [[[w, ...], ...], ...],        # W^l, shape (units in l-1, units in l)
     "intercepts": [[b, ...], ...],          # b^l, shape (units in l,)
     "meta": {...}}                          # free-form, e.g. the Playground's settings

Each array may instead be one string, the base64 of its little-endian float64 values in
row-major order (``compact=True``, what the studio's export writes): exact, and ~11 bytes a
weight instead of ~20, so the Playground's largest network (7 inputs, 6 hidden layers of
500, 10 outputs: 1,261,510 parameters) is a 13.5 MB file, within ``MAX_BYTES``.

``network_from_json`` reads text a stranger may have written, so it bounds the work before
parsing (size, nesting depth) and then checks everything: the format tag, the version, a known
activation, 1..12 layer sizes of 1..500 units each, every weight a finite number, and every
array of exactly the shape the layer sizes imply, and no weight beyond ``MAX_WEIGHT`` (a
weight of 1e308 is finite but overflows every picture drawn from it; the writer refuses it
too, so what the studio saves it can load). Anything else raises `ModelFormatError`
(a ``ValueError``) with a message that says what is wrong and where; nothing else escapes.
Floats are written with ``repr`` (shortest round-trip text), so a network reads back exactly.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re

import numpy as np

from engine import activations
from engine.network import Network

FORMAT = "decision-boundary-studio/network"
VERSION = 1
# The upload limits agree with these: .streamlit/config.toml's server.maxUploadSize (MiB)
# and the JSON uploader's max_upload_size are MAX_BYTES >> 20 (tests/test_input_limits.py).
MAX_BYTES = 16 * 2**20
MAX_DEPTH = 6  # {"coefs": [[[w]]]} nests 4 deep; meta may add a little
MAX_SIZES = 12  # input, up to 10 hidden layers, output
MAX_UNITS = 500
MAX_PARAMS = 1_300_000  # the Playground's largest network has 1,261,510
# The largest weight or bias accepted from a file or typed in: far beyond what any run that
# did not blow up reaches, far below what overflows the views (a 6-layer net of 500 units
# squares it six times over).
MAX_WEIGHT = 1e6
MAX_META_BYTES = 64 * 1024
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


class ModelFormatError(ValueError):
    """A network file that cannot be loaded; the message says what and where."""


# -- writing ---------------------------------------------------------------------------------
def _base64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype="<f8").tobytes()).decode("ascii")


def network_to_dict(net: Network, meta: dict | None = None, compact: bool = False) -> dict:
    encode = _base64 if compact else np.ndarray.tolist
    return {
        "format": FORMAT,
        "version": VERSION,
        "layer_sizes": list(net.layer_sizes),
        "activation": "sigmoid" if net.activation == "logistic" else net.activation,
        "coefs": [encode(W) for W in net.coefs],
        "intercepts": [encode(b) for b in net.intercepts],
        "meta": _plain(meta or {}),
    }


def savable(net: Network) -> str | None:
    """None if `network_to_json` can write ``net`` (and so read it back), else why not."""
    theta = net.theta
    if not np.isfinite(theta).all():
        return "the network holds NaN or infinite weights; it cannot be saved"
    largest = float(np.abs(theta).max(initial=0.0))
    if largest > MAX_WEIGHT:
        return (
            f"the network holds a weight of size {largest:.3g}, beyond the ±{MAX_WEIGHT:g} a "
            "network file may hold (did the run blow up? rewind, or lower the learning rate)"
        )
    n_params = theta.size
    if n_params > MAX_PARAMS:
        return f"{n_params:,} parameters is more than a network file may hold ({MAX_PARAMS:,})"
    return None


def network_to_json(
    net: Network, meta: dict | None = None, indent: int | None = None, compact: bool = False
) -> str:
    """The network as JSON text; ``meta`` (JSON-able: numbers, text, lists, dicts) rides
    along untouched. ``compact``: each array as one base64 string (exact, half the size).
    Raises `ModelFormatError` for what `network_from_json` would refuse (`savable`)."""
    problem = savable(net)
    if problem:
        raise ModelFormatError(problem)
    text = json.dumps(network_to_dict(net, meta, compact), indent=indent, allow_nan=False)
    if len(text) > MAX_BYTES:
        raise ModelFormatError(_too_big(len(text)) + "; it cannot be saved")
    return text


def _plain(value, depth=0):
    """``meta`` made JSON-safe: tuples become lists, NumPy scalars numbers, NaN None."""
    if depth > MAX_DEPTH:
        raise ModelFormatError("meta is nested too deeply")
    if isinstance(value, dict):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, depth + 1) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


# -- reading ---------------------------------------------------------------------------------
def network_from_json(text) -> Network:
    """Read a network written by `network_to_json`; raise `ModelFormatError` if invalid."""
    return read_network_json(text)[0]


def read_network_json(text) -> tuple[Network, dict]:
    """``(network, meta)`` from JSON text or bytes; raise `ModelFormatError` if invalid."""
    text = _as_text(text)
    _check_depth(text)
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except ModelFormatError:
        raise
    except RecursionError:
        raise ModelFormatError("the JSON is nested too deeply") from None
    except ValueError as err:  # JSONDecodeError, and ints longer than Python will convert
        raise ModelFormatError(f"not valid JSON: {err}") from None
    return network_from_dict(doc)


def network_from_dict(doc) -> tuple[Network, dict]:
    """``(network, meta)`` from a parsed document; every field is checked."""
    if not isinstance(doc, dict):
        raise ModelFormatError(f"expected a JSON object at the top, got {_kind(doc)}")
    if doc.get("format") != FORMAT:
        raise ModelFormatError(
            f"not a network file of this studio: 'format' must be {FORMAT!r}, "
            f"got {_short(doc.get('format'))}"
        )
    version = doc.get("version")
    if type(version) is not int or version != VERSION:
        raise ModelFormatError(f"unsupported version {_short(version)}; this app reads {VERSION}")
    sizes = _layer_sizes(doc.get("layer_sizes"))
    activation = _activation(doc.get("activation"))
    coefs, intercepts = doc.get("coefs"), doc.get("intercepts")
    n_layers = len(sizes) - 1
    for name, value in (("coefs", coefs), ("intercepts", intercepts)):
        if not isinstance(value, list) or len(value) != n_layers:
            raise ModelFormatError(
                f"'{name}' must be a list of {n_layers} layers for layer sizes {sizes}, "
                f"got {_kind(value, len_too=True)}"
            )
    net = Network(sizes, activation, random_state=0)
    for l in range(n_layers):
        n_in, n_out = sizes[l], sizes[l + 1]
        net.coefs[l][...] = _matrix(coefs[l], n_in, n_out, f"coefs[{l}] (W{l + 1})")
        net.intercepts[l][...] = _vector(intercepts[l], n_out, f"intercepts[{l}] (b{l + 1})")
    meta = doc.get("meta", {})
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise ModelFormatError(f"'meta' must be an object, got {_kind(meta)}")
    if len(json.dumps(meta)) > MAX_META_BYTES:
        raise ModelFormatError(f"'meta' is larger than {MAX_META_BYTES // 1024} KB")
    return net, meta


def _as_text(text) -> str:
    if isinstance(text, (bytes, bytearray, memoryview)):
        if len(text) > MAX_BYTES:
            raise ModelFormatError(_too_big(len(text)))
        try:
            return bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise ModelFormatError(f"the file is not UTF-8 text (byte {err.start})") from None
    if not isinstance(text, str):
        raise ModelFormatError(f"expected JSON text, got {type(text).__name__}")
    if len(text) > MAX_BYTES:
        raise ModelFormatError(_too_big(len(text)))
    return text


def _too_big(n):
    return f"the file is {n / 2**20:.1f} MB; a network file may be at most {MAX_BYTES >> 20} MB"


def _check_depth(text: str):
    """Refuse deep nesting before the parser recurses into it (bracket depth outside
    strings)."""
    stripped = _STRING.sub('""', text)
    codes = np.frombuffer(stripped.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    step = (codes == ord("[")).astype(np.int32) + (codes == ord("{"))
    step -= (codes == ord("]")).astype(np.int32) + (codes == ord("}"))
    if len(step) and int(np.cumsum(step).max(initial=0)) > MAX_DEPTH:
        raise ModelFormatError(f"the JSON is nested more than {MAX_DEPTH} levels deep")


def _reject_constant(name):
    raise ModelFormatError(f"the file holds {name}; weights must be finite numbers")


def _layer_sizes(value) -> tuple[int, ...]:
    if not isinstance(value, list) or not 2 <= len(value) <= MAX_SIZES:
        raise ModelFormatError(
            f"'layer_sizes' must be a list of 2..{MAX_SIZES} unit counts, "
            f"got {_kind(value, len_too=True)}"
        )
    for i, s in enumerate(value):
        if type(s) is not int or not 1 <= s <= MAX_UNITS:
            raise ModelFormatError(
                f"layer_sizes[{i}] must be an integer in 1..{MAX_UNITS}, got {_short(s)}"
            )
    sizes = tuple(value)
    n_params = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
    if n_params > MAX_PARAMS:
        raise ModelFormatError(f"{n_params:,} parameters is more than {MAX_PARAMS:,}")
    return sizes


def _activation(value) -> str:
    if not isinstance(value, str) or value not in activations.ACTIVATIONS:
        raise ModelFormatError(
            f"unknown activation {_short(value)}; known: {', '.join(activations.ACTIVATION_NAMES)}"
        )
    return value


def _from_base64(value: str, shape: tuple[int, ...], where: str) -> np.ndarray:
    """An array written by `_base64`: exactly ``prod(shape)`` little-endian float64s."""
    n = math.prod(shape)
    if len(value) != 4 * math.ceil(8 * n / 3):
        raise ModelFormatError(
            f"{where} must be base64 of {n} float64 numbers ({4 * math.ceil(8 * n / 3)} "
            f"characters), got {len(value)} characters"
        )
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ModelFormatError(f"{where} is not valid base64") from None
    if len(raw) != 8 * n:
        raise ModelFormatError(f"{where} must hold {n} float64 numbers, got {len(raw)} bytes")
    return _checked(np.frombuffer(raw, dtype="<f8").astype(np.float64).reshape(shape), where)


def _checked(out: np.ndarray, where: str) -> np.ndarray:
    """Every value finite and within ±MAX_WEIGHT; else the first bad one's place."""
    bad = ~(np.abs(out) <= MAX_WEIGHT)  # NaN compares False: it is bad too
    if bad.any():
        place = np.unravel_index(int(np.flatnonzero(bad)[0]), out.shape)
        value = out[place]
        index = "".join(f"[{i}]" for i in place)
        what = (
            "is not a finite number"
            if not np.isfinite(value)
            else f"is {value:.3g}, beyond the ±{MAX_WEIGHT:g} a weight may be"
        )
        raise ModelFormatError(f"{where}{index} {what}")
    return out


def _vector(row, n, where) -> np.ndarray:
    if isinstance(row, str):
        return _from_base64(row, (n,), where)
    if not isinstance(row, list) or len(row) != n:
        raise ModelFormatError(f"{where} must be a list of {n} numbers, got {_kind(row, True)}")
    for j, v in enumerate(row):
        if type(v) not in (int, float):
            raise ModelFormatError(f"{where}[{j}] must be a number, got {_short(v)}")
    try:
        out = np.array(row, dtype=np.float64)
    except OverflowError:
        raise ModelFormatError(f"{where} holds a number too large for a float") from None
    return _checked(out, where)


def _matrix(rows, n_in, n_out, where) -> np.ndarray:
    if isinstance(rows, str):
        return _from_base64(rows, (n_in, n_out), where)
    if not isinstance(rows, list) or len(rows) != n_in:
        raise ModelFormatError(
            f"{where} must have {n_in} rows of {n_out} numbers (shape ({n_in}, {n_out})), "
            f"got {_kind(rows, True)}"
        )
    return np.stack([_vector(r, n_out, f"{where}[{i}]") for i, r in enumerate(rows)])


def _kind(value, len_too=False) -> str:
    name = {dict: "an object", list: "a list", str: "text", bool: "true/false"}.get(
        type(value), "null" if value is None else "a number"
    )
    if len_too and isinstance(value, list):
        return f"a list of {len(value)}"
    return name


def _short(value, limit=40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
