"""Tests of engine.csv_points: labelled points read from and written to CSV.

The reader is fuzzed so that anything a user uploads either loads or raises DatasetError
that says what and where; the writer round-trips exactly through the reader.
"""

import codecs
import io
import string

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import csv_points, datasets
from engine.datasets import DatasetError

FUZZ = settings(max_examples=150, deadline=None)


def csv_text(rows, header="x1,x2,label"):
    lines = ([header] if header else []) + rows
    return "\n".join(lines) + "\n"


GOOD_ROWS = ["0,0,a", "1,1,b", "2,0.5,a", "-1,3e-2,b"]


def test_load_csv_basic_and_class_names():
    X, y, names = csv_points.load_csv_with_classes(
        csv_text(["0,1,red", "2,3,blue", "4,5,green", "6,7,red"])
    )
    assert X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(X, [[0, 1], [2, 3], [4, 5], [6, 7]])
    assert names == ["blue", "green", "red"]
    assert [names[i] for i in y] == ["red", "blue", "green", "red"]
    X2, y2 = csv_points.load_csv(csv_text(["0,1,red", "2,3,blue", "4,5,green", "6,7,red"]))
    assert np.array_equal(X, X2) and np.array_equal(y, y2)


def test_header_is_optional_and_can_reorder_columns():
    X, y = csv_points.load_csv(csv_text(GOOD_ROWS, header=None))
    X2, y2 = csv_points.load_csv(csv_text(GOOD_ROWS, header="a,b,c"))
    rows = ["a,0,1", "b,2,3", "a,4,5", "b,6,7"]
    X3, y3 = csv_points.load_csv(csv_text(rows, header="Label, X2 ,x1"))
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    np.testing.assert_array_equal(X3, [[1, 0], [3, 2], [5, 4], [7, 6]])
    assert y3.tolist() == [0, 1, 0, 1]


def test_numeric_labels_sort_by_value():
    rows = ["0,0,10", "0,0,9", "0,0,-1", "0,0,1.0", "0,0,1"]
    _, y, names = csv_points.load_csv_with_classes(csv_text(rows))
    assert names == ["-1", "1", "9", "10"]
    assert y.tolist() == [3, 2, 0, 1, 1]


def test_dialects_bom_semicolons_quotes_and_crlf():
    text = '\ufeffx1;x2;label\r\n0;0;"a;b"\r\n\r\n1;1;c\r\n2;2;c\r\n3;3;"a;b"\r\n'
    X, y, names = csv_points.load_csv_with_classes(text.encode("utf-8"))
    assert names == ["a;b", "c"] and y.tolist() == [0, 1, 1, 0]
    _, _, names = csv_points.load_csv_with_classes('0, 0, "x, y"\n1,1,z\n2,2,z\n3,3,"x, y"\n')
    assert names == ["x, y", "z"]
    excel_unicode_text = "x1\tx2\tlabel\r\n0\t0\tä\r\n1\t1\tb\r\n2\t2\tb\r\n3\t3\tä\r\n"
    X, y, names = csv_points.load_csv_with_classes(excel_unicode_text.encode("utf-16"))
    assert names == ["b", "ä"] and y.tolist() == [1, 0, 0, 1] and X[3].tolist() == [3, 3]


def test_file_like_sources_and_rereading():
    data = csv_text(GOOD_ROWS).encode()
    upload = io.BytesIO(data)
    first = csv_points.load_csv(upload)
    second = csv_points.load_csv(upload)  # a Streamlit rerun reads the same object again
    assert np.array_equal(first[0], second[0])
    assert np.array_equal(csv_points.load_csv(io.StringIO(data.decode()))[1], first[1])

    class Pipe:  # readable, not seekable
        def read(self, size=-1):
            return data

    assert np.array_equal(csv_points.load_csv(Pipe())[0], first[0])

    class Broken:
        def read(self, size=-1):
            raise OSError("disk on fire")

    with pytest.raises(DatasetError, match="disk on fire"):
        csv_points.load_csv(Broken())


