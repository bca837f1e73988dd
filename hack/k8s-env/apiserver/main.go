//go:build tools

// Command kube-apiserver is the real Kubernetes API server, built from the
// published k8s.io/kubernetes module for the manifests tests (make k8s-env).
// This file only anchors the build: it is never compiled — hack/k8s-env.sh
// builds k8s.io/kubernetes/cmd/kube-apiserver in this module.
package main

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
