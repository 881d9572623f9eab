// The frame of a plane view: where the data go on the canvas (equal scales on the input plane),
// and the static layer under them: background, ticks, axis labels, legend.

function planeLayout(d, W, H) {
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

function paintAxes(ctx, L, d, theme) {
  ctx.save();
  ctx.fillStyle = theme.text;
  ctx.strokeStyle = theme.text;
  ctx.globalAlpha = 0.85;
  ctx.font = `11px ${theme.font}`;
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
  ctx.font = `13px ${theme.font}`;
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

function paintLegend(ctx, L, d, P, theme) {
  ctx.save();
  ctx.font = `12px ${theme.font}`;
  ctx.textBaseline = "middle";
  ctx.textAlign = "left";
  const y = 12;
  let x = L.left;
  const right = L.left + L.pw;
  const regression = isRegression(d);
  const item = (draw, label) => {
    const w = 14 + ctx.measureText(label).width + 12;
    if (x + w > right) return false;
    draw(x + 5, y);
    ctx.fillStyle = theme.text;
    ctx.fillText(label, x + 13, y);
    x += w;
    return true;
  };
  if (regression) {
    const [lo, hi] = d.value_range || [0, 1];
    const lo_s = fmt(lo);
    ctx.fillStyle = theme.text;
    ctx.fillText(lo_s, x, y);
    x += ctx.measureText(lo_s).width + 5;
    const gw = 90;
    const grad = ctx.createLinearGradient(x, 0, x + gw, 0);
    for (let t = 0; t <= 1.0001; t += 0.25) grad.addColorStop(Math.min(1, t), rgb(scaleRgb(t)));
    ctx.fillStyle = grad;
    ctx.fillRect(x, y - 4, gw, 8);
    x += gw + 5;
    ctx.fillStyle = theme.text;
    ctx.fillText(fmt(hi), x, y);
    x += ctx.measureText(fmt(hi)).width + 14;
  } else if (P && P.classes.length) {
    const names = P.classes;
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
  const hasTest = P && P.test.n > 0 && (d.show_test !== false);
  if (P && P.train.n) {
    item((cx, cy) => {
      ctx.beginPath();
      ctx.arc(cx, cy, 4.3, 0, 2 * Math.PI);
      ctx.fillStyle = PALETTE.legend_point;
      ctx.fill();
      ctx.strokeStyle = PALETTE.point_edge;
      ctx.lineWidth = 1.2;
      ctx.stroke();
    }, "train");
  }
  if (hasTest) {
    item((cx, cy) => {
      ctx.beginPath();
      ctx.arc(cx, cy, 4.3, 0, 2 * Math.PI);
      ctx.strokeStyle = PALETTE.test_edge;
      ctx.lineWidth = 2.2;
      ctx.stroke();
    }, "test");
  }
  ctx.restore();
}

// The static layer (plot background, ticks, labels, legend): redrawn only when something
// it shows changes, and copied under each frame.
class StaticLayer {
  constructor() {
    this.canvas = document.createElement("canvas");
    this.key = null;
  }

  // The layer for this frame; `stats.plot` gets the plot's box in CSS pixels of the canvas
  // (for tests that click a place in the plane).
  get(L, d, P, theme, dpr, cw, ch, stats) {
    const key = JSON.stringify([
      cw, ch, dpr, L.left, L.top, L.pw, L.ph, L.x0, L.x1, L.y0, L.y1, d.axis_labels,
      isRegression(d) ? d.value_range : P && P.classes,
      P ? [P.train.n > 0, P.test.n > 0] : null,
      d.show_test !== false, theme.text, theme.font,
    ]);
    if (key !== this.key) {
      this.key = key;
      stats.plot = { left: L.left, top: L.top, width: L.pw, height: L.ph, extent: [L.x0, L.x1, L.y0, L.y1] };
      this.canvas.width = cw;
      this.canvas.height = ch;
      const b = this.canvas.getContext("2d");
      b.setTransform(dpr, 0, 0, dpr, 0, 0);
      b.clearRect(0, 0, L.W, L.H);
      b.fillStyle = PALETTE.panel;
      b.fillRect(L.left, L.top, L.pw, L.ph);
      paintAxes(b, L, d, theme);
      paintLegend(b, L, d, P, theme);
    }
    return this.canvas;
  }
}
