package house

import (
	"database/sql"
	"errors"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/errno"
	"ihome/internal/intid"
)

// FindVisible returns the house id, or NoData when it does not exist or is
// hidden by staff (its owner still sees it).
func FindVisible(app core.App, id string, viewer *core.Record) (*core.Record, error) {
	if intid.Int(id) < 1 {
		return nil, errno.New(errno.NoData, "房屋不存在")
	}
	h, err := app.FindRecordById(Collection, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errno.New(errno.NoData, "房屋不存在")
	}
	if err != nil {
		return nil, err
	}
	if h.GetBool(FieldHidden) && (viewer == nil || viewer.Id != h.GetString(FieldOwner)) {
		return nil, errno.New(errno.NoData, "房屋不存在")
	}
	return h, nil
}
