package order

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// expire cancels the WAIT_ACCEPT orders whose start date has passed, in one
// statement, and returns how many it canceled.
func (m *module) expire(app core.App) (int64, error) {
	res, err := app.NonconcurrentDB().Update(Collection, dbx.Params{
		FieldStatus:  Canceled,
		FieldComment: ExpiredComment,
		"updated":    types.NowDateTime().String(),
	}, dbx.NewExp("status = {:s} AND start_date < {:today}", dbx.Params{"s": WaitAccept, "today": m.today()})).Execute()
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
