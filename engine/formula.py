"""A safe reader for user-typed 1-D targets h(x), such as ``sin(3*x) + abs(x)/2``.

The universal-approximation lab lets a student type the function the network
must fit. That text comes from a browser, so it is never given to ``eval``,
``exec`` or ``compile``: `ast.parse` only reads it into a syntax tree, every node
of that tree is checked against a short whitelist, and a small tree walker
evaluates it with NumPy float64 arithmetic. Floats cannot grow without bound the
way Python integers can (``9**9**9``), so the limits below bound the work:
200 characters, 30 levels of nesting, and constant exponents of size <= 10.
"""

from __future__ import annotations

import ast
import math

import numpy as np

MAX_LENGTH = 200
MAX_DEPTH = 30
MAX_EXPONENT = 10.0
# The largest |h(x)| a target may reach on [-pi, pi]. Finite is not enough: a target of
# 1e308 passes every check, then the least-squares fit overflows and the plots come out
# empty; past ~1e6 the fits' relative error already grows (measured: 10 ReLUs on the
# constant 1e50 miss by 6e43).
MAX_VALUE = 1e6
VARIABLE = "x"

FUNCTIONS = {
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "tanh": np.tanh,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "arctan": np.arctan,
    "atan": np.arctan,
}
CONSTANTS = {"pi": math.pi, "e": math.e}
_BINARY = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.divide,
    ast.Pow: np.power,
}
_UNARY = {ast.USub: np.negative, ast.UAdd: np.positive}
_OPERATOR_SYMBOLS = {
    ast.Mod: "%",
    ast.FloorDiv: "//",
    ast.MatMult: "@",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.Invert: "~",
    ast.Not: "not",
}
_NODE_WORDS = {
    ast.Attribute: "attribute access",
    ast.Lambda: "lambda",
    ast.Subscript: "indexing",
    ast.Compare: "comparison",
    ast.BoolOp: "and/or",
    ast.IfExp: "if/else",
    ast.NamedExpr: "assignment",
    ast.Tuple: "a tuple",
    ast.List: "a list",
    ast.Dict: "a dict",
    ast.Set: "a set",
    ast.JoinedStr: "an f-string",
}


class FormulaError(ValueError):
    """A formula that cannot be read or is not allowed; the message says why."""


class Formula:
    """A checked formula: call it with an array of x to get h(x) as float64.

    Pickles as its text (it is parsed again on loading), so it can be cached.
    """

    def __init__(self, text, tree):
        self.text = text
        self._tree = tree

    def __call__(self, x):
        """h(x) with x's shape; overflow and domain errors give inf or NaN, not warnings."""
        x = np.asarray(x, dtype=np.float64)
        with np.errstate(all="ignore"):
            y = _evaluate(self._tree, x)
        return np.array(np.broadcast_to(y, x.shape), dtype=np.float64)

    def __repr__(self):
        return f"Formula({self.text!r})"

    def __reduce__(self):
        return parse_formula, (self.text,)


