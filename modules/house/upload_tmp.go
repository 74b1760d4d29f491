package house

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"

	"ihome/internal/errno"
)

// TEMPORARY: replaced by the user module's shared image reader.
func uploadedImage(e *core.RequestEvent, field string, maxSize int64) (*filesystem.File, error) {
	files, err := e.FindUploadedFiles(field)
	if err != nil || len(files) != 1 {
		return nil, errno.Param(field)
	}
	return files[0], nil
}
