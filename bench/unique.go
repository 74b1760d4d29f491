package main

import (
	"fmt"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"
)

// The space of unique searches: every (aid, sd, ed, sk, p) combination
// below, each a dated search (an undated one has too few combinations to
// stay unique for long).
const (
	uqAreas  = 16  // 0: the whole city (no aid), 1…15: one area
	uqSorts  = 4   // sk
	uqStarts = 365 // sd: tomorrow … a year ahead
	uqNights = 14  // ed - sd + 1: 1 … 14 nights
	uqPages  = 5   // p: 1 … 5
	// uqSpace is how many distinct searches there are: 1,635,200, more
	// than a run makes (about 20k a second for 10 s in each of a few
	// scenarios).
	uqSpace = uqAreas * uqSorts * uqStarts * uqNights * uqPages
	// uqStride is a prime that divides none of uqSpace's factors (2, 5, 7,
	// 73), so i → i·uqStride mod uqSpace visits every search once, and
	// consecutive requests differ in every field.
	uqStride = 1_000_003
)

var uqSortKeys = [uqSorts]string{"new", "booking", "price-inc", "price-des"}

// uniqueSearches hands out search URLs of which no two are the same in a
// run (until uqSpace have been handed out), from a fixed permutation: the
// same run makes the same URLs in the same order. Safe for concurrent use;
// the counter runs on across scenarios, so no scenario repeats another's
// searches either.
type uniqueSearches struct {
	base  string    // http://host:port
	today time.Time // the first night is the day after
	n     atomic.Uint64
}

// uniqueSearch is one point of the space, decoded.
type uniqueSearch struct {
	area, sort, start, nights, page int
}

// permute maps the i-th request to its point of the space, a bijection
// on [0, uqSpace).
func permute(i uint64) uint64 { return i % uqSpace * uqStride % uqSpace }

func decode(j uint64) uniqueSearch {
	var s uniqueSearch
	s.page, j = int(j%uqPages), j/uqPages
	s.nights, j = int(j%uqNights), j/uqNights
	s.start, j = int(j%uqStarts), j/uqStarts
	s.sort, j = int(j%uqSorts), j/uqSorts
	s.area = int(j)
	return s
}

func (s uniqueSearch) encode() uint64 {
	return (((uint64(s.area)*uqSorts+uint64(s.sort))*uqStarts+uint64(s.start))*uqNights+uint64(s.nights))*uqPages + uint64(s.page)
}

// url is the search's URL: sd and ed in the API's calendar format.
func (u *uniqueSearches) url(s uniqueSearch) string {
	q := url.Values{}
	if s.area > 0 {
		q.Set("aid", strconv.Itoa(s.area))
	}
	sd := u.today.AddDate(0, 0, 1+s.start)
	q.Set("sd", sd.Format("2006-01-02"))
	q.Set("ed", sd.AddDate(0, 0, s.nights).Format("2006-01-02"))
	q.Set("sk", uqSortKeys[s.sort])
	q.Set("p", strconv.Itoa(1+s.page))
	return fmt.Sprintf("%s/api/v1.0/houses?%s", u.base, q.Encode())
}

// next is the next unused search's URL.
func (u *uniqueSearches) next() string {
	return u.url(decode(permute(u.n.Add(1) - 1)))
}

// used is how many searches were handed out; beyond uqSpace they repeat.
func (u *uniqueSearches) used() uint64 { return u.n.Load() }
