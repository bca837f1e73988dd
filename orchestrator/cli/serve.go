package cli

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	ucli "github.com/urfave/cli/v2"

	"github.com/ck8s/ck8sctl/orchestrator/serve"
	"github.com/ck8s/ck8sctl/orchestrator/serve/config"
)

func serveCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "serve",
		Usage: "run the daemon: schedules, signed webhooks, API + SSE, status page, /healthz /readyz /metrics",
		Description: "Runs actions from serve.yaml's schedules, webhooks and API as River jobs, recorded in the\n" +
			"store like every CLI run. SIGTERM stops accepting, lets running runs finish within grace:,\n" +
			"then cancels them. See docs/serve.md.",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "config", Aliases: []string{"c"}, Usage: "serve.yaml `FILE`", Required: true},
			&ucli.StringFlag{Name: "db", Usage: "store `PATH` (default: serve.yaml's db:, else the CLI's)", EnvVars: []string{"CK8S_DB"}},
			&ucli.StringFlag{Name: "listen", Usage: "`HOST:PORT` to listen on (default: serve.yaml's listen:)"},
			&ucli.BoolFlag{Name: "check-config", Usage: "validate the configuration and its playbooks, print a summary, start nothing"},
			&ucli.IntFlag{Name: "workers", Value: serve.DefaultWorkers, Usage: "runs worked at once"},
		},
		Action: runServe,
	}
}

func runServe(c *ucli.Context) error {
	cfg, err := config.Load(c.String("config"))
	if err != nil {
		return badInput(err)
	}
	if c.Bool("check-config") {
		fmt.Fprintf(c.App.Writer, "%s: ok: %d playbook(s), %d schedule(s), %d webhook(s), %d token(s), listen %s\n",
			cfg.Path, len(cfg.Playbooks), len(cfg.Schedules), len(cfg.Webhooks), len(cfg.Tokens), cfg.Listen)
		return nil
	}
	if c.Int("workers") < 1 {
		return badInputf("flag --workers: must be at least 1, got %d", c.Int("workers"))
	}
	db := c.String("db")
	if db == "" {
		db = cfg.DB
	}
	if db == "" {
		db = defaultDB()
	}
	addr := cfg.Listen
	if l := c.String("listen"); l != "" {
		addr = l
	}
	level := slog.LevelInfo
	if err := level.UnmarshalText([]byte(c.String("log-level"))); err != nil {
		return badInputf("flag --log-level: %v", err)
	}
	// A daemon's log goes to a collector: JSON, always.
	h := slog.NewJSONHandler(c.App.ErrWriter, &slog.HandlerOptions{Level: level})
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := serve.New(ctx, cfg, serve.Options{DB: db, Log: h, Workers: c.Int("workers")})
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	return srv.Run(ctx, ln)
}
