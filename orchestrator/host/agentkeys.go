package host

import (
	"bytes"
	"fmt"
	"net"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/ck8s/ck8sctl/internal/readfile"
)

// openAgent returns the agent's keys, keeping the connection open for
// signing; a missing or broken agent is noted as skipped.
func (k *keyring) openAgent(sock string) []ssh.Signer {
	if sock == "none" {
		return nil
	}
	conn, err := net.Dial("unix", sock)
	if err != nil {
		k.skipped = append(k.skipped, fmt.Sprintf("ssh-agent (%v)", err))
		return nil
	}
	signers, err := agent.NewClient(conn).Signers()
	if err != nil {
		conn.Close()
		k.skipped = append(k.skipped, fmt.Sprintf("ssh-agent (%v)", err))
		return nil
	}
	k.agent = conn
	return signers
}

// agentKeyFor is the agent's copy of an identity file's key, found by the
// file's .pub as ssh does: an encrypted key loaded in the agent needs no
// passphrase.
func agentKeyFor(agentKeys []ssh.Signer, file string) ssh.Signer {
	if len(agentKeys) == 0 {
		return nil
	}
	data, err := readfile.Regular(file+".pub", MaxIdentityFileSize)
	if err != nil {
		return nil
	}
	pub, _, _, _, err := ssh.ParseAuthorizedKey(data)
	if err != nil {
		return nil
	}
	for _, s := range agentKeys {
		if bytes.Equal(s.PublicKey().Marshal(), pub.Marshal()) {
			return s
		}
	}
	return nil
}
