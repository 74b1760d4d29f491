package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// city names a seeded data dir: its sizes and the version of the
// generator that made it.
type city struct {
	users, houses, orders, pictures int
	version                         string
}

// prefix is the part of the key that is the same for every version.
func (c city) prefix() string {
	return fmt.Sprintf("city-u%d-h%d-o%d-p%d-", c.users, c.houses, c.orders, c.pictures)
}

func (c city) key() string { return c.prefix() + c.version }

// generatorVersion is a digest of what decides a seeded city's content:
// the generator's sources (modules/seed) and the schema (pb_migrations),
// read from the project at root. Without them (the bench run elsewhere)
// it is the digest of the binary, so any new binary seeds afresh.
func generatorVersion(root, bin string) (string, error) {
	h := sha256.New()
	var files []string
	for _, pattern := range []string{"modules/seed/*.go", "pb_migrations/*.go"} {
		m, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			return "", err
		}
		for _, f := range m {
			if !strings.HasSuffix(f, "_test.go") {
				files = append(files, f)
			}
		}
	}
	if len(files) == 0 {
		files = []string{bin}
	}
	slices.Sort(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", filepath.Base(f), len(b))
		h.Write(b)
	}
	return fmt.Sprintf("%x", h.Sum(nil)[:6]), nil
}

// cachedCity returns the data dir of c under cache, seeding it with seed
// (into a scratch dir renamed into place when complete, so a failed or
// interrupted seed is never taken for a city) when there is none; seeded
// is how long seeding took, then or on the run that made it. Cities of the
// same sizes made by another generator version are removed.
func cachedCity(cache string, c city, seed func(dir string) error) (dir string, seeded time.Duration, hit bool, err error) {
	dir = filepath.Join(cache, c.key())
	timeFile := dir + ".seed-time"
	if _, err := os.Stat(filepath.Join(dir, "data.db")); err == nil {
		b, _ := os.ReadFile(timeFile)
		ms, _ := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		return dir, time.Duration(ms) * time.Millisecond, true, nil
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", 0, false, err
	}
	// older versions of this size, and scratch dirs of interrupted seeds
	stale, _ := filepath.Glob(filepath.Join(cache, c.prefix()+"*"))
	scratches, _ := filepath.Glob(filepath.Join(cache, "seeding-*"))
	for _, s := range append(stale, scratches...) {
		if err := os.RemoveAll(s); err != nil {
			return "", 0, false, err
		}
	}
	scratch, err := os.MkdirTemp(cache, "seeding-")
	if err != nil {
		return "", 0, false, err
	}
	defer os.RemoveAll(scratch) // gone after the rename; left over only on failure
	t0 := time.Now()
	if err := seed(scratch); err != nil {
		return "", 0, false, err
	}
	seeded = time.Since(t0)
	if err := os.Rename(scratch, dir); err != nil {
		return "", 0, false, err
	}
	return dir, seeded, false, os.WriteFile(timeFile, []byte(strconv.FormatInt(seeded.Milliseconds(), 10)+"\n"), 0o644)
}

// copyDir copies the data dir src to a new dir dst, so that a run never
// changes the cached city.
func copyDir(src, dst string) error {
	if out, err := exec.Command("cp", "-a", "--reflink=auto", src, dst).CombinedOutput(); err != nil {
		return fmt.Errorf("cp %s: %v: %s", src, err, out)
	}
	return nil
}

// seedWith runs `ihome seed` for c into dir.
func seedWith(bin string, c city, dir string) error {
	cmd := exec.Command(bin, "seed", "--dir", dir, "--users", strconv.Itoa(c.users),
		"--houses", strconv.Itoa(c.houses), "--orders", strconv.Itoa(c.orders), "--pictures", strconv.Itoa(c.pictures))
	cmd.Stdout = io.Discard
	out, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	msg, _ := io.ReadAll(out)
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("seed: %v: %s", err, lastLine(string(msg)))
	}
	return nil
}

// lastLine is the end of a progress output made of \r-separated updates.
func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexAny(s, "\r\n"); i >= 0 {
		return s[i+1:]
	}
	return s
}
