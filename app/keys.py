"""Keyboard shortcuts of the Playground, for a lecturer at the front of a class.

Space plays or pauses, ``s`` steps, ``r`` resets, ``1``-``9`` flip that first-layer unit's
signs. A tiny ``st.components.v2`` component with no visible UI attaches one ``keydown``
listener to the page's document (once, however many runs mount it again) and presses the
page's own buttons (keys ``play``, ``pause``, ``step``, ``reset``, ``flip_1_<i-1>``): a
shortcut does exactly what the button does, through the same callback, and a button that is
disabled or absent (a unit that does not exist) does nothing. Keys typed into a text field,
a number, a select box or anything editable are left alone, as are keys held with Ctrl, Alt
or Meta (the browser's own shortcuts).
"""

from __future__ import annotations

import streamlit as st

COMPONENT_NAME = "decision_studio.keys"
MOUNT_KEY = "studio_keys"

# What the popover lists, in the order a lecturer needs them.
SHORTCUTS = (
    ("Space", "play / pause"),
    ("s", "one step (a frame's worth of training steps)"),
    ("r", "reset to the initial weights"),
    ("1 – 9", "flip that first-layer unit's signs (w_i, b_i → −w_i, −b_i)"),
)

JS = r"""
// Keys -> the page's buttons (their Streamlit keys).
const BUTTONS = { s: "step", r: "reset" };

function visibleButton(key) {
  // A button with help text is drawn twice (a hidden copy measures it): press the shown one.
  for (const b of document.querySelectorAll(`.st-key-${key} button`)) {
    if (b.offsetParent !== null) return b;
  }
  return null;
}

function typing(el) {
  if (!el || el.nodeType !== 1) return false;
  if (el.isContentEditable) return true;
  if (el.closest("[contenteditable=''], [contenteditable='true']")) return true;
  const tag = el.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag === "INPUT") return !["button", "checkbox", "radio", "range", "submit"].includes(el.type);
  const role = el.getAttribute("role");
  return role === "textbox" || role === "combobox" || role === "listbox" || role === "spinbutton";
}

function target(e) {
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (key === " ") {
    const play = visibleButton("play");
    return play && !play.disabled ? play : visibleButton("pause");
  }
  if (BUTTONS[key]) return visibleButton(BUTTONS[key]);
  if (/^[1-9]$/.test(key)) return visibleButton(`flip_1_${Number(key) - 1}`);
  return null;
}

let spaceTaken = false;

function onKeyDown(e) {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
  // The listener outlives the Playground (a lab page is shown in the same document): it acts
  // only while the component is mounted.
  if (!document.querySelector("[data-studio-keys]")) return;
  if (typing(e.target) || typing(document.activeElement)) return;
  const button = target(e);
  if (!button || button.disabled) return;
  // Space would also scroll the page, or press the button that has the focus.
  e.preventDefault();
  if (e.key === " ") spaceTaken = true;
  if (!e.repeat) button.click();
}

function onKeyUp(e) {
  // A focused button is pressed by Space on key up: the shortcut has taken that Space.
  if (e.key === " " && spaceTaken) {
    spaceTaken = false;
    e.preventDefault();
  }
}

export default function (component) {
  const parent = component.parentElement;
  const doc = (parent && parent.ownerDocument) || document;
  // Called again at every run that mounts the component: one listener per document.
  if (!doc.__studioKeys) {
    doc.__studioKeys = true;
    doc.addEventListener("keydown", onKeyDown);
    doc.addEventListener("keyup", onKeyUp);
  }
  if (parent) {
    const root = parent instanceof ShadowRoot ? parent.host : parent;
    root.dataset.studioKeys = "on";
  }
  return undefined;
}
"""

# The mount takes no room: its element container is not displayed (the component still runs).
CSS = f".st-key-{MOUNT_KEY} {{ display: none !important; }}"

_component = st.components.v2.component(COMPONENT_NAME, js=JS, css=CSS, isolate_styles=False)


def help_markdown() -> str:
    rows = "\n".join(f"| `{key}` | {what} |" for key, what in SHORTCUTS)
    return (
        "| key | does |\n|---|---|\n"
        + rows
        + "\n\nNot while typing in a field. The digits press the page's *flip z_i* buttons: "
        "with more than 16 units, only the unit chosen there."
    )


def show() -> None:
    """Mount the shortcuts (no visible element) and their "Keyboard shortcuts" popover."""
    _component(key=MOUNT_KEY, data={"on": True})
    # A short label: the row of play controls must fit a projector's 1024 px on one line.
    with st.popover(
        "Keys", icon=":material/keyboard:", help="Keyboard shortcuts", key="studio_keys_help"
    ):
        st.markdown(help_markdown())
