// DOM building without HTML parsing: every string becomes a text node, so model output, log lines and file names
// can never become markup or script, whatever they hold.
"use strict";
window.AG = window.AG || {};

/** el("tr", {class: "x", "data-id": id, onclick: fn}, child, "text", [more]) */
AG.el = function (tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key === "style") throw new Error("inline styles are refused by the page's CSP; use a class");
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  AG.append(node, children);
  return node;
};

AG.append = function (node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
};

AG.clear = function (node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
};

AG.fmt = function (value, digits) {
  if (value === undefined || value === null || value === "") return "-";
  if (typeof value === "number") return Number.isInteger(value) && digits === undefined ? String(value) : value.toFixed(digits ?? 4);
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
};

AG.pill = function (text) {
  return AG.el("span", { class: "pill " + String(text).replace(/[^a-z_]/gi, "") }, String(text));
};

/** A table from a header and rows of cells (strings or nodes); numeric-looking strings are right-aligned. */
AG.table = function (header, rows, options) {
  const opts = options || {};
  const body = rows.map((row, i) => AG.el("tr", { class: opts.onRow ? "clickable" : null, onclick: opts.onRow ? () => opts.onRow(i) : null },
    row.map(cell => AG.el("td", { class: typeof cell === "string" && /^-?\d/.test(cell) ? "n" : null }, cell))));
  return AG.el("table", { id: opts.id },
    AG.el("thead", {}, AG.el("tr", {}, header.map(h => AG.el("th", {}, h)))),
    AG.el("tbody", {}, body.length ? body : AG.el("tr", {}, AG.el("td", { colspan: header.length }, opts.empty || "(none)"))));
};
