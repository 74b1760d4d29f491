# iHome. PocketBase v0.40 needs Go 1.27: the go command fetches this
# toolchain from the module proxy by itself (the machine's Go may be older).
export GOTOOLCHAIN := go1.27.3

GO      ?= go
BIN     ?= ihome
ADDR    ?= 127.0.0.1:8090
DATA    ?= pb_data
DEMO    ?= pb_demo
FUZZTIME ?= 3s

.PHONY: all build run run-replicated demo test vet unit race fuzz-short fuzz bench bench-scale bench-smoke browser soak clean

all: build

## build: compile the single binary ./ihome (pages and migrations embedded)
build:
	$(GO) build -trimpath -o $(BIN) .

## run: build and serve on http://$(ADDR) with data in ./$(DATA)
run: build
	@echo "Admin UI: http://$(ADDR)/_/  (first superuser: ./$(BIN) superuser upsert EMAIL PASS --dir $(DATA))"
	./$(BIN) serve --http $(ADDR) --dir $(DATA)

## run-replicated: serve as run does, with the uploaded files, backups (03:00,
## the newest 7 kept) and a continuous replica of data.db on an S3 store: a
## local one kept in ./pb_s3 (internal/s3fake/cmd/s3fake); README "Data off
## the box" names the variables for a real store
S3_ADDR ?= 127.0.0.1:9000
run-replicated: build
	$(GO) build -o s3fake ./internal/s3fake/cmd/s3fake
	@./s3fake --addr $(S3_ADDR) --dir pb_s3 --buckets ihome-files,ihome-backups & trap "kill $$!" EXIT; \
	until ./s3fake --ping --addr $(S3_ADDR); do sleep 0.1; done; \
	IHOME_S3_ENDPOINT=http://$(S3_ADDR) IHOME_S3_REGION=us-east-1 IHOME_S3_PATH_STYLE=true \
	IHOME_S3_ACCESS_KEY=IHOMETESTACCESSKEY IHOME_S3_SECRET=ihome-test-secret-key-0123456789abcdef \
	IHOME_S3_BUCKET=ihome-files IHOME_BACKUP_S3_BUCKET=ihome-backups IHOME_BACKUP_CRON='0 3 * * *' \
	IHOME_REPLICA_BUCKET=ihome-files ./$(BIN) serve --http $(ADDR) --dir $(DATA)

## demo: serve a small generated city (60 houses with pictures) from ./$(DEMO),
## payments on the local fake cashier (--payment fake)
demo: build
	@test -f $(DEMO)/data.db || ./$(BIN) seed --demo --dir $(DEMO)
	@echo "Demo users: 13800000001 … 13800000040, password password-1"
	./$(BIN) serve --http $(ADDR) --dir $(DEMO) --payment fake

## test: everything CI runs: format, vet, Go tests, concurrency under -race,
## short fuzzing, a smoke run of the bench, and the browser journeys
test: vet openapi unit race fuzz-short bench-smoke browser

vet:
	@unformatted="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './e2e/*'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run 'go mod tidy'"; exit 1; }

## openapi: lint docs/openapi.yaml (kin-openapi's OpenAPI 3.1 validation, examples
## included) and check that it lists exactly the routes the modules declare
openapi:
	$(GO) test -count=1 -run 'TestOpenAPIDocument|TestRouteTableMatchesDocument|TestVendoredSwaggerUI|TestDocumentedRequestExamples' ./docs/ ./internal/openapi/ ./internal/apptest/

unit:
	$(GO) test -count=1 ./...

race:
	$(GO) test -count=1 -race -run 'Concurren' ./...

# each fuzz target for a few seconds (go test -fuzz takes one target at a time)
fuzz-short:
	@for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "fuzz $$pkg $$f"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg > /tmp/ihome-fuzz.log 2>&1 || { cat /tmp/ihome-fuzz.log; exit 1; }; \
		done; \
	done

## fuzz: every fuzz target for 2 minutes
fuzz:
	$(MAKE) fuzz-short FUZZTIME=2m

## bench: the search benchmark, then seed 10,000 houses / 100,000 orders and
## load each scenario with 64 connections (docs/BENCHMARKS.md)
bench: build
	$(GO) test -run '^$$' -bench . -benchtime 5000x ./modules/search/
	$(GO) run ./bench --bin ./$(BIN)

## bench-scale: 100,000 houses / 1,000,000 orders (seeded once, kept in
## ./bench-data): restart, first search, unique-query search, peak memory
bench-scale: build
	$(GO) run ./bench --bin ./$(BIN) --scale

# every scenario and the scale run's steps on tiny cities, in about 30 s
bench-smoke: build
	$(GO) run ./bench --bin ./$(BIN) --smoke

## browser: the end-to-end journeys in Debian's headless Chromium
browser: build
	@test -x /usr/bin/chromium || { echo "installing chromium (Debian)"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
	@# npm ci again whenever the lock file is newer than the installed tree
	@test e2e/node_modules/.package-lock.json -nt e2e/package-lock.json || (cd e2e && npm ci --no-audit --no-fund)
	cd e2e && IHOME_BIN=../$(BIN) node --test

clean:
	rm -rf $(BIN) $(DATA) $(DEMO) s3fake pb_s3

## soak: 5 minutes of mixed traffic; memory and open files must level off
soak: build
	$(GO) run ./bench --bin ./$(BIN) --soak 5m --conns 32
