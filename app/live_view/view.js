// One live view: a <canvas> kept in the page and repainted in place, its tooltip, its save
// button. Frames come through its FrameStream and are painted when the paint clock says.

class LiveView {
  constructor(parent) {
    for (const old of parent.querySelectorAll(":scope > .lv-root")) old.remove();
    this.root = document.createElement("div");
    this.root.className = "lv-root";
    for (const [name, value] of Object.entries(CSS_COLORS)) this.root.style.setProperty(name, value);
    this.canvas = document.createElement("canvas");
    this.canvas.className = "lv-canvas";
    this.tip = document.createElement("div");
    this.tip.className = "lv-tip";
    this.save = makeSaveButton(() => this.download());
    this.root.append(this.canvas, this.tip, this.save);
    this.stats = { paints: 0, received: 0, dropped: 0, paintMs: 0 };
    this.root.lvStats = this.stats;
    parent.appendChild(this.root);
    this.ctx = this.canvas.getContext("2d");
    this.stream = new FrameStream(this.stats);
    this.surface = new Surface();
    this.layer = new StaticLayer();
    this.sprites = new PointSprites();
    this.size = null;
    this.dpr = 1;
    this.data = null;
    this.pts = null;
    this.hover = null;
    this.mouseXY = null;
    this.raf = 0;
    this.lastNeed = 0;
    this.setTrigger = null;
    CLOCK.views.add(this);
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
    CLOCK.views.delete(this);
    this.canvas.removeEventListener("mousemove", this.onMove);
    this.canvas.removeEventListener("mouseleave", this.onLeave);
    this.canvas.removeEventListener("click", this.onClick);
    this.root.remove();
  }

  readTheme() {
    const cs = getComputedStyle(this.root);
    const v = (name, dflt) => (cs.getPropertyValue(name) || "").trim() || dflt;
    this.theme = {
      text: v("--st-text-color", PALETTE.text),
      font: v("--st-font", FONT_FALLBACK),
      background: v("--st-background-color", PALETTE.panel),
    };
  }

  // A repaint of the present frame (hover, resize) in the next animation frame.
  schedule() {
    if (!this.raf) {
      this.raf = requestAnimationFrame(() => {
        this.raf = 0;
        this.paint();
      });
    }
  }

  // A message from the server: its frames join the queue (or replace it: a click, a slider,
  // the first frame must show now, not after what waits).
  receive(d) {
    this.stream.push(d, d.flush || !this.data);
    wakeClock();
  }

  // Called by the paint clock at each animation frame: paint the next frame if it is due.
  pump(now, oldest) {
    const frame = this.stream.next(now, oldest);
    if (!frame) return;
    this.update(frame);
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
    // The stream decoded the frame's points (into d.pts and the cache) when it had any.
    const cached = POINT_CACHE.get(d.key || "");
    this.pts = d.pts || (cached && cached.version === d.points_version ? cached.pts : null);
    if (!this.pts && d.points_version !== undefined) this.requestPoints(d.points_version);
    if (d.view === "boundary") this.surface.prepare(d);
    // Points move between frames: keep the tooltip on whatever is now under the mouse.
    if (this.mouseXY && this.L) this.setHover(this.nearest(...this.mouseXY), ...this.mouseXY);
  }

  requestPoints(version) {
    const now = performance.now();
    if (this.setTrigger && now - this.lastNeed > 300) {
      this.lastNeed = now;
      this.setTrigger("need_points", version);
    }
  }

  // ---------------------------------------------------------------- painting

  paint() {
    const d = this.data;
    if (!d) return;
    const t0 = performance.now();
    const dpr = window.devicePixelRatio || 1;
    // Size from the ResizeObserver, so painting never forces a synchronous layout.
    if (!this.size) this.size = { W: this.root.clientWidth, H: this.root.clientHeight };
    const { W, H } = this.size;
    if (W > 0 && H > 0) {
      this.fitCanvas(W, H, dpr);
      this.dpr = dpr;
      const L = this.render(this.ctx, W, H, dpr, this.layer);
      if (L) this.L = L;
    } else if (!isChart(d)) {
      return;
    }
    this.finishPaint(d, t0);
  }

