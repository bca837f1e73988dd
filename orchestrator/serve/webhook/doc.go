// Package webhook turns signed HTTP deliveries from CI systems into queued
// runs. It serves POST /v1/hooks/{name} for every configured Hook, checks
// the request and hands a verified Delivery to an Enqueuer; it never runs
// work itself.
//
// Two signing schemes:
//
//   - github: GitHub's own. X-Hub-Signature-256 is "sha256=" + hex of
//     HMAC-SHA256(secret, raw body); X-GitHub-Delivery (a GUID, required)
//     names the delivery and X-GitHub-Event the event. A "ping" event (sent
//     when the hook is created) is answered with pong and queues nothing.
//     GitHub's scheme has no timestamp, so a captured request can be
//     replayed forever: the delivery ID is what stops it (below).
//   - generic: for other CI systems, any curl can produce it (see the
//     example). X-Ck8s-Timestamp is unix seconds, X-Ck8s-Signature is
//     "sha256=" + hex of HMAC-SHA256(secret, timestamp + "." + body). A
//     timestamp more than the hook's Window (default 5m) in the past or the
//     future is refused, which bounds replays in time. X-Ck8s-Delivery
//     (optional) names the delivery; without it the signature itself is the
//     delivery ID ("sig-<hex>"), so a replay inside the window is still a
//     duplicate. X-Ck8s-Event is optional and informational.
//
// Signatures must be exactly "sha256=" and 64 lower-case hex digits (what
// SignGitHub and SignGeneric produce) and are compared in constant time.
// One canonical spelling also keeps "sig-" delivery IDs unique: an
// upper-cased copy of a captured signature is not a new delivery.
//
// Checks run in a fixed order, cheapest and least revealing first: method
// (405), hook name (404), rate limit per hook (429 with Retry-After), body
// size (413, before reading when Content-Length already says so), signature
// (401), delivery ID (400), payload (400), then Enqueue (202 accepted, 200
// duplicate, 503 when the store failed: nothing was acknowledged, so the
// sender may retry). Every outcome is logged with the hook, delivery (when
// known), outcome and remote address, and counted through the Observer;
// secrets and signatures are never logged.
//
// Deduplication is the Enqueuer's job, in the same transaction that starts
// the run: it records (hook, delivery ID) in the delivery table and, when
// the pair is already there, returns the first run instead of starting a
// second one. River's unique jobs are not enough: their uniqueness lasts as
// long as the job row (24h by default), while GitHub's "Redeliver" button
// resends a delivery days later under the same ID, and a leaked
// GitHub-scheme request stays validly signed forever. The delivery table
// does not forget.
package webhook
