# Sluice: `make demo` runs the main job, `make test` runs every test.
# Both install liburcu-dev first when pkg-config cannot find liburcu-memb.

SWIFT ?= swift
# Records per producer in the stress tests under a sanitizer (slower by ~10x); make check runs
# them at full volume without one.
SANITIZED_STRESS_RECORDS ?= 20000
CORE_BENCH := .build-bench/core_bench
# The C scenarios child (Tests/SluiceTestChild) built with AddressSanitizer: the tests run it instead
# of the plain one, so a use after free at exit, fork or close is a failure, not luck. test-asan runs
# the core's portable path (the Portable trait, SLUICE_PORTABLE), and its child with it; make check
# runs the Linux one.
ASAN_CHILD := .build-asan-child/SluiceTestChild
PORTABLE_ASAN_CHILD := .build-asan-child/portable/SluiceTestChild
CHILD_SOURCES := $(wildcard Tests/SluiceTestChild/*.c Tests/SluiceTestChild/*.h Tests/CSluiceTestSeams/*.c)
# What LeakSanitizer may ignore: the Swift runtime's allocations that live until exit.
LSAN_ENV := LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/lsan-suppressions.txt
CORE_SOURCES := $(wildcard CSources/CSluice/*.c CSources/CSluice/*.h CSources/CSluice/include/*.h)
# The test targets a build takes (Package.swift reads SLUICE_TESTS), each built as the tests'
# product alone (swift test would build every target, the macros' swift-syntax under a
# sanitizer too): all but the macros' under ThreadSanitizer, the core's under AddressSanitizer,
# the macros' in the plain build that make docs shares.
SANITIZED_TESTS := CSluiceTests,SluiceTests,SluiceServiceTests
TESTS_PRODUCT := --product SluicePackageTests

.PHONY: deps build demo examples test check test-demo test-tsan test-asan test-sanitizers test-macros bench bench-micro bench-core bench-subring bench-bundle soak docs clean

deps:
	@scripts/ensure-liburcu.sh
	@scripts/ensure-zlib.sh

build: deps
	$(SWIFT) build

# The example packages beside the demo: Sluice composed with swift-otel (Examples/OTelService; its
# first build takes several minutes: swift-otel pulls in SwiftNIO, AsyncHTTPClient and SwiftProtobuf).
examples: deps
	cd Examples/OTelService && $(SWIFT) build

# The WebSocket service of Examples/WebSocketDemo under each logging configuration, one table
# (DEMO_REQUESTS requests per row, default 2,000; logs in ./demo-logs/). `sluice demo` alone
# shows raw throughput.
demo: deps
	$(SWIFT) build -c release --product sluice
	cd Examples/WebSocketDemo && $(SWIFT) build -c release
	Examples/WebSocketDemo/.build/release/WebSocketDemo --logs demo-logs --sluice .build/release/sluice

# Every test but the macros' runs under ThreadSanitizer (the integration and CLI suites too: their
# children are instrumented as well), and the core's tests again under AddressSanitizer and
# LeakSanitizer through the portable path; then the macros' tests, the demo's check, and the
# documentation (make docs).
test: deps
	scripts/check-c-layers.sh
	scripts/check-platform.sh
	@scripts/ensure-promtool.sh
	@scripts/ensure-logrotate.sh
	@scripts/ensure-rsyslog.sh
	$(MAKE) test-sanitizers
	$(MAKE) test-demo
	$(MAKE) docs

# make test, then every test again without a sanitizer, its stress tests at their full volume (a
# sanitizer's run logs SANITIZED_STRESS_RECORDS per producer): minutes more, outside CI.
check: test $(ASAN_CHILD)
	$(SWIFT) build --build-tests
	SLUICE_TEST_CHILD=$(ASAN_CHILD) $(SWIFT) test --skip-build

# The demo's workload, small, in debug: every row must keep every warning and error it logs
# (its sluice command built with AddressSanitizer, in test-asan's folder). Then docs/deploying.md's image against both
# binaries: the libraries they load, its smoke test.
test-demo: deps
	$(SWIFT) build --sanitize=address --scratch-path .build-asan --traits Portable --product sluice
	cd Examples/WebSocketDemo && $(SWIFT) build
	$(LSAN_ENV) Examples/WebSocketDemo/.build/debug/WebSocketDemo --requests 300 --logs .build/demo-check \
		--sluice .build-asan/debug/sluice --check
	$(LSAN_ENV) scripts/check-deploying.sh .build-asan/debug/sluice Examples/WebSocketDemo/.build/debug/WebSocketDemo

ASAN_CHILD_BUILD = mkdir -p $(@D) && clang -fsanitize=address -fuse-ld=lld -g -O1 -std=gnu11 -D_GNU_SOURCE \
	-ICSources/CSluice/include -ICSources/CSluice -ITests/CSluiceTestSeams/include Tests/SluiceTestChild/*.c \
	Tests/CSluiceTestSeams/*.c CSources/CSluice/*.c -o $@ $$(pkg-config --libs liburcu-bp) -lz -lpthread -lm
$(ASAN_CHILD): $(CHILD_SOURCES) $(CORE_SOURCES)
	$(ASAN_CHILD_BUILD)
$(PORTABLE_ASAN_CHILD): $(CHILD_SOURCES) $(CORE_SOURCES)
	$(ASAN_CHILD_BUILD) -DSLUICE_PORTABLE

# The core's tests under AddressSanitizer and LeakSanitizer, through the portable path that macOS
# builds (docs/PLATFORMS.md: condition variables for futexes, full fences for membarrier, files in
# /tmp), in a build folder of their own; the C scenarios run in the clang-built child
# (PORTABLE_ASAN_CHILD), the forks ThreadSanitizer cannot follow too. Cores open with one ring here
# (SLUICE_TEST_RINGS), one per CPU under ThreadSanitizer: every test runs with both; the ring tests
# (LaneTests) ask for their own counts.
ASAN_TESTS_BUILD = SLUICE_TESTS=CSluiceTests $(SWIFT) build $(TESTS_PRODUCT) --sanitize=address --scratch-path .build-asan \
	--traits Portable
ASAN_TESTS_RUN = $(LSAN_ENV) SLUICE_UNDER_ASAN=1 SLUICE_STRESS_RECORDS=$(SANITIZED_STRESS_RECORDS) \
	SLUICE_TEST_CHILD=$(PORTABLE_ASAN_CHILD) SLUICE_TEST_RINGS=1 SLUICE_TESTS=CSluiceTests \
	$(SWIFT) test --skip-build --sanitize=address --scratch-path .build-asan --traits Portable
test-asan: deps $(PORTABLE_ASAN_CHILD)
	$(ASAN_TESTS_BUILD)
	$(ASAN_TESTS_RUN)

# The log macros' tests (Tests/SluiceMacrosTests), without a sanitizer: swift-syntax, which they
# and the macros need, built once, in the build make docs then uses.
MACROS_TESTS_BUILD = SLUICE_TESTS=SluiceMacrosTests $(SWIFT) build $(TESTS_PRODUCT)
MACROS_TESTS_RUN = SLUICE_TESTS=SluiceMacrosTests $(SWIFT) test --skip-build
test-macros: deps
	$(MACROS_TESTS_BUILD)
	$(MACROS_TESTS_RUN)

# A long run of the core, outside make test (Tests/Soak/soak.c): SOAK_RECORDS per policy from 4
# threads, drop then block, rotating files under .build-soak; fails on inexact accounting or
# resident memory that grows after the warm-up.
SOAK := .build-soak/soak
SOAK_RECORDS ?= 100000000
$(SOAK): Tests/Soak/soak.c $(CORE_SOURCES)
	mkdir -p $(@D)
	$(CC) -O2 -g -std=gnu11 -D_GNU_SOURCE -ICSources/CSluice/include -ICSources/CSluice \
		Tests/Soak/soak.c CSources/CSluice/*.c -o $@ $$(pkg-config --libs liburcu-bp) -lz -lpthread -lm

soak: deps $(SOAK)
	mkdir -p .build-soak/logs
	$(SOAK) .build-soak/logs $(SOAK_RECORDS) 4

# Every test but the macros' under ThreadSanitizer, in a build folder of its own (the fork scenarios it cannot
# follow skip, saying so: test-asan runs them). An instrumented process sleeps a second before it
# exits unless atexit_sleep_ms says otherwise: every child would pay it, and the race a child
# exists for (a thread freeing a core while exit drains it) would be over before exit began.
TSAN_TESTS_BUILD = SLUICE_TESTS=$(SANITIZED_TESTS) $(SWIFT) build $(TESTS_PRODUCT) --sanitize=thread --scratch-path .build-tsan
TSAN_TESTS_RUN = TSAN_OPTIONS=atexit_sleep_ms=0 SLUICE_UNDER_TSAN=1 SLUICE_STRESS_RECORDS=$(SANITIZED_STRESS_RECORDS) \
	SLUICE_TESTS=$(SANITIZED_TESTS) $(SWIFT) test --skip-build --sanitize=thread --scratch-path .build-tsan
test-tsan: deps
	$(TSAN_TESTS_BUILD)
	$(TSAN_TESTS_RUN)

# The sanitizers' tests and the macros' in make test: AddressSanitizer's run (about one core
# busy, its tests one after another) goes on while swift-syntax builds for the macros; its output
# waits in .build-asan/tests.log until both end. ThreadSanitizer's run goes alone: beside
# AddressSanitizer's, OverloadTests' warning-wait case failed in three runs of three (never alone,
# nor under CPU hogs).
test-sanitizers: deps $(PORTABLE_ASAN_CHILD)
	$(TSAN_TESTS_BUILD)
	$(TSAN_TESTS_RUN)
	$(ASAN_TESTS_BUILD)
	{ $(ASAN_TESTS_RUN) > .build-asan/tests.log 2>&1; echo $$? > .build-asan/tests.status; } & \
		$(MACROS_TESTS_BUILD); built=$$?; wait; echo "--- AddressSanitizer's run (make test-asan):"; \
		cat .build-asan/tests.log; test "$$(cat .build-asan/tests.status)" -eq 0 && test $$built -eq 0
	$(MACROS_TESTS_RUN)

# Every peer (Sluice, swift-log, spdlog, Python logging) on the same workloads, interleaved; one table,
# with the floors Sluice is held to (write() ceiling, a C level-check loop). THREADS=4,8,16 runs W2
# at each producer count (on a machine with the cores; never in CI).
bench: deps
	@scripts/ensure-spdlog.sh
	cd Benchmarks && $(SWIFT) build -c release --product sluice-bench
	mkdir -p .build-bench
	$(CXX) -O2 -std=c++17 -DSPDLOG_FMT_EXTERNAL Benchmarks/peers/spdlog_bench.cpp -o .build-bench/spdlog_bench \
		-lspdlog -lfmt -lpthread
	scripts/bench.sh

# Nanoseconds and allocations per call (package-benchmark, Benchmarks/Package.swift). The target is
# named: the plugin takes every executable under Benchmarks/ for a suite, sluice-bench too.
bench-micro: deps
	cd Benchmarks && $(SWIFT) package --disable-sandbox benchmark --target SluiceBenchmarks

# The C core alone: throughput, call latency and each step of a call (see Benchmarks/core/core_bench.c).
bench-core: deps
	mkdir -p .build-bench
	$(CC) -O2 -std=gnu11 -D_GNU_SOURCE -ICSources/CSluice/include -ICSources/CSluice \
		Benchmarks/core/core_bench.c CSources/CSluice/*.c -o $(CORE_BENCH) \
		$$(pkg-config --libs liburcu-bp) -lz -lpthread -lm
	$(CORE_BENCH)

# A model of docs/SCALING.md's per-thread and per-CPU rings against the shared ring, the transport alone
# (Benchmarks/core/subring_bench.c): THREADS producer counts, 1,2,4,8 unless given.
bench-subring: deps
	mkdir -p .build-bench
	$(CC) -O2 -std=gnu11 -D_GNU_SOURCE -ICSources/CSluice Benchmarks/core/subring_bench.c \
		-o .build-bench/subring_bench -lpthread
	.build-bench/subring_bench --threads $${THREADS:-1,2,4,8}

# sluice-bench and core_bench with their loader and libraries, for a machine with the cores and no
# Swift toolchain (scripts/bench-bundle.sh; never in CI).
bench-bundle: deps
	scripts/bench-bundle.sh

# The products' documentation (DocC), in one build: .build/plugins/Swift-DocC/outputs/<product>.doccarchive,
# the guides of docs/ as articles (Sources/Sluice/Sluice.docc links them). Fails on any DocC
# warning, and on a public symbol without a documentation comment (scripts/check-docs.sh).
DOCS_TARGETS := Sluice SluiceServiceLifecycle SluiceMetrics SluiceConfigurationReader SluiceMacros
docs: deps
	$(SWIFT) package --disable-sandbox generate-documentation $(DOCS_TARGETS:%=--target %) --warnings-as-errors
	scripts/check-docs.sh

clean:
	rm -rf .build .build-tsan .build-asan .build-bench .build-asan-child Benchmarks/.build Examples/*/.build sluice-demo.log
