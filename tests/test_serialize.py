"""Tests of engine.serialize: a network survives JSON exactly, and a hostile file raises
ModelFormatError (a ValueError) with a useful message, and nothing else.
"""

import base64
import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import serialize
from engine.activations import ACTIVATION_NAMES
from engine.network import Network
from engine.serialize import ModelFormatError, network_from_json, network_to_json


def doc(net=None, **changes):
    """A valid document (as a dict), with top-level fields replaced by ``changes``."""
    net = net or Network((2, 3, 1), "relu", random_state=0)
    d = json.loads(network_to_json(net))
    d.update(changes)
    return d


def load(d):
    return network_from_json(json.dumps(d))


# -- round trip -------------------------------------------------------------------------------
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("sizes", [(2, 1), (2, 8, 1), (2, 5, 4, 3), (7, 1, 1, 1, 2)])
def test_round_trip_is_exact(activation, sizes):
    net = Network(sizes, activation, random_state=1)
    net.theta[:] *= np.random.default_rng(0).uniform(0.1, 1e3, net.theta.shape)
    back = network_from_json(network_to_json(net))
    assert back.layer_sizes == net.layer_sizes and back.activation == activation
    assert np.array_equal(back.theta, net.theta)  # bit for bit
    X = np.random.default_rng(1).normal(size=(5, sizes[0]))
    assert np.array_equal(back.forward(X), net.forward(X))


def test_meta_and_bytes_and_logistic_alias():
    net = Network((2, 4, 1), "logistic", random_state=0)
    meta = {"config": {"hidden": (4,), "lr": np.float32(0.5), "bad": math.nan}, "step": 12}
    text = network_to_json(net, meta)
    back, got = serialize.read_network_json(text.encode("utf-8"))
    assert back.activation == "sigmoid" and np.array_equal(back.theta, net.theta)
    assert got == {"config": {"hidden": [4], "lr": 0.5, "bad": None}, "step": 12}
    # A UTF-8 byte-order mark (some editors add one) is fine.
    assert np.array_equal(network_from_json(b"\xef\xbb\xbf" + text.encode()).theta, net.theta)


def test_non_finite_weights_are_not_written():
    net = Network((2, 2, 1), "relu", random_state=0)
    net.theta[3] = np.nan
    with pytest.raises(ModelFormatError, match="NaN"):
        network_to_json(net)


def test_written_file_is_plain_json():
    text = network_to_json(Network((2, 2, 1), "tanh", random_state=0), indent=1)
    d = json.loads(text)
    assert d["format"] == serialize.FORMAT and d["version"] == serialize.VERSION
    assert d["layer_sizes"] == [2, 2, 1] and len(d["coefs"][0]) == 2


# -- hostile files ----------------------------------------------------------------------------
HOSTILE = {
    "deep nesting": "[" * 100_000 + "]" * 100_000,
    "deep nesting in meta": json.dumps(doc()).replace(
        '"meta": {}', '"meta": ' + "[" * 50 + "]" * 50
    ),
    "not json": "{'format': 1}",
    "truncated": json.dumps(doc())[:-10],
    "a list at the top": "[1, 2, 3]",
    "a number at the top": "42",
    "empty": "",
    "NaN weight": json.dumps(doc()).replace("]]", ", NaN]]", 1),
    "Infinity": json.dumps(doc(intercepts=[[0, 0, 0], [-1e999]])).replace("-Infinity", "-Infinity"),
    "overflowing float": json.dumps(doc()).replace(
        '"intercepts": [[', '"intercepts": [[1e999, ', 1
    ),
    "huge int": json.dumps(doc()).replace(
        '"intercepts": [[', '"intercepts": [[' + "9" * 5000 + ", ", 1
    ),
    "big int to float": json.dumps(doc()).replace(
        '"intercepts": [[', '"intercepts": [[' + "9" * 400 + ", ", 1
    ),
    "not utf-8": b"\xff\xfe{}",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_text_raises_model_format_error(name):
    with pytest.raises(ModelFormatError):
        network_from_json(HOSTILE[name])


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"format": "pickle"}, "format"),
        ({"version": 2}, "version"),
        ({"version": True}, "version"),
        ({"activation": "softplus"}, "unknown activation"),
        ({"activation": None}, "unknown activation"),
        ({"layer_sizes": [2]}, "layer_sizes"),
        ({"layer_sizes": [2, 501, 1]}, r"layer_sizes\[1\]"),
        ({"layer_sizes": [2, 0, 1]}, r"layer_sizes\[1\]"),
        ({"layer_sizes": [2, 3.0, 1]}, r"layer_sizes\[1\]"),
        ({"layer_sizes": [2, True, 1]}, r"layer_sizes\[1\]"),
        ({"layer_sizes": [2] + [3] * 12 + [1]}, "layer_sizes"),
        ({"layer_sizes": "2,3,1"}, "layer_sizes"),
        ({"layer_sizes": [2, 4, 1]}, r"coefs\[0\]"),  # the arrays are for (2, 3, 1)
        ({"coefs": []}, "'coefs'"),
        ({"coefs": [[[1, 2, 3]], [[1], [2], [3]]]}, r"coefs\[0\]"),
        ({"coefs": [[[1, 2, 3], [1, 2]], [[1], [2], [3]]]}, r"coefs\[0\] \(W1\)\[1\]"),
        ({"coefs": [[[1, 2, 3], [1, 2, "3"]], [[1], [2], [3]]]}, r"\[1\]\[2\] must be a number"),
        ({"coefs": [[[1, 2, 3], [1, 2, None]], [[1], [2], [3]]]}, "must be a number"),
        ({"coefs": [[[1, 2, 3], [1, 2, True]], [[1], [2], [3]]]}, "must be a number"),
        ({"coefs": [[[1, 2, 3], [1, 2, [3]]], [[1], [2], [3]]]}, "must be a number"),
        ({"intercepts": [[0, 0, 0], [0, 0]]}, r"intercepts\[1\]"),
        ({"intercepts": {"0": [0, 0, 0]}}, "'intercepts'"),
        ({"meta": [1, 2]}, "'meta'"),
        ({"meta": {"x": "y" * 100_000}}, "'meta'"),
    ],
)
def test_bad_fields_say_what_is_wrong(changes, message):
    with pytest.raises(ModelFormatError, match=message):
        load(doc(**changes))


