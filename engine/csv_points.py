"""Labelled 2-D points as CSV text: a careful reader for uploads, and the writer it reads back.

Uploaded files are the one place where a stranger's bytes enter the engine, so `load_csv`
turns every malformed input into a `DatasetError` that says what is wrong and on which line,
and nothing else. `to_csv` writes what `load_csv` reads back exactly.

This module imports only NumPy and the standard library.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import math
import re

import numpy as np

from engine.datasets import MAX_CLASSES, MIN_SAMPLES, DatasetError

COLUMNS = ("x1", "x2", "label")
# The largest |coordinate| a CSV may hold. Finite is not enough: points at +-1e308 load, then
# the plane's extent (max - min, padded) overflows to inf and nothing can be drawn. 1e6
# leaves room for the squared input features (x1^2 ~ 1e12) in float32.
MAX_COORDINATE = 1e6
_NUMBER = re.compile(
    r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|nan|inf|infinity)",
    re.IGNORECASE | re.ASCII,
)
_LINE_END = re.compile(r"\r\n|\r|\n")
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _number(text):
    """The float spelled by ``text``, or None; plain decimal notation only (no ``1_0``)."""
    return float(text) if _NUMBER.fullmatch(text) else None


def _show(text, limit=30):
    """Quote a field for a message, shortened so a junk line cannot flood the page."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _count(n, noun):
    """``"1 column"``, ``"2 columns"``: messages read as sentences."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _line_at(text, index):
    """1-based line number of ``text[index]``, counting \\r, \\n and \\r\\n as csv does."""
    return len(_LINE_END.findall(text, 0, index)) + 1


def _encode(text):
    """Text to UTF-8 bytes, so text and files share one path and one size limit."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        line = _line_at(text, exc.start)
        raise DatasetError(f"line {line}: the text holds an invalid character") from None


def _read_file(source, max_bytes):
    """Read at most ``max_bytes + 1`` from a file-like object, from its start.

    Streamlit hands the same UploadedFile to every rerun; after one read it sits
    at its end, so it is rewound first where it can be.
    """
    try:
        if getattr(source, "seekable", lambda: False)():
            source.seek(0)
        data = source.read(max_bytes + 1)
    except (OSError, ValueError, TypeError) as exc:
        raise DatasetError(f"could not read the file: {exc}") from None
    if isinstance(data, str):
        return _encode(data)
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise DatasetError(f"could not read the file: read() gave {type(data).__name__}")


def _read_bytes(source, max_bytes):
    """The raw bytes of ``source`` (bytes, text or a file), within the size limit."""
    if isinstance(source, str):
        data = _encode(source)
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif hasattr(source, "read"):
        data = _read_file(source, max_bytes)
    else:
        raise DatasetError(
            f"cannot read a CSV from {type(source).__name__}: give bytes, text or a file"
        )
    if len(data) > max_bytes:
        raise DatasetError(f"the file is too big: more than {max_bytes:,} bytes")
    return data


def _decode(data):
    """Text of the file, refusing binary junk with the line where it starts.

    UTF-8 (a BOM is dropped), or UTF-16 when it starts with a UTF-16 BOM, as
    Excel's "Unicode text" export does (tab-separated, which `_delimiter` reads).
    """
    if data[:2] in _UTF16_BOMS:
        encoding = "utf-16"
    else:
        encoding, data = "utf-8", data.removeprefix(codecs.BOM_UTF8)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start].decode(encoding, errors="replace")
        problem = (
            "this is a binary file, not CSV text"
            if b"\x00" in data and encoding == "utf-8"
            else f"not {encoding.upper()} text (save the file as UTF-8 CSV)"
        )
        raise DatasetError(
            f"line {_line_at(prefix, len(prefix))}: byte 0x{data[exc.start]:02x}: {problem}"
        ) from None
    if not text.strip():
        raise DatasetError("the file is empty")
    nul = text.find("\x00")
    if nul >= 0:
        raise DatasetError(
            f"line {_line_at(text, nul)}: NUL byte: this is a binary file, not CSV text"
        )
    return text


