package webhook

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

type job struct {
	hook, id string
	hdr      http.Header
	body     []byte
	bad      bool
}

// 1,000 deliveries from 50 goroutines: 10% replays of an earlier one, 10%
// badly signed. Each distinct valid delivery is enqueued once; every copy
// of it answers with the same run; the forgeries get 401.
func TestConcurrentDeliveries(t *testing.T) {
	f := newFixture(t, func(h *Hook) { h.PerMinute, h.Burst = 1e6, 2000 })
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 1))
	var jobs []job
	for i := range 1000 {
		body := fmt.Appendf(nil, `{"ref":"refs/heads/b%d","commit":"%x"}`, i, r.Uint64())
		switch {
		case i%10 == 9 && len(jobs) > 0: // replay: the same request again
			jobs = append(jobs, jobs[r.IntN(len(jobs))])
			continue
		case i%2 == 0:
			jobs = append(jobs, job{hook: "gh", id: fmt.Sprintf("gh-%d", i), hdr: githubHeaders(body, fmt.Sprintf("gh-%d", i), "push"), body: body})
		default: // generic without a delivery header: the signature is the ID
			h := genericHeaders(body, epoch.Add(-time.Duration(r.IntN(300))*time.Second), "")
			jobs = append(jobs, job{hook: "ci", id: "sig-" + h.Get(HeaderSignature)[7:], hdr: h, body: body})
		}
		if i%10 == 4 {
			last := &jobs[len(jobs)-1]
			last.bad, last.hdr = true, last.hdr.Clone()
			for _, k := range []string{HeaderGitHubSignature, HeaderSignature} {
				if v := last.hdr.Get(k); v != "" {
					last.hdr.Set(k, flipBit(r, v))
				}
			}
		}
	}

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 50}}
	replies := make([]reply, len(jobs))
	work := make(chan int)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			for i := range work {
				req, _ := http.NewRequest(http.MethodPost, f.url+PathPrefix+jobs[i].hook, bytes.NewReader(jobs[i].body))
				req.Header = jobs[i].hdr.Clone()
				resp, err := client.Do(req)
				if err != nil {
					t.Error(err)
					continue
				}
				replies[i] = readReply(t, resp)
			}
		})
	}
	for i := range jobs {
		work <- i
	}
	close(work)
	wg.Wait()
	checkConcurrent(t, f, jobs, replies)
}

func checkConcurrent(t *testing.T, f *fixture, jobs []job, replies []reply) {
	t.Helper()
	first := map[string]string{} // hook/id → run from the one 202
	var valid, replays, bad int
	for i, j := range jobs {
		key, r := j.hook+"/"+j.id, replies[i]
		switch {
		case j.bad:
			bad++
			if r.status != http.StatusUnauthorized {
				t.Errorf("forged %s: %d %v", key, r.status, r.json)
			}
		case r.status == http.StatusAccepted:
			valid++
			if _, seen := first[key]; seen {
				t.Errorf("%s accepted twice", key)
			}
			first[key] = r.json["runId"]
		case r.status == http.StatusOK && r.json["status"] == "duplicate":
			replays++
		default:
			t.Errorf("%s: %d %v", key, r.status, r.json)
		}
	}
	for i, j := range jobs { // every duplicate points at the accepted run
		if r := replies[i]; !j.bad && r.status == http.StatusOK && r.json["runId"] != first[j.hook+"/"+j.id] {
			t.Errorf("duplicate %s/%s: run %s, want %s", j.hook, j.id, r.json["runId"], first[j.hook+"/"+j.id])
		}
	}
	if len(f.enq.runs) != len(first) {
		t.Errorf("%d runs started for %d distinct valid deliveries", len(f.enq.runs), len(first))
	}
	for key, run := range first {
		hook, id, _ := strings.Cut(key, "/")
		if f.enq.runs[hook+"\x00"+id] != run {
			t.Errorf("%s: store has run %q, client was told %q", key, f.enq.runs[hook+"\x00"+id], run)
		}
	}
	if calls := len(f.enq.Calls()); calls != valid+replays {
		t.Errorf("Enqueue called %d times for %d valid requests", calls, valid+replays)
	}
	counts := map[string]int{}
	for _, o := range f.obs.Seen() {
		counts[o]++
	}
	if counts["gh/accepted"]+counts["ci/accepted"] != valid || counts["gh/duplicate"]+counts["ci/duplicate"] != replays ||
		counts["gh/unauthorized"]+counts["ci/unauthorized"] != bad {
		t.Errorf("observed %v for %d accepted, %d duplicates, %d forged", counts, valid, replays, bad)
	}
	t.Logf("%d accepted, %d duplicates, %d forged", valid, replays, bad)
	if replays < 50 || bad < 50 {
		t.Errorf("mix too thin: %d replays, %d forged", replays, bad)
	}
}
