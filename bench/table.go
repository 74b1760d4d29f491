package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// table is a run's results as markdown, ready for docs/BENCHMARKS.md.
type table struct {
	cfg     config
	header  string
	results []result // the references first
	summary []summaryRow
	unique  *uniqueSearches
}

// summaryRow is a whole-run figure under the scenarios.
type summaryRow struct{ name, value, verdict string }

func (t table) print(w io.Writer) {
	var raw, fw float64
	for _, r := range t.results {
		switch r.ref {
		case "raw":
			raw = r.all.rps
		case "framework":
			fw = r.all.rps
		}
	}
	share := func(rps, of float64) string {
		if of == 0 {
			return ""
		}
		return fmt.Sprintf("%.0f %%", 100*rps/of)
	}
	fmt.Fprintf(w, "\n%s\n\n", t.header)
	fmt.Fprintln(w, "| scenario | req/s | of raw ceiling | of framework ceiling | p50 | p99 | errors | server peak RSS so far | target |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---|")
	row := func(name string, s stats, unit string, rss int64, verdict string) {
		if unit != "" {
			unit = " " + unit
		}
		mem := ""
		if rss > 0 {
			mem = fmt.Sprintf("%d MB", rss>>20)
		}
		fmt.Fprintf(w, "| %s | %.0f%s | %s | %s | %s | %s | %d | %s | %s |\n", name, s.rps, unit, share(s.rps, raw), share(s.rps, fw),
			dur(s.p50), dur(s.p99), s.errors, mem, verdict)
	}
	var notes []string
	for _, r := range t.results {
		unit := ""
		if len(r.kinds) == 0 {
			unit = r.scenario.kinds[0].unit
		}
		verdict := ""
		if !t.cfg.smoke {
			verdict = r.target.verdict(r.all, raw, fw)
		}
		name := r.name
		if len(r.kinds) > 0 {
			name += ": all requests"
		}
		row(name, r.all, unit, r.peakRSS, verdict)
		for i, k := range r.kinds {
			row("↳ "+r.scenario.kinds[i].name, k, r.scenario.kinds[i].unit, 0, "")
		}
		if r.ref != "" {
			notes = append(notes, fmt.Sprintf("%s: %.0f req/s at the start of the run, %.0f at the end; the ratios use the mean",
				r.name, r.before, r.after))
		}
		for i, k := range r.kinds {
			if r.scenario.kinds[i].unit == "orders/s" {
				notes = append(notes, r.name+", bookings: "+answers(k.errnos))
			}
		}
		if len(r.kinds) == 0 && r.scenario.kinds[0].unit == "orders/s" {
			notes = append(notes, r.name+": "+answers(r.all.errnos))
		}
	}
	for _, s := range t.summary {
		verdict := s.verdict
		if t.cfg.smoke {
			verdict = ""
		}
		fmt.Fprintf(w, "| %s | %s | | | | | | | %s |\n", s.name, s.value, verdict)
	}
	if t.unique != nil {
		used := t.unique.used()
		note := fmt.Sprintf("unique searches: %d asked, none repeated (the space holds %d)", used, uqSpace)
		if used > uqSpace {
			note = fmt.Sprintf("unique searches: %d asked, MORE than the %d distinct ones: some repeated", used, uqSpace)
		}
		notes = append(notes, note)
	}
	fmt.Fprintln(w)
	for _, n := range notes {
		fmt.Fprintf(w, "- %s\n", n)
	}
	if t.cfg.smoke {
		fmt.Fprintln(w, "- smoke run: tiny city, short loads; no target is judged")
	}
}

// errors fails the run when a request got an answer its scenario does not
// accept (after the table is printed): the figures of a broken run do not
// count, and the smoke run in CI must notice.
func (t table) errors() error {
	var n int64
	for _, r := range t.results {
		n += r.all.errors
	}
	if n > 0 {
		return fmt.Errorf("%d requests failed or got an unexpected answer (column errors)", n)
	}
	return nil
}

// verdict is the target's "met: …" / "MISSED: …" list for s.
func (t target) verdict(s stats, raw, fw float64) string {
	var parts []string
	if t.ofFramework > 0 {
		parts = append(parts, judge(fw > 0 && s.rps/fw >= t.ofFramework, fmt.Sprintf("≥ %.0f %% of framework", t.ofFramework*100)))
	}
	if t.ofRaw > 0 {
		parts = append(parts, judge(raw > 0 && s.rps/raw >= t.ofRaw, fmt.Sprintf("≥ %.0f %% of raw", t.ofRaw*100)))
	}
	if t.p99 > 0 {
		parts = append(parts, judge(s.p99 <= t.p99, "p99 ≤ "+dur(t.p99)))
	}
	if t.minRPS > 0 {
		parts = append(parts, judge(s.rps >= t.minRPS, fmt.Sprintf("≥ %.0f/s", t.minRPS)))
	}
	if s.errors > 0 {
		parts = append(parts, "ERRORS")
	}
	return strings.Join(parts, ", ")
}

func judge(ok bool, target string) string {
	if ok {
		return "met: " + target
	}
	return "MISSED: " + target
}

// answers lists the answers by errno: "9000 × 0, 5000 × 4004".
func answers(errnos map[string]int64) string {
	var parts []string
	for _, code := range slices.Sorted(maps.Keys(errnos)) {
		name := code
		if name == "" {
			name = "not the API's envelope"
		}
		parts = append(parts, fmt.Sprintf("%d × %s", errnos[code], name))
	}
	return "answers " + strings.Join(parts, ", ")
}

// dur is a latency for the table: 3 significant digits.
func dur(d time.Duration) string {
	switch {
	case d >= 100*time.Millisecond:
		return d.Round(time.Millisecond).String()
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond).String()
	default:
		return d.Round(10 * time.Microsecond).String()
	}
}
