package action

import "fmt"

// hostFiles checks the files each selected host's SSH settings name (its
// identity file and known_hosts, the ssh_config, and its jump hosts'),
// before anything runs: a missing or unprotected key, or a known_hosts
// that is a directory, is the user's input being wrong (exit 2), not the
// host being unreachable. (Hosts may come from an inventory, so the error
// names the host, the field and the file rather than a playbook line.)
func (p *Prepared) hostFiles() error {
	for _, h := range p.Opts.Hosts {
		if err := p.Opts.SSH(h).CheckFiles(); err != nil {
			return fmt.Errorf("%w: host %s: %w", ErrInput, h.Name, err)
		}
	}
	return nil
}
