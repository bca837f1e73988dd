package web

import "github.com/ck8s/ck8sctl/internal/event"

// eventTypes are the event types the live timeline listens for. An SSE
// message with an event name reaches only a listener registered for that
// name, and there is no catch-all, so the page must list them. A test
// checks that every Type constant of the module is here.
var eventTypes = []string{
	event.TypeHello,
	"schedule.missed",  // jobs.TypeScheduleMissed (the daemon's own events)
	"webhook.delivery", // jobs.TypeWebhookDelivery
	event.TypeBootstrapStarted,
	event.TypeBootstrapFinished,
	event.TypeStepStarted,
	event.TypeStepFinished,
	event.TypeFactsCollected,
	event.TypeMetricsCollected,
	event.TypeAgentError,
	event.TypeLockWaiting,
	event.TypePortsScanCompleted,
	event.TypePortsUnexpectedOpen,
	event.TypePortsScanSkipped,
	event.TypeListenersCollected,
	event.TypePortsExposure,
	event.TypeDNSPassed,
	event.TypeDNSFailed,
	event.TypeDNSSkipped,
	event.TypeTLSCheckPassed,
	event.TypeTLSCheckFailed,
	event.TypeFirewallCompliant,
	event.TypeFirewallDrift,
	event.TypeFirewallApplied,
	event.TypeFirewallConfirmed,
	event.TypeFirewallRolledBack,
	event.TypeFirewallPersisted,
	event.TypeHTTP01Serving,
	event.TypeHTTP01Occupied,
	event.TypeHTTP01Stopped,
	event.TypeHTTP01Passed,
	event.TypeHTTP01Failed,
	event.TypeManifestsCompliant,
	event.TypeManifestsDrift,
	event.TypeManifestsApplied,
	event.TypeManifestsLeftBehind,
	event.TypeManifestsWaiting,
	event.TypeCertIssuerReady,
	event.TypeCertCertificateReady,
	event.TypeCertFailed,
	event.TypeCertProgress,
	event.TypeJournalImported,
	// The orchestrator's sweep verdicts (orchestrator/action) and the
	// agent's check-mode plan and changes (agent/step): literals, so that
	// this package imports neither.
	"sweep.compliant", "sweep.non_compliant", "sweep.unreachable",
	"change.planned", "change.applied",
}