  // Draw the present frame on `ctx` (W x H CSS pixels at `dpr` device pixels each); return
  // the plane's layout (null for a chart).
  render(ctx, W, H, dpr, layer) {
    const d = this.data;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    if (isChart(d)) {
      paintChart(ctx, W, H, d, this.theme);
      return null;
    }
    const L = planeLayout(d, W, H);
    const bg = layer.get(L, d, this.pts, this.theme, dpr, ctx.canvas.width, ctx.canvas.height, this.stats);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.globalCompositeOperation = "copy";
    ctx.drawImage(bg, 0, 0);
    ctx.globalCompositeOperation = "source-over";
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.save();
    ctx.beginPath();
    ctx.rect(L.left, L.top, L.pw, L.ph);
    ctx.clip();
    if (d.view === "boundary") {
      this.surface.paint(ctx, L, d);
      paintUnits(ctx, L, d, "lines", this.theme.font);
    } else {
      paintHidden(ctx, L, d);
    }
    paintPoints(ctx, L, d, this.pts, this.sprites, dpr, this.hover);
    if (d.view === "boundary") paintUnits(ctx, L, d, "arrows", this.theme.font); // over the points
    ctx.restore();
    ctx.strokeStyle = PALETTE.frame;
    ctx.lineWidth = 1;
    ctx.strokeRect(Math.round(L.left) + 0.5, Math.round(L.top) + 0.5, Math.round(L.pw) - 1, Math.round(L.ph) - 1);
    return L;
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

  setAttr(name, value) {
    if (this.root.dataset[name] !== value) this.root.dataset[name] = value;
  }

  // The frame on screen as a PNG file: drawn again at SAVE_MIN_RATIO device pixels per CSS
  // pixel when the screen has fewer, over the page's background (the canvas's margins are
  // transparent).
  download() {
    const d = this.data;
    if (!d || !this.size) return;
    const { W, H } = this.size;
    const ratio = Math.max(SAVE_MIN_RATIO, this.dpr);
    const out = document.createElement("canvas");
    out.width = Math.round(W * ratio);
    out.height = Math.round(H * ratio);
    const ctx = out.getContext("2d");
    ctx.fillStyle = this.theme.background;
    ctx.fillRect(0, 0, out.width, out.height);
    const shot = document.createElement("canvas");
    shot.width = out.width;
    shot.height = out.height;
    if (ratio === this.dpr && this.canvas.width === out.width && this.canvas.height === out.height) {
      shot.getContext("2d").drawImage(this.canvas, 0, 0);
    } else {
      this.render(shot.getContext("2d"), W, H, ratio, new StaticLayer());
    }
    ctx.drawImage(shot, 0, 0);
    downloadCanvas(out, saveFileName(d.view));
  }

  // ---------------------------------------------------------------- interaction

  nearest(mx, my) {
    return nearestPoint(this.L, this.pts, this.data.show_test !== false, mx, my, HOVER_PX);
  }

  mouse(e) {
    const r = this.canvas.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  }

  handleMove(e) {
    const [mx, my] = this.mouse(e);
    this.mouseXY = [mx, my];
    this.setHover(this.nearest(mx, my), mx, my);
  }

  setHover(h, mx, my) {
    const same = (a, b) => (a && b ? a.set === b.set && a.index === b.index : a === b);
    if (!h) {
      this.tip.style.display = "none";
    } else {
      const d = this.data;
      const labels = d.axis_labels || ["x1", "x2"];
      let what;
      if (isRegression(d)) what = `y = ${fmt(h.c)}`;
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
    const near = this.nearest(mx, my); // the point the tooltip shows, if any
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

function isChart(d) {
  return d.view === "curves" || d.view === "network";
}
