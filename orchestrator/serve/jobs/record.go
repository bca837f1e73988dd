package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/redact"
	"github.com/ck8s/ck8sctl/orchestrator/action"
	"github.com/ck8s/ck8sctl/orchestrator/host"
	"github.com/ck8s/ck8sctl/orchestrator/report"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

type hostConfig = host.Config

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// redactedLogger masks a run's secrets in every line of its log.
func redactedLogger(base *slog.Logger, red *redact.Redactor) *slog.Logger {
	return slog.New(red.Handler(base.Handler()))
}

// passphrase is masked like any secret when the daemon has one.
func (e *Env) passphrase() string { return os.Getenv(action.PassphraseEnv) }

// record stores the finished report and each host's outcome, which the
// API and the status page read.
func (e *Env) record(ctx context.Context, id string, rep report.Run) error {
	raw, err := json.Marshal(rep)
	if err != nil {
		return fmt.Errorf("encoding the report of %s: %w", id, err)
	}
	hosts := make([]store.HostResult, 0, len(rep.Hosts))
	for _, h := range rep.Hosts {
		hr, err := json.Marshal(h)
		if err != nil {
			return fmt.Errorf("encoding host %s of %s: %w", h.Host, id, err)
		}
		hosts = append(hosts, store.HostResult{Host: h.Host, Status: string(h.Status), Verdict: string(h.Verdict), Report: hr})
	}
	return e.Store.RecordResult(ctx, id, raw, hosts)
}

// DaemonHost is the host name of the daemon's own events in a run
// (schedule.missed): an event names a host, and this one is no host of
// any playbook (a playbook host name cannot start with "@").
const DaemonHost = "@serve"

// TypeScheduleMissed records the periods a schedule missed while the
// daemon was down, in the catch-up run that stands for all of them.
const TypeScheduleMissed = "schedule.missed"

// TypeWebhookDelivery records the webhook delivery that started a run.
const TypeWebhookDelivery = "webhook.delivery"

// recordDelivery stores the delivery (hook, id, ref, commit...) as the
// run's first event of the daemon's, through the run's redactor like
// every record.
func (e *Env) recordDelivery(ctx context.Context, id string, a RunArgs, red *redact.Redactor) {
	data, _ := json.Marshal(a.Webhook)
	msg := fmt.Sprintf("started by delivery %s of webhook %s", a.Webhook.Delivery, a.Webhook.Hook)
	if a.Webhook.Ref != "" {
		msg += " for " + a.Webhook.Ref
	}
	ev := event.Event{Time: time.Now().UTC(), RunID: id, Host: DaemonHost, Seq: int64(1 + min(a.Missed, 1)), Type: TypeWebhookDelivery,
		Status: event.StatusOK, Message: msg, Data: data}
	if red != nil {
		ev = red.Event(ev)
	}
	if err := e.Store.AppendEvents(ctx, ev); err != nil && e.Log != nil {
		e.Log.Error("recording webhook.delivery", "run", id, "err", err)
	}
}

func (e *Env) recordMissed(ctx context.Context, id string, a RunArgs) {
	data, _ := json.Marshal(map[string]any{"trigger": a.Trigger, "missed": a.Missed})
	ev := event.Event{Time: time.Now().UTC(), RunID: id, Host: DaemonHost, Seq: 1, Type: TypeScheduleMissed,
		Status: event.StatusOK, Message: fmt.Sprintf("%d run(s) of %s missed while serve was down: this run stands for them", a.Missed, a.Trigger),
		Data: data}
	if err := e.Store.AppendEvents(ctx, ev); err != nil && e.Log != nil {
		e.Log.Error("recording schedule.missed", "run", id, "err", err)
	}
}
