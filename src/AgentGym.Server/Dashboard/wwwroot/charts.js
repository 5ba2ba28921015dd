// Charts drawn with uPlot (from npm, embedded by the build): a run's loss curves, fed point by point while it trains,
// and an evaluation's efficiency frontier.
"use strict";

AG.palette = ["#1f6feb", "#d4380d", "#2da44e", "#8250df", "#bf8700", "#0a7ea4", "#cf222e", "#57606a"];

/** Two charts for one run: loss against step and against train_time; add(metric) appends a metric event. */
AG.RunCharts = class {
  constructor(container, runId) {
    this.runId = runId;
    this.points = 0;
    this.step = { x: [], train: [], val: [] };
    this.time = { x: [], train: [], val: [] };
    this.caption = AG.el("div", { class: "muted points" }, "0 points");
    const stepBox = AG.el("div", { class: "chart", "data-chart": "step" }, AG.el("div", { class: "caption" }, "loss vs step"));
    const timeBox = AG.el("div", { class: "chart", "data-chart": "time" }, AG.el("div", { class: "caption" }, "loss vs train_time (s)"));
    this.root = AG.el("div", { class: "charts", "data-run": runId, "data-points": "0" }, stepBox, timeBox);
    AG.append(container, [this.root, this.caption]);
    this.stepPlot = new uPlot(AG.lossOptions("step"), [[], [], []], stepBox);
    this.timePlot = new uPlot(AG.lossOptions("train_time (s)"), [[], [], []], timeBox);
    this.pending = false;
  }

  add(metric) {
    if (!metric || typeof metric.step !== "number") return;
    const train = typeof metric.train_loss === "number" ? metric.train_loss : null;
    const val = typeof metric.val_loss === "number" ? metric.val_loss : null;
    if (train === null && val === null) return;
    AG.pushSorted(this.step, metric.step, train, val);
    if (typeof metric.train_time_ms === "number") AG.pushSorted(this.time, metric.train_time_ms / 1000, train, val);
    this.points++;
    this.schedule();
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.stepPlot.setData([this.step.x, this.step.train, this.step.val]);
      this.timePlot.setData([this.time.x, this.time.train, this.time.val]);
      this.root.setAttribute("data-points", String(this.points));
      this.caption.textContent = this.points + " points";
    });
  }

  destroy() {
    this.stepPlot.destroy();
    this.timePlot.destroy();
  }
};

/** Appends (x, train, val), keeping x ascending as uPlot requires (events arrive in order; a late one is inserted). */
AG.pushSorted = function (series, x, train, val) {
  let i = series.x.length;
  while (i > 0 && series.x[i - 1] > x) i--;
  series.x.splice(i, 0, x);
  series.train.splice(i, 0, train);
  series.val.splice(i, 0, val);
};

AG.lossOptions = function (xLabel) {
  return {
    width: 520, height: 260,
    scales: { x: { time: false } },
    series: [
      { label: xLabel },
      { label: "train loss", stroke: AG.palette[0], spanGaps: true, points: { show: false } },
      { label: "val loss", stroke: AG.palette[1], width: 2, spanGaps: true, points: { show: true, size: 6, fill: AG.palette[1] } },
    ],
    axes: [{ label: xLabel }, { label: "loss" }],
  };
};

/**
 * An efficiency frontier: verified time (s) against verified loss, one colour per agent (hint regime in the label),
 * with the starting record's and the next record's times as vertical lines and the target loss as a horizontal one.
 */
AG.frontierChart = function (container, frontier) {
  const groups = new Map();
  for (const p of frontier.points) {
    const key = p.agent + " / " + p.hints;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(p);
  }
  const xs = [...new Set(frontier.points.map(p => p.time_s))].sort((a, b) => a - b);
  const keys = [...groups.keys()];
  const data = [xs, ...keys.map(k => xs.map(x => { const p = groups.get(k).find(q => q.time_s === x); return p ? p.loss : null; }))];
  const lines = [
    { at: frontier.baseline_s, axis: "x", label: "start record", color: "#57606a" },
    { at: frontier.record_s, axis: "x", label: "next record", color: "#2da44e" },
    { at: frontier.target_val_loss, axis: "y", label: "target", color: "#cf222e" },
  ].filter(l => typeof l.at === "number");
  const widen = (axis, min, max) => {
    const ats = lines.filter(l => l.axis === axis).map(l => l.at);
    const lo = Math.min(min ?? Infinity, ...ats), hi = Math.max(max ?? -Infinity, ...ats);
    const pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.05 || 1;
    return [lo - pad, hi + pad];
  };
  const options = {
    width: 620, height: 320,
    scales: { x: { time: false, range: (u, min, max) => widen("x", min, max) }, y: { range: (u, min, max) => widen("y", min, max) } },
    series: [{ label: "verified time (s)" }, ...keys.map((k, i) => ({
      label: k, stroke: AG.palette[i % AG.palette.length], paths: () => null,
      points: { show: true, size: 9, fill: AG.palette[i % AG.palette.length] },
    }))],
    axes: [{ label: "verified time (s)" }, { label: "verified val loss" }],
    hooks: { draw: [u => AG.drawLines(u, lines)] },
  };
  const box = AG.el("div", { class: "chart frontier", "data-task": frontier.task, "data-points": String(frontier.points.length) },
    AG.el("div", { class: "caption" }, frontier.task + ": best verified time against verified loss (" + frontier.points.length + " episodes)"));
  container.appendChild(box);
  return new uPlot(options, data, box);
};

AG.drawLines = function (u, lines) {
  const ctx = u.ctx;
  ctx.save();
  ctx.setLineDash([6, 4]);
  ctx.lineWidth = 1.5;
  ctx.font = "12px sans-serif";
  lines.forEach((line, i) => {
    ctx.strokeStyle = line.color;
    ctx.fillStyle = line.color;
    ctx.beginPath();
    if (line.axis === "x") {
      const x = u.valToPos(line.at, "x", true);
      ctx.moveTo(x, u.bbox.top);
      ctx.lineTo(x, u.bbox.top + u.bbox.height);
      // Staggered so that two close vertical lines keep readable labels.
      ctx.fillText(line.label, x + 4, u.bbox.top + 14 + 16 * i);
    } else {
      const y = u.valToPos(line.at, "y", true);
      ctx.moveTo(u.bbox.left, y);
      ctx.lineTo(u.bbox.left + u.bbox.width, y);
      // Below the line, mid-width: clear of the vertical lines' labels at the top.
      ctx.fillText(line.label, u.bbox.left + u.bbox.width / 2, y + 14);
    }
    ctx.stroke();
  });
  ctx.restore();
};
