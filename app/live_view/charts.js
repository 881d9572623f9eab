// The loss curves (with the gradient's norm in a panel under them) and the network diagram
// while the network trains (app.payloads' curves_payload / network_payload), drawn like the
// Plotly figures they stand in for.

function paintChart(ctx, W, H, d, theme) {
  ctx.clearRect(0, 0, W, H);
  ctx.save();
  if (d.view === "curves") paintCurves(ctx, W, H, d, theme);
  else paintNetwork(ctx, W, H, d, theme);
  ctx.restore();
}

function paintCurves(ctx, W, H, d, theme) {
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
  ctx.fillStyle = PALETTE.panel;
  ctx.fillRect(m.l, m.t, pw, ph);
  ctx.strokeStyle = PALETTE.frame;
  ctx.lineWidth = 1;
  ctx.strokeRect(Math.round(m.l) + 0.5, Math.round(m.t) + 0.5, Math.round(pw) - 1, Math.round(ph) - 1);
  // Ticks: epochs below, loss (log scale) left, accuracy % right.
  ctx.fillStyle = theme.text;
  ctx.strokeStyle = theme.text;
  ctx.globalAlpha = 0.85;
  ctx.font = `11px ${theme.font}`;
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
  ctx.font = `13px ${theme.font}`;
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
    ["train_loss", "train loss", PALETTE.train_loss, [], 2, YL],
    ["test_loss", "test loss", PALETTE.test_loss, [2, 3], 2, YL],
    ["train_accuracy", "train accuracy %", PALETTE.train_accuracy, [], 1.5, (v) => YA(100 * v)],
    ["test_accuracy", "test accuracy %", PALETTE.test_accuracy, [], 1.5, (v) => YA(100 * v)],
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
  ctx.font = `12px ${theme.font}`;
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
    ctx.fillStyle = theme.text;
    ctx.fillText(label, lx + 25, 14);
    lx += w;
  }
  if (hasGrad) {
    const top = m.t + ph + GAP;
    paintGradPanel(ctx, d, x, grad, { left: m.l, top, pw, ph: bottom - top, X }, vertical, theme);
  }
}

// ||g||, the norm of the gradient of R(theta) at each snapshot, on a log scale under the
// losses: the clipping threshold as a dashed line, and a mark where clipping fired (the
// step was scaled down to the threshold's length).
function paintGradPanel(ctx, d, x, g, P, vertical, theme) {
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
  ctx.fillStyle = PALETTE.panel;
  ctx.fillRect(left, top, pw, ph);
  ctx.strokeStyle = PALETTE.frame;
  ctx.lineWidth = 1;
  ctx.strokeRect(Math.round(left) + 0.5, Math.round(top) + 0.5, Math.round(pw) - 1, Math.round(ph) - 1);
  ctx.fillStyle = theme.text;
  ctx.strokeStyle = theme.text;
  ctx.globalAlpha = 0.85;
  ctx.font = `11px ${theme.font}`;
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
  ctx.font = `13px ${theme.font}`;
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
    ctx.strokeStyle = PALETTE.grad_clip;
    ctx.lineWidth = 1.5;
    ctx.stroke();
    ctx.setLineDash([]);
  }
  ctx.beginPath();
  tracePolyline(ctx, x, g, X, (v) => (v > 0 ? Y(v) : NaN));
  ctx.lineJoin = "bevel";
  ctx.strokeStyle = PALETTE.grad_norm;
  ctx.lineWidth = 1.5;
  ctx.stroke();
  const fired = (d.clipped || []).filter((i) => i < g.length && g[i] > 0 && isFinite(x[i]));
  if (fired.length) {
    ctx.beginPath();
    for (const i of fired) {
      ctx.moveTo(X(x[i]) + 2.8, Y(g[i]));
      ctx.arc(X(x[i]), Y(g[i]), 2.8, 0, 2 * Math.PI);
    }
    ctx.fillStyle = PALETTE.grad_clip;
    ctx.fill();
  }
  // Legend in the panel's top right corner.
  ctx.font = `11px ${theme.font}`;
  ctx.textBaseline = "middle";
  ctx.textAlign = "left";
  const items = [["line", PALETTE.grad_norm, "‖g‖ (log)"]];
  if (clip) items.push(["dash", PALETTE.grad_clip, `clip at ${fmtSig(clip)}`]);
  if (fired.length) items.push(["dot", PALETTE.grad_clip, "clipped"]);
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
    ctx.fillStyle = theme.text;
    ctx.fillText(text, lx + 24, ly);
    lx += widths[k];
  });
  ctx.restore();
}

function paintNetwork(ctx, W, H, d, theme) {
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
  ctx.fillStyle = PALETTE.node_fill;
  ctx.fill();
  ctx.strokeStyle = PALETTE.node_edge;
  ctx.lineWidth = 1.5;
  ctx.stroke();
  ctx.fillStyle = theme.text;
  ctx.font = `11px ${theme.font}`;
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
