// Frames from the server and the clock that paints them.
//
// A message holds one frame, or a burst of frames (the server's cost is per run, so a run
// sends several) to paint `spacing_ms` apart. Frames wait in each view's queue; the page's
// one paint clock, an animation-frame loop that runs only while frames wait, gives every
// view its next frame: one per animation frame, never sooner than the spacing after the
// last, so both views paint in the same animation frame and the browser composites once.

const CLOCK = { views: new Set(), raf: 0, timer: 0, period: 1000 / 60, last: 0 };

function wakeClock() {
  if (CLOCK.raf || CLOCK.timer) return;
  let next = Infinity;
  for (const v of CLOCK.views) if (v.stream.queue.length) next = Math.min(next, v.stream.due);
  if (next === Infinity) return;
  // Nothing due for a while (runs arrive slowly): sleep rather than spin animation frames.
  const wait = next - performance.now() - 2 * CLOCK.period;
  if (wait > 0) {
    CLOCK.timer = setTimeout(() => {
      CLOCK.timer = 0;
      wakeClock();
    }, wait);
  } else {
    CLOCK.raf = requestAnimationFrame(tickClock);
  }
}

function tickClock(now) {
  CLOCK.raf = 0;
  // The display's frame period, for "due within half a frame" (60 Hz: 16.7 ms).
  const dt = now - CLOCK.last;
  if (dt > 4 && dt < 40) CLOCK.period = 0.9 * CLOCK.period + 0.1 * dt;
  CLOCK.last = now;
  // The views playing bursts stay in step: their runs' frames carry the same numbers, but
  // one view's burst may come a moment after the other's (each comes in its own message),
  // or be lost on the way under load. A view behind skips to the frame the other shows;
  // none paints past the oldest frame another one has waiting.
  let newest = -Infinity;
  for (const v of CLOCK.views) if (v.stream.batch > 1) newest = Math.max(newest, v.stream.shown);
  let oldest = Infinity;
  for (const v of CLOCK.views) {
    const s = v.stream;
    if (s.batch <= 1) continue;
    s.skipTo(newest);
    if (s.queue.length) oldest = Math.min(oldest, s.queue[0].frame);
  }
  for (const v of CLOCK.views) v.pump(now, oldest);
  wakeClock();
}

// A message -> its frames (later frames of a burst inherit the first's fields), with the
// points and grid lines decoded on arrival, so a frame dropped from a queue never loses them.
function messageFrames(d) {
  const base = { ...d };
  delete base.burst;
  const frames = [base];
  for (const f of d.burst || []) {
    const full = { ...base, ...f };
    if (!f.points) delete full.points;
    frames.push(full);
  }
  const key = d.key || "";
  const decoded = new Map(); // lines a later frame shares with the first are decoded once
  for (const f of frames) {
    if (f.grid_lines_q) {
      let hit = decoded.get(f.grid_lines_q);
      if (!hit || hit.box !== f.q_box) {
        hit = { box: f.q_box, lines: f.grid_lines_q.map((q) => decodeXY(q, f.q_box)) };
        decoded.set(f.grid_lines_q, hit);
      }
      f.grid_lines = hit.lines;
      delete f.grid_lines_q;
    }
    if (f.points) {
      f.pts = prepPoints(f.points, f.q_box);
      POINT_CACHE.set(key, { version: f.points_version, pts: f.pts });
      delete f.points;
    }
  }
  return frames;
}

class FrameStream {
  constructor(stats) {
    this.stats = stats; // received, dropped
    this.queue = [];
    this.due = 0; // when the next frame may be painted (performance.now() ms)
    this.spacing = 0; // the server's spacing_ms
    this.batch = 1; // frames in the last message
    this.arrived = 0; // when the last message came
    this.gap = 0; // smoothed time between messages, ms
    this.shown = -Infinity; // the number of the last frame handed out
  }

  // Drop the queued frames older than frame number `frame` (another view shows it already),
  // keeping at least one.
  skipTo(frame) {
    let k = 0;
    while (k < this.queue.length - 1 && this.queue[k].frame < frame) k++;
    if (k) {
      this.queue.splice(0, k);
      this.stats.dropped += k;
    }
  }

  // Queue a message's frames; `fresh` (a click, a slider, the first frame) drops what waits
  // and paints at once.
  push(d, fresh) {
    let frames = messageFrames(d);
    if (!fresh && frames.length > 1) {
      // A run may send again frames that were sent before (when its message could replace
      // the one before it on the way): keep only those newer than what this view has.
      const last = this.queue.length ? this.queue[this.queue.length - 1].frame : this.shown;
      frames = frames.filter((f) => !(f.frame <= last));
      if (!frames.length) return;
    }
    this.stats.received += frames.length;
    const now = performance.now();
    if (fresh || frames.length === 1) {
      this.queue = [];
      this.due = 0;
      this.shown = -Infinity;
    } else if (this.arrived) {
      const gap = now - this.arrived;
      if (gap < 1000) this.gap = this.gap ? 0.8 * this.gap + 0.2 * gap : gap;
    }
    this.arrived = now;
    this.queue.push(...frames);
    // Never more than three runs behind: drop the oldest frames rather than lag further.
    const most = 3 * frames.length + 1;
    if (this.queue.length > most) {
      this.stats.dropped += this.queue.length - most;
      this.queue.splice(0, this.queue.length - most);
    }
    this.spacing = Math.max(0, d.spacing_ms || 0);
    this.batch = frames.length;
  }

  // The pace now: the server's spacing, or slower when the runs come slower than their
  // frames last (the server's work, the network): what is left is spread over the time
  // until the next run is due, so the queue does not run dry and stall before it comes.
  pace(now) {
    const base = this.spacing;
    if (!base || !this.gap || this.queue.length > this.batch) return base;
    const left = this.arrived + this.gap - now;
    return Math.min(2 * base, Math.max(base, left / (this.queue.length + 1)));
  }

  // The frame to paint in the animation frame starting at `now`, or null: a frame counts as
  // due when it is due within half a display frame (else it would wait a whole one), and
  // when it is not ahead of `oldest` (see tickClock).
  next(now, oldest = Infinity) {
    if (!this.queue.length) return null;
    if (now < this.due - CLOCK.period / 2) return null;
    if (this.batch > 1 && this.queue[0].frame > oldest) return null;
    const spacing = this.pace(now);
    // On time (or a little early or late), keep the cadence; idle or far behind, restart it.
    this.due = now - this.due > 2 * spacing ? now + spacing : this.due + spacing;
    const frame = this.queue.shift();
    this.shown = frame.frame;
    return frame;
  }
}
