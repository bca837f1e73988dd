// Package jobs runs actions as River jobs: the arguments a run is queued
// with, the worker that starts the very run the CLI starts
// (action.Prepare + Run), its timeout, and the retry policy.
//
// A job is one logical run. Its first attempt records under the run ID it
// was queued with (the id a webhook's 202 and the API return); a retry
// records under RUNID.N, N the attempt, so that no attempt's events mix
// with another's.
package jobs

import (
	"fmt"

	"github.com/riverqueue/river"

	"github.com/ck8s/ck8sctl/orchestrator/action"
)

// Kind is the River job kind of a run.
const Kind = "ck8s_run"

// RunArgs are a queued run. Only Trigger takes part in uniqueness (the
// schedules' one-run-per-period): every other field may differ between
// two jobs of one schedule.
type RunArgs struct {
	RunID    string      `json:"runId"`
	Action   action.Name `json:"action"`
	Playbook string      `json:"playbook"` // its name in serve.yaml
	Limit    string      `json:"limit,omitempty"`
	Check    bool        `json:"check,omitempty"`
	Trigger  string      `json:"trigger" river:"unique"`
	// Missed counts schedule periods missed while serve was down, for
	// the catch-up run that stands for them (schedule.missed).
	Missed int `json:"missed,omitempty"`
	// Webhook is the delivery that started the run, recorded with it
	// (webhook.delivery).
	Webhook *WebhookInfo `json:"webhook,omitempty"`
}

// WebhookInfo is what a run records of the delivery that started it.
type WebhookInfo struct {
	Hook       string `json:"hook"`
	Delivery   string `json:"delivery"`
	Event      string `json:"event,omitempty"`
	Ref        string `json:"ref,omitempty"`
	Commit     string `json:"commit,omitempty"`
	Repository string `json:"repository,omitempty"`
	Sender     string `json:"sender,omitempty"`
}

// Kind implements river.JobArgs.
func (RunArgs) Kind() string { return Kind }

// InsertOpts bound the attempts: a sweep may be retried twice; a
// changing action too, but the worker cancels it unless its attempt
// changed nothing (see retry.go).
func (RunArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: MaxAttempts}
}

// MaxAttempts bounds a run's attempts (River's default is 25).
const MaxAttempts = 3

// attemptID is the run ID of an attempt.
func attemptID(runID string, attempt int) string {
	if attempt <= 1 {
		return runID
	}
	return fmt.Sprintf("%s.%d", runID, attempt)
}
