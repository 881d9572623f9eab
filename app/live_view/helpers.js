// Shared helpers: bytes from base64, numbers and axis ticks, lines clipped to a box.

const FONT_FALLBACK = '"Source Sans", "Source Sans Pro", system-ui, sans-serif';

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
// Stroke the current path as a decision boundary: a light halo under it, so that it reads
// over the surface's colours and the points.
function strokeBoundary(ctx, width) {
  ctx.strokeStyle = PALETTE.halo;
  ctx.lineWidth = 4;
  ctx.stroke();
  ctx.strokeStyle = PALETTE.boundary;
  ctx.lineWidth = width;
  ctx.stroke();
}

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
