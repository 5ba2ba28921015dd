// One episode: header, verdict, runs (live loss curves and log tails), workspace diff and the step timeline.
"use strict";

AG.foldLines = 12;

AG.episodeView = function (view, id) {
  const header = AG.el("div", { id: "episode-header" });
  const verdictBox = AG.el("div", { id: "verdicts" });
  const runsBox = AG.el("div", { id: "runs" });
  const diffBox = AG.el("pre", { id: "diff", class: "diff" });
  const stepsBox = AG.el("div", { id: "steps" });
  AG.append(view, [AG.el("h1", {}, "Episode ", AG.el("code", {}, id)), header,
    AG.el("h2", {}, "Verdict"), verdictBox, AG.el("h2", {}, "Runs"), runsBox,
    AG.el("h2", {}, "Workspace diff against the starting files"), diffBox, AG.el("h2", {}, "Steps"), stepsBox]);
  const runs = new Map();
  const controller = new AbortController();
  let shownSteps = 0;
  let verdictCount = -1;
  let lastDiff = null;

  const refresh = async () => {
    const e = await AG.get("/v1/dashboard/episodes/" + encodeURIComponent(id), undefined, controller.signal);
    AG.append(AG.clear(header), [AG.kv({
      task: e.task_id, agent: e.agent, model: e.model, hints: e.hints, seed: e.seed, state: e.state,
      steps: e.steps + (e.max_steps ? " of " + e.max_steps : ""), "training runs": e.runs.length + (e.max_training_runs ? " of " + e.max_training_runs : ""),
      reward: e.reward, "stop reason": e.stop_reason, started: e.started_at,
    })]);
    if (e.verdicts.length !== verdictCount) {
      verdictCount = e.verdicts.length;
      AG.append(AG.clear(verdictBox), e.verdicts.length ? e.verdicts.map(AG.verdict) : [AG.el("p", { class: "muted" }, "No submission verified yet.")]);
    }
    for (const run of e.runs) if (!runs.has(run.run_id)) runs.set(run.run_id, AG.runPanel(runsBox, id, run, e.hosted, controller.signal));
    if (e.runs.length === 0 && !runsBox.firstChild) runsBox.appendChild(AG.el("p", { class: "muted", id: "no-runs" }, "No training run yet."));
    if (e.runs.length > 0) document.getElementById("no-runs")?.remove();
    if (e.diff !== lastDiff) { lastDiff = e.diff; AG.renderDiff(diffBox, e.diff); }
    for (const step of e.steps_list.slice(shownSteps)) stepsBox.appendChild(AG.stepEntry(step));
    shownSteps = e.steps_list.length;
    return e.state !== "ended";
  };
  const stop = AG.every(2000, refresh, AG.showError);
  return () => { stop(); controller.abort(); for (const r of runs.values()) r.stop(); };
};

/** A run: its two charts and its log tail. Live runs of hosted episodes follow the SSE stream; others are polled. */
AG.runPanel = function (container, episodeId, run, hosted, signal) {
  const state = AG.el("span", {}, AG.pill(run.state));
  const panel = AG.el("div", { class: "run", id: "run-" + run.run_id }, AG.el("h3", {}, run.run_id, " ", state));
  container.appendChild(panel);
  const charts = new AG.RunCharts(panel, run.run_id);
  const log = AG.el("pre", { class: "log", "data-run": run.run_id });
  AG.append(panel, [AG.el("div", { class: "muted" }, "log tail"), log]);
  const base = "/v1/dashboard/episodes/" + encodeURIComponent(episodeId) + "/runs/" + encodeURIComponent(run.run_id);
  const lines = [];
  const showLog = () => { log.textContent = lines.slice(-200).join("\n"); log.scrollTop = log.scrollHeight; };
  let stopPoll = () => {};
  // Metric events already drawn: the stream replays the run from its first event, in the order of metrics.jsonl, so
  // a poll after the stream ends continues from here instead of drawing them twice.
  let seen = 0;
  const poll = () => {
    stopPoll = AG.every(2000, async () => {
      const r = await AG.get(base, undefined, signal);
      for (const m of r.metrics.slice(seen)) charts.add(m);
      seen = r.metrics.length;
      lines.length = 0;
      lines.push(...r.log_tail);
      showLog();
      AG.clear(state).appendChild(AG.pill(r.state));
      return !r.finished;
    }, AG.showError);
  };
  if (hosted && !run.finished) {
    const events = "/v1/episodes/" + encodeURIComponent(episodeId) + "/runs/" + encodeURIComponent(run.run_id) + "/events";
    AG.stream(events, (kind, data) => {
      if (kind === "metric") { seen++; charts.add(data.metric); }
      else if (kind === "log") { lines.push(data.text ?? ""); showLog(); }
      else if (kind === "end") AG.clear(state).appendChild(AG.pill(data.state));
    }, signal).then(() => poll(), err => { if (!signal.aborted) { console.error(err); poll(); } });
  } else {
    poll();
  }
  return { stop: () => { stopPoll(); charts.destroy(); } };
};