BAD_CSVS = [
    (b"", "empty"),
    ("\n  \n\t\n", "empty"),
    ("\ufeff", "empty"),
    ("x1,x2,label\n", "only 0 data rows"),
    (csv_text(GOOD_ROWS[:3]), "only 3 data rows"),
    (csv_text(["0,0,a", "1,1", "2,2,b"]), "line 3: expected 3 columns"),
    (csv_text(["0,0,a", "1,1,b,", "2,2,b"]), "line 3: expected 3 columns"),
    (
        csv_text(["0,0,a", "1,1,b", "2,2,b", "abc,1,a"]),
        "line 5, column 1 (x1): 'abc' is not a number",
    ),
    (csv_text(["0,0,a", "1,,b"]), "line 3, column 2 (x2): is empty"),
    (csv_text(["0,nan,a", "1,1,b"]), "line 2, column 2 (x2): NaN"),
    (csv_text(["0,0,a", "1,1,b", "-inf,1,b"]), "line 4, column 1 (x1): '-inf' is infinite"),
    (csv_text(["0,0,a", "1e999,1,b"]), "line 3, column 1 (x1): '1e999' is infinite"),
    (csv_text(["0,0,a", "1_0,1,b"]), "line 3, column 1 (x1): '1_0' is not a number"),
    (csv_text(["0,0, ", "1,1,b"]), "line 2, column 3 (label): the label is empty"),
    (csv_text(["0,0,a"] * 5), "at least 2 classes"),
    (csv_text([f"{i},{i},c{i}" for i in range(11)]), "line 12: class 'c10' is class number 11"),
    (b"x1,x2,label\n0,0,a\n1,1,\xff\n", "line 3: byte 0xff: not UTF-8 text"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "line 1: byte 0x89: this is a binary file"),
    (b"0,0,a\n1,1,b\n\n\xc3", "line 4: byte 0xc3: not UTF-8"),
    (codecs.BOM_UTF16_LE + b"0\x00,\x00\n\x00\x00\xdc", "line 2: byte 0x00: not UTF-16"),
    (b"0,0,a\n1,1,b\n2,2\x00,a\n", "line 3: NUL byte"),
    ("x1,x2\n0,0\n", "line 1: the header has 2 columns"),
    ('0,0,"a\n1,1,b\n', "never closed"),
    ('0,0,"a"b\n1,1,b\n', "line 1:"),
    ("x1,x2,label\r\n\r\n0,0,a\r\n1,x,b\r\n", "line 4, column 2 (x2): 'x' is not a number"),
    ("x1,x2,label\r0,0,a\r1,1,b\r2,2,\r", "line 4, column 3 (label)"),
    ("0,0,a\n\ud800,1,b\n", "line 2: the text holds an invalid character"),
    (12345, "cannot read a CSV from int"),
]


@pytest.mark.parametrize(("source", "message"), BAD_CSVS)
def test_malformed_csv_says_what_and_where(source, message):
    with pytest.raises(DatasetError) as info:
        csv_points.load_csv(source)
    assert message in str(info.value)


def test_size_and_row_limits():
    text = csv_text(["0,0,a", "1,1,b"] * 5)
    with pytest.raises(DatasetError, match="too big: more than 50 bytes"):
        csv_points.load_csv(text, max_bytes=50)
    with pytest.raises(DatasetError, match="too big"):
        csv_points.load_csv(io.BytesIO(text.encode()), max_bytes=50)
    with pytest.raises(DatasetError, match=r"line 8: too many rows; at most 6 data rows"):
        csv_points.load_csv(text, max_rows=6)
    assert len(csv_points.load_csv(text, max_rows=10)[0]) == 10


def check_loaded(X, y, names):
    """What a successful load promises."""
    assert X.dtype == np.float64 and X.ndim == 2 and X.shape[1] == 2
    assert np.isfinite(X).all() and len(X) >= 4
    assert y.dtype == np.int64 and y.shape == (len(X),)
    assert 2 <= len(names) <= 10 and set(y.tolist()) == set(range(len(names)))


def load_or_refuse(source):
    try:
        result = csv_points.load_csv_with_classes(source)
    except DatasetError as exc:
        assert str(exc)
        return
    check_loaded(*result)


