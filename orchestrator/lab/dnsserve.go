package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/lab/labdns"
)

// ServeDNS is the lab's DNS server process (`ck8sctl lab dns FILE`, started
// by Up): it serves the zone in zoneFile (dns.json) on each of its listen
// addresses, UDP and TCP, binding them in order, until ctx ends. It also
// ends when zoneFile disappears, so a lab dir removed without `lab down`
// does not leave it holding the gateways' port 53 for ever. It returns nil
// when ctx ends or the file is gone.
func ServeDNS(ctx context.Context, zoneFile string) error {
	b, err := os.ReadFile(zoneFile)
	if err != nil {
		return fmt.Errorf("lab dns: reading the zone: %w", err)
	}
	var zf dnsZone
	if err := json.Unmarshal(b, &zf); err != nil {
		return fmt.Errorf("lab dns: reading the zone %s: %w", zoneFile, err)
	}
	if len(zf.Listen) == 0 {
		return fmt.Errorf("lab dns: zone %s: listen: no addresses", zoneFile)
	}
	z, err := labdns.NewZone(zf.Origin, zf.Records...)
	if err != nil {
		return fmt.Errorf("lab dns: %w", err)
	}
	var servers []*labdns.Server
	defer func() {
		for _, s := range servers {
			s.Close()
		}
	}()
	for _, addr := range zf.Listen {
		s, err := labdns.Serve(addr, z)
		if err != nil {
			return fmt.Errorf("lab dns: %w", err)
		}
		servers = append(servers, s)
	}
	fmt.Fprintf(os.Stderr, "lab dns: serving %s on %v\n", zf.Origin, zf.Listen)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			if _, err := os.Stat(zoneFile); errors.Is(err, os.ErrNotExist) {
				fmt.Fprintf(os.Stderr, "lab dns: %s is gone, stopping\n", zoneFile)
				return nil
			}
		}
	}
}
