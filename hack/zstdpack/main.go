// Command zstdpack writes stdin to stdout zstd-compressed at the best
// level klauspost/compress has: the Makefile packs the agents with it
// for hosts that have zstd (bootstrap/upload.go), without needing the
// zstd tool where ck8sctl is built.
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

func pack(w io.Writer, r io.Reader) error {
	enc, err := zstd.NewWriter(w, zstd.WithEncoderLevel(zstd.SpeedBestCompression))
	if err != nil {
		return err
	}
	if _, err := io.Copy(enc, r); err != nil {
		enc.Close()
		return err
	}
	return enc.Close()
}
