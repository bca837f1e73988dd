// The run page's live timeline. The page is complete without this file:
// it only appends the events stored after the page was rendered, read as
// Server-Sent Events from the run's events URL, until the "end" event.
//
// The EventSource is same-origin and sets no withCredentials: the browser
// sends the page's cookies (the API token cookie) and nothing else, and
// EventSource cannot send an Authorization header anyway.
"use strict";

(() => {
  const timeline = document.getElementById("timeline");
  if (!timeline || timeline.dataset.live !== "true" || !window.EventSource) {
    return;
  }
  const body = timeline.tBodies[0];
  const state = document.getElementById("live-state");
  let lastId = Number(timeline.dataset.after) || 0;

  const url = new URL(timeline.dataset.eventsUrl, document.baseURI);
  url.searchParams.set("after", String(lastId));
  const source = new EventSource(url.toString());

  const show = (text) => {
    if (state) state.textContent = text;
  };

  const cell = (row, text, className) => {
    const td = row.insertCell();
    td.textContent = text || "";
    if (className) td.className = className;
    return td;
  };

  // The same shape as the server's rows, built as text: nothing in an
  // event becomes markup.
  const append = (id, ev) => {
    const empty = body.querySelector("tr.empty");
    if (empty) empty.remove();
    const row = body.insertRow();
    if (id) row.dataset.eventId = String(id);
    const time = document.createElement("time");
    time.dateTime = ev.ts || "";
    const at = new Date(ev.ts);
    time.textContent = isNaN(at) ? "" : at.toISOString().slice(11, 23);
    cell(row, "").appendChild(time);
    cell(row, ev.host);
    const type = document.createElement("code");
    type.textContent = ev.type || "";
    cell(row, "").appendChild(type);
    cell(row, ev.step);
    const status = document.createElement("span");
    status.textContent = ev.status || "";
    status.className = /^[a-z-]+$/.test(ev.status || "") ? "status status-" + ev.status : "status";
    cell(row, "").appendChild(status);
    cell(row, ev.message, "message");
  };

  const onEvent = (msg) => {
    const id = Number(msg.lastEventId) || 0;
    if (id && id <= lastId) return; // already shown: a replay after a reconnect
    let ev;
    try {
      ev = JSON.parse(msg.data);
    } catch {
      return;
    }
    if (id) lastId = id;
    append(id, ev);
  };

  // Named events reach only listeners for their name: one per known type,
  // and onmessage for messages sent without a name.
  source.onmessage = onEvent;
  for (const type of (timeline.dataset.eventTypes || "").split(" ")) {
    if (type) source.addEventListener(type, onEvent);
  }
  source.addEventListener("end", () => {
    source.close();
    show("The run has finished; reload the page for its report.");
    timeline.dataset.live = "ended";
  });
  source.onopen = () => show("Live: new events appear as they are stored.");
  source.onerror = () => {
    show(source.readyState === EventSource.CLOSED
      ? "Live updates stopped; reload the page."
      : "Reconnecting…");
  };
})();
