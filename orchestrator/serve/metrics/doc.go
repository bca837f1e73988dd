// Package metrics is what `ck8sctl serve` exposes on /metrics: how runs
// go (counters and histograms by action, step and trigger), what the
// daemon does (webhooks, queue, schedules), and the latest result of every
// host.
//
// Per-run results are gauges, never counters. A host's verdict, its
// unexpected open ports or its certificate expiry are measurements taken
// by the newest run that reached it; a counter of them would grow with
// the number of runs, not with the problem, and lie to rate() (goss#867,
// and why report.Prometheus writes gauges too). Each host's series are
// replaced as a whole when a newer result arrives, so they always describe
// one run; a host missing from a report keeps its series, since a run
// over part of the fleet says nothing about the rest. What the newest
// result did not measure (the load of an unreachable host, the ports of a
// host not scanned) has no sample rather than a stale or zero one.
//
// Events are counters: runs, firewall rollbacks, DNS preflight failures,
// webhook requests, schedule fires. Their label values are bounded by the
// fleet and the configuration (action, trigger, outcome, host, hook,
// schedule, step); a run id is never a label. Series known in advance are
// created at zero so that increase() sees the first event.
//
// The metrics live in their own registry, pedantic so that a metric
// inconsistent with its description fails the scrape (and the tests)
// instead of passing unnoticed.
package metrics
