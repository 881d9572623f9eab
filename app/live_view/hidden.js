// The hidden-feature space: the region the output calls positive, the input grid's lines
// mapped through the network, and the output unit's line. The points are drawn over it.

function paintHidden(ctx, L, d) {
  const [x0, x1, y0, y1] = d.axes;
  const ol = d.output_line;
  if (ol) {
    const poly = halfPlane(ol[0], ol[1], ol[2], x0, x1, y0, y1);
    if (poly.length >= 3) {
      ctx.beginPath();
      poly.forEach(([x, y], k) => (k ? ctx.lineTo(L.X(x), L.Y(y)) : ctx.moveTo(L.X(x), L.Y(y))));
      ctx.closePath();
      ctx.fillStyle = d.n_classes <= 2 ? rgb(POS_RGB, PALETTE.positive_region_alpha) : PALETTE.other_region;
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
    ctx.strokeStyle = PALETTE.grid_image;
    ctx.lineWidth = 0.8;
    ctx.stroke();
  }
  if (ol) {
    const seg = clipLine(ol[0], ol[1], ol[2], x0, x1, y0, y1);
    if (seg) {
      ctx.beginPath();
      ctx.moveTo(L.X(seg[0]), L.Y(seg[1]));
      ctx.lineTo(L.X(seg[2]), L.Y(seg[3]));
      strokeBoundary(ctx, 2);
    }
  }
}
