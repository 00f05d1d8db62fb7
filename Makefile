# Agora: the two commands a new user runs are `make run` and `make test`.

SHELL := /bin/bash
APT_PACKAGES := libuv1-dev libprotobuf-c-dev protobuf-c-compiler libhttp-parser-dev libsqlite3-dev libcurl4-openssl-dev pkg-config \
	skopeo umoci runc busybox-static docker-registry containernetworking-plugins iptables iproute2 libldns-dev haproxy dnsutils \
	python3-venv
SWIFT ?= swift
SWIFT_BUILD_FLAGS ?=

.PHONY: deps build test leakcheck fuzz check-proto check-layers check-conversions run bench clean

## deps: install the Debian packages Agora builds against (only what is missing)
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    echo "installing:$$missing"; \
	    SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	@command -v $(SWIFT) >/dev/null || { echo "swift not found on PATH (Swift 6 toolchain required)"; exit 1; }
	@scripts/install-python-clients

## build: compile everything (debug)
build: deps
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)

## check-proto: fail when Sources/AgoraProto differs from a fresh protoc-c generation
check-proto: deps
	@scripts/check-proto

## check-layers: fail when C shims are imported above the runtime, HTTP and wire layers
check-layers:
	@scripts/check-layers

## check-conversions: fail when a trapping integer conversion of a floating-point value appears outside Bounds
check-conversions:
	@scripts/check-conversions

## test: install, build and run the whole test suite, then again under AddressSanitizer/LeakSanitizer, then a short fuzz pass
test: deps check-proto check-layers check-conversions
	$(SWIFT) build --build-tests $(SWIFT_BUILD_FLAGS)
	$(SWIFT) test --skip-build $(SWIFT_BUILD_FLAGS)
	@$(MAKE) --no-print-directory leakcheck
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(CI_FUZZ_SECONDS)

CI_FUZZ_SECONDS ?= 5
FUZZ_SECONDS ?= 60

## fuzz: every decoder under libFuzzer (coverage-instrumented, AddressSanitizer), then the master, services and
## cron APIs under schemathesis, FUZZ_SECONDS each
fuzz: deps
	@scripts/install-fuzz-tools
	$(SWIFT) build --product agora-fuzz --sanitize=fuzzer --sanitize=address --scratch-path .build-fuzz \
	    -Xswiftc -DAGORA_FUZZ_BUILD -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp \
	    $(SWIFT_BUILD_FLAGS)
	@scripts/fuzz $(FUZZ_SECONDS)
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)
	@scripts/fuzz-api $(FUZZ_SECONDS)

## leakcheck: the Swift Testing suites built with AddressSanitizer; any leak or memory error fails
leakcheck: deps
	AGORA_SANITIZED_BUILD=1 $(SWIFT) build --build-tests --sanitize=address --scratch-path .build-asan $(SWIFT_BUILD_FLAGS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 .build-asan/debug/AgoraPackageTests.xctest --testing-library swift-testing

## run: build and start a local cluster on loopback
run: build
	@scripts/run-local

## bench: release build, then print transport, codec, allocator and end-to-end figures
bench: deps
	$(SWIFT) build -c release $(SWIFT_BUILD_FLAGS)
	$$($(SWIFT) build -c release --show-bin-path)/agora-bench

clean:
	rm -rf .build .build-asan .build-fuzz .agora
