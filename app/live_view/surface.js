// The input plane's decision surface: a heat image with one pixel per grid sample, its
// contour at the decision level (marching squares), both rebuilt only when the grid
// changes; and the first-layer units' lines and normal arrows drawn over it.

const MANY_UNITS = 24; // above this many units, lines only (no arrows, no labels)

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

class Surface {
  constructor() {
    this.heat = document.createElement("canvas");
    this.hctx = this.heat.getContext("2d");
    this.key = null;
    this.contours = [];
  }

  // Heat-map image and decision contour of frame `d`, rebuilt only when its grid changed.
  prepare(d) {
    const g = d.grid;
    const key = [d.mode, g.data, g.conf, d.level, d.discretize, d.bands].join("|");
    if (key === this.key) return;
    this.key = key;
    const rows = g.rows;
    const cols = g.cols;
    const q = b64ToBytes(g.data);
    const conf = g.conf ? b64ToBytes(g.conf) : null;
    if (this.heat.width !== cols || this.heat.height !== rows) {
      this.heat.width = cols;
      this.heat.height = rows;
    }
    const img = this.hctx.createImageData(cols, rows);
    const px = img.data;
    const lut = heatLut(d);
    for (let i = 0; i < rows; i++) {
      const dst = (rows - 1 - i) * cols; // image row 0 is the top (highest y)
      for (let j = 0; j < cols; j++) {
        const s = i * cols + j;
        const o = (dst + j) * 4;
        if (d.mode === "multiclass") {
          const k = q[s];
          if (k === 255) {
            px[o] = NO_VALUE_RGB[0];
            px[o + 1] = NO_VALUE_RGB[1];
            px[o + 2] = NO_VALUE_RGB[2];
          } else {
            const c = classRgb(k);
            const t = d.discretize || !conf ? 0.8 : conf[s] / 255;
            const a = 0.1 + (HEAT_MAX - 0.1) * Math.sqrt(t);
            px[o] = PANEL_RGB[0] + (c[0] - PANEL_RGB[0]) * a;
            px[o + 1] = PANEL_RGB[1] + (c[1] - PANEL_RGB[1]) * a;
            px[o + 2] = PANEL_RGB[2] + (c[2] - PANEL_RGB[2]) * a;
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
    this.hctx.putImageData(img, 0, 0);
    this.contours = surfaceContours(d, q, conf, rows, cols);
  }

  paint(ctx, L, d) {
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
      strokeBoundary(ctx, 1.8);
    }
  }
}

// Colour of each of the 256 codes of a binary or regression grid (discretize: flat tints
// or bands), as r, g, b triples: tints over the plot's background.
function heatLut(d) {
  const lut = new Uint8ClampedArray(256 * 3);
  if (d.mode === "binary") {
    const tq = d.level === null ? 127.5 : d.level;
    for (let v = 0; v < 256; v++) {
      const neg = v < tq;
      const t = neg ? (tq - v) / Math.max(tq, 1e-9) : (v - tq) / Math.max(255 - tq, 1e-9);
      const a = d.discretize ? HEAT_MAX * 0.6 : HEAT_MAX * Math.pow(Math.min(1, t), 0.85);
      const c = neg ? NEG_RGB : POS_RGB;
      for (let ch = 0; ch < 3; ch++) lut[v * 3 + ch] = PANEL_RGB[ch] + (c[ch] - PANEL_RGB[ch]) * a;
    }
  } else if (d.mode === "regression") {
    const bands = d.bands || 8;
    for (let v = 0; v < 256; v++) {
      const u = d.discretize
        ? Math.round(((Math.min(bands - 1, Math.floor((v / 256) * bands)) + 0.5) / bands) * 255)
        : v;
      for (let ch = 0; ch < 3; ch++) lut[v * 3 + ch] = PANEL_RGB[ch] + (VIRIDIS[u * 3 + ch] - PANEL_RGB[ch]) * 0.72;
    }
  }
  return lut;
}

function surfaceContours(d, q, conf, rows, cols) {
  if (d.mode === "multiclass") {
    const present = new Set(q);
    present.delete(255);
    const lines = [];
    // Signed field per class: +margin inside the class, -margin outside. Beside a boundary
    // between classes A and B both sides read p_A - p_B, so the zero crossing is traced
    // between grid samples, not on the cells' staircase.
    for (const k of present) {
      const get = conf
        ? (i, j) => (q[i * cols + j] === k ? 1 : -1) * (conf[i * cols + j] + 1)
        : (i, j) => (q[i * cols + j] === k ? 1 : -1);
      lines.push(...marchingSquares(get, rows, cols, 0));
    }
    return lines;
  }
  if (d.level !== null && d.level !== undefined) {
    return marchingSquares((i, j) => q[i * cols + j], rows, cols, d.level);
  }
  return [];
}

// Each first-layer unit's line w.x + b = 0 (part "lines") and its normal arrow with its
// number (part "arrows", drawn over the points).
function paintUnits(ctx, L, d, part, font) {
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
    const color = unitColor(d, i);
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
    ctx.font = `bold 12px ${font}`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    const lx = ex + ux * 11;
    const ly = ey + uy * 11;
    ctx.lineWidth = 3;
    ctx.strokeStyle = PALETTE.label_halo;
    ctx.strokeText(String(i + 1), lx, ly);
    ctx.fillText(String(i + 1), lx, ly);
  });
  ctx.restore();
}
