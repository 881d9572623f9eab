"""Entry point: `streamlit run app/streamlit_app.py`. Registers the pages, nothing more."""

import sys
from pathlib import Path

# `streamlit run` puts app/ on the path; the engine and the `app` package sit one level up.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from engine import trainer  # noqa: E402

if trainer.compiled is not None:
    # Compile (or load from its cache) the training kernel while the first page loads.
    trainer.compiled.warm_up_in_background()

st.set_page_config(
    page_title="Decision-boundary studio",
    page_icon=str(ROOT / "assets" / "favicon.png"),
    layout="wide",
)

# Not "pages/": beside the entry script that name turns on Streamlit's old folder mode,
# which serves the files without this entry point until "/" is first loaded.
PAGES = Path(__file__).resolve().parent / "screens"
pages = [
    st.Page(
        PAGES / "playground.py",
        title="Playground",
        icon=":material/tune:",
        url_path="playground",
        default=True,
    ),
]
# (file, title, icon, the URL's path: "kernels" for the kernel-SVM lab, as links already say)
for name, title, icon, url_path in (
    ("sign_flips", "Sign patterns", ":material/swap_horiz:", "sign_flips"),
    ("kernel_svm", "Kernels vs learned features", ":material/compare:", "kernels"),
    ("universal", "Universal approximation", ":material/show_chart:", "universal"),
    ("backprop", "Backprop inspector", ":material/manage_search:", "backprop"),
):
    pages.append(st.Page(PAGES / f"{name}.py", title=title, icon=icon, url_path=url_path))

st.navigation(pages).run()
