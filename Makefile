# nftsync — see README.md. Every target works on a fresh Debian machine as root
# once nftables and iptables are installed (`make deps`).
GO      ?= go
BIN     ?= bin/nftsync
PKGS    := ./...
CORPUS  ?= $(abspath ../shared/conformance/txlate)
# The release stamped in the binary (`nftsync --version`); without git the
# binary reports its build info instead.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null)
LDFLAGS := $(if $(VERSION),-X main.version=$(VERSION))

.PHONY: all build test unit integration bench stress demo lint fuzz deps vagrant-test clean

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/nftsync

deps:
	@command -v nft >/dev/null && command -v iptables >/dev/null || \
	  (apt-get update -qq && apt-get install -y -qq nftables iptables)

# The full suite: unit tests, the conformance corpus and the kernel tests
# (root; each test in its own network namespace). Without the corpus (a bare
# clone) the two corpus tests skip; NFTSYNC_REQUIRE_CORPUS=1 (.ci/run) makes
# them fail instead.
test: lint
	@if [ -z "$$NFTSYNC_TXLATE_DIR" ] && [ ! -d "$(CORPUS)" ]; then \
	  echo "make test: no translation corpus at $(CORPUS) and NFTSYNC_TXLATE_DIR unset: the corpus tests will skip"; fi
	NFTSYNC_TXLATE_DIR=$${NFTSYNC_TXLATE_DIR:-$$([ -d "$(CORPUS)" ] && echo "$(CORPUS)")} \
	  $(GO) test -count=1 -timeout 40m $(PKGS)

unit:
	$(GO) test -count=1 -short $(PKGS)

integration:
	$(GO) test -count=1 -v -timeout 30m ./integration/...

# The property test of integration/prop_test.go, longer than in `make test`:
# more rules and several seeds (NFTSYNC_PROPTEST_SEEDS, NFTSYNC_PROPTEST_N;
# NFTSYNC_PROPTEST_MIN_ACCEPT makes the acceptance rate a gate).
PROPTEST_SEEDS ?= 1,2,3,4,5
PROPTEST_N     ?= 2000
.PHONY: proptest
proptest:
	NFTSYNC_PROPTEST_SEEDS=$${NFTSYNC_PROPTEST_SEEDS:-$(PROPTEST_SEEDS)} NFTSYNC_PROPTEST_N=$${NFTSYNC_PROPTEST_N:-$(PROPTEST_N)} \
	  $(GO) test -count=1 -v -timeout 60m -run 'TestProperty' ./integration/

# bench/ is a module of its own (bench/go.mod): the peers it measures
# (knftables) are not dependencies of the library.
bench:
	cd bench && $(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./...

# The long forms of the fault tests (NFTSYNC_STRESS=1): kill -9 loops,
# concurrent writers of one owner and of two owners, chaos against watch;
# `make test` runs their quick forms. Then the replace-all timing of
# `make bench`.
stress:
	NFTSYNC_STRESS=1 $(GO) test -count=1 -v -timeout 30m -run 'Kill9|SameOwner|TwoOwners|WatchChaos' ./...
	cd bench && $(GO) test -run '^$$' -bench Replace -benchtime 1x -timeout 30m ./...

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 60s ./rule

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) mod tidy -diff
	cd bench && $(GO) mod tidy -diff
	$(GO) vet $(PKGS)
	cd bench && $(GO) vet ./...
	@sc=$$(command -v staticcheck || echo $$($(GO) env GOPATH)/bin/staticcheck); \
	  if [ -x "$$sc" ]; then echo "$$sc ./... (and bench/)"; "$$sc" $(PKGS) && (cd bench && "$$sc" ./...); \
	  else echo "staticcheck not installed (go install honnef.co/go/tools/cmd/staticcheck@latest); skipped"; fi

demo: build
	./examples/demo.sh $(BIN)

vagrant-test:
	vagrant up --provision

clean:
	rm -rf bin
