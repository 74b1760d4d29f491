package errno_test

import (
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"

	validation "github.com/pocketbase/ozzo-validation/v4"
	_ "modernc.org/sqlite"

	"ihome/internal/errno"
)

// Real faults, made here, get the codes of the one rule (issue 11 item 17).
func TestClassify(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, sqliteErr := db.Exec("SELECT * FROM missing")
	rowErr := db.QueryRow("SELECT 1 WHERE 0").Scan(new(int))
	_, pathErr := os.Open(filepath.Join(t.TempDir(), "missing"))
	mkdirErr := os.MkdirAll(filepath.Join(os.Args[0], "sub"), 0o755) // under a file
	_, netErr := net.Dial("tcp", "127.0.0.1:0")
	business := errno.New(errno.DataErr, "房屋已被预订")

	cases := []struct {
		name string
		err  error
		want errno.Code
	}{
		{"sqlite", fmt.Errorf("save: %w", sqliteErr), errno.DBErr},
		{"no rows", rowErr, errno.DBErr},
		{"refused save", validation.Errors{"name": validation.NewError("validation_not_unique", "taken")}, errno.DBErr},
		{"missing file", pathErr, errno.IOErr},
		{"not a directory", fmt.Errorf("upload: %w", errors.Join(mkdirErr)), errno.IOErr},
		{"network", netErr, errno.ServerErr},
		{"business, wrapped by a transaction", fmt.Errorf("tx: %w", business), errno.DataErr},
		{"anything else", errors.New("out of cheese"), errno.ServerErr},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == nil {
				t.Fatal("the fault did not happen")
			}
			got := errno.Classify(tc.err)
			if got.Code != tc.want {
				t.Fatalf("%v: got %s, want %s", tc.err, got.Code, tc.want)
			}
			if tc.want != errno.DataErr && got.Unwrap() == nil {
				t.Fatalf("the cause is lost: %v", got)
			}
		})
	}
	if errno.Classify(nil) != nil {
		t.Fatal("Classify(nil) is not nil")
	}
}
