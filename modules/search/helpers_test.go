package search_test

import (
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/apptest"
)

// landlord returns a verified user and their logged-in client.
func landlord(t *testing.T, app *apptest.App, n int) (*core.Record, *apptest.Client) {
	t.Helper()
	u, c := app.NewUser(n)
	app.Verify(u, n)
	return u, c
}
