"""app.messages: nothing a link, a file or a field carries is ever read as Markdown.

The oracle is CommonMark's own rule for code spans (spec 0.31, section 6.1), written out
below independently of app/messages.py: a backtick run opens a span that the next run of
the same length closes; line endings become spaces; one space is stripped from each side
when both sides have one. Inside a span nothing is Markdown. So a message is safe when
every user value lies inside a span and comes out of it unchanged, and the text outside the
spans is exactly the studio's own. How Streamlit's real renderer draws such spans (links,
images, directives, HTML) is checked in headless Chromium in tests/test_injection_browser.py.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app import config as C
from app import guard, messages

ATTACKS = [
    ":red-background[**Your session has expired. Log in at evil.example**]",
    "![x](http://127.0.0.1:1/t.png)",
    "[text](https://evil.example)",
    "<img src=x onerror=alert(1)>",
    "<b>bold</b> &amp; &lt;",
    "https://evil.example/path",
    "www.evil.example",
    "__import__",
    "**bold** _it_ ~~s~~",
    "$x^2$ and $$y$$",
    ":smile: :streamlit: :material/home:",
    "`code` ``two`` ```three```",
    "`",
    " ` ",
    "a\\`b",
    "# heading",
    "> quote",
    "- item",
    "1. item",
    "| a | b |",
    "\\",
    "line\nbreak\r\nand\rmore",
    "x -> y <- z --",
    ":blue[x] :primary-badge[y] :help[z]",
]


# -- the oracle: CommonMark code spans -------------------------------------------------------
def segments(markdown: str) -> list[tuple[str, str]]:
    """``[("text", ...), ("code", ...), ...]`` as a CommonMark inline parser splits it.

    Only code spans and backslash-escaped backticks are recognised (the templates hold no
    other construct that could swallow a backtick).
    """
    out: list[tuple[str, str]] = []
    text = []
    i = 0
    while i < len(markdown):
        if markdown.startswith("\\`", i):
            text.append("\\`")
            i += 2
            continue
        if markdown[i] != "`":
            text.append(markdown[i])
            i += 1
            continue
        n = len(re.match(r"`+", markdown[i:]).group())
        # The closing run: the next run of exactly n backticks.
        j = i + n
        close = None
        for run in re.finditer(r"`+", markdown[j:]):
            if len(run.group()) == n:
                close = j + run.start()
                break
        if close is None:
            text.append("`" * n)
            i += n
            continue
        content = re.sub(r"\r\n|\r|\n", " ", markdown[i + n : close])
        if len(content) >= 2 and content[0] == content[-1] == " " and content.strip(" "):
            content = content[1:-1]
        if text:
            out.append(("text", "".join(text)))
            text = []
        out.append(("code", content))
        i = close + n
    if text:
        out.append(("text", "".join(text)))
    return out


def shown(markdown: str) -> str:
    """The code spans' text, as a reader sees it (the invisible word joiner dropped)."""
    return "".join(c for kind, c in segments(markdown) if kind == "code").replace("\u2060", "")


def outside(markdown: str) -> str:
    return "".join(c for kind, c in segments(markdown) if kind == "text")


def test_the_oracle_reads_commonmark_examples():
    # Examples 328-349 of the CommonMark spec, in short.
    assert segments("`foo`") == [("code", "foo")]
    assert segments("`` foo ` bar ``") == [("code", "foo ` bar")]
    assert segments("` `` `") == [("code", "``")]
    assert segments("`  ``  `") == [("code", " `` ")]
    assert segments("` a`") == [("code", " a")]
    assert segments("` `") == [("code", " ")]
    assert segments("```foo``") == [("text", "```foo``")]
    assert segments("`foo``bar``") == [("text", "`foo"), ("code", "bar")]


# -- literal ---------------------------------------------------------------------------------
# What a value may hold and still be shown character for character: anything printable on
# one line (controls, invisible format characters and line breaks are shown as escapes).
printable = st.text(
    st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Co", "Zl", "Zp")),
    min_size=1,
    max_size=messages.MAX_LITERAL,
).filter(lambda s: s.strip(" "))


