// Live view of the decision-boundary studio: one <canvas> per mount, redrawn in place.
//
// Loaded by app/live_view.py as the inline JS of an st.components.v2 component. That file
// prepends `const PALETTE = {classes: [...], units: [...]};` (from app/payloads.py) and
// nothing else. Streamlit calls the default export once per mount and again each time the
// data changes, always with the same parentElement: we keep one LiveView per parentElement,
// update its data and repaint in the next animation frame; the DOM is never rebuilt.
//
// Payloads are built by app/payloads.py (see there for the format).

const VIEWS = new WeakMap(); // parentElement -> LiveView
const PUMP = { views: new Set(), timer: 0, at: Infinity }; // the page's one paint timer
const POINT_CACHE = new Map(); // component user key -> {version, pts}

const FONT_FALLBACK = '"Source Sans", "Source Sans Pro", system-ui, sans-serif';
const NEG_RGB = [49, 119, 180]; // heat-map blue (class 0 / negative)
const POS_RGB = [240, 133, 40]; // heat-map orange (class 1 / positive)
const HEAT_MAX = 0.62; // strongest tint of the heat map (points stay legible on top)
const MANY_UNITS = 24; // above this many units, lines only (no arrows, no labels)
const POINT_R = 4.3; // point radius, CSS px
const HOVER_PX = 14; // hover/click pick radius, CSS px
const GRAD_COLOR = "#4b5563"; // ||g|| on the charts while playing
const GRAD_CLIP_COLOR = "#d62728"; // the clipping threshold and where clipping fired

// ------------------------------------------------------------------ small helpers

function hexToRgb(hex) {
  const h = hex.replace("#", "");
  const s = h.length === 3 ? h.split("").map((c) => c + c).join("") : h;
  return [0, 2, 4].map((i) => parseInt(s.slice(i, i + 2), 16));
}
const CLASS_RGB = PALETTE.classes.map(hexToRgb);

function rgb(c, a) {
  return a === undefined
    ? `rgb(${c[0]},${c[1]},${c[2]})`
    : `rgba(${c[0]},${c[1]},${c[2]},${a})`;
}

function classRgb(k) {
  return k >= 0 && k < 255 ? CLASS_RGB[k % CLASS_RGB.length] : [150, 150, 150];
}

function b64ToBytes(s) {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function toF64(list) {
  const out = new Float64Array(list ? list.length : 0);
  for (let i = 0; i < out.length; i++) out[i] = list[i] === null ? NaN : list[i];
  return out;
}

// Viridis-like scale, 256 entries, for regression.
const VIRIDIS = (() => {
  const stops = [
    [0.0, [68, 1, 84]],
    [0.25, [59, 82, 139]],
    [0.5, [33, 145, 140]],
    [0.75, [94, 201, 98]],
    [1.0, [253, 231, 37]],
  ];
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

function niceStep(range, count) {
  const raw = range / Math.max(1, count);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / mag;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

function ticks(lo, hi, count) {
  const step = niceStep(hi - lo, count);
  const dec = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  // Past 1e5 (weights that grew before the guard stopped them), "9998e+87" and 20-digit
  // labels overlap: a short exponent form instead.
  const big = Math.max(Math.abs(lo), Math.abs(hi)) >= 1e5;
  const out = [];
  const start = Math.ceil(lo / step - 1e-9) * step;
  // At most a few dozen ticks: a step below the values' precision would never advance.
  for (let k = 0; k <= 4 * count + 2; k++) {
    const v = start + k * step;
    if (!(v <= hi + step * 1e-9)) break;
    let s = big ? compactNumber(v) : v.toFixed(dec);
    if (/^-0(\.0*)?$/.test(s)) s = s.slice(1);
    out.push([v, s]);
  }
  return out;
}

// A series as one path, lifting the pen where a point cannot be drawn (NaN, or a value a
// log axis cannot show: mapY returns NaN for it).
function tracePolyline(ctx, x, y, mapX, mapY) {
  let pen = false;
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const py = mapY(y[i]);
    if (!isFinite(x[i]) || !isFinite(py)) {
      pen = false;
      continue;
    }
    if (pen) ctx.lineTo(mapX(x[i]), py);
    else ctx.moveTo(mapX(x[i]), py);
    pen = true;
  }
}

function compactNumber(v) {
  if (v === 0) return "0";
  return v.toExponential(1).replace("e+", "e").replace(".0e", "e");
}

function fmtSig(v) {
  return Number(v.toPrecision(2)).toString();
}

function fmtPower(k) {
  return k >= -3 && k <= 4 ? Number(Math.pow(10, k).toFixed(Math.max(0, -k))).toString() : `1e${k}`;
}

// Ticks of a log10 axis over [l0, l1] (in log10 units): the powers of ten, or a few
// values between them when fewer than two powers fall inside.
function logTicks(l0, l1) {
  const powers = [];
  for (let k = Math.ceil(l0); k <= Math.floor(l1); k++) powers.push([k, fmtPower(k)]);
  if (powers.length >= 2) return powers;
  return ticks(l0, l1, 4).map(([v]) => [v, fmtSig(Math.pow(10, v))]);
}

function fmt(v) {
  if (!isFinite(v)) return "–";
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : v.toFixed(3);
}

// Clip the line a*x + b*y + c = 0 to the box [x0, x1] x [y0, y1] -> [xa, ya, xb, yb] or null.
function clipLine(a, b, c, x0, x1, y0, y1) {
  const n2 = a * a + b * b;
  if (!(n2 > 0)) return null;
  const px = (-c * a) / n2;
  const py = (-c * b) / n2;
  const dx = -b;
  const dy = a;
  let t0 = -Infinity;
  let t1 = Infinity;
  const lim = [
    [dx, px, x0, x1],
    [dy, py, y0, y1],
  ];
  for (const [d, p, lo, hi] of lim) {
    if (Math.abs(d) < 1e-15) {
      if (p < lo || p > hi) return null;
    } else {
      let ta = (lo - p) / d;
      let tb = (hi - p) / d;
      if (ta > tb) [ta, tb] = [tb, ta];
      t0 = Math.max(t0, ta);
      t1 = Math.min(t1, tb);
    }
  }
  if (!(t1 > t0)) return null;
  return [px + t0 * dx, py + t0 * dy, px + t1 * dx, py + t1 * dy];
}

// The part of the box where a*x + b*y + c >= 0, as a polygon [[x, y], ...].
function halfPlane(a, b, c, x0, x1, y0, y1) {
  const poly = [
    [x0, y0],
    [x1, y0],
    [x1, y1],
    [x0, y1],
  ];
  const f = (p) => a * p[0] + b * p[1] + c;
  const out = [];
  for (let i = 0; i < 4; i++) {
    const p = poly[i];
    const q = poly[(i + 1) % 4];
    const fp = f(p);
    const fq = f(q);
    if (fp >= 0) out.push(p);
    if (fp >= 0 !== fq >= 0) {
      const t = fp / (fp - fq);
      out.push([p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])]);
    }
  }
  return out;
}

// Marching squares on a rows x cols grid (row 0 = lowest y) at `level`, chained into
// polylines. Returns an array of Float32Array [c0, r0, c1, r1, ...] in grid coordinates
// (column, row). Each crossing lies on a grid edge; its edge id links the two cells that
// share it, so chaining is exact.
function marchingSquares(get, rows, cols, level) {
  // The field once, flat: `get` may be a closure over a class's scores, called per sample.
  const v = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) v[i * cols + j] = get(i, j);
  const pts = []; // x0, y0, x1, y1 per segment
  const ids = []; // edge id of each end
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  let i = 0;
  let j = 0;
  // The crossing on edge e of cell (i, j): 0 bottom, 1 right, 2 top, 3 left. An edge's id is
  // (i * cols + j) * 2 for the horizontal edge (i, j)-(i, j+1), + 1 for (i, j)-(i+1, j).
  const cross = (e) => {
    if (e === 0) {
      pts.push(j + (level - a) / (b - a), i);
      ids.push((i * cols + j) * 2);
    } else if (e === 1) {
      pts.push(j + 1, i + (level - b) / (c - b));
      ids.push((i * cols + j + 1) * 2 + 1);
    } else if (e === 2) {
      pts.push(j + (level - d) / (c - d), i + 1);
      ids.push(((i + 1) * cols + j) * 2);
    } else {
      pts.push(j, i + (level - a) / (d - a));
      ids.push((i * cols + j) * 2 + 1);
    }
  };
  const add = (p, q) => {
    cross(p);
    cross(q);
  };
  for (i = 0; i < rows - 1; i++) {
    for (j = 0; j < cols - 1; j++) {
      a = v[i * cols + j]; // bottom-left
      b = v[i * cols + j + 1]; // bottom-right
      c = v[(i + 1) * cols + j + 1]; // top-right
      d = v[(i + 1) * cols + j]; // top-left
      const idx = (a >= level ? 1 : 0) | (b >= level ? 2 : 0) | (c >= level ? 4 : 0) | (d >= level ? 8 : 0);
      if (idx === 0 || idx === 15) continue;
      const centre = (a + b + c + d) / 4 >= level;
      switch (idx) {
        case 1: case 14: add(3, 0); break;
        case 2: case 13: add(0, 1); break;
        case 3: case 12: add(3, 1); break;
        case 4: case 11: add(1, 2); break;
        case 6: case 9: add(0, 2); break;
        case 7: case 8: add(3, 2); break;
        case 5:
          if (centre) { add(0, 1); add(3, 2); } else { add(3, 0); add(1, 2); }
          break;
        case 10:
          if (centre) { add(3, 0); add(1, 2); } else { add(0, 1); add(3, 2); }
          break;
        default: break;
      }
    }
  }
  // Chain: each edge id is shared by at most two segment ends.
  const n = ids.length >> 1;
  const first = new Int32Array(rows * cols * 2).fill(-1); // the (up to) two ends on each edge
  const second = new Int32Array(rows * cols * 2).fill(-1);
  for (let k = 0; k < 2 * n; k++) {
    const e = ids[k];
    if (first[e] < 0) first[e] = k;
    else second[e] = k;
  }
  const used = new Uint8Array(n);
  const lines = [];
  // Walk from segment end `k` (index into ids) through the shared edge, collecting points.
  const walk = (k, out) => {
    for (;;) {
      const e = ids[k];
      const m = first[e] === k ? second[e] : first[e];
      const next = m >= 0 && !used[m >> 1] ? m : -1;
      if (next < 0) return;
      const s = next >> 1;
      used[s] = 1;
      const far = next ^ 1; // the segment's other end
      out.push(pts[2 * far], pts[2 * far + 1]);
      k = far;
    }
  };
  for (let s = 0; s < n; s++) {
    if (used[s]) continue;
    used[s] = 1;
    const fwd = [pts[4 * s], pts[4 * s + 1], pts[4 * s + 2], pts[4 * s + 3]];
    walk(2 * s + 1, fwd);
    const back = [];
    walk(2 * s, back);
    const line = new Float32Array(back.length + fwd.length);
    for (let q = back.length - 2, o = 0; q >= 0; q -= 2, o += 2) {
      line[o] = back[q];
      line[o + 1] = back[q + 1];
    }
    line.set(fwd, back.length);
    lines.push(line);
  }
  return lines;
}

