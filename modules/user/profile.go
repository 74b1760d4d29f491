package user

import (
	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/envelope"
	"ihome/internal/intid"
	"ihome/internal/session"
)

// profileData is the data of GET /user, in the contract's key order.
type profileData struct {
	UserID    int64  `json:"user_id"`
	Name      string `json:"name"`
	Mobile    string `json:"mobile"`
	AvatarURL string `json:"avatar_url"`
}

// GET /user: the logged-in user's own profile (their mobile unmasked).
func (m *module) profile(e *core.RequestEvent) error {
	u := session.User(e)
	return envelope.OK(e, profileData{
		UserID:    intid.Int(u.Id),
		Name:      u.GetString(FieldName),
		Mobile:    u.GetString(FieldMobile),
		AvatarURL: AvatarURL(u),
	})
}