@settings(max_examples=400, deadline=None)
@given(printable)
def test_a_literal_is_one_code_span_showing_the_value_exactly(value):
    md = messages.literal(value)
    assert isinstance(md, messages.Markdown)
    assert [kind for kind, _ in segments(md)] == ["code"]
    assert shown(md) == value
    # Streamlit rewrites ":material/" in the raw source, code spans included.
    assert ":material/" not in md


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ATTACKS), printable, printable)
def test_attacks_inside_any_text_stay_inside_the_span(attack, before, after):
    value = (before + attack + after)[: messages.MAX_LITERAL]
    md = messages.literal(value)
    assert [kind for kind, _ in segments(md)] == ["code"]
    assert shown(md) == messages.plain_line(value)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_becomes_one_line_without_invisible_characters(value):
    md = messages.literal(value)
    kinds = [kind for kind, _ in segments(md)]
    assert kinds == ["code"] or md == "*(empty)*"
    assert not re.search(r"[\r\n\v\f\x85\u2028\u2029]", md)
    invisible = [c for c in md if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co")]
    assert set(invisible) <= {"\u2060"}, invisible
    assert len(shown(md)) <= 6 * messages.MAX_LITERAL  # an escape is at most 6 characters


@pytest.mark.parametrize(
    "value, seen",
    [
        ("a\nb", "a↵b"),
        ("a\r\nb", "a↵b"),
        ("tab\there", "tab here"),
        ("\u202eevil", "\\u202eevil"),  # a right-to-left override would reverse the rest
        ("nul\x00", "nul\\x00"),
        ("x" * 500, "x" * (messages.MAX_LITERAL - 1) + "…"),
        (":material/home:", ":material/home:"),
        (12.5, "12.5"),
    ],
)
def test_what_a_literal_shows(value, seen):
    assert shown(messages.literal(value)) == seen


def test_empty_and_blank_values_still_show_something():
    assert messages.literal("") == "*(empty)*"
    assert shown(messages.literal("   ")) == "···"


# -- text ------------------------------------------------------------------------------------
TEMPLATE = "URL value {pair} ignored: {why}; using {number:g}."


@settings(max_examples=300, deadline=None)
@given(printable, printable, st.floats(allow_nan=False, allow_infinity=False))
def test_text_puts_each_value_in_its_own_span_and_keeps_the_template(pair, why, number):
    md = messages.text(TEMPLATE, pair=pair, why=why, number=number)
    assert isinstance(md, messages.Markdown)
    codes = [c.replace("\u2060", "") for kind, c in segments(md) if kind == "code"]
    assert codes == [pair, why]
    assert outside(md) == f"URL value  ignored: ; using {number:g}."


def test_numbers_are_plain_and_markdown_is_kept_and_dollars_escaped():
    inner = messages.text("**{x}**", x="a*b")
    md = messages.text("{n:,} and {inner} cost $5", n=1234567, inner=inner)
    assert md == "1,234,567 and **`a*b`** cost \\$5"
    assert messages.text("{b}", b=True) == "`True`", "a bool is a word, not a number"
    with pytest.raises(KeyError):
        messages.text("{missing}")


# -- config.from_query: every notice about a link's value ------------------------------------
SENTINEL = "EVIL"
hostile = st.builds(
    lambda a, b, attack: f"{a}{SENTINEL}{attack}{b}",
    st.text(max_size=20),
    st.text(max_size=20),
    st.sampled_from(ATTACKS),
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(C.QUERY_NAMES.values())), hostile)
def test_from_query_notices_quote_a_links_values_only_as_literals(name, value):
    _, notices = C.from_query({name: value})
    for notice in notices:
        assert isinstance(notice, messages.Markdown), notice
        assert SENTINEL not in outside(notice), notice
        for bad in ("![", "](", ":red", "<", "http", "**Your"):
            assert bad not in outside(notice), (bad, notice)


@pytest.mark.parametrize("attack", ATTACKS)
def test_the_bug_reports_links_give_literal_notices(attack):
    _, notices = C.from_query({"data": attack})
    [notice] = notices
    assert shown(notice).startswith("data=" + messages.plain_line(attack)[:60])
    assert outside(notice).startswith("URL value  ignored: ")


# -- show, and the guard ---------------------------------------------------------------------
def _show_page():
    from app import messages

    messages.show("info", "![x](http://127.0.0.1:1/t.png)")  # untrusted: one literal
    messages.show("warning", messages.text("Kept **{v}**", v="_x_"))
    messages.say("error", "File {name} refused", name="[a](b)")
    messages.show("caption", messages.text("cap {v}", v="<b>"))
    messages.show("success", messages.text("done"))


def test_show_puts_markdown_as_is_and_anything_else_as_a_literal():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_show_page).run()
    assert not at.exception
    assert [e.value for e in at.info] == ["`![x](http://127.0.0.1:1/t.png)`"]
    assert [e.value for e in at.warning] == ["Kept **`_x_`**"]
    assert [e.value for e in at.error] == ["File `[a](b)` refused"]
    assert [e.value for e in at.caption] == ["cap `<b>`"]
    assert [e.value for e in at.success] == ["done"]
    assert at.info[0].proto.icon == messages.ICONS["info"]
    with pytest.raises(ValueError, match="unknown message kind"):
        messages.show("shout", "x")


def _failing_with(text):
    from app import guard

    def page():
        raise ValueError(text)

    guard.guarded(page, name="test")


@pytest.mark.parametrize("attack", ATTACKS)
def test_the_guard_shows_an_exceptions_text_only_as_a_literal(attack):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_failing_with, args=(SENTINEL + attack,)).run()
    assert not at.exception
    [error] = at.error
    assert SENTINEL not in outside(error.value)
    assert outside(error.value) == "Something went wrong: ; your last good state is kept."
    assert shown(error.value) == guard.describe(ValueError(SENTINEL + attack))
