// Command zstdpack writes stdin to stdout zstd-compressed at the best
// level klauspost/compress has: the Makefile packs the agents with it
// for hosts that have zstd (bootstrap/upload.go), without needing the
// zstd tool where ck8sctl is built.
//
// Its window is 256 KiB, not the level's 8 MiB: the host's zstd allocates
// and faults in a buffer of the window's size, and reaches back across
// it. On the lab's VM the 8 MiB window cost 2,590 page faults and
// 77-89 ms of host CPU per decompression of the 19 MB agent; 256 KiB, 610
// faults and 61-67 ms (medians of 12, interleaved), for 4.8 % more bytes
// to copy (6.67 -> 6.99 MB). Smaller windows gain no speed and lose more
// size. The decompression runs on every first bootstrap of every host.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/klauspost/compress/zstd"
)

func main() {
	if err := pack(os.Stdout, os.Stdin); err != nil {
		fmt.Fprintln(os.Stderr, "zstdpack:", err)
		os.Exit(1)
	}
}

// window is the compression window; bootstrap's test
// (TestEmbeddedAgentsMatchTheirChecksums) decodes the packed agents with
// a decoder held to it.
const window = 256 << 10

func pack(w io.Writer, r io.Reader) error {
	enc, err := zstd.NewWriter(w, zstd.WithEncoderLevel(zstd.SpeedBestCompression), zstd.WithWindowSize(window))
	if err != nil {
		return err
	}
	if _, err := io.Copy(enc, r); err != nil {
		enc.Close()
		return err
	}
	return enc.Close()
}