@FUZZ
@given(st.binary(max_size=400))
def test_any_bytes_load_or_raise_dataset_error(data):
    load_or_refuse(data)


@FUZZ
@given(
    st.text(
        alphabet=st.sampled_from(list("0123456789.,;+-eE\n\r \t\"'abxnif\x00\ufeffé")), max_size=200
    )
)
def test_csv_like_text_loads_or_raises_dataset_error(text):
    load_or_refuse(text)
    load_or_refuse(io.StringIO(text))


@FUZZ
@given(st.data())
def test_damaged_csv_files_load_or_raise_dataset_error(data):
    # Start from a good file and damage it in a few places, to reach deep paths.
    text = csv_points.to_csv(*datasets.make("blobs3", n_samples=6, random_state=1))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        piece = data.draw(st.text(alphabet='0,.-\n\r"xa\x00e ', max_size=3))
        cut = data.draw(st.integers(0, 3))
        text = text[:at] + piece + text[at + cut :]
    load_or_refuse(text.encode("utf-8"))


# What a CSV may hold: finite coordinates within ±MAX_COORDINATE (to_csv refuses others).
finite = st.floats(-csv_points.MAX_COORDINATE, csv_points.MAX_COORDINATE, allow_nan=False)


@st.composite
def labelled_points(draw):
    k = draw(st.integers(2, 10))
    extra = draw(st.lists(st.integers(0, k - 1), min_size=max(0, 4 - k), max_size=20))
    y = np.array(list(range(k)) + extra, dtype=np.int64)
    order = draw(st.permutations(range(len(y))))
    X = np.array(draw(st.lists(st.tuples(finite, finite), min_size=len(y), max_size=len(y))))
    return X.reshape(-1, 2), y[list(order)]


@FUZZ
@given(labelled_points())
def test_to_csv_round_trips_exactly(points):
    X, y = points
    X_back, y_back = csv_points.load_csv(csv_points.to_csv(X, y))
    assert np.array_equal(X_back, X) and np.array_equal(np.signbit(X_back), np.signbit(X))
    assert np.array_equal(y_back, y)


# Class names that start with a letter (so never a number) and have no outer spaces.
class_name = st.text(alphabet=string.ascii_letters + string.digits + " ,;\"'-_é", max_size=6).map(
    lambda text: "c" + text.strip()
)


@FUZZ
@given(labelled_points(), st.lists(class_name, min_size=10, max_size=10, unique=True))
def test_to_csv_round_trips_class_names(points, names):
    X, y = points
    X_back, y_back, names_back = csv_points.load_csv_with_classes(csv_points.to_csv(X, y, names))
    assert np.array_equal(X_back, X)
    assert [names_back[i] for i in y_back] == [names[i] for i in y]


def test_to_csv_refuses_what_it_could_not_read_back():
    X, y = datasets.make("moons", n_samples=4)
    with pytest.raises(DatasetError, match="NaN"):
        csv_points.to_csv(np.full((4, 2), np.nan), y)
    with pytest.raises(DatasetError, match="distinct"):
        csv_points.to_csv(X, y, ["1", "1.0"])
    with pytest.raises(DatasetError, match="spaces"):
        csv_points.to_csv(X, y, [" a", "b"])
    with pytest.raises(DatasetError, match="integer"):
        csv_points.to_csv(X, y + 0.5)
    text = csv_points.to_csv(X, y)
    assert text.splitlines()[0] == "x1,x2,label"


# -- coordinates too large to draw (issue 11, bug 11) ---------------------------------------
@FUZZ
@given(
    st.integers(0, 9),
    st.integers(0, 1),
    st.floats(allow_nan=False, allow_infinity=False).filter(
        lambda v: abs(v) > csv_points.MAX_COORDINATE
    ),
)
def test_a_coordinate_beyond_the_limit_is_refused_with_its_line_and_column(row, column, value):
    rows = [[i / 10, -i / 10, "ab"[i % 2]] for i in range(10)]
    rows[row][column] = repr(value)
    text = "x1,x2,label\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows)
    with pytest.raises(DatasetError, match="too large") as err:
        csv_points.load_csv(text)
    assert str(err.value).startswith(f"line {row + 2}, column {column + 1}")
