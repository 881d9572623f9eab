// The data points: decoded once per content and cached per view key, drawn as pre-rendered
// sprites, and found again under the pointer.

const POINT_CACHE = new Map(); // component user key -> {version, pts}
const POINT_R = 4.3; // point radius, CSS px
const HOVER_PX = 14; // hover/click pick radius, CSS px

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

// Whether a view colours by value (regression, or a hidden space without classes).
function isRegression(d) {
  return d.mode === "regression" || (d.view === "hidden" && d.n_classes < 2);
}

function pointColor(d, c) {
  if (isRegression(d)) {
    const [lo, hi] = d.value_range || [0, 1];
    const t = Math.max(0, Math.min(1, (c - lo) / (hi - lo || 1)));
    return scaleRgb(Math.round(t * 63) / 63); // 64 shades: few point sprites
  }
  return classRgb(c);
}

// One small pre-rendered image per (colour, style): blitting ~400 sprites is much cheaper
// for a software-rendered canvas than stroking ~400 anti-aliased circles each frame.
class PointSprites {
  constructor() {
    this.cache = new Map();
  }

  get(col, hollow, dpr) {
    const key = `${col}|${hollow}|${dpr}`;
    let sp = this.cache.get(key);
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
      c.fillStyle = PALETTE.test_fill;
      c.fill();
      c.strokeStyle = PALETTE.test_edge;
      c.lineWidth = 2.6;
      c.stroke();
      c.strokeStyle = col;
      c.lineWidth = 1.5;
      c.stroke();
    } else {
      c.fillStyle = col;
      c.fill();
      c.strokeStyle = PALETTE.point_edge;
      c.lineWidth = 1.2;
      c.stroke();
    }
    sp = { cv, half: size / (2 * dpr), size: size / dpr };
    this.cache.set(key, sp);
    return sp;
  }
}

// Training points filled, test points hollow, and a ring around the one under the pointer.
function paintPoints(ctx, L, d, P, sprites, dpr, hover) {
  if (!P) return;
  const drawSet = (set, hollow) => {
    let lastC = NaN;
    let sp = null;
    for (let k = 0; k < set.n; k++) {
      const x = set.xy[2 * k];
      const y = set.xy[2 * k + 1];
      if (!isFinite(x) || !isFinite(y)) continue;
      const c = set.c[k];
      if (!(c === lastC) || !sp) {
        sp = sprites.get(rgb(pointColor(d, isFinite(c) ? c : -1)), hollow, dpr);
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
  if (hover) {
    ctx.beginPath();
    ctx.arc(L.X(hover.x), L.Y(hover.y), POINT_R + 3.5, 0, 2 * Math.PI);
    ctx.strokeStyle = PALETTE.hover_ring;
    ctx.lineWidth = 1.5;
    ctx.stroke();
  }
}

// The point drawn nearest to (mx, my) within maxPx CSS pixels, or null.
function nearestPoint(L, P, showTest, mx, my, maxPx) {
  if (!L || !P) return null;
  let best = null;
  let bd = maxPx * maxPx;
  const sets = [["train", P.train]];
  if (showTest) sets.push(["test", P.test]);
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
