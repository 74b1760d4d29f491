// Package user implements the user centre (API.md §2.7–2.11): profile,
// rename, avatar, real-name verification; and the public view of a user
// that other modules show (never a mobile number).
package user

import (
	"net/url"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/api"
	"ihome/internal/media"
	"ihome/internal/text"
)

// Collection and field names of users (PocketBase's auth collection, extended).
const (
	Collection     = "users"
	FieldMobile    = "mobile"
	FieldName      = "name"
	FieldAvatar    = "avatar"
	FieldRealName  = "real_name"
	FieldIDCard    = "id_card"
	AvatarThumb    = "100x100"
	maxNameLength  = 32
	defaultMaxSize = 5 << 20
)

// Config holds the module's limits.
type Config struct {
	AvatarMaxSize int64 // bytes; 5 MiB by default
	// Images decodes uploads; shared with the house module so that one
	// bound holds for all uploads (media.New with defaults when nil).
	Images *media.Intake
	Now    func() time.Time
	// Location is the zone of "today" for birth dates.
	Location *time.Location
}

type module struct {
	cfg Config
}

// Register binds the user-centre routes.
func Register(app core.App, a *api.API, cfg Config) error {
	if cfg.AvatarMaxSize <= 0 {
		cfg.AvatarMaxSize = defaultMaxSize
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Images == nil {
		cfg.Images = media.New(media.Config{})
	}
	m := &module{cfg: cfg}
	m.routes(a)
	// every writer, staff in the admin UI included (API.md §1.7)
	text.BindRecordRule(app, Collection, text.Field{Name: FieldName, Min: 1, Max: maxNameLength},
		text.Field{Name: FieldRealName, Min: minRealNameLength, Max: maxRealNameLength})
	return nil
}

// IsVerified reports whether u has completed real-name verification.
func IsVerified(u *core.Record) bool {
	return u.GetString(FieldRealName) != "" && u.GetString(FieldIDCard) != ""
}

// PublicName is u's name as others may see it: a name that is still the
// user's mobile number (the default) is masked, 13800000001 → 138****0001.
func PublicName(u *core.Record) string {
	return DisplayName(u.GetString(FieldName), u.GetString(FieldMobile))
}

// DisplayName is PublicName for a name and mobile read without a record.
func DisplayName(name, mobile string) string {
	if name == "" {
		return MaskMobile(mobile)
	}
	if name == mobile || mobileLike(name) {
		return MaskMobile(name)
	}
	return name
}

// MaskMobile hides the middle four digits of an 11-digit number.
func MaskMobile(m string) string {
	if len(m) != 11 {
		return m
	}
	return m[:3] + "****" + m[7:]
}

// AvatarURL is the root-relative URL of u's avatar, "" when none.
func AvatarURL(u *core.Record) string {
	return FileURL(Collection, u.Id, u.GetString(FieldAvatar))
}

// FileURL is the root-relative URL PocketBase serves a record's file at.
func FileURL(collection, recordId, filename string) string {
	if filename == "" {
		return ""
	}
	return "/api/files/" + collection + "/" + recordId + "/" + url.PathEscape(filename)
}

func mobileLike(s string) bool {
	if len(s) != 11 || s[0] != '1' {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
