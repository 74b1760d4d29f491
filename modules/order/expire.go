package order

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// expireBatch bounds one run of the expiry job; the next run takes the rest.
const expireBatch = 500

// expire cancels the WAIT_ACCEPT orders whose start date has passed and
// returns how many it canceled. It saves them as records, so the status
// rules and the search index see the change like any other.
func (m *module) expire(app core.App) (int, error) {
	late, err := app.FindRecordsByFilter(Collection, "status = {:s} && start_date < {:today}", "start_date", expireBatch, 0,
		dbx.Params{"s": WaitAccept, "today": m.today()})
	if err != nil {
		return 0, err
	}
	for i, o := range late {
		o.Set(FieldStatus, Canceled)
		o.Set(FieldComment, ExpiredComment)
		if err := app.Save(o); err != nil {
			return i, err
		}
	}
	return len(late), nil
}
