# SPDX-License-Identifier: GPL-2.0-or-later
#
# A thin wrapper around meson. The real build description is meson.build.
#
#   make          build into build/
#   make check    install missing dependencies, build, run every test
#   make demo     install missing dependencies, build, run the demo
#   make bench    optimised build in build-bench/, run the benchmarks
#   make install  install libmemcore, its headers and memcore.pc

BUILD ?= build
MESON_TEST_ARGS ?=
# Extra ./configure options for $(BUILD), e.g. CONFIGURE_FLAGS=--enable-werror
CONFIGURE_FLAGS ?=

.PHONY: all deps check demo bench bench-compare install clean stress fuzz \
	format-check \
	check-xen-real check-libqtest qemu-check

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

deps:
	@scripts/install-deps.sh --check || scripts/install-deps.sh

$(BUILD)/build.ninja:
	@scripts/install-deps.sh --check || scripts/install-deps.sh
	./configure --builddir=$(BUILD) $(CONFIGURE_FLAGS)

check: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)
	meson test -C $(BUILD) --print-errorlogs $(MESON_TEST_ARGS)

demo: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)
	@scripts/demo.sh $(BUILD)

install: all
	meson install -C $(BUILD)

# Benchmarks (docs/devel/performance.rst): an optimised build of their own
# (-O2 or more, NDEBUG), then every benchmark. results.json, the plots and
# the logs go to $(BUILD)/bench/; a table is printed. P7 compares against
# Debian's QEMU, so that and gnuplot are installed if missing; the peer
# comparison builds rust-vmm's vm-memory from Debian's packaged crate.
# BENCH_ARGS=--quick gives a short smoke run.
BENCH_BUILD ?= build-bench
BENCH_ARGS ?=
BENCH_PACKAGES = gnuplot-nox qemu-system-x86 cargo librust-vm-memory-dev

bench:
	@scripts/install-deps.sh --check $(BENCH_PACKAGES) || \
		scripts/install-deps.sh $(BENCH_PACKAGES)
	./configure --builddir=$(BENCH_BUILD) --enable-bench
	ninja -C $(BENCH_BUILD) bench-programs
	python3 tests/bench/run-bench.py --build $(BENCH_BUILD) \
		--out $(BUILD)/bench $(BENCH_ARGS)

# What got faster or slower than an earlier run, beyond the noise:
#   make bench-compare BASE=old/results.json [NEW=build/bench/results.json]
NEW ?= $(BUILD)/bench/results.json
bench-compare:
	@test -n "$(BASE)" || { echo "make bench-compare: set BASE=old/results.json" >&2; exit 2; }
	python3 tests/bench/compare-bench.py $(BASE) $(NEW)

# Every C file against .clang-format (Debian's clang-format); CI runs it.
# scripts/format-check.sh --fix reformats.
format-check:
	@scripts/install-deps.sh --check clang-format || \
		scripts/install-deps.sh clang-format
	scripts/format-check.sh

clean:
	rm -rf $(BUILD)

# Boot a real Xen 4.17 hypervisor with a Linux PV dom0 under QEMU (TCG),
# run the grant tests inside dom0, then a PVH guest served by memcore-dm as
# its (restricted, unprivileged) device model (tests/xen-real/README.md).
# Downloads the boot packages from Debian on first use.
XENREAL_BUILD ?= build-xenreal

check-xen-real:
	tests/xen-real/build-image.sh --memcore $(XENREAL_BUILD) --domu \
		$(XENREAL_BUILD)/xen-real
	tests/xen-real/boot.sh $(XENREAL_BUILD)/xen-real

# QEMU's own libqtest against memcore-dm, QEMU 10.0 and Debian's QEMU
# (docs/devel/qtest.rst). Builds QEMU 10.0 with qemu/build.sh the first
# time (about 15 minutes on two cores); cached after that.
check-libqtest: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)
	tests/qtest/libqtest/run.sh $(BUILD)

# Fuzzing and stress (docs/devel/security.rst).
#   make fuzz     each libFuzzer target for FUZZ_TIME seconds (clang, ASan,
#                 UBSan, in $(FUZZ_BUILD)/); FUZZ_JOBS in parallel each;
#                 prints the executions per target
#   make stress   the four-thread stress test for STRESS_SECONDS
FUZZ_BUILD ?= build-fuzz
FUZZ_TIME ?= 300
FUZZ_JOBS ?= 1
FUZZ_TARGETS ?= topology grant qtest qmp
STRESS_SECONDS ?= 60

fuzz: deps
	@scripts/install-deps.sh --check clang libclang-rt-14-dev || \
	    scripts/install-deps.sh clang libclang-rt-14-dev
	tests/fuzz/run-fuzz.sh -j $(FUZZ_JOBS) $(FUZZ_BUILD) $(FUZZ_TIME) $(FUZZ_TARGETS)

stress: deps $(BUILD)/build.ninja
	ninja -C $(BUILD) tests/stress/test-stress
	$(BUILD)/tests/stress/test-stress $(STRESS_SECONDS)

# The QEMU series (qemu/README.md, docs/devel/qemu-series.rst): fetch and
# verify Debian's QEMU 10.0 source, apply qemu/patches with git am, run
# QEMU's checkpatch.pl on each patch, build x86_64-softmmu with Xen, run
# QEMU's unit tests and a list of DMA qtests (the series' own among
# them), and the same qtests on the unpatched tree. Cached under
# ${XDG_CACHE_HOME:-~/.cache}/memcore/qemu/; QEMU_CHECK_ARGS=--bisect
# also builds and tests every prefix of the series.
QEMU_CHECK_ARGS ?=

qemu-check:
	qemu/check.sh $(QEMU_CHECK_ARGS)
