"""Every message the studio shows goes through here, and nothing a user sent is ever markup.

Streamlit renders the text of ``st.info``, ``st.warning``, ``st.error``, ``st.success``,
``st.caption`` and ``st.markdown`` as Markdown, with its own extensions (checked in its
front end, ``StreamlitMarkdown.js`` of Streamlit 1.67): ``![x](url)`` is an ``<img>`` that
every browser fetches, ``[text](url)`` and a bare ``https://…`` or ``www.…`` become links,
``:red-background[…]`` is a styled span, ``:smile:`` an emoji, ``:streamlit:`` a picture,
``$…$`` maths. So a value that came from a link, a file or a field, echoed in a notice,
could write into the page.

The one rule here: such a value is shown as an inline code span, `literal`. Inside a code
span Markdown reads nothing (no emphasis, links, images, HTML, entities, escapes) and
Streamlit's extensions, which run on text nodes, never see it. The one exception is a
rewrite of the raw source before parsing (``:material/`` becomes ``:material_`` even in
code: streamlit/streamlit#10365, open), which `literal` defeats with an invisible word
joiner. Widget labels, ``help=`` tooltips, expander titles and ``st.progress`` texts are
Markdown too: a user value goes there only through `literal` as well.

* ``literal(value)``: Markdown that shows ``str(value)`` as it is, in code font, on one
  line (line breaks shown as ``↵``, control and invisible format characters as ``\\uXXXX``),
  at most ``MAX_LITERAL`` characters.
* ``text(template, **values)``: the template is the studio's own Markdown; each value is
  put in as a `literal` (real numbers, which carry no text, as plain digits; a `Markdown`
  made by this module as it is). Returns `Markdown`.
* ``show(kind, message)``: the one way to put a message on the page (``st.info`` …). A
  `Markdown` is shown as it is; any other string is treated as untrusted and shown whole as
  a literal, so a message that skipped `text` is safe, only plainer.
* ``say(kind, template, **values)``: ``show(kind, text(template, **values))``.
"""

from __future__ import annotations

import numbers
import re
import string
import unicodedata
from typing import Any

MAX_LITERAL = 160  # characters of a value shown; a junk field cannot flood the page
MAX_DETAIL = 300  # characters of an exception's text shown
ELLIPSIS = "…"
LINE_BREAK = "↵"
# Streamlit's front end replaces ":material/" by ":material_" in the raw Markdown, inside
# code too; a word joiner (invisible) between the two keeps the text as typed on screen.
_WORD_JOINER = "\u2060"
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")
_BACKTICKS = re.compile(r"`+")
_NUMBER = re.compile(r"[-+ ]?(?:[0-9][0-9.,_]*(?:[eE][-+]?[0-9]+)?|inf|nan|INF|NAN)%?")
ICONS = {
    "info": ":material/info:",
    "warning": ":material/warning:",
    "error": ":material/error:",
    "success": ":material/check_circle:",
}
KINDS = (*ICONS, "caption", "markdown", "toast")


class Markdown(str):
    """Markdown built by this module: the studio's own text, every user value a literal."""

    __slots__ = ()


def _visible(char: str) -> str:
    """A control, format (bidi overrides, zero-width), surrogate or private character as
    its escape, so nothing invisible changes how the rest reads."""
    if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co") and char != "\t":
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return char


def plain_line(value: Any, limit: int = MAX_LITERAL) -> str:
    """``str(value)`` on one line, shortened to ``limit`` characters, nothing invisible."""
    text = value if isinstance(value, str) else _to_text(value)
    if len(text) > limit:
        text = text[: max(limit - 1, 0)] + ELLIPSIS
    text = _LINE_BREAKS.sub(LINE_BREAK, text).replace("\t", " ")
    return "".join(_visible(c) for c in text)


def _to_text(value: Any) -> str:
    try:
        return str(value)
    except Exception:  # noqa: BLE001 — a value whose __str__ fails still gets a message
        return f"<{type(value).__name__}>"


def literal(value: Any, limit: int = MAX_LITERAL) -> Markdown:
    """Markdown that shows ``str(value)`` literally, as inline code.

    CommonMark's rules for a code span: it opens and closes with backtick runs of one
    length, which no run inside may have (so the fence is one longer than the longest run
    in the text); if the text starts or ends with a backtick or a space, one space each side
    is added, and the renderer strips exactly that.
    """
    text = plain_line(value, limit).replace(":material/", f":material{_WORD_JOINER}/")
    if not text:
        return Markdown("*(empty)*")
    if not text.strip(" "):
        text = "·" * len(text)  # a code span of spaces only would show nothing
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text[0] in "` " or text[-1] in "` " else ""
    return Markdown(f"{fence}{pad}{text}{pad}{fence}")


def detail(err: BaseException, limit: int = MAX_DETAIL) -> str:
    """An exception's text on one line, shortened (to be shown through `text`: it may quote
    what the user typed)."""
    return plain_line(" ".join(_to_text(err).split()), limit)


def _fill(value: Any, conversion: str | None, spec: str) -> str:
    if isinstance(value, Markdown) and not conversion and not spec:
        return value
    if conversion == "r":
        value = repr(value)
    elif conversion in ("s", "a"):
        value = str(value) if conversion == "s" else ascii(value)
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and not conversion:
        # Digits, a sign, a point, an exponent, "inf"/"nan": nothing Markdown reads.
        shown = format(value, spec)
        if _NUMBER.fullmatch(shown):
            return shown
        return literal(shown)
    return literal(format(value, spec) if spec else value)


def text(template: str, /, **values: Any) -> Markdown:
    """The template (trusted Markdown of the studio) with each ``{name}`` (format specs
    allowed: ``{lr:g}``) replaced by its value shown as a `literal`.

    ``$`` in the template is escaped, so no value can pair with it into maths.
    """
    out = []
    for before, name, spec, conversion in string.Formatter().parse(template):
        out.append(before.replace("$", "\\$"))
        if name is None:
            continue
        if name not in values:
            raise KeyError(f"text(): no value for {{{name}}} in {template!r}")
        out.append(_fill(values[name], conversion, spec or ""))
    return Markdown("".join(out))


def as_markdown(message: Any) -> Markdown:
    """A `Markdown` as it is; anything else (untrusted) as one literal."""
    if isinstance(message, Markdown):
        return message
    return literal(message, MAX_DETAIL)


def show(kind: str, message: Any, *, icon: str | None = None, where: Any = None) -> Any:
    """Put a message on the page: ``kind`` is info, warning, error, success (with their
    icons), caption, markdown or toast; ``where`` a container (``st.sidebar``, a column)."""
    import streamlit as st

    if kind not in KINDS:
        raise ValueError(f"unknown message kind {kind!r}; one of {', '.join(KINDS)}")
    body = as_markdown(message)
    target = st if where is None else where
    if kind in ICONS:
        return getattr(target, kind)(body, icon=icon or ICONS[kind])
    if kind == "toast":
        return st.toast(body, icon=icon)
    return getattr(target, kind)(body)


def say(kind: str, template: str, /, *, icon: str | None = None, where: Any = None, **values):
    """``show(kind, text(template, **values))``."""
    return show(kind, text(template, **values), icon=icon, where=where)
