"""What the four lab pages share: their state in the session, the job that computes a result,
the lecture's question above and what to see below, charts whose PNG comes from Plotly's
toolbar, and the row of downloads."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from app import exports, figures, jobs
from app.palette import BOUNDARY, HEAT

PNG_NOTE = (
    "A chart as PNG, sized for a slide: the camera button in its toolbar (top right, when "
    "the pointer is over it)."
)


def state(key: str, make: Callable[[], Any]) -> Any:
    """The page's one state object in the session, made by ``make()`` only when missing."""
    if key not in st.session_state:
        st.session_state[key] = make()
    return st.session_state[key]


def job_result(
    page_state,
    new,
    job_key: str,
    compute: Callable[[Any], Iterator[jobs.Progress]],
    *,
    name: str,
) -> Any:
    """The result for ``page_state.params``, computed as a job (app.jobs) when missing.

    ``new`` is what the page's form submitted, or None: other parameters replace
    ``page_state.params`` and drop its result, and a submission starts the job again (after
    a cancel, say). None while the job runs (its progress is on the page), or after it was
    cancelled or failed (a message says so).
    """
    if new is not None and (new != page_state.params or page_state.result is None):
        page_state.params, page_state.result = new, None
    if page_state.result is None:
        params = page_state.params
        page_state.result = jobs.run(
            job_key, params, lambda: compute(params), name=name, restart=new is not None
        )
    return page_state.result


def intro(title: str, asks: str, here: str):
    """The page's title, the lecture's question and what the page does about it."""
    st.title(title)
    st.markdown(f"**The lecture asks:** {asks}  \n**Here:** {here}")


def what_to_see(text: str):
    """The closing box: what a student should notice."""
    st.info(f"**What you should see.** {text}", icon=":material/visibility:")


def chart(fig, key: str, file_name: str, **kw):
    """``st.plotly_chart`` whose toolbar's camera button downloads ``<file_name>.png`` at a
    slide's size (a figure taller than a slide keeps its height)."""
    height = max(figures.SLIDE_HEIGHT, int(fig.layout.height or 0))
    config = figures.slide_config(file_name, height=height)
    return st.plotly_chart(fig, key=key, config=config, **kw)


def add_surface(fig, xs, ys, z, *, row: int, col: int, line_width: float = 1.5):
    """A panel's decision surface F(x) (blue < 0 < orange, saturated at |F| = 2) and its
    boundary F(x) = 0."""
    fig.add_trace(
        go.Heatmap(
            zsmooth="best",
            x=xs,
            y=ys,
            z=z,
            zmin=-2,
            zmax=2,
            colorscale=HEAT,
            showscale=False,
            hoverinfo="skip",
        ),
        row=row,
        col=col,
    )
    fig.add_trace(
        go.Contour(
            x=xs,
            y=ys,
            z=z,
            contours=dict(start=0, end=0, coloring="none"),
            line=dict(color=BOUNDARY, width=line_width),
            showscale=False,
            hoverinfo="skip",
        ),
        row=row,
        col=col,
    )


def downloads(*items):
    """The page's files side by side (items as `exports.download_row` takes them), and where
    its charts' PNGs are."""
    exports.download_row(*items)
    st.caption(PNG_NOTE)