// Inverse of app.payloads.encode_xy: base64 uint16 pairs over `box` -> x, y (NaN: 65535).
function decodeXY(b64, box) {
  const bytes = b64ToBytes(b64);
  const q = new Uint16Array(bytes.buffer, 0, bytes.length >> 1);
  const out = new Float64Array(q.length);
  const sx = (box[1] - box[0]) / 65534;
  const sy = (box[3] - box[2]) / 65534;
  for (let i = 0; i < q.length; i += 2) {
    out[i] = q[i] === 65535 ? NaN : box[0] + q[i] * sx;
    out[i + 1] = q[i + 1] === 65535 ? NaN : box[2] + q[i + 1] * sy;
  }
  return out;
}

function prepPoints(p, box) {
  const part = (s) => {
    const xy = s && s.q !== undefined ? decodeXY(s.q, box) : toF64(s && s.xy);
    const c = toF64(s && s.c);
    return { xy, c, n: Math.min(xy.length >> 1, c.length) };
  };
  return { train: part(p.train), test: part(p.test), classes: p.classes || [] };
}

// ------------------------------------------------------------------ the paint timer

// One timer for all the views of the page, not one each: at each tick every view whose next
// frame is due, or due within most of a frame, paints, so the browser composites one frame
// for both views instead of two a few milliseconds apart (measured: the two views' timers
// drifted apart and made ~35 frames a second of compositing out of 20 paints). A timer, not
// an animation-frame loop: a loop would make the page produce 60 frames a second while
// anything waits, which costs a classroom's shared machine more than the paints do.
function wakePump() {
  let next = Infinity;
  for (const v of PUMP.views) if (v.queue.length) next = Math.min(next, v.due);
  if (next === Infinity || (PUMP.timer && PUMP.at <= next)) return;
  if (PUMP.timer) clearTimeout(PUMP.timer);
  PUMP.at = next;
  PUMP.timer = setTimeout(tickPump, Math.max(0, next - performance.now()));
}

function tickPump() {
  PUMP.timer = 0;
  PUMP.at = Infinity;
  const now = performance.now();
  for (const v of PUMP.views) v.pump(now);
  wakePump();
}

// ------------------------------------------------------------------ the view

class LiveView {
  constructor(parent) {
    for (const old of parent.querySelectorAll(":scope > .lv-root")) old.remove();
    this.root = document.createElement("div");
    this.root.className = "lv-root";
    this.canvas = document.createElement("canvas");
    this.canvas.className = "lv-canvas";
    this.tip = document.createElement("div");
    this.tip.className = "lv-tip";
    this.root.append(this.canvas, this.tip);
    this.stats = { paints: 0, received: 0, dropped: 0, paintMs: 0 };
    this.root.lvStats = this.stats;
    parent.appendChild(this.root);
    this.ctx = this.canvas.getContext("2d");
    this.heat = document.createElement("canvas");
    this.hctx = this.heat.getContext("2d");
    this.bg = document.createElement("canvas");
    this.bgKey = null;
    this.sprites = new Map();
    this.size = null;
    this.dpr = 1;
    this.heatKey = null;
    this.contours = [];
    this.data = null;
    this.pts = null;
    this.hover = null;
    this.mouseXY = null;
    this.raf = 0;
    this.queue = [];
    this.due = 0;
    this.spacing = 0;
    this.batch = 1;
    this.arrived = 0;
    this.period = 0;
    this.lastNeed = 0;
    this.setTrigger = null;
    PUMP.views.add(this);
    this.readTheme();
    this.ro = new ResizeObserver((entries) => {
      const r = entries[entries.length - 1].contentRect;
      this.size = { W: r.width, H: r.height };
      this.schedule();
    });
    this.ro.observe(this.root);
    this.onMove = (e) => this.handleMove(e);
    this.onLeave = () => {
      this.mouseXY = null;
      this.setHover(null);
    };
    this.onClick = (e) => this.handleClick(e);
    this.canvas.addEventListener("mousemove", this.onMove);
    this.canvas.addEventListener("mouseleave", this.onLeave);
    this.canvas.addEventListener("click", this.onClick);
  }