def test_missing_fields():
    for key in ("format", "version", "layer_sizes", "activation", "coefs", "intercepts"):
        d = doc()
        del d[key]
        with pytest.raises(ModelFormatError):
            load(d)
    d = doc()
    del d["meta"]
    assert load(d).layer_sizes == (2, 3, 1)  # meta is optional


def test_huge_files_are_refused_before_parsing(monkeypatch):
    big = " " * (serialize.MAX_BYTES + 1)
    with pytest.raises(ModelFormatError, match="MB"):
        network_from_json(big)
    with pytest.raises(ModelFormatError, match="MB"):
        network_from_json(big.encode())


def test_huge_arrays_are_refused():
    # 10 layers of 500 units is within every size limit but over the parameter budget.
    with pytest.raises(ModelFormatError, match="parameters"):
        load(doc(layer_sizes=[500] * 12))
    # An array far longer than its layer size is refused with its place.
    d = doc()
    d["intercepts"][0] = [0.0] * 100_000
    with pytest.raises(ModelFormatError, match=r"intercepts\[0\]"):
        load(d)


def test_wrong_input_type():
    with pytest.raises(ModelFormatError):
        network_from_json(None)
    with pytest.raises(ModelFormatError):
        network_from_json(12)


# -- random and mutated documents (hypothesis) ----------------------------------------------
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=40,
)


def _only_model_format_errors(text):
    try:
        net = network_from_json(text)
    except ModelFormatError:
        return None
    assert isinstance(net, Network)
    assert np.isfinite(net.theta).all()
    return net


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_random_json_raises_only_model_format_error(value):
    _only_model_format_errors(json.dumps(value))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_random_text_raises_only_model_format_error(text):
    _only_model_format_errors(text)


FIELDS = ["format", "version", "layer_sizes", "activation", "coefs", "intercepts", "meta"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FIELDS), json_values)
def test_one_field_replaced_by_random_json(field, value):
    d = doc()
    d[field] = value
    _only_model_format_errors(json.dumps(d))


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_one_number_replaced_by_random_json(data):
    """Deep inside the arrays: replace one weight by any JSON value."""
    d = doc()
    which = data.draw(st.sampled_from(["coefs", "intercepts"]))
    layer = data.draw(st.integers(0, 1))
    target = d[which][layer]
    if which == "coefs":
        target = target[data.draw(st.integers(0, len(target) - 1))]
    j = data.draw(st.integers(0, len(target) - 1))
    target[j] = data.draw(json_values)
    net = _only_model_format_errors(json.dumps(d))
    if net is not None:  # a number replaced by a finite number: still a valid network
        assert type(target[j]) in (int, float)


# -- the compact encoding the studio exports, and the weight limit (issue 11, bugs 10, 11) ---
@pytest.mark.parametrize("sizes", [(2, 1), (2, 8, 1), (7, 5, 4, 10)])
def test_compact_round_trip_is_exact_and_smaller(sizes):
    net = Network(sizes, "tanh", random_state=3)
    net.theta[:] = np.random.default_rng(0).normal(0, 100, net.theta.shape)
    net.theta[0] = -0.0  # the sign of zero survives too
    text = network_to_json(net, {"step": 3}, compact=True)
    back, meta = serialize.read_network_json(text)
    assert np.array_equal(back.theta, net.theta) and np.signbit(back.theta[0])
    assert meta == {"step": 3}
    if net.theta.size > 20:
        assert len(text) < 0.75 * len(network_to_json(net, {"step": 3}))


def test_a_list_file_and_a_compact_file_read_the_same():
    net = Network((2, 4, 3), "relu", random_state=0)
    a = network_from_json(network_to_json(net))
    b = network_from_json(network_to_json(net, compact=True))
    assert np.array_equal(a.theta, b.theta)


@pytest.mark.parametrize("bad", [math.nan, math.inf, serialize.MAX_WEIGHT * 2, -1e308])
def test_the_writer_refuses_what_the_reader_would(bad):
    net = Network((2, 3, 1), "relu", random_state=0)
    net.intercepts[0][1] = bad
    assert serialize.savable(net) is not None
    for compact in (False, True):
        with pytest.raises(ModelFormatError):
            network_to_json(net, compact=compact)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=40) | st.binary(max_size=40).map(lambda b: base64.b64encode(b).decode()))
def test_any_string_in_place_of_an_array_raises_only_model_format_error(value):
    d = json.loads(network_to_json(Network((2, 3, 1), "relu", random_state=0), compact=True))
    d["coefs"][0] = value
    _only_model_format_errors(json.dumps(d))


@settings(max_examples=150, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_a_weight_loads_exactly_when_finite_and_within_max_weight(w):
    d = doc()
    d["intercepts"][1][0] = w
    text = json.dumps(d)  # NaN and inf are written as NaN and Infinity
    if math.isfinite(w) and abs(w) <= serialize.MAX_WEIGHT:
        assert network_from_json(text).intercepts[1][0] == w
    else:
        with pytest.raises(ModelFormatError):
            network_from_json(text)