def _delimiter(text):
    """Comma, unless the first line has none but a semicolon or a tab (Excel exports)."""
    first = next((line for line in io.StringIO(text, newline="") if line.strip()), "")
    return next((d for d in ",;\t" if d in first), ",")


def _records(text):
    """Yield ``(line, fields)`` for every non-blank record, fields stripped.

    The csv module reads quoted fields (class names with commas); its own
    errors become `DatasetError` with the line it stopped on.
    """
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=_delimiter(text),
        skipinitialspace=True,
        strict=True,
    )
    try:
        for fields in reader:
            fields = [field.strip() for field in fields]
            if any(fields):
                yield reader.line_num, fields
    except csv.Error as exc:
        hint = " (a quote that is never closed?)" if "end of data" in str(exc) else ""
        raise DatasetError(f"line {reader.line_num}: {exc}{hint}") from None


def _column_order(line, fields):
    """Positions of x1, x2, label and whether ``fields`` is a header row.

    A first row none of whose fields is a number is a header (a data row always
    has two numeric coordinates; its label may be text). A header naming x1, x2
    and label sets their order; any other header keeps the order x1, x2, label.
    """
    if any(_number(field) is not None for field in fields):
        return (0, 1, 2), False
    if len(fields) != len(COLUMNS):
        raise DatasetError(
            f"line {line}: the header has {_count(len(fields), 'column')}; "
            f"expected {len(COLUMNS)} ({', '.join(COLUMNS)})"
        )
    names = [field.lower() for field in fields]
    if sorted(names) == sorted(COLUMNS):
        return tuple(names.index(column) for column in COLUMNS), True
    return (0, 1, 2), True


def _coordinate(line, column, name, text):
    """One coordinate as a finite float, or a `DatasetError` naming line and column."""
    where = f"line {line}, column {column + 1} ({name})"
    value = _number(text)
    if value is None:
        problem = "is empty" if not text else f"{_show(text)} is not a number"
        raise DatasetError(f"{where}: {problem}")
    if math.isnan(value):
        raise DatasetError(f"{where}: NaN is not a coordinate (a missing value?)")
    if math.isinf(value):
        raise DatasetError(f"{where}: {_show(text)} is infinite")
    if abs(value) > MAX_COORDINATE:
        raise DatasetError(
            f"{where}: {_show(text)} is too large: coordinates must lie within "
            f"±{MAX_COORDINATE:,.0f} (rescale the data)"
        )
    return value


def _parse_rows(text, max_rows):
    """Coordinates, label texts and line numbers of the data rows."""
    records = _records(text)
    first = next(records, None)
    if first is None:
        raise DatasetError("the file is empty")
    order, is_header = _column_order(*first)
    rows = records if is_header else itertools.chain([first], records)
    coords, labels, lines = [], [], []
    for line, fields in rows:
        if len(fields) != len(COLUMNS):
            raise DatasetError(
                f"line {line}: expected {len(COLUMNS)} columns "
                f"({', '.join(COLUMNS)}), found {len(fields)}"
            )
        if len(labels) == max_rows:
            raise DatasetError(
                f"line {line}: too many rows; at most {max_rows:,} data rows are allowed"
            )
        x1, x2, label = (fields[i] for i in order)
        coords.append(
            [_coordinate(line, order[0], "x1", x1), _coordinate(line, order[1], "x2", x2)]
        )
        if not label:
            raise DatasetError(f"line {line}, column {order[2] + 1} (label): the label is empty")
        labels.append(label)
        lines.append(line)
    return coords, labels, lines


def _label_keys(labels):
    """Sort keys and display names of labels: by value if all are numbers, else as text.

    Numeric labels compare by value, so "1" and "1.0" are one class named "1",
    and "10" sorts after "9".
    """
    values = [_number(label) for label in labels]
    if all(v is not None and math.isfinite(v) for v in values):
        return values, [str(int(v)) if v.is_integer() else repr(v) for v in values]
    return list(labels), list(labels)