  destroy() {
    this.ro.disconnect();
    if (this.raf) cancelAnimationFrame(this.raf);
    PUMP.views.delete(this);
    this.canvas.removeEventListener("mousemove", this.onMove);
    this.canvas.removeEventListener("mouseleave", this.onLeave);
    this.canvas.removeEventListener("click", this.onClick);
    this.root.remove();
  }

  readTheme() {
    const cs = getComputedStyle(this.root);
    const v = (name, dflt) => (cs.getPropertyValue(name) || "").trim() || dflt;
    this.textColor = v("--st-text-color", "#31333f");
    this.font = v("--st-font", FONT_FALLBACK);
  }

  schedule() {
    if (!this.raf) {
      this.raf = requestAnimationFrame(() => {
        this.raf = 0;
        this.paint();
      });
    }
  }

  // A message holds one frame, or a burst of frames to paint `spacing_ms` apart (the server
  // sends a few frames per run: its cost is per run). Frames wait in a queue that the
  // animation loop drains at that pace; `flush` (a click, a slider) drops what waits.
  receive(d) {
    const base = { ...d };
    delete base.burst;
    const frames = [base];
    for (const f of d.burst || []) {
      const full = { ...base, ...f };
      if (!f.points) delete full.points;
      frames.push(full);
    }
    // Points are decoded on arrival, so a frame dropped from the queue never loses them.
    const key = d.key || "";
    for (const f of frames) {
      if (f.grid_lines_q) {
        f.grid_lines = f.grid_lines_q.map((q) => decodeXY(q, f.q_box));
        delete f.grid_lines_q;
      }
      if (f.points) {
        f.pts = prepPoints(f.points, f.q_box);
        POINT_CACHE.set(key, { version: f.points_version, pts: f.pts });
        delete f.points;
      }
    }
    this.stats.received += frames.length;
    let spacing = Math.max(0, d.spacing_ms || 0);
    const now = performance.now();
    if (d.flush || frames.length === 1 || !this.data) {
      this.queue = [];
      this.due = 0;
    } else if (spacing && this.arrived) {
      // Runs come a little slower than asked (the server's work, the network): spread each
      // run's frames over the time runs really take, so the motion is even, not stop-and-go.
      const gap = now - this.arrived;
      if (gap < 1000) this.period = this.period ? 0.8 * this.period + 0.2 * gap : gap;
      if (this.period) {
        spacing = Math.min(2 * spacing, Math.max(spacing, this.period / frames.length));
      }
    }
    this.arrived = now;
    this.queue.push(...frames);
    // Never more than three runs behind: drop the oldest frames rather than lag further.
    const most = 3 * frames.length + 1;
    if (this.queue.length > most) {
      this.stats.dropped += this.queue.length - most;
      this.queue.splice(0, this.queue.length - most);
    }
    this.spacing = spacing;
    this.batch = frames.length;
    wakePump();
  }

  // Paint the next queued frame if it is due by `now`, or due soon enough to share this
  // frame with a view that is (see wakePump).
  pump(now) {
    if (!this.queue.length) return;
    // More than a run's frames waiting (the page was busy: a chart redraw, a long task):
    // play a little faster until caught up, rather than lag or drop frames.
    const spacing = this.queue.length > this.batch ? 0.7 * this.spacing : this.spacing;
    if (now < this.due - Math.max(4, 0.75 * spacing)) return;
    // On time (or a little early or late), keep the cadence; idle or far behind, restart it.
    this.due = now - this.due > 2 * spacing ? now + spacing : this.due + spacing;
    this.update(this.queue.shift());
    if (this.raf) cancelAnimationFrame(this.raf); // a repaint asked for meanwhile: this is it
    this.raf = 0;
    this.paint();
  }

  update(d) {
    this.data = d;
    if (d.height && d.height !== this.height) {
      this.height = d.height;
      this.root.style.height = `${d.height}px`;
    }
    // receive() decoded the frame's points (into d.pts and the cache) when it had any.
    const cached = POINT_CACHE.get(d.key || "");
    this.pts = d.pts || (cached && cached.version === d.points_version ? cached.pts : null);
    if (!this.pts && d.points_version !== undefined) this.requestPoints(d.points_version);
    if (d.view === "boundary") this.prepareHeat(d);
    // Points move between frames: keep the tooltip on whatever is now under the mouse.
    if (this.mouseXY && this.L) this.setHover(this.nearest(...this.mouseXY, HOVER_PX), ...this.mouseXY);
  }

  requestPoints(version) {
    const now = performance.now();
    if (this.setTrigger && now - this.lastNeed > 300) {
      this.lastNeed = now;
      this.setTrigger("need_points", version);
    }
  }

  // Heat-map image (one pixel per grid sample) and decision contour, rebuilt only when the
  // grid changes.
  prepareHeat(d) {
    const g = d.grid;
    const key = [d.mode, g.data, g.conf, d.level, d.discretize, d.bands].join("|");
    if (key === this.heatKey) return;
    this.heatKey = key;
    const rows = g.rows;
    const cols = g.cols;
    const q = b64ToBytes(g.data);
    const conf = g.conf ? b64ToBytes(g.conf) : null;
    if (this.heat.width !== cols || this.heat.height !== rows) {
      this.heat.width = cols;
      this.heat.height = rows;
    }
    const hctx = this.hctx;
    const img = hctx.createImageData(cols, rows);
    const px = img.data;
    const lut = new Uint8ClampedArray(256 * 3);
    // Colour look-up table over the 256 codes (discretize: flat tints / bands).
    if (d.mode === "binary") {
      const tq = d.level === null ? 127.5 : d.level;
      for (let v = 0; v < 256; v++) {
        const neg = v < tq;
        const t = neg ? (tq - v) / Math.max(tq, 1e-9) : (v - tq) / Math.max(255 - tq, 1e-9);
        const a = d.discretize ? HEAT_MAX * 0.6 : HEAT_MAX * Math.pow(Math.min(1, t), 0.85);
        const c = neg ? NEG_RGB : POS_RGB;
        for (let ch = 0; ch < 3; ch++) lut[v * 3 + ch] = 255 + (c[ch] - 255) * a;
      }
    } else if (d.mode === "regression") {
      const bands = d.bands || 8;
      for (let v = 0; v < 256; v++) {
        const u = d.discretize ? Math.round(((Math.min(bands - 1, Math.floor((v / 256) * bands)) + 0.5) / bands) * 255) : v;
        for (let ch = 0; ch < 3; ch++) lut[v * 3 + ch] = 255 + (VIRIDIS[u * 3 + ch] - 255) * 0.72;
      }
    }
    for (let i = 0; i < rows; i++) {
      const dst = (rows - 1 - i) * cols; // image row 0 is the top (highest y)
      for (let j = 0; j < cols; j++) {
        const s = i * cols + j;
        const o = (dst + j) * 4;
        if (d.mode === "multiclass") {
          const k = q[s];
          if (k === 255) {
            px[o] = px[o + 1] = px[o + 2] = 235;
          } else {
            const c = classRgb(k);
            const t = d.discretize || !conf ? 0.8 : conf[s] / 255;
            const a = 0.1 + (HEAT_MAX - 0.1) * Math.sqrt(t);
            px[o] = 255 + (c[0] - 255) * a;
            px[o + 1] = 255 + (c[1] - 255) * a;
            px[o + 2] = 255 + (c[2] - 255) * a;
          }
        } else {
          const v = q[s] * 3;
          px[o] = lut[v];
          px[o + 1] = lut[v + 1];
          px[o + 2] = lut[v + 2];
        }
        px[o + 3] = 255;
      }
    }
    hctx.putImageData(img, 0, 0);

    if (d.mode === "multiclass") {
      const present = new Set(q);
      present.delete(255);
      this.contours = [];
      // Signed field per class: +margin inside the class, -margin outside. Beside a boundary
      // between classes A and B both sides read p_A - p_B, so the zero crossing is traced
      // between grid samples, not on the cells' staircase.
      for (const k of present) {
        const get = conf
          ? (i, j) => (q[i * cols + j] === k ? 1 : -1) * (conf[i * cols + j] + 1)
          : (i, j) => (q[i * cols + j] === k ? 1 : -1);
        this.contours.push(...marchingSquares(get, rows, cols, 0));
      }
    } else if (d.level !== null && d.level !== undefined) {
      this.contours = marchingSquares((i, j) => q[i * cols + j], rows, cols, d.level);
    } else {
      this.contours = [];
    }
  }

