package send

import (
	"fmt"
	"net/http"
	"sync"

	"github.com/acimport/acimport/internal/altcraft"
)

// Body limits. A proxy in front of the platform may refuse bodies far smaller than the vendor's
// 10 MB (nginx's client_max_body_size is 1 MiB unless set): it answers 413, or closes the
// connection while the body is being sent. Neither reached the platform, so a batch refused so is
// split in halves and its halves sent; the largest body that passed becomes the run's byte cap, so
// that the next batches are gathered under it rather than split again. Only a row that is too large
// alone is rejected, with a reason that says so.

// bodyCap learns the proxy's body limit from the bodies it passes and refuses.
type bodyCap struct {
	mu      sync.Mutex
	passed  int    // the largest body that got an answer other than 413
	refused int    // the smallest body refused; 0: none yet
	cap     int    // in force: batches are gathered under it; 0: none
	how     string // how the first body was refused, for the line that says so
	said    bool
	log     func(string)
}

// limit is the most bytes a batch body is gathered to: the cap in force, or the vendor's limit.
func (c *bodyCap) limit() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cap > 0 {
		return min(c.cap, maxBatchBody)
	}
	return maxBatchBody
}

// ByteCap is the run's byte cap in force: 0 when no body was refused for its size.
func (c *bodyCap) ByteCap() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cap
}

// pass records that a body of n bytes got through (an answer other than 413).
func (c *bodyCap) pass(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n <= c.passed {
		return
	}
	c.passed = n
	if c.refused > 0 && n < c.refused {
		c.set()
	}
}

// refuse records that a body of n bytes was refused for its size (HTTP 413, or cut off while
// being sent), answer a.
func (c *bodyCap) refuse(n int, a altcraft.Result) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.how == "" {
		c.how = refusal(a)
	}
	if c.refused == 0 || n < c.refused {
		c.refused = n
	}
	if c.passed > 0 && c.passed < c.refused {
		c.set()
	}
}

// set makes the largest body that passed the cap, and says so the first time; under mu.
func (c *bodyCap) set() {
	if c.passed <= c.cap {
		return
	}
	c.cap = c.passed
	if c.said || c.log == nil {
		return
	}
	c.said = true
	c.log(fmt.Sprintf("the server or a proxy in front of it refused a batch of %s (%s): batches are split and kept under %s from now on (the largest that passed); a smaller --batch avoids the splitting",
		byteSize(c.refused), c.how, byteSize(c.cap)))
}

// tooLarge reports whether answer a says that a body of n bytes was too large for the way to the
// platform: HTTP 413, or the connection closed before an answer (BodyCutOff) for a body larger
// than any that passed — a smaller one passing proves the way, not the size, failed.
func (c *bodyCap) tooLarge(a altcraft.Result, n int) bool {
	if a.Status == http.StatusRequestEntityTooLarge {
		return true
	}
	if !a.BodyCutOff {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return n > c.passed
}

// refusal says how a body was refused.
func refusal(a altcraft.Result) string {
	if a.Status == http.StatusRequestEntityTooLarge {
		return "HTTP 413 Request Entity Too Large"
	}
	return "the connection was closed while it was being sent"
}

// tooLargeReason is the reject reason of a row too large alone.
func (c *bodyCap) tooLargeReason(n int, a altcraft.Result) string {
	c.mu.Lock()
	passed := c.passed
	c.mu.Unlock()
	r := fmt.Sprintf("the row's request of %s is too large for the server or a proxy in front of it (%s)", byteSize(n), refusal(a))
	if passed > 0 {
		r += fmt.Sprintf("; the largest that passed was %s", byteSize(passed))
	}
	return r + ": shorten its values, or raise the proxy's limit (nginx: client_max_body_size)"
}

// byteSize is n bytes for a person: "1,048,576 bytes (1.0 MiB)".
func byteSize(n int) string {
	s := fmt.Sprintf("%d bytes", n)
	if n >= 1<<20 {
		return fmt.Sprintf("%s (%.1f MiB)", s, float64(n)/(1<<20))
	}
	if n >= 1<<10 {
		return fmt.Sprintf("%s (%.1f KiB)", s, float64(n)/(1<<10))
	}
	return s
}
