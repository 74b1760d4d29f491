package seed

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/intid"
)

const (
	// rowsPerStatement rows go in one INSERT: one prepared statement
	// executed per 64 rows instead of one built and parsed per row.
	rowsPerStatement = 64
	// rowsPerTx rows go in one transaction (and one progress report).
	rowsPerTx = 20000
	// seedCacheKB is the page cache of the connection while it seeds:
	// the server's 2 MB would reread the index pages of a million orders
	// over and over.
	seedCacheKB = 65536
)

// withoutIndexes runs write with the secondary indexes of tables dropped,
// and creates them again afterwards (also when write fails): SQLite builds
// an index from sorted rows many times faster than it updates it row by
// row at random places, which is most of the time a million orders take.
func withoutIndexes(app core.App, tables []string, write func() error) (err error) {
	var indexes []struct {
		Name string `db:"name"`
		SQL  string `db:"sql"`
	}
	err = app.DB().Select("name", "sql").From("sqlite_master").
		Where(dbx.HashExp{"type": "index"}).AndWhere(dbx.In("tbl_name", toAny(tables)...)).
		AndWhere(dbx.NewExp("sql IS NOT NULL")).All(&indexes) // NULL: the primary keys' own
	if err != nil {
		return err
	}
	for _, ix := range indexes {
		if _, err := app.DB().DropIndex("", ix.Name).Execute(); err != nil {
			return err
		}
	}
	defer func() {
		for _, ix := range indexes {
			if _, e := app.DB().NewQuery(ix.SQL).Execute(); e != nil && err == nil {
				err = fmt.Errorf("seed: index %s: %w", ix.Name, e)
			}
		}
	}()
	return write()
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// insert writes total rows into table with prepared multi-row INSERTs, in
// transactions of rowsPerTx rows. fill(i, row) sets the values of row i in
// the order of cols; it is called for i = 0, 1, 2, … in that order, so it
// may draw from the generator's random stream. Then the table's id counter
// is moved past the ids written.
func (g *gen) insert(table string, cols []string, total int, fill func(i int, row []any)) error {
	names := make([]string, rowsPerStatement*len(cols))
	for k := range names {
		names[k] = "v" + strconv.Itoa(k)
	}
	statement := func(rows int) string {
		var b strings.Builder
		b.WriteString("INSERT INTO {{" + table + "}} ([[" + strings.Join(cols, "]], [[") + "]]) VALUES ")
		for r := range rows {
			if r > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('(')
			for c := range cols {
				if c > 0 {
					b.WriteByte(',')
				}
				b.WriteString("{:" + names[r*len(cols)+c] + "}")
			}
			b.WriteByte(')')
		}
		return b.String()
	}
	full := statement(rowsPerStatement)
	row := make([]any, len(cols))
	for from := 0; from < total; from += rowsPerTx {
		to := min(total, from+rowsPerTx)
		err := g.app.RunInTransaction(func(tx core.App) error {
			if _, err := tx.DB().NewQuery(fmt.Sprintf("PRAGMA cache_size = -%d", seedCacheKB)).Execute(); err != nil {
				return err
			}
			params := make(dbx.Params, len(names))
			q := tx.DB().NewQuery(full).Prepare().Bind(params)
			defer q.Close()
			n := 0 // rows in params
			for i := from; i < to; i++ {
				clear(row)
				fill(i, row)
				for c, v := range row {
					params[names[n*len(cols)+c]] = v
				}
				if n++; n == rowsPerStatement {
					if _, err := q.Execute(); err != nil {
						return fmt.Errorf("%s rows %d–%d: %w", table, i+2-n, i+1, err)
					}
					n = 0
				}
			}
			if n > 0 {
				if _, err := tx.DB().NewQuery(statement(n)).Bind(params).Execute(); err != nil {
					return fmt.Errorf("%s rows %d–%d: %w", table, to+1-n, to, err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		g.opt.Progress(table, to, total)
	}
	var last int64
	if err := g.app.DB().Select("COALESCE(MAX(CAST(id AS INTEGER)), 0)").From(table).Row(&last); err != nil {
		return err
	}
	return intid.Reserve(g.app, table, last)
}