  // ---------------------------------------------------------------- geometry

  layout() {
    const d = this.data;
    // Size from the ResizeObserver, so painting never forces a synchronous layout.
    if (!this.size) this.size = { W: this.root.clientWidth, H: this.root.clientHeight };
    const { W, H } = this.size;
    const m = { l: 50, r: 14, t: 26, b: 40 };
    const [x0, x1, y0, y1] = d.view === "boundary" ? d.extent : d.axes;
    let pw = Math.max(10, W - m.l - m.r);
    let ph = Math.max(10, H - m.t - m.b);
    let sx = pw / (x1 - x0);
    let sy = ph / (y1 - y0);
    let left = m.l;
    if (d.view === "boundary") {
      // Equal scales, so each unit's normal arrow is drawn at a right angle to its line.
      const s = Math.min(sx, sy);
      sx = sy = s;
      const nw = s * (x1 - x0);
      left = m.l + (pw - nw) / 2;
      pw = nw;
      ph = s * (y1 - y0);
    }
    const top = m.t;
    return {
      W, H, x0, x1, y0, y1, left, top, pw, ph, sx, sy,
      X: (x) => left + (x - x0) * sx,
      Y: (y) => top + ph - (y - y0) * sy,
      invX: (px) => x0 + (px - left) / sx,
      invY: (py) => y0 + (top + ph - py) / sy,
    };
  }

  // ---------------------------------------------------------------- painting

  paint() {
    const d = this.data;
    if (!d) return;
    const t0 = performance.now();
    if (d.view === "curves" || d.view === "network") {
      this.paintChart(d);
      this.finishPaint(d, t0);
      return;
    }
    const dpr = window.devicePixelRatio || 1;
    const L = this.layout();
    if (L.W <= 0 || L.H <= 0) return;
    this.fitCanvas(L.W, L.H, dpr);
    const cw = this.canvas.width;
    const ch = this.canvas.height;
    this.L = L;
    this.dpr = dpr;
    const ctx = this.ctx;
    // Static layer (plot background, ticks, labels, legend) is cached: copy it over.
    const bg = this.staticLayer(L, d, dpr, cw, ch);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.globalCompositeOperation = "copy";
    ctx.drawImage(bg, 0, 0);
    ctx.globalCompositeOperation = "source-over";
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.save();
    ctx.beginPath();
    ctx.rect(L.left, L.top, L.pw, L.ph);
    ctx.clip();
    if (d.view === "boundary") this.paintBoundary(ctx, L, d);
    else this.paintHidden(ctx, L, d);
    this.paintPoints(ctx, L, d);
    if (d.view === "boundary") this.paintUnits(ctx, L, d, "arrows"); // on top of the points
    ctx.restore();
    ctx.strokeStyle = "rgba(49,51,63,0.35)";
    ctx.lineWidth = 1;
    ctx.strokeRect(Math.round(L.left) + 0.5, Math.round(L.top) + 0.5, Math.round(L.pw) - 1, Math.round(L.ph) - 1);
    this.finishPaint(d, t0);
  }

  // The canvas's pixels: W x H CSS pixels at the screen's density (the theme is read again
  // when they change).
  fitCanvas(W, H, dpr) {
    const cw = Math.round(W * dpr);
    const ch = Math.round(H * dpr);
    if (this.canvas.width !== cw || this.canvas.height !== ch) {
      this.canvas.width = cw;
      this.canvas.height = ch;
      this.readTheme();
    }
  }

  finishPaint(d, t0) {
    // What tests and benchmarks read. An attribute is written only when its value changes:
    // each write makes the browser re-check the page's styles, which cost more than the
    // paint itself at 40 frames a second. Counters are a plain property (root.lvStats).
    const points = this.pts ? String(this.pts.train.n + this.pts.test.n) : "0";
    this.setAttr("frame", String(d.frame));
    this.setAttr("view", d.view);
    this.setAttr("points", points);
    // The first-layer units as drawn (a reference, no copy): what a browser test of a
    // unit's sign flip reads.
    if (d.view === "boundary") this.stats.units = d.units;
    if (d.frame !== this.paintedFrame) {
      this.paintedFrame = d.frame;
      this.stats.paints += 1; // frames painted, each a new training state
    }
    this.stats.paintMs = performance.now() - t0;
  }

  // ---------------------------------------------------------------- charts
  // The loss curves and the network diagram while the network trains (app.payloads'
  // curves_payload / network_payload), drawn like the Plotly figures they stand in for.

  paintChart(d) {
    const dpr = window.devicePixelRatio || 1;
    if (!this.size) this.size = { W: this.root.clientWidth, H: this.root.clientHeight };
    const { W, H } = this.size;
    if (W <= 0 || H <= 0) return;
    this.fitCanvas(W, H, dpr);
    const ctx = this.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    ctx.save();
    if (d.view === "curves") this.paintCurves(ctx, W, H, d);
    else this.paintNetwork(ctx, W, H, d);
    ctx.restore();
  }

