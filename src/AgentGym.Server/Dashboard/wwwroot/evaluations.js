// The evaluations views: the configured results files, and one file's progress, FSR table, frontier and costs,
// re-read every 5 s so that they follow `agentgym eval` while it writes.
"use strict";

AG.evaluationsView = function (view) {
  const box = AG.el("div", { id: "evaluations" });
  AG.append(view, [AG.el("h1", {}, "Evaluations"), box]);
  return AG.every(5000, async () => {
    const body = await AG.get("/v1/dashboard/evaluations");
    const rows = body.files.map(f => [f.name, f.path]);
    AG.append(AG.clear(box), [
      AG.table(["results file", "path"], rows, { onRow: i => { location.hash = "#/evaluation/" + encodeURIComponent(body.files[i].name); },
        empty: "No results files found." }),
      AG.el("p", { class: "muted" }, "Configured (agentgym serve --results FILE-OR-FOLDER): " + (body.configured.join(", ") || "nothing")),
    ]);
  }, AG.showError);
};

AG.evaluationView = function (view, name) {
  const status = AG.el("div", { id: "progress" });
  const fsrBox = AG.el("div", { id: "fsr" });
  const frontierBox = AG.el("div", { id: "frontier", class: "charts" });
  const costBox = AG.el("div", { id: "costs" });
  const cellsBox = AG.el("details", { id: "cells" });
  AG.append(view, [AG.el("h1", {}, "Evaluation ", AG.el("code", {}, name)), status,
    AG.el("h2", {}, "FSR by task, hint regime and agent"), fsrBox, AG.el("h2", {}, "Efficiency frontier"), frontierBox,
    AG.el("h2", {}, "Cost"), costBox, AG.el("h2", {}, "Cells"), cellsBox]);
  let plots = [];
  let lastFrontier = null;

  const stop = AG.every(5000, async () => {
    const d = await AG.get("/v1/dashboard/evaluations/" + encodeURIComponent(name));
    const p = d.progress;
    const bar = AG.el("div", { class: "progress" }, ["done", "failed", "running"].map(s =>
      AG.el("span", { class: s, "data-share": p.total ? (100 * p[s] / p.total).toFixed(0) : "0" })));
    AG.append(AG.clear(status), [
      AG.el("p", {}, (d.experiments.join(", ") || "experiment") + ": ", AG.el("strong", { id: "progress-text" },
        p.done + " of " + p.total + " cells done"), ", " + p.failed + " failed, " + p.running + " running, " + p.pending + " pending"), bar]);
    // Widths from data attributes: the CSP forbids inline styles, so each segment grows through flex-grow via CSSOM.
    for (const seg of bar.children) seg.style.flexGrow = seg.getAttribute("data-share");
    if (p.total > p.done + p.failed) bar.appendChild(AG.el("span", { class: "rest" })).style.flexGrow = String(100 - [...bar.children].reduce((a, s) => a + Number(s.getAttribute("data-share") || 0), 0));
    AG.append(AG.clear(fsrBox), [AG.el("p", { class: "muted" }, d.fsr.note), AG.table(d.fsr.header, d.fsr.rows, { id: "fsr-table", empty: "No cell finished yet." })]);
    AG.append(AG.clear(costBox), [AG.table(d.costs.header, d.costs.rows, { id: "cost-table", empty: "No cell finished yet." })]);
    const frontierKey = JSON.stringify(d.frontier);
    if (frontierKey !== lastFrontier) {
      lastFrontier = frontierKey;
      plots.forEach(u => u.destroy());
      AG.clear(frontierBox);
      plots = d.frontier.map(f => AG.frontierChart(frontierBox, f));
    }
    const open = cellsBox.open;
    AG.append(AG.clear(cellsBox), [AG.el("summary", {}, d.cells.length + " cells"),
      AG.table(["task", "hints", "agent", "seed", "status", "attempts", "episode", "error"], d.cells.map(c =>
        [c.task, c.hints, c.agent, String(c.seed), AG.pill(c.status), String(c.attempts), c.episode_id || "-", c.error || ""]))]);
    cellsBox.open = open;
  }, AG.showError);
  return () => { stop(); plots.forEach(u => u.destroy()); };
};
