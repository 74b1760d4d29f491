package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestCachedCitySeedsOnce: the first call seeds, the second takes the
// cached dir without seeding, a failed seed leaves nothing that passes for
// a city, and a new generator version replaces the old city of that size.
func TestCachedCitySeedsOnce(t *testing.T) {
	cache := t.TempDir()
	seeds := 0
	seed := func(dir string) error {
		seeds++
		return os.WriteFile(filepath.Join(dir, "data.db"), []byte("city"), 0o644)
	}
	v1 := city{users: 10, houses: 20, orders: 30, pictures: 0, version: "aaa"}

	if _, _, _, err := cachedCity(cache, v1, func(string) error { return errors.New("disk full") }); err == nil {
		t.Fatal("a failed seed was not reported")
	}
	dir, _, hit, err := cachedCity(cache, v1, seed)
	if err != nil || hit || seeds != 1 {
		t.Fatalf("first call: %v hit=%v seeds=%d", err, hit, seeds)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "data.db")); err != nil || string(b) != "city" {
		t.Fatalf("seeded dir: %q %v", b, err)
	}
	again, _, hit, err := cachedCity(cache, v1, seed)
	if err != nil || !hit || again != dir || seeds != 1 {
		t.Fatalf("second call: %v hit=%v %s seeds=%d", err, hit, again, seeds)
	}

	v2 := v1
	v2.version = "bbb"
	if _, _, hit, err := cachedCity(cache, v2, seed); err != nil || hit || seeds != 2 {
		t.Fatalf("new version: %v hit=%v seeds=%d", err, hit, seeds)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the old version's city is still there: %v", err)
	}
	entries, _ := os.ReadDir(cache)
	for _, e := range entries {
		if e.IsDir() && e.Name() != v2.key() {
			t.Fatalf("left over in the cache: %s", e.Name())
		}
	}
}

func TestGeneratorVersionFollowsSources(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"modules/seed", "pb_migrations"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(root, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("modules/seed/seed.go", "package seed // v1")
	write("pb_migrations/1_init.go", "package migrations")
	a, err := generatorVersion(root, "")
	if err != nil {
		t.Fatal(err)
	}
	write("modules/seed/seed_test.go", "package seed // tests do not change the city")
	if b, _ := generatorVersion(root, ""); b != a {
		t.Fatal("a test file changed the version")
	}
	write("pb_migrations/2_more.go", "package migrations")
	if b, _ := generatorVersion(root, ""); b == a {
		t.Fatal("a new migration kept the version")
	}
}
