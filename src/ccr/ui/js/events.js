// The live request feed: the server's recent requests, then one event per finished request.
// One connection for the whole page; it reconnects (and refills the list) after a restart.
import { api, streamEvents } from "./api.js";

const MAX = 500;
export const feed = { records: [], state: "connecting", listeners: new Set() };

function emit(kind, rec) {
  for (const fn of [...feed.listeners]) fn(kind, rec);
}

export function onFeed(fn) {
  feed.listeners.add(fn);
  return () => feed.listeners.delete(fn);
}

function setState(state) {
  feed.state = state;
  emit("state");
}

async function refill() {
  const data = await api("GET", "/api/requests");
  feed.records = data.requests || [];
  emit("reset");
}

export async function startFeed() {
  let delay = 1000;
  for (;;) {
    try {
      setState("connecting");
      await refill();
      await streamEvents("/api/events", (type, data) => {
        if (type === "hello") {
          setState("live");
          delay = 1000;
        } else if (type === "request") {
          feed.records.push(data);
          if (feed.records.length > MAX) feed.records.splice(0, feed.records.length - MAX);
          emit("request", data);
        }
      });
    } catch {
      // the router restarted or the network blinked: try again shortly
    }
    setState("offline");
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 15000);
  }
}
