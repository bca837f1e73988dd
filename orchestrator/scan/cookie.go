package scan

import (
	"crypto/rand"
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// A SYN's sequence number is a cookie: SipHash-2-4, under a key drawn per
// engine, of the probe's addresses and ports. An answer is ours exactly
// when its acknowledgment number is the cookie plus one, so the SYN
// engine keeps no state per probe (as masscan and zmap do) and a stray or
// forged SYN-ACK, which cannot know the key, is ignored.

type cookieKey [2]uint64

func newCookieKey() cookieKey {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails on Linux (getrandom)
	return cookieKey{binary.LittleEndian.Uint64(b[:8]), binary.LittleEndian.Uint64(b[8:])}
}

// cookie of a probe from src:sport to dst:dport.
func (k cookieKey) cookie(src, dst netip.Addr, sport, dport uint16) uint32 {
	var w [5]uint64
	n := 0
	for _, a := range [2]netip.Addr{src, dst} {
		b := a.As16()
		w[n], w[n+1] = binary.LittleEndian.Uint64(b[:8]), binary.LittleEndian.Uint64(b[8:])
		n += 2
	}
	w[4] = uint64(sport)<<16 | uint64(dport)
	return uint32(siphash(k, w[:]))
}

// siphash is SipHash-2-4 of whole 8-byte words (the length byte counts
// bytes, as in the reference).
func siphash(k cookieKey, words []uint64) uint64 {
	v0 := k[0] ^ 0x736f6d6570736575
	v1 := k[1] ^ 0x646f72616e646f6d
	v2 := k[0] ^ 0x6c7967656e657261
	v3 := k[1] ^ 0x7465646279746573
	block := func(m uint64) {
		v3 ^= m
		v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
		v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
		v0 ^= m
	}
	for _, m := range words {
		block(m)
	}
	block(uint64(len(words)*8) << 56)
	v2 ^= 0xff
	for range 4 {
		v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	}
	return v0 ^ v1 ^ v2 ^ v3
}

func sipRound(v0, v1, v2, v3 uint64) (uint64, uint64, uint64, uint64) {
	v0 += v1
	v1 = bits.RotateLeft64(v1, 13) ^ v0
	v0 = bits.RotateLeft64(v0, 32)
	v2 += v3
	v3 = bits.RotateLeft64(v3, 16) ^ v2
	v0 += v3
	v3 = bits.RotateLeft64(v3, 21) ^ v0
	v2 += v1
	v1 = bits.RotateLeft64(v1, 17) ^ v2
	v2 = bits.RotateLeft64(v2, 32)
	return v0, v1, v2, v3
}