def _encode_labels(labels, lines):
    """Map labels to 0..k-1 in sorted order; check 2 <= k <= MAX_CLASSES."""
    keys, names = _label_keys(labels)
    first_seen = {}
    for key, name, line in zip(keys, names, lines, strict=True):
        if key not in first_seen:
            if len(first_seen) == MAX_CLASSES:
                raise DatasetError(
                    f"line {line}: class {_show(name)} is class number {MAX_CLASSES + 1}; "
                    f"at most {MAX_CLASSES} classes are allowed"
                )
            first_seen[key] = name
    if len(first_seen) < 2:
        raise DatasetError(
            f"all {len(labels)} rows have the label {_show(names[0])}; "
            "at least 2 classes are needed"
        )
    ordered = sorted(first_seen)
    index = {key: i for i, key in enumerate(ordered)}
    y = np.array([index[key] for key in keys], dtype=np.int64)
    return y, [first_seen[key] for key in ordered]


def load_csv_with_classes(source, max_bytes=1_000_000, max_rows=10_000):
    """Read a labelled 2-D CSV: ``(X, y, class_names)``.

    ``source`` is bytes, the CSV text, or a binary or text file-like object (a
    Streamlit UploadedFile). Columns x1, x2, label; a header row is optional and
    may name them in any order. Labels (numbers or text) become 0..k-1 in
    sorted order and ``class_names[y]`` gives the original spelling back.
    Every malformed input raises `DatasetError` saying what and, where it has
    one, the line: never another exception, since these bytes come from a user.
    """
    text = _decode(_read_bytes(source, max_bytes))
    coords, labels, lines = _parse_rows(text, max_rows)
    if len(labels) < MIN_SAMPLES:
        rows = _count(len(labels), "data row")
        raise DatasetError(f"only {rows}; at least {MIN_SAMPLES} are needed")
    y, class_names = _encode_labels(labels, lines)
    return np.array(coords, dtype=np.float64), y, class_names


def load_csv(source, max_bytes=1_000_000, max_rows=10_000):
    """`load_csv_with_classes` without the class names: ``(X, y)``."""
    X, y, _ = load_csv_with_classes(source, max_bytes, max_rows)
    return X, y


def _check_class_names(class_names, k):
    """Names the loader reads back unchanged: text, distinct, one line, no outer spaces."""
    names = [str(name) for name in class_names]
    if len(names) < k:
        raise DatasetError(f"class_names has {len(names)} names for labels up to {k - 1}")
    for name in names:
        if not name or name != name.strip() or "\n" in name or "\r" in name:
            raise DatasetError(
                f"class name {_show(name)} must be non-empty, on one line, "
                "without surrounding spaces"
            )
    if len(set(_label_keys(names)[0])) != len(names):
        raise DatasetError("class names must be distinct (numbers compare by value)")
    return names


def _integral(y):
    """True for integer (or bool) labels, or floats that are all whole numbers."""
    if y.dtype.kind in "biu":
        return True
    return y.dtype.kind == "f" and bool((np.isfinite(y) & (y == np.round(y))).all())


def to_csv(X, y, class_names=None):
    """Write ``X`` and ``y`` as CSV text with the header ``x1,x2,label``.

    Floats are written with ``repr`` (the shortest text that reads back to the
    same float), so ``load_csv(to_csv(X, y))`` returns ``X`` exactly, and ``y``
    exactly when it holds every label 0..k-1.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2 or y.shape != (len(X),):
        raise DatasetError(f"X must be (n, 2) and y (n,), got {X.shape} and {y.shape}")
    if not np.isfinite(X).all():
        raise DatasetError("X holds NaN or infinite values, which a CSV cannot load")
    if X.size and np.abs(X).max() > MAX_COORDINATE:
        raise DatasetError(
            f"X holds coordinates beyond ±{MAX_COORDINATE:,.0f}, which a CSV cannot load"
        )
    if not _integral(y):
        raise DatasetError("y must hold integer labels")
    labels = [str(v) for v in y.astype(np.int64)]
    if class_names is not None:
        names = _check_class_names(class_names, int(y.max(initial=-1)) + 1)
        if y.size and y.min() < 0:
            raise DatasetError("labels must be >= 0 to index class_names")
        labels = [names[v] for v in y.astype(np.int64)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for (x1, x2), label in zip(X.tolist(), labels, strict=True):
        writer.writerow([repr(x1), repr(x2), label])
    return out.getvalue()