def parse_formula(text):
    """Read ``text`` as a function of x; raise `FormulaError` if it is not allowed.

    Allowed: numbers, x, pi, e, ``+ - * / **`` (``^`` is read as ``**``), unary
    minus, and one-argument calls of `FUNCTIONS`.
    """
    if not isinstance(text, str):
        raise FormulaError(f"the formula must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"the formula is too long: {len(text)} characters, at most {MAX_LENGTH}")
    stripped = text.strip()
    if not stripped:
        raise FormulaError("the formula is empty: type an expression in x, e.g. sin(3*x)")
    source = stripped.replace("^", "**")
    try:
        tree = ast.parse(source, mode="eval").body
    except SyntaxError as exc:
        raise FormulaError(_syntax_message(stripped, exc)) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise FormulaError(f"cannot read the formula: {exc}") from None
    _check(tree, source, depth=1)
    return Formula(stripped, tree)


def sample_formula(text, n=400):
    """Evaluate a formula on ``n`` evenly spaced points of [-pi, pi]: ``(x, y)``.

    A target that is infinite or undefined somewhere (``1/x``, ``log(x)``), or larger
    than ``MAX_VALUE`` (``1e308``, ``exp(exp(x))``), cannot be fitted or plotted, so that
    is reported with the first bad x. x = 0 is checked too, even when the grid misses
    it, since that is where most singularities typed by hand sit.
    """
    if not isinstance(n, int) or n < 2:
        raise FormulaError(f"n must be an integer >= 2, got {n!r}")
    h = parse_formula(text)
    x = np.linspace(-np.pi, np.pi, n)
    y = h(x)
    probe = np.append(x, 0.0)
    values = np.append(y, h(0.0))
    bad = ~np.isfinite(values)
    if bad.any():
        raise FormulaError(f"{h.text!r} is not finite at x = {probe[bad][0]:.4g}")
    big = np.abs(values) > MAX_VALUE
    if big.any():
        i = int(np.argmax(np.abs(values)))
        raise FormulaError(
            f"{h.text!r} reaches {values[i]:.3g} at x = {probe[i]:.4g}: a target must stay "
            f"within ±{MAX_VALUE:g} on [-pi, pi] to be fitted and plotted (scale it down)"
        )
    return x, y


def _syntax_message(text, exc):
    """A syntax error's message with its column in the text the user typed."""
    message = f"syntax error: {exc.msg}"
    if "decimal literal" in (exc.msg or ""):
        message += " (write 3*x, not 3x)"
    if exc.lineno == 1 and exc.offset:
        message += f" at column {_original_column(text, exc.offset)}"
    return message


def _original_column(text, column):
    """Map a 1-based column of the parsed text (each ``^`` became ``**``) back."""
    columns = [i for i, char in enumerate(text, 1) for _ in range(2 if char == "^" else 1)]
    return columns[min(column, len(columns)) - 1]


def _segment(source, node):
    """The source text of ``node``, for messages."""
    return ast.get_source_segment(source, node) or type(node).__name__


def _check(node, source, depth):
    """Raise `FormulaError` unless every node below ``node`` is whitelisted."""
    if depth > MAX_DEPTH:
        raise FormulaError(f"the formula is nested too deeply (more than {MAX_DEPTH} levels)")
    if isinstance(node, ast.Constant):
        _check_constant(node, source)
    elif isinstance(node, ast.Name):
        _check_name(node.id)
    elif isinstance(node, (ast.UnaryOp, ast.BinOp)):
        _check_operator(node, source, depth)
    elif isinstance(node, ast.Call):
        _check_call(node, source, depth)
    else:
        word = _NODE_WORDS.get(type(node), type(node).__name__)
        raise FormulaError(f"{word} is not allowed: {_segment(source, node)!r}")


def _check_constant(node, source):
    """Plain real numbers only (no True, strings or 1j), and finite ones."""
    value = node.value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FormulaError(f"{_segment(source, node)!r} is not allowed: only numbers")
    try:
        finite = math.isfinite(float(value))
    except OverflowError:
        finite = False
    if not finite:
        raise FormulaError(f"the number {_segment(source, node)!r} is too large")


def _check_name(name):
    """x, pi and e are the only names that stand alone."""
    if name == VARIABLE or name in CONSTANTS:
        return
    if name in FUNCTIONS:
        raise FormulaError(f"{name} is a function: write {name}(...)")
    raise FormulaError(f"unknown name {name!r}: use x, pi, e or a function call")


def _check_operator(node, source, depth):
    """Arithmetic operators only, with a bounded constant exponent for ``**``."""
    table = _UNARY if isinstance(node, ast.UnaryOp) else _BINARY
    if type(node.op) not in table:
        symbol = _OPERATOR_SYMBOLS.get(type(node.op), type(node.op).__name__)
        raise FormulaError(f"operator {symbol!r} is not allowed; use + - * / ** or ^")
    children = [node.operand] if isinstance(node, ast.UnaryOp) else [node.left, node.right]
    for child in children:
        _check(child, source, depth + 1)
    if isinstance(node.op, ast.Pow):
        _check_exponent(node.right, source)


def _check_exponent(node, source):
    """A constant exponent must have size <= MAX_EXPONENT (``9**9**9`` is refused).

    Exponents that depend on x (``2**x``) cost one NumPy call like any other.
    """
    if any(isinstance(n, ast.Name) and n.id == VARIABLE for n in ast.walk(node)):
        return
    with np.errstate(all="ignore"):
        value = float(_evaluate(node, np.float64(0.0)))
    if not abs(value) <= MAX_EXPONENT:
        raise FormulaError(
            f"the exponent {_segment(source, node)!r} must be a number "
            f"between -{MAX_EXPONENT:g} and {MAX_EXPONENT:g}"
        )


def _check_call(node, source, depth):
    """A call of a whitelisted function by name, with exactly one plain argument."""
    func = node.func
    if not isinstance(func, ast.Name):
        raise FormulaError(f"only named functions can be called, not {_segment(source, func)!r}")
    if func.id not in FUNCTIONS:
        raise FormulaError(
            f"function {func.id!r} is not allowed; use one of: {', '.join(FUNCTIONS)}"
        )
    if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
        raise FormulaError(f"{func.id}(...) takes exactly one argument")
    _check(node.args[0], source, depth + 1)


def _evaluate(node, x):
    """Evaluate a checked tree with NumPy; every node kind here passed `_check`."""
    if isinstance(node, ast.Constant):
        return np.float64(node.value)
    if isinstance(node, ast.Name):
        return x if node.id == VARIABLE else np.float64(CONSTANTS[node.id])
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](_evaluate(node.operand, x))
    if isinstance(node, ast.BinOp):
        left, right = _evaluate(node.left, x), _evaluate(node.right, x)
        return _BINARY[type(node.op)](left, right)
    return FUNCTIONS[node.func.id](_evaluate(node.args[0], x))
