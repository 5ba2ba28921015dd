// The token lives in sessionStorage (this tab, until it closes) and travels only in the Authorization header of
// fetches to this origin: never in a URL, a cookie or the page.
"use strict";

AG.tokenKey = "agentgym.token";
AG.token = () => sessionStorage.getItem(AG.tokenKey);

class Unauthorized extends Error {}
AG.Unauthorized = Unauthorized;

AG.headers = function (token) {
  const t = token === undefined ? AG.token() : token;
  return t ? { Authorization: "Bearer " + t } : {};
};

/** GET a JSON document; throws Unauthorized on 401 and an Error carrying the problem's detail otherwise. */
AG.get = async function (path, token, signal) {
  const response = await fetch(path, { headers: AG.headers(token), cache: "no-store", signal });
  if (response.status === 401) throw new Unauthorized("The token is wrong or missing.");
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = null; }
  if (!response.ok) throw new Error((body && (body.detail || body.title)) || ("HTTP " + response.status));
  return body;
};

/**
 * Follows a Server-Sent Events stream with fetch (EventSource cannot send the Authorization header).
 * onEvent(kind, data) for each event; resolves when the stream ends or signal aborts.
 */
AG.stream = async function (path, onEvent, signal) {
  const response = await fetch(path, { headers: Object.assign({ Accept: "text/event-stream" }, AG.headers()), signal });
  if (response.status === 401) throw new Unauthorized("The token is wrong or missing.");
  if (!response.ok || !response.body) throw new Error("stream answered HTTP " + response.status);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let kind = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) kind = line.slice(7);
        else if (line.startsWith("data: ")) data.push(line.slice(6));
      }
      if (data.length) onEvent(kind, JSON.parse(data.join("\n")));
    }
  }
};

/** Calls fn now and every ms until stop() is called or fn returns false; errors are shown, not thrown. */
AG.every = function (ms, fn, onError) {
  let stopped = false;
  let timer = null;
  const tick = async () => {
    if (stopped) return;
    let again = true;
    try { again = (await fn()) !== false; } catch (e) { if (onError) onError(e); else console.error(e); }
    if (!stopped && again) timer = setTimeout(tick, ms);
  };
  tick();
  return () => { stopped = true; if (timer) clearTimeout(timer); };
};
