"""Flip and compensate: a sign pattern with the flipped units' outgoing weights negated.

For an odd activation the network's function does not change (the 2^m sign patterns are
symmetries); for ReLU and sigmoid it does. Checked on the engine's networks and on the
Sign patterns lab's page.
"""

import numpy as np
import pytest
from test_lab_pages import until_done, via_navigation

from engine import datasets, labs
from engine.network import Network


@pytest.mark.parametrize("act", ["tanh", "identity"])
def test_every_compensated_pattern_of_an_odd_activation_is_the_same_function(act):
    X, y = datasets.make("moons", 120, 0.1, 1)
    net = Network((2, 3, 1), act, random_state=3)
    table = labs.compensations(net, X, y)
    assert len(table) == 8
    base = labs.accuracy(net, X, y)
    for row in table:
        assert row.compensated_change < 1e-12
        assert row.compensated_accuracy == base
    # the plain flips do change it (else the test would prove nothing)
    assert max(abs(r.flipped_accuracy - base) for r in table) > 0.05


@pytest.mark.parametrize("act", ["relu", "sigmoid"])
def test_a_compensated_flip_changes_a_function_that_is_not_odd(act):
    X, y = datasets.make("moons", 120, 0.1, 1)
    net = Network((2, 3, 1), act, random_state=3)
    table = labs.compensations(net, X, y)
    assert table[0].signs == (1, 1, 1) and table[0].compensated_change == 0.0
    assert all(r.compensated_change > 1e-3 for r in table[1:])


def test_compensating_by_hand_agrees_with_the_lectures_algebra():
    """-v f(-z) = v f(z) for tanh, written out for one unit of one point."""
    net = Network((2, 2, 1), "tanh", random_state=0)
    x = np.array([[0.3, -1.2]])
    W1, b1, v, c = net.coefs[0], net.intercepts[0], net.coefs[1][:, 0], net.intercepts[1][0]
    z = x @ W1 + b1
    by_hand = (-v[0]) * np.tanh(-z[0, 0]) + v[1] * np.tanh(z[0, 1]) + c
    flipped = labs.flip_pattern(net, (-1, 1), compensate=True)
    assert flipped.forward(x)[0, 0] == pytest.approx(by_hand, abs=1e-14)
    assert by_hand == pytest.approx(net.forward(x)[0, 0], abs=1e-14)


def test_the_sign_patterns_lab_shows_the_compensation_table():
    at = via_navigation("sign_flips")
    at = until_done(at)
    assert not at.exception
    table = at.dataframe[-1].value  # the last table on the page (AppTest shows no keys)
    assert len(table) == 4  # two units: 2^2 patterns
    assert any("Flip and compensate" in s.value for s in at.subheader)
