// Package deploy holds the Kubernetes manifests ck8sctl applies, as
// text/template YAML files that internal/manifest renders. They are plain
// files so that a review reads exactly what reaches the cluster.
package deploy

import (
	"embed"
	"io/fs"
)

//go:embed *.yaml
var files embed.FS

// FS returns the templates, one file per kind of object, at the root.
func FS() fs.FS { return files }
