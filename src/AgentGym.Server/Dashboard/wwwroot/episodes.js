// The episodes view: every episode folder, live and finished, filtered by task and agent; refreshed every 3 s.
"use strict";

AG.episodesView = function (view, params) {
  const filters = { task: params.get("task") || "", agent: params.get("agent") || "" };
  const status = AG.el("div", { class: "muted" });
  const selects = AG.el("div", { class: "filters" });
  const tableBox = AG.el("div", { id: "episodes" });
  AG.append(view, [AG.el("h1", {}, "Episodes"), selects, tableBox, status]);
  let last = [];

  const option = (value, label, chosen) => AG.el("option", { value, selected: value === chosen }, label);
  const renderFilters = () => {
    const tasks = [...new Set(last.map(e => e.task_id).filter(Boolean))].sort();
    const agents = [...new Set(last.map(e => e.agent || "(none yet)"))].sort();
    const select = (name, values) => AG.el("select", {
      id: "filter-" + name,
      onchange: ev => { filters[name] = ev.target.value; location.hash = "#/episodes?" + new URLSearchParams(filters).toString(); },
    }, option("", "all", filters[name]), values.map(v => option(v, v, filters[name])));
    AG.append(AG.clear(selects), [AG.el("label", {}, "task ", select("task", tasks)), AG.el("label", {}, "agent ", select("agent", agents))]);
  };

  const render = () => {
    const rows = last.filter(e => (!filters.task || e.task_id === filters.task) && (!filters.agent || (e.agent || "(none yet)") === filters.agent));
    const header = ["episode", "task", "agent", "model", "hints", "seed", "state", "steps", "runs", "reward", "started"];
    const table = AG.table(header, rows.map(e => [
      e.episode_id, e.task_id, e.agent || "-", e.model || "-", e.hints, AG.fmt(e.seed), AG.pill(e.state),
      e.steps + (e.max_steps ? " / " + e.max_steps : ""), e.runs + (e.max_training_runs ? " / " + e.max_training_runs : ""),
      AG.fmt(e.reward, 3), (e.started_at || "").replace("T", " ").slice(0, 19),
    ]), { onRow: i => { location.hash = "#/episode/" + encodeURIComponent(rows[i].episode_id); }, empty: "No episodes in this folder yet." });
    AG.append(AG.clear(tableBox), [table]);
  };

  return AG.every(3000, async () => {
    const body = await AG.get("/v1/dashboard/episodes");
    last = body.episodes;
    status.textContent = last.length + " episodes in " + body.episodes_directory + " (refreshed every 3 s)";
    if (!selects.firstChild || document.activeElement?.tagName !== "SELECT") renderFilters();
    render();
  }, AG.showError);
};
