package errno

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"io/fs"
	"net"
	"os"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"modernc.org/sqlite"
)

// Classify is the one rule that turns a handler's error into a code, so the
// same fault gets the same answer in every handler (API.md §1.2):
//
//   - the business error err carries, when it has one (also when a
//     transaction hands it back wrapped);
//   - DBErr for a database fault: SQLite's errors, database/sql's and dbx's,
//     and PocketBase's refusal to save a record (validation errors: handlers
//     validate input themselves, so a refused save is a data-layer fault);
//   - IOErr for a file fault: the operating system's file errors, which
//     PocketBase's storage hands back wrapped (not a network error: a
//     client that hung up is unexpected, not a disk fault);
//   - ServerErr for anything else.
//
// The returned Error keeps err as its cause, for the log. Classify(nil) is nil.
func Classify(err error) *Error {
	if err == nil {
		return nil
	}
	var be *Error
	switch {
	case errors.As(err, &be):
		return be
	case isDBFault(err):
		return Wrap(DBErr, err)
	case isFileFault(err):
		return Wrap(IOErr, err)
	}
	return Wrap(ServerErr, err)
}

func isDBFault(err error) bool {
	var (
		se *sqlite.Error
		vt dbx.VarTypeError
		ve validation.Errors
		v1 validation.Error
		ie validation.InternalError
	)
	switch {
	case errors.As(err, &se), errors.As(err, &vt), errors.As(err, &ve), errors.As(err, &v1):
		return true
	case errors.Is(err, sql.ErrNoRows), errors.Is(err, sql.ErrConnDone), errors.Is(err, sql.ErrTxDone),
		errors.Is(err, driver.ErrBadConn):
		return true
	case errors.As(err, &ie):
		// ozzo's internal errors (a validator's failed query) do not unwrap
		return isDBFault(ie.InternalError())
	}
	return false
}

func isFileFault(err error) bool {
	var (
		ne *net.OpError // a connection's system call error is no file's
		pe *fs.PathError
		le *os.LinkError
		se *os.SyscallError
	)
	if errors.As(err, &ne) {
		return false
	}
	return errors.As(err, &pe) || errors.As(err, &le) || errors.As(err, &se) ||
		errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) || errors.Is(err, fs.ErrExist)
}
