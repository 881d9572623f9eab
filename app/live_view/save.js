// The save button in a view's corner: a PNG of what the canvas shows, with at least two
// device pixels per CSS pixel (sharp on a slide), named after the view.

const SAVE_MIN_RATIO = 2;
const SAVE_ICON =
  '<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" fill="none" ' +
  'stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round">' +
  '<path d="M8 2.5v7.5M4.8 7 8 10.2 11.2 7M3 13h10"/></svg>';

function saveFileName(view) {
  return `${view || "view"}.png`; // boundary.png, hidden.png, curves.png, network.png
}

function makeSaveButton(onSave) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "lv-save";
  b.title = "Save this view as a PNG";
  b.setAttribute("aria-label", "Save this view as a PNG");
  b.innerHTML = SAVE_ICON;
  b.addEventListener("click", (e) => {
    e.stopPropagation();
    onSave();
  });
  return b;
}

function downloadCanvas(canvas, name) {
  canvas.toBlob((blob) => {
    if (!blob) return;
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 30000);
  }, "image/png");
}
