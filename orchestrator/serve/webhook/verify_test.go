package webhook

import (
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// GitHub's published example (docs: "Validating webhook deliveries").
func TestVerifyGitHubPublishedVector(t *testing.T) {
	secret, body := []byte("It's a Secret to Everybody"), []byte("Hello, World!")
	const header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	if err := VerifyGitHub(secret, body, header); err != nil {
		t.Fatalf("published vector: %v", err)
	}
	if got := SignGitHub(secret, body); got != header {
		t.Fatalf("SignGitHub = %s, want %s", got, header)
	}
}

// Computed independently with
// printf '%s.%s' 1700000000 "$body" | openssl dgst -sha256 -hmac "$secret".
func TestSignGenericMatchesOpenSSL(t *testing.T) {
	body := []byte(`{"ref":"refs/heads/main","commit":"4b825dc642cb6eb9a060e54bf8d69288fbee4904","repository":"acme/infra","sender":"ci-bot"}`)
	const want = "sha256=c97c7f9812ff2e3fc24974005be35f6682899d0540d9e098e83f2fdf7c9b467e"
	if got := SignGeneric([]byte("It's a Secret to Everybody"), body, "1700000000"); got != want {
		t.Fatalf("SignGeneric = %s, want %s", got, want)
	}
}

// flipBit flips one random bit of the MAC inside a "sha256=<hex>" value.
func flipBit(r *rand.Rand, sig string) string {
	mac, err := hex.DecodeString(sig[len(sigPrefix):])
	if err != nil {
		panic(err)
	}
	mac[r.IntN(len(mac))] ^= 1 << r.IntN(8)
	return sigPrefix + hex.EncodeToString(mac)
}

func flipBodyBit(r *rand.Rand, body []byte) []byte {
	out := append([]byte(nil), body...)
	out[r.IntN(len(out))] ^= 1 << r.IntN(8)
	return out
}

func TestBitFlipsAreRejected(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 0))
	now := time.Unix(1700000000, 0)
	ts := strconv.FormatInt(now.Unix(), 10)
	for i := range 1000 {
		secret := randomBytes(r, 1+r.IntN(64))
		body := randomBytes(r, 1+r.IntN(512))
		gh, gen := SignGitHub(secret, body), SignGeneric(secret, body, ts)
		checks := []struct {
			name string
			err  error
		}{
			{"github signature", VerifyGitHub(secret, body, flipBit(r, gh))},
			{"github body", VerifyGitHub(secret, flipBodyBit(r, body), gh)},
			{"generic signature", VerifyGeneric(secret, body, ts, flipBit(r, gen), now, 0)},
			{"generic body", VerifyGeneric(secret, flipBodyBit(r, body), ts, gen, now, 0)},
		}
		for _, c := range checks {
			if !errors.Is(c.err, ErrBadSignature) {
				t.Fatalf("round %d, flipped %s: err = %v, want ErrBadSignature", i, c.name, c.err)
			}
		}
	}
}

func randomBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}
