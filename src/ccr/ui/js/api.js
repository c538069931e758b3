// Talking to /api/: the APIKEY (kept for this tab only, in sessionStorage) on every call,
// the x-ccr-action header on every state-changing call, one login prompt on 401.
import { askForKey } from "./login.js";

const KEY_NAME = "ccr.apikey";

export function currentKey() {
  return sessionStorage.getItem(KEY_NAME) || "";
}

export function setKey(key) {
  if (key) sessionStorage.setItem(KEY_NAME, key);
  else sessionStorage.removeItem(KEY_NAME);
}

export class ApiError extends Error {
  constructor(status, body) {
    const err = (body && body.error) || {};
    super(err.message || `HTTP ${status}`);
    this.status = status;
    this.path = err.path || "";
    this.line = err.line || null;
    this.column = err.column || null;
  }
}

function headers(method, extra) {
  const out = { accept: "application/json", ...extra };
  const key = currentKey();
  if (key) out["x-api-key"] = key;
  if (method !== "GET" && method !== "HEAD") {
    out["x-ccr-action"] = "1";
    out["content-type"] = "application/json";
  }
  return out;
}

let loginPending = null;

async function needKey(wrong) {
  // Several calls may fail at once: ask once, let all of them retry with the answer.
  if (!loginPending) {
    loginPending = askForKey(wrong).then((key) => {
      setKey(key);
      loginPending = null;
    });
  }
  return loginPending;
}

export async function api(method, path, body) {
  for (let attempt = 0; ; attempt++) {
    const init = { method, headers: headers(method), cache: "no-store", credentials: "omit" };
    if (body !== undefined) init.body = JSON.stringify(body);
    const resp = await fetch(path, init);
    if (resp.status === 401 && attempt < 5) {
      await needKey(attempt > 0 || Boolean(currentKey()));
      continue;
    }
    const text = await resp.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!resp.ok) throw new ApiError(resp.status, data);
    return data;
  }
}

// Server-sent events over fetch (EventSource cannot send the APIKEY header).
export async function streamEvents(path, onEvent, signal) {
  const resp = await fetch(path, { headers: headers("GET", { accept: "text/event-stream" }), signal, cache: "no-store" });
  if (resp.status === 401) {
    await needKey(Boolean(currentKey()));
    throw new ApiError(401, null);
  }
  if (!resp.ok || !resp.body) throw new ApiError(resp.status, null);
  const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n/g, "\n");
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let type = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) type = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) onEvent(type, JSON.parse(data.join("\n")));
    }
  }
}
