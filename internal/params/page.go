package params

import (
	"net/url"

	"ihome/internal/intid"
)

// Page reads the page parameter p of a list (API.md §3.7, §1.7): a positive
// integer, else 1; a page past the last one answers an empty list.
func Page(q url.Values) int64 {
	if p := intid.Int(q.Get("p")); p > 0 {
		return p
	}
	return 1
}

// Offset is where page p of size starts. Pages beyond 2^40 are past any
// last page, and the product cannot overflow.
func Offset(p int64, size int) int {
	return int(min(p-1, 1<<40) * int64(size))
}

// Pages is total_page: how many pages of size total items fill.
func Pages(total, size int) int64 {
	return int64((total + size - 1) / size)
}
