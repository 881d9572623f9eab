"""Presentation mode: the Playground as a projector shows it to the back row.

``?present=1`` (or the sidebar's toggle) closes the sidebar, enlarges the page's text and
tightens the space above the controls, so that the play buttons, both live views and the
status line fit on the first screen at 1280 x 720. Classroom ``hide=`` still applies.
"""

from __future__ import annotations

import streamlit as st

# Streamlit's wide layout leaves 6rem above the first element for its header; the header
# stays (it holds the button that opens the sidebar again), the page starts just below it.
CSS = """<style>
.stMainBlockContainer { padding-top: 3.2rem !important; padding-bottom: 2rem !important; }
.stMain .stMarkdown p, .stMain .stCaption, .stMain label p { font-size: 1.2rem !important; }
.stMain .stButton button p { font-size: 1.15rem !important; font-weight: 600; }
.st-key-stats code { font-size: 1.05rem !important; }
.stMain [data-testid="stVerticalBlock"] { gap: 0.55rem; }
</style>"""


def apply() -> None:
    """Collapse the sidebar once (the lecturer may open it again) and restyle the page."""
    if not st.session_state.get("_presentation_collapsed"):
        st.session_state["_presentation_collapsed"] = True
        st.set_page_config(initial_sidebar_state="collapsed")
    st.html(CSS)


def leave() -> None:
    """Presentation mode was switched off: the next switch on collapses the sidebar again."""
    if st.session_state.pop("_presentation_collapsed", None):
        st.set_page_config(initial_sidebar_state="expanded")
