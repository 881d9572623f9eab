// Colours of the live view, all from PALETTE (app/palette.py; app/live_view.py prepends it
// as `const PALETTE = {...}`). Nothing else in app/live_view/ spells a colour.

function hexToRgb(hex) {
  const h = hex.replace("#", "");
  const s = h.length === 3 ? h.split("").map((c) => c + c).join("") : h;
  return [0, 2, 4].map((i) => parseInt(s.slice(i, i + 2), 16));
}

function rgb(c, a) {
  return a === undefined
    ? `rgb(${c[0]},${c[1]},${c[2]})`
    : `rgba(${c[0]},${c[1]},${c[2]},${a})`;
}

const CLASS_RGB = PALETTE.classes.map(hexToRgb);
const NO_CLASS_RGB = hexToRgb(PALETTE.no_class);
const NO_VALUE_RGB = hexToRgb(PALETTE.no_value);
const NEG_RGB = hexToRgb(PALETTE.heat_negative); // heat map, class 0 / negative
const POS_RGB = hexToRgb(PALETTE.heat_positive); // heat map, class 1 / positive
const PANEL_RGB = hexToRgb(PALETTE.panel); // what the surface's tints fade to
const HEAT_MAX = PALETTE.heat_max_alpha; // strongest tint: points stay legible on top

function classRgb(k) {
  return k >= 0 && k < 255 ? CLASS_RGB[k % CLASS_RGB.length] : NO_CLASS_RGB;
}

function unitColor(d, i) {
  return (d.unit_colors && d.unit_colors[i]) || PALETTE.units[i % PALETTE.units.length];
}

// The regression scale as a 256-entry look-up table (r, g, b per entry).
const VIRIDIS = (() => {
  const stops = PALETTE.viridis.map(([t, c]) => [t, hexToRgb(c)]);
  const lut = new Uint8ClampedArray(256 * 3);
  for (let q = 0; q < 256; q++) {
    const t = q / 255;
    let k = 0;
    while (k < stops.length - 2 && t > stops[k + 1][0]) k++;
    const [t0, c0] = stops[k];
    const [t1, c1] = stops[k + 1];
    const u = (t - t0) / (t1 - t0);
    for (let ch = 0; ch < 3; ch++) lut[q * 3 + ch] = c0[ch] + (c1[ch] - c0[ch]) * u;
  }
  return lut;
})();

function scaleRgb(t) {
  const q = Math.max(0, Math.min(255, Math.round(t * 255)));
  return [VIRIDIS[q * 3], VIRIDIS[q * 3 + 1], VIRIDIS[q * 3 + 2]];
}

// CSS reads the palette through custom properties set on each view's root (live_view.css).
const CSS_COLORS = {
  "--lv-text": PALETTE.text,
  "--lv-tip-border": PALETTE.tip_border,
  "--lv-tip-background": PALETTE.tip_background,
  "--lv-tip-shadow": PALETTE.tip_shadow,
};
