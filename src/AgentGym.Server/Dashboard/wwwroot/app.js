// The dashboard's shell: login, navigation (hash routes) and errors. Every view is read-only.
"use strict";

AG.view = document.getElementById("view");
AG.cleanup = () => {};

AG.showError = function (error) {
  if (error instanceof AG.Unauthorized) { sessionStorage.removeItem(AG.tokenKey); AG.route(); return; }
  if (error?.name === "AbortError") return;
  let box = document.getElementById("error");
  if (!box) box = AG.view.insertBefore(AG.el("p", { id: "error", class: "error-text" }), AG.view.firstChild);
  box.textContent = String(error?.message ?? error);
};

/** The login form: the token is checked against the server before it is kept; a wrong one is never stored. */
AG.loginView = function (view, message) {
  const input = AG.el("input", { type: "password", id: "token", autocomplete: "off", placeholder: "AGENTGYM_SERVER_TOKEN" });
  const note = AG.el("p", { id: "login-error", class: "error-text" }, message || "");
  const form = AG.el("form", { class: "login", id: "login" },
    AG.el("h1", {}, "AgentGym dashboard"),
    AG.el("label", { for: "token" }, "Server token"), input,
    AG.el("button", { type: "submit", id: "login-submit" }, "Log in"), note,
    AG.el("p", { class: "muted" }, "The token stays in this tab's session storage and is sent only to this server."));
  form.addEventListener("submit", async ev => {
    ev.preventDefault();
    const token = input.value.trim();
    try {
      await AG.get("/v1/dashboard/episodes", token);
      sessionStorage.setItem(AG.tokenKey, token);
      AG.route();
    } catch (e) {
      note.textContent = e instanceof AG.Unauthorized ? "That token is wrong." : String(e.message);
    }
  });
  view.appendChild(form);
  input.focus();
  return () => {};
};

AG.route = async function () {
  AG.cleanup();
  AG.cleanup = () => {};
  AG.clear(AG.view);
  const bar = document.getElementById("bar");
  if (!AG.token()) {
    // A server started with --allow-no-token (loopback only) answers without one: no form then.
    let open = false;
    try { await AG.get("/v1/dashboard/episodes", ""); open = true; } catch { open = false; }
    if (!open) { bar.hidden = true; AG.cleanup = AG.loginView(AG.view); return; }
  }
  bar.hidden = false;
  const hash = location.hash || "#/episodes";
  const [path, query] = hash.slice(1).split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query || "");
  for (const a of bar.querySelectorAll("a")) a.classList.toggle("active", hash.startsWith(a.getAttribute("href").split("?")[0]));
  if (parts[0] === "episode" && parts[1]) AG.cleanup = AG.episodeView(AG.view, parts[1]);
  else if (parts[0] === "evaluations") AG.cleanup = AG.evaluationsView(AG.view);
  else if (parts[0] === "evaluation" && parts[1]) AG.cleanup = AG.evaluationView(AG.view, parts[1]);
  else AG.cleanup = AG.episodesView(AG.view, params);
};

document.getElementById("logout").addEventListener("click", () => { sessionStorage.removeItem(AG.tokenKey); location.hash = ""; AG.route(); });
window.addEventListener("hashchange", () => AG.route());
AG.route();
