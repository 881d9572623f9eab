"""Entry point: `streamlit run app/streamlit_app.py`. Registers the pages, nothing more.

`app` and `engine` import as the installed project (`pip install -e .`, which
scripts/app.sh does), from any working directory.
"""

from pathlib import Path

import streamlit as st

from engine import trainer

if trainer.compiled is not None:
    # Compile (or load from its cache) the training kernel while the first page loads.
    trainer.compiled.warm_up_in_background()

ROOT = Path(__file__).resolve().parent.parent
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
