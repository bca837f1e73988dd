// Package web is the status page of `ck8sctl serve`: server-rendered HTML
// over what the store knows, for a person at a browser. The JSON API is
// the machine's view; this is the human's.
//
// Two pages:
//
//   - GET / is the fleet: hosts by their newest verdict (with what made a
//     host non-compliant, drift, unexpected open ports, certificate
//     expiry), then the recent runs.
//   - GET /runs/{id} is one run: its summary, the per-host verdicts once
//     the report is in, and its event timeline.
//
// Pages are complete without JavaScript. The only script (static/app.js)
// makes the run page's timeline live: it opens an EventSource on
// Options.EventsURL with ?after=N, N being the store id of the last event
// rendered, appends a row per event and stops at the "end" event. It is
// same-origin and sends no Authorization header (EventSource cannot), so
// the API must accept its token as a cookie there.
//
// Tests, and the API's SSE handler, rely on:
//
//	<tr data-host="NAME" data-verdict="VERDICT">  a host: on /, and on a reported run's page
//	<li data-finding="CODE">                      a finding, inside its host's row
//	<li data-count="VERDICT">                     hosts with that verdict, on /
//	<tr data-run="ID" data-status="STATUS">       a run on /
//	<dl data-run="ID" data-status="STATUS">       the run page's summary
//	<tr data-event-id="N">                        a timeline event; N is its store id
//	<table id="timeline" data-live="true" data-events-url data-after data-event-types>
//
// data-live turns "ended" once the stream's "end" arrived. The script's
// request is GET <events URL>?after=N; on a reconnect the browser also
// sends Last-Event-ID (the last id it received), which should win over
// after.
//
// Named SSE events reach a listener only if it asked for their name, and
// event types are an open set: the page lists the known ones
// (data-event-types, kept in step with the code by a test) and the
// script also takes unnamed messages (onmessage), whose type is in the
// JSON.
//
// Every value is escaped by html/template, and the page's Content
// Security Policy allows scripts and styles from /static only, so a host
// name or message holding markup renders as text.
package web
