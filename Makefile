# iHome. PocketBase v0.40 needs Go 1.27: the go command fetches this
# toolchain from the module proxy by itself (the machine's Go may be older).
export GOTOOLCHAIN := go1.27.3

GO      ?= go
BIN     ?= ihome
ADDR    ?= 127.0.0.1:8090
DATA    ?= pb_data

.PHONY: all build run test vet unit race clean

all: build

## build: compile the single binary ./ihome (pages and migrations embedded)
build:
	$(GO) build -trimpath -o $(BIN) .

## run: build and serve on http://$(ADDR) with data in ./$(DATA)
run: build
	@echo "Admin UI: http://$(ADDR)/_/  (first superuser: ./$(BIN) superuser upsert EMAIL PASS --dir $(DATA))"
	./$(BIN) serve --http $(ADDR) --dir $(DATA)

## test: formatting, vet, every Go test, concurrency tests under -race
test: vet unit race

vet:
	@unformatted="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

unit:
	$(GO) test -count=1 ./...

race:
	$(GO) test -count=1 -race -run 'Concurren' ./...

clean:
	rm -rf $(BIN) $(DATA)
