//go:build tools

// Command pebble is Let's Encrypt's ACME test server, built from the published
// github.com/letsencrypt/pebble/v2 module for the manifests tests
// (make k8s-env). This file only anchors the build: it is never compiled —
// hack/k8s-env.sh builds github.com/letsencrypt/pebble/v2/cmd/pebble in this
// module.
package main

import _ "github.com/letsencrypt/pebble/v2/cmd/pebble"
