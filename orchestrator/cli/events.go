package cli

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/termtext"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

func eventsCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "events",
		Usage: "read recorded flow_events",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "db", Usage: "flow_events database: a SQLite file `PATH` or a postgres:// URL", Value: defaultDB(), EnvVars: []string{"CK8S_DB"}},
			&ucli.StringFlag{Name: "run", Usage: "only this run `ID` (\"last\": the newest run)"},
			&ucli.StringFlag{Name: "host", Usage: "only this host"},
			&ucli.StringFlag{Name: "type", Usage: "only this event type (e.g. facts.collected)"},
			&ucli.DurationFlag{Name: "since", Usage: "only events newer than this `DURATION` (e.g. 1h)"},
			&ucli.IntFlag{Name: "limit", Value: 1000, Usage: "at most this many events"},
			&ucli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "table", Usage: "table or json (one event per line)"},
		},
		Action: func(c *ucli.Context) error {
			f := store.Filter{RunID: c.String("run"), Host: c.String("host"), Type: c.String("type"), Limit: c.Int("limit")}
			if d := c.Duration("since"); d < 0 {
				return badInputf("flag --since: must be positive")
			} else if d > 0 {
				f.Since = time.Now().Add(-d)
			}
			if f.Type != "" && !event.ValidType(f.Type) {
				return badInputf("flag --type: %q is not an event type (dotted lower-case words, e.g. facts.collected)", f.Type)
			}
			if f.Limit < 0 {
				return badInputf("flag --limit: must not be negative, got %d (0: no limit)", f.Limit)
			}
			out := c.String("output")
			if out != "table" && out != "json" {
				return badInputf("flag --output: %q is not table or json", out)
			}
			db, err := openExistingDB(c)
			if err != nil {
				return err
			}
			defer db.Close()
			if f.RunID == "last" {
				runs, err := db.Runs(c.Context, 1)
				if err != nil {
					return err
				}
				if len(runs) == 0 {
					return fmt.Errorf("no runs recorded in %s", db) // db, not the flag: no password
				}
				f.RunID = runs[0].ID
			}
			evs, err := db.Events(c.Context, f)
			if err != nil {
				return err
			}
			if out == "json" {
				enc := json.NewEncoder(c.App.Writer)
				for _, e := range evs {
					if err := enc.Encode(e); err != nil {
						return err
					}
				}
				return nil
			}
			tw := tabwriter.NewWriter(c.App.Writer, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "TIME\tRUN\tHOST\tSEQ\tTYPE\tSTEP\tSTATUS\tMESSAGE")
			for _, e := range evs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", e.Time.Local().Format("2006-01-02 15:04:05.000"),
					short(e.RunID), termtext.Escape(e.Host), e.Seq, e.Type, termtext.Escape(dash(e.Step)), termtext.Escape(string(e.Status)), termtext.Escape(dash(e.Message)))
			}
			return tw.Flush()
		},
	}
}

func short(id string) string {
	if len(id) > 13 {
		return id[:13]
	}
	return id
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// defaultDB is the store's default path, or a file in the working directory
// when no home or state directory is known (a bare CI container).
func defaultDB() string {
	if p, err := store.DefaultPath(); err == nil {
		return p
	}
	return "ck8s.db"
}
