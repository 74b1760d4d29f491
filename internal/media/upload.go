package media

import (
	"context"
	"errors"
	"io"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"ihome/internal/errno"
)

// Upload reads the multipart file field of the request, at most max bytes,
// and Processes it with thumbnails of sizes (ThumbSizes). The errors are
// for the envelope:
//   - 4103 naming field: no such file, empty, over max, or refused by
//     Process (not a JPEG, PNG, GIF or WebP, over a limit, corrupt, too
//     slow to decode);
//   - the body reader's own error (PocketBase's 413) when the body is over
//     the route's limit;
//   - 4201 when the client went away while its upload queued or decoded:
//     nobody reads that answer, and it is no fault of the server's;
//   - anything else wrapped as 4302.
func (in *Intake) Upload(e *core.RequestEvent, field string, max int64, sizes []string) (*Image, error) {
	data, err := readUpload(e, field, max)
	if err != nil {
		return nil, err
	}
	img, err := in.Process(e.Request.Context(), data, sizes)
	switch {
	case err == nil:
		return img, nil
	case errors.Is(err, ErrRefused):
		return nil, errno.Param(field)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return nil, errno.New(errno.ReqErr, "请求已取消")
	default:
		return nil, err // unexpected: the envelope answers 4500
	}
}

// readUpload streams the multipart body to the file field and returns at
// most max bytes of it; other fields are skipped, and the rest of the body
// is read too, so that the server notices when the client hangs up while
// the upload waits. An error of the body reader (the body limit's 413) is
// returned as is; anything else is 4103 naming the field.
func readUpload(e *core.RequestEvent, field string, max int64) ([]byte, error) {
	mr, err := e.Request.MultipartReader()
	if err != nil {
		return nil, errno.Param(field)
	}
	for {
		part, err := mr.NextPart()
		if err != nil {
			return nil, bodyErr(err, field)
		}
		if part.FormName() != field || part.FileName() == "" {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, max+1))
		if err != nil {
			return nil, bodyErr(err, field)
		}
		// Read on, so that a body over the route's limit gets its 413
		// however it was sent (the limit makes this read short).
		if _, err := io.Copy(io.Discard, e.Request.Body); err != nil {
			return nil, bodyErr(err, field)
		}
		if int64(len(data)) > max || len(data) == 0 {
			return nil, errno.Param(field)
		}
		return data, nil
	}
}

func bodyErr(err error, field string) error {
	var apiErr *router.ApiError
	if errors.As(err, &apiErr) {
		return err
	}
	return errno.Param(field)
}
