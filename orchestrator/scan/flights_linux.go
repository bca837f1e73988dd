//go:build linux

package scan

import "time"

// flight is one connect in progress; seq 0 is no flight.
type flight struct {
	t        task
	fd       int
	seq      uint64
	start    time.Time
	deadline time.Time
}

// deadline is a flight's place in the deadline heap.
type deadline struct {
	at  time.Time
	fd  int
	seq uint64
}

// deadlines is a min-heap of flights by deadline, typed rather than
// container/heap's, which would allocate per probe. Finished flights
// stay in it until popped and are recognised by seq.
type deadlines []deadline

func (d *deadlines) push(x deadline) {
	h := append(*d, x)
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if !h[i].at.Before(h[p].at) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
	*d = h
}

func (d *deadlines) pop() deadline {
	h := *d
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	for i := 0; ; {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && h[c+1].at.Before(h[c].at) {
			c++
		}
		if !h[c].at.Before(h[i].at) {
			break
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
	*d = h
	return top
}

// flights holds the flights of a loop by fd.
type flights struct {
	byFD []flight
	n    int
}

func (f *flights) len() int { return f.n }

func (f *flights) add(x flight) {
	for x.fd >= len(f.byFD) {
		f.byFD = append(f.byFD, make([]flight, len(f.byFD)+64)...)
	}
	f.byFD[x.fd] = x
	f.n++
}

// take removes and returns the flight on fd, if it is seq (any, if 0).
func (f *flights) take(fd int, seq uint64) (flight, bool) {
	if fd >= len(f.byFD) || f.byFD[fd].seq == 0 || (seq != 0 && f.byFD[fd].seq != seq) {
		return flight{}, false
	}
	x := f.byFD[fd]
	f.byFD[fd] = flight{}
	f.n--
	return x, true
}
