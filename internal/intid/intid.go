// Package intid gives the records of the API's collections sequential
// decimal ids ("1", "2", …), so the admin UI and the API show the same
// numbers (API.md §1.5).
//
// The next id comes from one UPDATE … RETURNING on the sequences table,
// in the transaction that inserts the record: atomic without a lock of ours.
// An id given explicitly may not run ahead of the sequence (Assign).
package intid

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// Table holds one counter per collection; created by the migrations.
const Table = "_ihome_sequences"

// Pattern is the id field pattern of integer-id collections.
const Pattern = `^[1-9][0-9]{0,14}$`

// HookId identifies the create hook.
const HookId = "ihome.intid"

// Register assigns ids to new records of the named collections. It runs
// before PocketBase's own field interceptors (priority -100 < -99) so the
// id field's random autogeneration never fires for them, and it wraps the
// rest of the create in one transaction (joining the caller's, if any): the
// id is taken and the row written in a single commit, so a refused insert
// leaves no gap and a booking costs one commit, not two.
func Register(app core.App, collections ...string) {
	app.OnRecordCreate(collections...).Bind(&hook.Handler[*core.RecordEvent]{
		Id:       HookId,
		Priority: -100,
		Func: func(e *core.RecordEvent) error {
			// the after-commit hooks get this event's App: give back the
			// caller's, not a finished transaction
			outer := e.App
			defer func() { e.App = outer }()
			return e.App.RunInTransaction(func(tx core.App) error {
				e.App = tx
				if err := Assign(tx, e.Record); err != nil {
					return err
				}
				return e.Next()
			})
		},
	})
}

// MaxId is the largest id Pattern allows (15 digits: exact in a float64,
// so JavaScript clients read it back unchanged).
const MaxId = 999_999_999_999_999

// Assign gives rec the next id of its collection. An explicit id (seed
// data, staff typing one in the admin UI) is taken only when it is not past
// the next one in sequence, and moves the counter to it: a far id such as
// 999999999999999 would push the counter beyond Pattern and make every later
// insert fail. The refusal is a validation error on "id", which the admin
// UI shows beside the field.
func Assign(app core.App, rec *core.Record) error {
	name := rec.Collection().Name
	last, err := Last(app, name)
	if err != nil {
		return err
	}
	if rec.Id != "" {
		n, err := strconv.ParseInt(rec.Id, 10, 64)
		if err != nil {
			return nil // the id field's pattern will refuse it
		}
		if n > last+1 {
			return validation.Errors{"id": validation.NewError("ihome_id_sequence",
				fmt.Sprintf("ids are given in sequence: leave the id empty (the next is %d), or give one up to it", last+1))}
		}
		return Reserve(app, name, n)
	}
	if last >= MaxId {
		return fmt.Errorf("next id of %s: the sequence is used up (%d)", name, last)
	}
	var next int64
	err = app.NonconcurrentDB().NewQuery(
		"INSERT INTO " + Table + " (name, last) VALUES ({:name}, 1) " +
			"ON CONFLICT(name) DO UPDATE SET last = last + 1 RETURNING last").
		Bind(dbx.Params{"name": name}).Row(&next)
	if err != nil {
		return fmt.Errorf("next id of %s: %w", name, err)
	}
	rec.Id = strconv.FormatInt(next, 10)
	return nil
}

// Last returns the last id given in collection (0 before the first).
func Last(app core.App, collection string) (int64, error) {
	var last int64
	err := app.NonconcurrentDB().Select("last").From(Table).Where(dbx.HashExp{"name": collection}).Row(&last)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("last id of %s: %w", collection, err)
	}
	return last, nil
}

// Reserve moves the counter of collection to at least n, for ids written
// directly (seed data, bulk imports).
func Reserve(app core.App, collection string, n int64) error {
	_, err := app.NonconcurrentDB().NewQuery(
		"INSERT INTO " + Table + " (name, last) VALUES ({:name}, {:n}) " +
			"ON CONFLICT(name) DO UPDATE SET last = MAX(last, excluded.last)").
		Bind(dbx.Params{"name": collection, "n": n}).Execute()
	return err
}

// Int returns the numeric value of an integer id ("7" → 7), 0 for anything else.
func Int(id string) int64 {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// String returns the id text of n (7 → "7").
func String(n int64) string { return strconv.FormatInt(n, 10) }
