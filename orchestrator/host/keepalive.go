package host

import (
	"fmt"
	"time"
)

// missedKeepalives unanswered in a row declare the peer dead, as OpenSSH's
// ServerAliveCountMax=3 does.
const missedKeepalives = 3

// keepalive sends keepalive@openssh.com every interval. A request still
// unanswered at the next tick counts as missed; TCP alone would take many
// minutes to notice a peer that vanished without a RST.
func (c *Client) keepalive(interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var reply chan error // non-nil while a request is outstanding
	missed := 0
	for {
		select {
		case <-c.done:
			return
		case err := <-reply:
			reply = nil
			if err != nil {
				c.die(fmt.Errorf("%w: keepalive: %v", ErrConnectionLost, err))
				return
			}
			missed = 0
		case <-t.C:
			if reply != nil {
				if missed++; missed >= missedKeepalives {
					c.die(fmt.Errorf("%w: no reply to %d keepalives sent %s apart", ErrConnectionLost, missed, interval))
					return
				}
				continue
			}
			reply = make(chan error, 1)
			go func(reply chan<- error) {
				// OpenSSH answers an unknown global request with failure:
				// any answer proves the peer alive.
				_, _, err := c.ssh.SendRequest("keepalive@openssh.com", true, nil)
				reply <- err
			}(reply)
		}
	}
}