AG.renderDiff = function (pre, diff) {
  AG.clear(pre);
  if (!diff) { pre.textContent = "(no change)"; return; }
  for (const line of diff.split("\n")) {
    const cls = line.startsWith("+++") || line.startsWith("---") ? null : line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : line.startsWith("@@") ? "hunk" : null;
    pre.appendChild(AG.el("span", { class: cls || "line" }, line + "\n"));
  }
};

/** One step: tool, arguments and observation as text, folded (a closed details) when long. */
AG.stepEntry = function (step) {
  const args = typeof step.arguments === "string" ? step.arguments : JSON.stringify(step.arguments ?? "");
  const observation = step.observation ?? "";
  const long = (args + "\n" + observation).split("\n").length > AG.foldLines || args.length + observation.length > 1500;
  const flags = [step.is_error ? "error" : null, step.terminated ? "terminated" : null, step.truncated ? "truncated" : null].filter(Boolean);
  const title = step.kind === "reset" ? "reset" : (step.tool || "?");
  return AG.el("details", { class: "step" + (step.is_error ? " error" : ""), open: !long, "data-step": step.step },
    AG.el("summary", {}, "#" + step.step + " ", AG.el("strong", {}, title), flags.length ? " (" + flags.join(", ") + ")" : "",
      step.reward ? " reward " + AG.fmt(step.reward, 3) : "", " · " + AG.fmt(step.duration_ms, 0) + " ms",
      long ? AG.el("span", { class: "muted" }, " · folded, click to open") : ""),
    step.kind === "reset" ? "" : AG.el("div", {}, AG.el("div", { class: "muted" }, "arguments"), AG.el("pre", {}, args)),
    AG.el("div", { class: "muted" }, "observation"), AG.el("pre", { class: "observation" }, observation));
};

/**
 * A verdict as written by the scorer, read generically so that it survives changes of shape: its top-level figures
 * as key/value pairs, then each check (an object keyed by name, or a list of objects with a name) with passed,
 * reason and every other field it carries.
 */
AG.verdict = function (v) {
  const checks = Array.isArray(v.checks) ? v.checks.map((c, i) => [c.name ?? c.check ?? "check " + (i + 1), c])
    : Object.entries(v.checks || {});
  const top = Object.fromEntries(Object.entries(v).filter(([k]) => !["checks", "summary", "passed"].includes(k)));
  return AG.el("div", { class: "verdict", "data-passed": String(v.passed) },
    AG.el("h3", {}, AG.pill(v.passed ? "passed" : "failed"), " ", v.summary ?? ""),
    AG.kv(top),
    checks.map(([name, c]) => {
      const check = c && typeof c === "object" ? c : { value: c };
      const state = check.skipped ? "skipped" : check.passed === true ? "passed" : check.passed === false ? "failed" : "";
      const rest = Object.fromEntries(Object.entries(check).filter(([k]) => !["name", "passed", "reason", "skipped"].includes(k)));
      return AG.el("div", { class: "check", "data-check": name },
        AG.el("strong", {}, name), " ", state ? AG.pill(state) : "", check.reason ? AG.el("div", {}, String(check.reason)) : "", AG.kv(rest));
    }));
};

/** Key/value pairs; nested objects are flattened to dotted keys (list items to key[1], key[2]), lists of plain values joined. */
AG.kv = function (object) {
  const pairs = [];
  const walk = (prefix, value) => {
    if (Array.isArray(value) && value.some(x => x && typeof x === "object")) value.forEach((x, i) => walk(prefix + "[" + (i + 1) + "]", x));
    else if (value && typeof value === "object" && !Array.isArray(value)) for (const [k, v] of Object.entries(value)) walk(prefix ? prefix + "." + k : k, v);
    else if (value !== undefined && value !== null) pairs.push([prefix, Array.isArray(value) ? value.map(x => AG.fmt(x)).join(", ") : AG.fmt(value)]);
  };
  walk("", object);
  return AG.el("div", { class: "kv" }, pairs.map(([k, v]) => [AG.el("span", { class: "k" }, k), AG.el("span", { class: "v" }, v)]));
};
