package browsertest

import (
	"context"
	"fmt"
	"sync"

	"github.com/chromedp/chromedp"
)

// consoleLog keeps what went wrong in the page: uncaught exceptions and
// console errors, which include a script or style the Content Security
// Policy refused and a request that failed.
type consoleLog struct {
	mu   sync.Mutex
	errs []string
}

// watch collects from the tab until ctx ends.
func (c *consoleLog) watch(ctx context.Context) {
	msgs := chromedp.Console(ctx) // subscribed from here on
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError {
				c.mu.Lock()
				c.errs = append(c.errs, fmt.Sprintf("%s: %s (%s:%d)", m.Type, m.Text, m.URL, m.Line+1))
				c.mu.Unlock()
			}
		}
	}()
}

func (c *consoleLog) list() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.errs...)
}

// ConsoleErrors returns the page's uncaught exceptions and console errors
// so far, oldest first; a test of a page that should be clean asserts
// there are none.
func (b *Browser) ConsoleErrors() []string { return b.console.list() }
