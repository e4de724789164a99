// The real FlyteAdmin, built from Flyte's published Go modules, for autoc's registration tests.
// This is flyteadmin's own cmd/main.go: its cobra root (serve, migrate, ...) with the default plugin registry.
package main

import (
	"github.com/flyteorg/flyte/flyteadmin/cmd/entrypoints"
	"github.com/flyteorg/flyte/flyteadmin/plugins"
)

func main() {
	if err := entrypoints.Execute(plugins.NewRegistry()); err != nil {
		panic(err)
	}
}