  paintCurves(ctx, W, H, d) {
    const m = { l: 56, r: 56, t: 34, b: 40 };
    const pw = Math.max(10, W - m.l - m.r);
    const full = Math.max(10, H - m.t - m.b);
    const x = toF64(d.epoch);
    const series = d.series || {};
    // The gradient's norm gets a panel of its own under the losses, on the same epochs.
    const grad = d.grad_norm ? toF64(d.grad_norm) : null;
    const hasGrad = grad !== null && grad.some((v) => v > 0 && isFinite(v));
    const GAP = 12;
    const ph = hasGrad ? Math.max(10, Math.round(0.6 * (full - GAP))) : full;
    const bottom = m.t + full; // where the epoch axis sits
    const range = (vals, f) => {
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of vals) {
        const t = f(v);
        if (isFinite(t)) {
          lo = Math.min(lo, t);
          hi = Math.max(hi, t);
        }
      }
      if (!(hi >= lo)) return [0, 1];
      if (hi - lo < 1e-9) return [lo - 0.5, hi + 0.5];
      return [lo, hi];
    };
    const [x0, x1] = range(x, (v) => v);
    const losses = [...toF64(series.train_loss), ...toF64(series.test_loss)];
    let [l0, l1] = range(losses, (v) => (v > 0 ? Math.log10(v) : NaN));
    const pad = 0.05 * (l1 - l0);
    l0 -= pad;
    l1 += pad;
    const X = (v) => m.l + ((v - x0) / (x1 - x0)) * pw;
    const YL = (v) => m.t + ph - ((Math.log10(v) - l0) / (l1 - l0)) * ph;
    const YA = (v) => m.t + ph - (v / 101) * ph;
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(m.l, m.t, pw, ph);
    ctx.strokeStyle = "rgba(49,51,63,0.35)";
    ctx.lineWidth = 1;
    ctx.strokeRect(Math.round(m.l) + 0.5, Math.round(m.t) + 0.5, Math.round(pw) - 1, Math.round(ph) - 1);
    // Ticks: epochs below, loss (log scale) left, accuracy % right.
    ctx.fillStyle = this.textColor;
    ctx.strokeStyle = this.textColor;
    ctx.globalAlpha = 0.85;
    ctx.font = `11px ${this.font}`;
    ctx.beginPath();
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const [v, s] of ticks(x0, x1, Math.max(2, Math.round(pw / 80)))) {
      const px = Math.round(X(v)) + 0.5;
      ctx.moveTo(px, bottom);
      ctx.lineTo(px, bottom + 4);
      ctx.fillText(s, px, bottom + 6);
    }
    ctx.textBaseline = "middle";
    ctx.textAlign = "right";
    for (const [v, s] of logTicks(l0, l1)) {
      const py = Math.round(m.t + ph - ((v - l0) / (l1 - l0)) * ph) + 0.5;
      ctx.moveTo(m.l, py);
      ctx.lineTo(m.l - 4, py);
      ctx.fillText(s, m.l - 7, py);
    }
    const accuracy = series.train_accuracy !== undefined;
    if (accuracy) {
      ctx.textAlign = "left";
      for (const v of [0, 25, 50, 75, 100]) {
        const py = Math.round(YA(v)) + 0.5;
        ctx.moveTo(m.l + pw, py);
        ctx.lineTo(m.l + pw + 4, py);
        ctx.fillText(String(v), m.l + pw + 7, py);
      }
    }
    ctx.stroke();
    ctx.globalAlpha = 1;
    ctx.font = `13px ${this.font}`;
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    ctx.fillText("epoch", m.l + pw / 2, H - 2);
    const vertical = (text, px, cy = m.t + ph / 2) => {
      ctx.save();
      ctx.translate(px, cy);
      ctx.rotate(-Math.PI / 2);
      ctx.textBaseline = "middle";
      ctx.fillText(text, 0, 0);
      ctx.restore();
    };
    vertical("loss", 12);
    if (accuracy) vertical("accuracy %", W - 12);
    // The curves, as in app.figures.loss_curves: losses blue / orange dotted, accuracies.
    const lines = [
      ["train_loss", "train loss", rgb(CLASS_RGB[0]), [], 2, YL],
      ["test_loss", "test loss", rgb(CLASS_RGB[1]), [2, 3], 2, YL],
      ["train_accuracy", "train accuracy %", "#6a3d9a", [], 1.5, (v) => YA(100 * v)],
      ["test_accuracy", "test accuracy %", "#1b9e77", [], 1.5, (v) => YA(100 * v)],
    ];
    ctx.save();
    ctx.beginPath();
    ctx.rect(m.l, m.t, pw, ph);
    ctx.clip();
    ctx.lineJoin = "bevel";
    for (const [name, , color, dash, width, Y] of lines) {
      if (series[name] === undefined) continue;
      const y = toF64(series[name]);
      ctx.beginPath();
      tracePolyline(ctx, x, y, X, (v) => (name.endsWith("loss") && !(v > 0) ? NaN : Y(v)));
      ctx.setLineDash(dash);
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.stroke();
    }
    ctx.setLineDash([]);
    ctx.restore();
    // Legend above the plot.
    ctx.font = `12px ${this.font}`;
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    let lx = m.l;
    for (const [name, label, color, dash, width] of lines) {
      if (series[name] === undefined) continue;
      const w = 26 + ctx.measureText(label).width + 14;
      if (lx + w > W) break;
      ctx.beginPath();
      ctx.moveTo(lx, 14);
      ctx.lineTo(lx + 20, 14);
      ctx.setLineDash(dash);
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = this.textColor;
      ctx.fillText(label, lx + 25, 14);
      lx += w;
    }
    if (hasGrad) {
      const top = m.t + ph + GAP;
      this.paintGradPanel(ctx, d, x, grad, { left: m.l, top, pw, ph: bottom - top, X }, vertical);
    }
  }

  // ||g||, the norm of the gradient of R(theta) at each snapshot, on a log scale under the
  // losses: the clipping threshold as a dashed line, and a mark where clipping fired (the
  // step was scaled down to the threshold's length).
  paintGradPanel(ctx, d, x, g, P, vertical) {
    const { left, top, pw, ph, X } = P;
    const clip = d.clip_norm > 0 ? d.clip_norm : null;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of clip ? [...g, clip] : g) {
      if (v > 0 && isFinite(v)) {
        lo = Math.min(lo, Math.log10(v));
        hi = Math.max(hi, Math.log10(v));
      }
    }
    if (hi - lo < 1e-9) {
      lo -= 0.5;
      hi += 0.5;
    }
    const pad = 0.06 * (hi - lo);
    lo -= pad;
    hi += pad;
    // The top 18 px hold the legend, clear of the data.
    const inner = Math.max(10, ph - 18);
    const Y = (v) => top + ph - ((Math.log10(v) - lo) / (hi - lo)) * inner;
    ctx.save();
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(left, top, pw, ph);
    ctx.strokeStyle = "rgba(49,51,63,0.35)";
    ctx.lineWidth = 1;
    ctx.strokeRect(Math.round(left) + 0.5, Math.round(top) + 0.5, Math.round(pw) - 1, Math.round(ph) - 1);
    ctx.fillStyle = this.textColor;
    ctx.strokeStyle = this.textColor;
    ctx.globalAlpha = 0.85;
    ctx.font = `11px ${this.font}`;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    ctx.beginPath();
    let ticksG = logTicks(lo, hi);
    if (ticksG.length > Math.max(2, Math.floor(inner / 18))) ticksG = ticksG.filter((_, k) => k % 2 === 0);
    for (const [v, s] of ticksG) {
      const py = Math.round(top + ph - ((v - lo) / (hi - lo)) * inner) + 0.5;
      ctx.moveTo(left, py);
      ctx.lineTo(left - 4, py);
      ctx.fillText(s, left - 7, py);
    }
    ctx.stroke();
    ctx.globalAlpha = 1;
    ctx.font = `13px ${this.font}`;
    ctx.textAlign = "center";
    vertical("‖g‖", 12, top + ph / 2);
    ctx.beginPath();
    ctx.rect(left, top, pw, ph);
    ctx.clip();
    if (clip) {
      const py = Math.round(Y(clip)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(left, py);
      ctx.lineTo(left + pw, py);
      ctx.setLineDash([6, 4]);
      ctx.strokeStyle = GRAD_CLIP_COLOR;
      ctx.lineWidth = 1.5;
      ctx.stroke();
      ctx.setLineDash([]);
    }
    ctx.beginPath();
    tracePolyline(ctx, x, g, X, (v) => (v > 0 ? Y(v) : NaN));
    ctx.lineJoin = "bevel";
    ctx.strokeStyle = GRAD_COLOR;
    ctx.lineWidth = 1.5;
    ctx.stroke();
    const fired = (d.clipped || []).filter((i) => i < g.length && g[i] > 0 && isFinite(x[i]));
    if (fired.length) {
      ctx.beginPath();
      for (const i of fired) {
        ctx.moveTo(X(x[i]) + 2.8, Y(g[i]));
        ctx.arc(X(x[i]), Y(g[i]), 2.8, 0, 2 * Math.PI);
      }
      ctx.fillStyle = GRAD_CLIP_COLOR;
      ctx.fill();
    }
    // Legend in the panel's top right corner.
    ctx.font = `11px ${this.font}`;
    ctx.textBaseline = "middle";
    ctx.textAlign = "left";
    const items = [["line", GRAD_COLOR, "‖g‖ (log)"]];
    if (clip) items.push(["dash", GRAD_CLIP_COLOR, `clip at ${fmtSig(clip)}`]);
    if (fired.length) items.push(["dot", GRAD_CLIP_COLOR, "clipped"]);
    const widths = items.map(([, , t]) => 24 + ctx.measureText(t).width + 10);
    let lx = left + pw - widths.reduce((a, b) => a + b, 0) - 4;
    const ly = top + 9;
    items.forEach(([kind, color, text], k) => {
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      ctx.lineWidth = 1.5;
      if (kind === "dot") {
        ctx.beginPath();
        ctx.arc(lx + 10, ly, 2.8, 0, 2 * Math.PI);
        ctx.fill();
      } else {
        ctx.setLineDash(kind === "dash" ? [6, 4] : []);
        ctx.beginPath();
        ctx.moveTo(lx, ly);
        ctx.lineTo(lx + 20, ly);
        ctx.stroke();
        ctx.setLineDash([]);
      }
      ctx.fillStyle = this.textColor;
      ctx.fillText(text, lx + 24, ly);
      lx += widths[k];
    });
    ctx.restore();
  }

  paintNetwork(ctx, W, H, d) {
    const shown = d.shown || [];
    const sizes = d.sizes || shown;
    const n = shown.length;
    if (!n) return;
    const m = { l: 46, r: 30, t: 18, b: 34 };
    const most = Math.max(...shown);
    const step = Math.min(36, (H - m.t - m.b) / Math.max(1, most));
    const X = (l) => (n === 1 ? W / 2 : m.l + (l * (W - m.l - m.r)) / (n - 1));
    const Y = (l, i) => m.t + (H - m.t - m.b) / 2 - ((shown[l] - 1) / 2 - i) * step; // unit 1 on top
    // Edges grouped by sign and width bucket (as app.figures.network_diagram): few strokes.
    const groups = new Map();
    for (let l = 0; l + 1 < n; l++) {
      const w = d.weights[l] || [];
      for (let i = 0; i < shown[l]; i++) {
        for (let j = 0; j < shown[l + 1]; j++) {
          const v = w[i * shown[l + 1] + j];
          if (v === null || v === undefined) continue;
          const key = `${v >= 0 ? 1 : 0}|${Math.min(4, Math.floor(5 * Math.abs(v)))}`;
          let g = groups.get(key);
          if (!g) groups.set(key, (g = []));
          g.push(X(l), Y(l, i), X(l + 1), Y(l + 1, j));
        }
      }
    }
    ctx.lineCap = "butt";
    for (const [key, segs] of groups) {
      const [pos, bucket] = key.split("|").map(Number);
      ctx.beginPath();
      for (let k = 0; k < segs.length; k += 4) {
        ctx.moveTo(segs[k], segs[k + 1]);
        ctx.lineTo(segs[k + 2], segs[k + 3]);
      }
      ctx.strokeStyle = rgb(pos ? CLASS_RGB[1] : CLASS_RGB[0]);
      ctx.lineWidth = 0.6 + 1.2 * bucket;
      ctx.stroke();
    }
    ctx.beginPath();
    for (let l = 0; l < n; l++) {
      for (let i = 0; i < shown[l]; i++) {
        ctx.moveTo(X(l) + 7, Y(l, i));
        ctx.arc(X(l), Y(l, i), 7, 0, 2 * Math.PI);
      }
    }
    ctx.fillStyle = "#ffffff";
    ctx.fill();
    ctx.strokeStyle = "#333333";
    ctx.lineWidth = 1.5;
    ctx.stroke();
    ctx.fillStyle = this.textColor;
    ctx.font = `11px ${this.font}`;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    (d.names || []).forEach((name, i) => ctx.fillText(name, X(0) - 11, Y(0, i)));
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (let l = 0; l < n; l++) {
      const label = l === 0 ? "input" : l === n - 1 ? "output" : `hidden ${l}`;
      const more = sizes[l] > shown[l] ? ` (+${sizes[l] - shown[l]})` : "";
      ctx.fillText(label + more, X(l), H - m.b + 14);
    }
  }

  setAttr(name, value) {
    if (this.root.dataset[name] !== value) this.root.dataset[name] = value;
  }

  staticLayer(L, d, dpr, cw, ch) {
    const P = this.pts;
    const regression = d.mode === "regression" || (d.view === "hidden" && d.n_classes < 2);
    const key = JSON.stringify([
      cw, ch, dpr, L.left, L.top, L.pw, L.ph, L.x0, L.x1, L.y0, L.y1, d.axis_labels,
      regression ? d.value_range : P && P.classes,
      P ? [P.train.n > 0, P.test.n > 0] : null,
      d.show_test !== false, this.textColor, this.font,
    ]);
    if (key !== this.bgKey) {
      this.bgKey = key;
      // The plot's box in CSS pixels of the canvas, for tests that click a place in the plane.
      this.stats.plot = { left: L.left, top: L.top, width: L.pw, height: L.ph, extent: [L.x0, L.x1, L.y0, L.y1] };
      this.bg.width = cw;
      this.bg.height = ch;
      const b = this.bg.getContext("2d");
      b.setTransform(dpr, 0, 0, dpr, 0, 0);
      b.clearRect(0, 0, L.W, L.H);
      b.fillStyle = "#ffffff";
      b.fillRect(L.left, L.top, L.pw, L.ph);
      this.paintAxes(b, L, d);
      this.paintLegend(b, L, d);
    }
    return this.bg;
  }

  paintBoundary(ctx, L, d) {
    const g = d.grid;
    const dx = g.cols > 1 ? (L.x1 - L.x0) / (g.cols - 1) : L.x1 - L.x0;
    const dy = g.rows > 1 ? (L.y1 - L.y0) / (g.rows - 1) : L.y1 - L.y0;
    // Each image pixel is centred on its grid sample.
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "low";
    ctx.drawImage(
      this.heat,
      L.X(L.x0 - dx / 2),
      L.Y(L.y1 + dy / 2),
      (L.x1 - L.x0 + dx) * L.sx,
      (L.y1 - L.y0 + dy) * L.sy,
    );
    if (this.contours.length) {
      ctx.beginPath();
      for (const line of this.contours) {
        ctx.moveTo(L.X(L.x0 + line[0] * dx), L.Y(L.y0 + line[1] * dy));
        for (let k = 2; k < line.length; k += 2) {
          ctx.lineTo(L.X(L.x0 + line[k] * dx), L.Y(L.y0 + line[k + 1] * dy));
        }
      }
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "rgba(255,255,255,0.8)";
      ctx.lineWidth = 4;
      ctx.stroke();
      ctx.strokeStyle = "#222831";
      ctx.lineWidth = 1.8;
      ctx.stroke();
    }
    this.paintUnits(ctx, L, d, "lines");
  }

  // Each first-layer unit's line w.x + b = 0 (part "lines") and its normal arrow with its
  // number (part "arrows", drawn over the points).
  paintUnits(ctx, L, d, part) {
    const units = d.units || [];
    if (!units.length) return;
    const many = units.length > MANY_UNITS;
    ctx.save();
    // Dashes with round caps cost a software-drawn canvas ~3x more than square-ended ones
    // (measured: 1.35 against 0.48 ms for eight lines), for a difference nobody sees.
    ctx.lineCap = part === "lines" ? "butt" : "round";
    units.forEach((u, i) => {
      if (!u || u.some((v) => v === null)) return;
      const [w1, w2, b] = u;
      const seg = clipLine(w1, w2, b, L.x0, L.x1, L.y0, L.y1);
      if (!seg) return;
      const color = (d.unit_colors && d.unit_colors[i]) || PALETTE.units[i % PALETTE.units.length];
      ctx.strokeStyle = color;
      if (part === "lines") {
        ctx.globalAlpha = many ? 0.55 : 0.95;
        ctx.lineWidth = many ? 0.8 : 1.6;
        ctx.setLineDash(many ? [] : [6, 3]);
        ctx.beginPath();
        ctx.moveTo(L.X(seg[0]), L.Y(seg[1]));
        ctx.lineTo(L.X(seg[2]), L.Y(seg[3]));
        ctx.stroke();
        ctx.setLineDash([]);
        return;
      }
      if (many) return;
      // Arrow for the normal w. Its foot is staggered along the visible segment (golden-ratio
      // steps in 0.2..0.8), so the arrows and labels of lines crossing near one point don't
      // pile up.
      const t = 0.2 + 0.6 * ((0.5 + i * 0.618034) % 1);
      const ax = seg[0] + t * (seg[2] - seg[0]);
      const ay = seg[1] + t * (seg[3] - seg[1]);
      const sx = L.X(ax);
      const sy = L.Y(ay);
      let ux = w1 * L.sx;
      let uy = -w2 * L.sy;
      const un = Math.hypot(ux, uy);
      ux /= un;
      uy /= un;
      const len = 22;
      const ex = sx + ux * len;
      const ey = sy + uy * len;
      ctx.globalAlpha = 1;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(sx, sy);
      ctx.lineTo(ex, ey);
      ctx.stroke();
      ctx.fillStyle = color;
      ctx.beginPath();
      ctx.moveTo(ex + ux * 4, ey + uy * 4);
      ctx.lineTo(ex - ux * 4 - uy * 4, ey - uy * 4 + ux * 4);
      ctx.lineTo(ex - ux * 4 + uy * 4, ey - uy * 4 - ux * 4);
      ctx.closePath();
      ctx.fill();
      ctx.beginPath();
      ctx.arc(sx, sy, 2.5, 0, 2 * Math.PI);
      ctx.fill();
      ctx.font = `bold 12px ${this.font}`;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      const lx = ex + ux * 11;
      const ly = ey + uy * 11;
      ctx.lineWidth = 3;
      ctx.strokeStyle = "rgba(255,255,255,0.9)";
      ctx.strokeText(String(i + 1), lx, ly);
      ctx.fillText(String(i + 1), lx, ly);
    });
    ctx.restore();
  }

  paintHidden(ctx, L, d) {
    const [x0, x1, y0, y1] = d.axes;
    const ol = d.output_line;
    if (ol) {
      const poly = halfPlane(ol[0], ol[1], ol[2], x0, x1, y0, y1);
      if (poly.length >= 3) {
        ctx.beginPath();
        poly.forEach(([x, y], k) => (k ? ctx.lineTo(L.X(x), L.Y(y)) : ctx.moveTo(L.X(x), L.Y(y))));
        ctx.closePath();
        ctx.fillStyle = d.n_classes === 2 || d.n_classes < 2 ? rgb(POS_RGB, 0.13) : "rgba(120,120,120,0.10)";
        ctx.fill();
      }
    }
    const lines = d.grid_lines || [];
    if (lines.length) {
      ctx.beginPath();
      for (const pl of lines) {
        let pen = false;
        for (let k = 0; k + 1 < pl.length; k += 2) {
          const x = pl[k];
          const y = pl[k + 1];
          if (x === null || y === null || x !== x || y !== y) {
            pen = false;
            continue;
          }
          // Keep far-away vertices from overflowing canvas coordinates.
          const px = Math.max(-1e4, Math.min(1e4, L.X(x)));
          const py = Math.max(-1e4, Math.min(1e4, L.Y(y)));
          if (pen) ctx.lineTo(px, py);
          else ctx.moveTo(px, py);
          pen = true;
        }
      }
      ctx.strokeStyle = "rgba(110,116,128,0.45)";
      ctx.lineWidth = 0.8;
      ctx.stroke();
    }
    if (ol) {
      const seg = clipLine(ol[0], ol[1], ol[2], x0, x1, y0, y1);
      if (seg) {
        ctx.beginPath();
        ctx.moveTo(L.X(seg[0]), L.Y(seg[1]));
        ctx.lineTo(L.X(seg[2]), L.Y(seg[3]));
        ctx.strokeStyle = "rgba(255,255,255,0.8)";
        ctx.lineWidth = 4;
        ctx.stroke();
        ctx.strokeStyle = "#222831";
        ctx.lineWidth = 2;
        ctx.stroke();
      }
    }
  }

  pointColor(d, c) {
    if (d.mode === "regression" || (d.view === "hidden" && d.n_classes < 2)) {
      const [lo, hi] = d.value_range || [0, 1];
      const t = Math.max(0, Math.min(1, (c - lo) / (hi - lo || 1)));
      return scaleRgb(Math.round(t * 63) / 63); // 64 shades: few point sprites
    }
    return classRgb(c);
  }

  // One small pre-rendered image per (colour, style): blitting ~400 sprites is much cheaper
  // for a software-rendered canvas than stroking ~400 anti-aliased circles each frame.
  sprite(col, hollow, dpr) {
    const key = `${col}|${hollow}|${dpr}`;
    let sp = this.sprites.get(key);
    if (sp) return sp;
    const r = POINT_R;
    const size = 2 * Math.ceil((r + 2) * dpr);
    const cv = document.createElement("canvas");
    cv.width = cv.height = size;
    const c = cv.getContext("2d");
    c.setTransform(dpr, 0, 0, dpr, 0, 0);
    const m = size / (2 * dpr);
    c.beginPath();
    c.arc(m, m, r, 0, 2 * Math.PI);
    if (hollow) {
      c.fillStyle = "rgba(255,255,255,0.55)";
      c.fill();
      c.strokeStyle = "#1b1f24";
      c.lineWidth = 2.6;
      c.stroke();
      c.strokeStyle = col;
      c.lineWidth = 1.5;
      c.stroke();
    } else {
      c.fillStyle = col;
      c.fill();
      c.strokeStyle = "#ffffff";
      c.lineWidth = 1.2;
      c.stroke();
    }
    sp = { cv, half: size / (2 * dpr), size: size / dpr };
    this.sprites.set(key, sp);
    return sp;
  }

  paintPoints(ctx, L, d) {
    const P = this.pts;
    if (!P) return;
    const dpr = this.dpr;
    const drawSet = (set, hollow) => {
      let lastC = NaN;
      let sp = null;
      for (let k = 0; k < set.n; k++) {
        const x = set.xy[2 * k];
        const y = set.xy[2 * k + 1];
        if (!isFinite(x) || !isFinite(y)) continue;
        const c = set.c[k];
        if (!(c === lastC) || !sp) {
          sp = this.sprite(rgb(this.pointColor(d, isFinite(c) ? c : -1)), hollow, dpr);
          lastC = c;
        }
        // Snap the centre to a device pixel so the sprite is copied, not resampled.
        const px = Math.round(L.X(x) * dpr) / dpr;
        const py = Math.round(L.Y(y) * dpr) / dpr;
        ctx.drawImage(sp.cv, px - sp.half, py - sp.half, sp.size, sp.size);
      }
    };
    drawSet(P.train, false);
    if (d.show_test !== false) drawSet(P.test, true);
    if (this.hover) {
      const h = this.hover;
      ctx.beginPath();
      ctx.arc(L.X(h.x), L.Y(h.y), POINT_R + 3.5, 0, 2 * Math.PI);
      ctx.strokeStyle = "#111";
      ctx.lineWidth = 1.5;
      ctx.stroke();
    }
  }

  paintAxes(ctx, L, d) {
    ctx.save();
    ctx.fillStyle = this.textColor;
    ctx.strokeStyle = this.textColor;
    ctx.globalAlpha = 0.85;
    ctx.font = `11px ${this.font}`;
    const tickLen = 4;
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    ctx.beginPath();
    for (const [v, s] of ticks(L.x0, L.x1, Math.max(2, Math.round(L.pw / 70)))) {
      const x = Math.round(L.X(v)) + 0.5;
      ctx.moveTo(x, L.top + L.ph);
      ctx.lineTo(x, L.top + L.ph + tickLen);
      ctx.fillText(s, x, L.top + L.ph + tickLen + 2);
    }
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const [v, s] of ticks(L.y0, L.y1, Math.max(2, Math.round(L.ph / 55)))) {
      const y = Math.round(L.Y(v)) + 0.5;
      ctx.moveTo(L.left, y);
      ctx.lineTo(L.left - tickLen, y);
      ctx.fillText(s, L.left - tickLen - 3, y);
    }
    ctx.stroke();
    const labels = d.axis_labels || ["x1", "x2"];
    ctx.globalAlpha = 1;
    ctx.font = `13px ${this.font}`;
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    ctx.fillText(labels[0], L.left + L.pw / 2, L.H - 2);
    ctx.save();
    ctx.translate(Math.max(11, L.left - 38), L.top + L.ph / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "middle";
    ctx.fillText(labels[1], 0, 0);
    ctx.restore();
    ctx.restore();
  }

  paintLegend(ctx, L, d) {
    ctx.save();
    ctx.font = `12px ${this.font}`;
    ctx.textBaseline = "middle";
    ctx.textAlign = "left";
    const y = 12;
    let x = L.left;
    const right = L.left + L.pw;
    const regression = d.mode === "regression" || (d.view === "hidden" && d.n_classes < 2);
    const item = (draw, label) => {
      const w = 14 + ctx.measureText(label).width + 12;
      if (x + w > right) return false;
      draw(x + 5, y);
      ctx.fillStyle = this.textColor;
      ctx.fillText(label, x + 13, y);
      x += w;
      return true;
    };
    if (regression) {
      const [lo, hi] = d.value_range || [0, 1];
      const lo_s = fmt(lo);
      ctx.fillStyle = this.textColor;
      ctx.fillText(lo_s, x, y);
      x += ctx.measureText(lo_s).width + 5;
      const gw = 90;
      const grad = ctx.createLinearGradient(x, 0, x + gw, 0);
      for (let t = 0; t <= 1.0001; t += 0.25) grad.addColorStop(Math.min(1, t), rgb(scaleRgb(t)));
      ctx.fillStyle = grad;
      ctx.fillRect(x, y - 4, gw, 8);
      x += gw + 5;
      ctx.fillStyle = this.textColor;
      ctx.fillText(fmt(hi), x, y);
      x += ctx.measureText(fmt(hi)).width + 14;
    } else if (this.pts && this.pts.classes.length) {
      const names = this.pts.classes;
      const k = Math.min(names.length, 10);
      for (let i = 0; i < k; i++) {
        const ok = item((cx, cy) => {
          ctx.beginPath();
          ctx.arc(cx, cy, 4.5, 0, 2 * Math.PI);
          ctx.fillStyle = rgb(classRgb(i));
          ctx.fill();
        }, `class ${names[i]}`);
        if (!ok) break;
      }
    }
    const hasTest = this.pts && this.pts.test.n > 0 && (d.show_test !== false);
    if (this.pts && this.pts.train.n) {
      item((cx, cy) => {
        ctx.beginPath();
        ctx.arc(cx, cy, 4.3, 0, 2 * Math.PI);
        ctx.fillStyle = "#6b7280";
        ctx.fill();
        ctx.strokeStyle = "#fff";
        ctx.lineWidth = 1.2;
        ctx.stroke();
      }, "train");
    }
    if (hasTest) {
      item((cx, cy) => {
        ctx.beginPath();
        ctx.arc(cx, cy, 4.3, 0, 2 * Math.PI);
        ctx.strokeStyle = "#1b1f24";
        ctx.lineWidth = 2.2;
        ctx.stroke();
      }, "test");
    }
    ctx.restore();
  }

  // ---------------------------------------------------------------- interaction

  nearest(mx, my, maxPx) {
    const L = this.L;
    const P = this.pts;
    if (!L || !P) return null;
    let best = null;
    let bd = maxPx * maxPx;
    const sets = [["train", P.train]];
    if (this.data.show_test !== false) sets.push(["test", P.test]);
    for (const [name, s] of sets) {
      for (let k = 0; k < s.n; k++) {
        const x = s.xy[2 * k];
        const y = s.xy[2 * k + 1];
        if (!isFinite(x) || !isFinite(y)) continue;
        const ddx = L.X(x) - mx;
        const ddy = L.Y(y) - my;
        const d2 = ddx * ddx + ddy * ddy;
        if (d2 < bd) {
          bd = d2;
          best = { set: name, index: k, x, y, c: s.c[k] };
        }
      }
    }
    return best;
  }

  mouse(e) {
    const r = this.canvas.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  }

  handleMove(e) {
    const [mx, my] = this.mouse(e);
    this.mouseXY = [mx, my];
    this.setHover(this.nearest(mx, my, HOVER_PX), mx, my);
  }

  setHover(h, mx, my) {
    const same = (a, b) => (a && b ? a.set === b.set && a.index === b.index : a === b);
    if (!h) {
      this.tip.style.display = "none";
    } else {
      const d = this.data;
      const labels = d.axis_labels || ["x1", "x2"];
      let what;
      if (d.mode === "regression" || (d.view === "hidden" && d.n_classes < 2)) what = `y = ${fmt(h.c)}`;
      else {
        const names = this.pts ? this.pts.classes : [];
        what = `class ${names[h.c] !== undefined ? names[h.c] : h.c}`;
      }
      this.tip.textContent = "";
      const head = document.createElement("b");
      head.textContent = `${h.set} #${h.index}`;
      this.tip.append(head, ` · ${what}`, document.createElement("br"),
        `${labels[0]} = ${fmt(h.x)}, ${labels[1]} = ${fmt(h.y)}`);
      this.tip.style.display = "block";
      const W = this.root.clientWidth;
      const tw = this.tip.offsetWidth;
      const left = mx + 14 + tw > W ? mx - 14 - tw : mx + 14;
      this.tip.style.left = `${Math.max(0, left)}px`;
      this.tip.style.top = `${Math.max(0, my - 36)}px`;
    }
    if (!same(h, this.hover) || (h && this.hover && (h.x !== this.hover.x || h.y !== this.hover.y))) {
      if (!h !== !this.hover) this.canvas.style.cursor = h ? "pointer" : "crosshair";
      this.hover = h;
      this.schedule();
    }
  }

  handleClick(e) {
    const L = this.L;
    if (!L || !this.setTrigger) return;
    const [mx, my] = this.mouse(e);
    if (mx < L.left || mx > L.left + L.pw || my < L.top || my > L.top + L.ph) return;
    const near = this.nearest(mx, my, HOVER_PX); // the point the tooltip shows, if any
    this.setTrigger("click", {
      x: L.invX(mx),
      y: L.invY(my),
      point: near ? { set: near.set, index: near.index } : null,
      view: this.data.view,
      frame: this.data.frame,
      // Drawing on the input plane: shift-click adds the other class, alt-click removes.
      shift: e.shiftKey,
      alt: e.altKey,
      ctrl: e.ctrlKey || e.metaKey,
    });
  }
}

function connected(parent) {
  return parent instanceof ShadowRoot ? parent.host.isConnected : parent.isConnected;
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  if (!data || !parentElement) return undefined;
  let view = VIEWS.get(parentElement);
  if (!view) {
    view = new LiveView(parentElement);
    VIEWS.set(parentElement, view);
  }
  view.setTrigger = setTriggerValue;
  view.receive(data);
  // Streamlit calls this cleanup on unmount, but also right away when a data update was
  // superseded by a newer one before this call finished (its effect was cancelled). So only
  // tear down once the host element has really left the page.
  return () => {
    setTimeout(() => {
      if (!connected(parentElement) && VIEWS.get(parentElement) === view) {
        view.destroy();
        VIEWS.delete(parentElement);
      }
    }, 0);
  };
}
