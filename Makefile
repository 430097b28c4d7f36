# sweep: flat Makefile. `make`, `make test`, `make bench`, `make asan`, `make clean`.
PKGS    := hdf5 yaml-0.1
CC      ?= cc
OPT     ?= -O2
# MPI=1: the same program built with Open MPI's mpicc and SWEEP_MPI defined, so that
# `mpirun -n R ./sweep SPEC.yaml` spreads one sweep over R ranks (src/cluster.c, src/sched_mpi.c).
# Its objects go to build/mpi; without MPI=1 nothing about MPI is compiled or needed.
# `make sweep-mpi` builds that flavour as build/mpi/sweep and leaves ./sweep alone.
MPI     ?= 0
ifeq ($(MPI),1)
CC      := mpicc
BUILD   ?= build/mpi
CFLAGS  += -DSWEEP_MPI
endif
BUILD   ?= build
PYTHON  ?= /usr/bin/python3
# -ffp-contract=off: no fused multiply-adds behind our back, so a config's numbers do not
# depend on which machine compiled or ran it.
CFLAGS  += -std=c11 -D_GNU_SOURCE $(OPT) -g -Wall -Wextra -Wshadow -Wno-unused-parameter \
           -ffp-contract=off -fno-math-errno -fopenmp -iquote include $(shell pkg-config --cflags $(PKGS))
# hdf5_hl: dimension scales. Debian keeps it beside libhdf5, which pkg-config points at.
LDLIBS  += $(shell pkg-config --libs-only-L hdf5) -lhdf5_hl $(shell pkg-config --libs $(PKGS)) -lm

SRCS      := $(wildcard src/*.c)
OBJS      := $(SRCS:src/%.c=$(BUILD)/%.o)
LIB_OBJS  := $(filter-out $(BUILD)/main.o,$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all test unit pytest bench bench-prefix bench-blas bench-commit crashsim faults asan asan-test fuzz clean sweep-mpi install uninstall FORCE
all: sweep

# ./sweep is relinked when the flavour (plain or MPI) changes, even if its objects did not.
FLAVOR := $(if $(filter 1,$(MPI)),mpi,plain)
build/sweep.flavor: FORCE | $(BUILD)
	@[ "$$(cat $@ 2>/dev/null)" = "$(FLAVOR)" ] || echo "$(FLAVOR)" > $@

sweep: $(OBJS) build/sweep.flavor
	$(CC) $(CFLAGS) -o $@ $(OBJS) $(LDLIBS)

sweep-mpi:
	$(MAKE) MPI=1 BUILD=build/mpi build/mpi/sweep

$(BUILD)/%.o: src/%.c | $(BUILD)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

# The built-in data sets are compiled into the binary (src/data_builtin.c).
BUILTIN_CSVS := src/breast_cancer.csv src/iris.csv src/wine.csv src/digits.csv src/diabetes.csv
$(BUILD)/data_builtin.o: $(BUILTIN_CSVS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJS) tests/unit/check.h tests/unit/fixture.h | $(BUILD)/tests
	$(CC) $(CFLAGS) -MMD -MP -o $@ $< $(LIB_OBJS) $(LDLIBS)

$(BUILD) $(BUILD)/tests:
	mkdir -p $@

unit: $(UNIT_BINS)
	@sh tests/run_unit.sh $(UNIT_BINS)

# The power-cut simulator's LD_PRELOAD shim (tests/crashsim/): plain C, no sanitizers, so it
# also loads into the sanitized binaries of make asan.
CRASHSIM := build/crashsim.so
$(CRASHSIM): tests/crashsim/crashsim.c
	@mkdir -p build
	$(CC) -std=c11 -O2 -g -Wall -Wextra -Wshadow -fPIC -shared -o $@ $< -ldl -lpthread

# The fault-injection shim (tests/faultsim/): fails the N-th write-like call on the results
# file with ENOSPC or EIO. Plain C without sanitizers, like the crashsim shim.
FAULTSIM := build/faultsim.so
$(FAULTSIM): tests/faultsim/faultsim.c
	@mkdir -p build
	$(CC) -std=c11 -O2 -g -Wall -Wextra -Wshadow -fPIC -shared -o $@ $< -ldl -lpthread

pytest: sweep $(CRASHSIM) $(FAULTSIM)
	$(PYTHON) -m pytest -q tests

test: unit pytest

bench: sweep
	$(PYTHON) scripts/bench.py

# Shared prefixes: epochs [100, 200, 400, 800] against 800 alone, side by side.
bench-prefix: sweep
	$(PYTHON) scripts/bench_prefix.py

# The commit protocol against the old ordering (README, "How the file survives a crash").
bench-commit: sweep
	$(PYTHON) scripts/bench_commit.py

# The power-cut simulator's long run (at least 2,000 states; tests/crashsim/).
crashsim: sweep $(CRASHSIM)
	$(PYTHON) scripts/crashsim.py

# A failing disk at every write-like call of a sweep, a resume and a merge, in every mode
# (transient or dead, ENOSPC or EIO), and a table of the outcomes (scripts/faults.py).
faults: sweep $(FAULTSIM)
	$(PYTHON) scripts/faults.py

# Our step kernel against OpenBLAS (serial) on the same step: the README's decision.
OPENBLAS := /usr/lib/x86_64-linux-gnu/libopenblas.so.0
bench-blas: $(LIB_OBJS)
	$(CC) $(CFLAGS) -o $(BUILD)/blas_compare scripts/blas_compare.c $(LIB_OBJS) $(OPENBLAS) $(LDLIBS)
	OPENBLAS_NUM_THREADS=1 $(BUILD)/blas_compare

# The whole test suite under AddressSanitizer and UndefinedBehaviorSanitizer.
asan:
	$(MAKE) BUILD=build/asan OPT="-O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	    LDLIBS="$(LDLIBS) -fsanitize=address,undefined" SWEEP_BIN=build/asan/sweep asan-test

# The MPI build is sanitized too; Open MPI's own allocations are not ours to free, so its
# ranks run without the leak check (SWEEP_MPI_NO_LEAK_CHECK).
asan-test: $(UNIT_BINS) $(BUILD)/sweep $(CRASHSIM) $(FAULTSIM)
	@sh tests/run_unit.sh $(UNIT_BINS)
	$(MAKE) MPI=1 BUILD=$(BUILD)-mpi $(BUILD)-mpi/sweep
	ASAN_OPTIONS=detect_leaks=1 SWEEP_SANITIZED=1 SWEEP_BIN=$(BUILD)/sweep SWEEP_MPI_BIN=$(BUILD)-mpi/sweep SWEEP_MPI_NO_LEAK_CHECK=1 \
	    $(PYTHON) -m pytest -q tests

$(BUILD)/sweep: $(OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# libFuzzer targets for the spec parser and the CSV loader (clang), FUZZ_SECONDS each. New
# corpus entries go to build/fuzz/; a crash leaves its input in build/fuzz/ as crash-*: copy
# it to tests/fuzz/regressions/<target>/ so the unit tests replay it for ever.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_FLAGS   := -std=c11 -D_GNU_SOURCE -g -O1 -iquote include -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=undefined $(shell pkg-config --cflags yaml-0.1)
FUZZ_LIBSRC  := src/axis.c src/spec.c src/spec_msg.c src/spec_data.c src/spec_grid.c src/spec_axes.c \
                src/spec_search.c src/override.c src/csv.c src/task.c src/data.c src/data_builtin.c src/rng.c \
                src/sweep.c src/mlp.c src/mlp_portable.c src/mlp_avx2.c src/mlp_ref.c src/optim.c

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIBSRC) $(BUILTIN_CSVS) $(wildcard include/*.h)
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_LIBSRC) $(shell pkg-config --libs yaml-0.1) -lm

fuzz: build/fuzz/fuzz_spec build/fuzz/fuzz_csv
	@for t in spec csv; do \
	    mkdir -p build/fuzz/corpus-$$t tests/fuzz/regressions/$$t; \
	    echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; \
	    build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=build/fuzz/ \
	        build/fuzz/corpus-$$t tests/fuzz/seeds/$$t tests/fuzz/regressions/$$t 2>&1 | \
	        grep -E "^(stat::|==|INFO: Done|#[0-9]+ *DONE)|ERROR|SUMMARY" || exit 1; \
	done

# The results-file readers (tests/fuzz/fuzz_results.c) need HDF5 and most of the program, so
# they have their own rule: every source but main.c, with clang and the fuzzer's sanitizers.
# HDF5 1.10 crashes and loops on some damaged files, so scripts/fuzz_results.py runs it in fork
# mode for FUZZ_SECONDS and sorts what it finds into sweep's bugs and HDF5's.
FUZZ_RESULTS_SRC := $(filter-out src/main.c,$(wildcard src/*.c))
build/fuzz/fuzz_results: tests/fuzz/fuzz_results.c $(FUZZ_RESULTS_SRC) $(wildcard include/*.h)
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) -fopenmp $(shell pkg-config --cflags hdf5) -o $@ $< $(FUZZ_RESULTS_SRC) $(LDLIBS)

.PHONY: fuzz-results
fuzz: fuzz-results
fuzz-results: build/fuzz/fuzz_results
	FUZZ_SECONDS=$(FUZZ_SECONDS) $(PYTHON) scripts/fuzz_results.py

# Installed like a Unix tool: the binary (it needs no other file: the built-in data set is in
# it), the man page and the bash completion, under DESTDIR/PREFIX. INSTALL_BIN: the binary to
# install (the tests install the one they test).
PREFIX      ?= /usr/local
DESTDIR     ?=
INSTALL_BIN ?= sweep
BINDIR      := $(DESTDIR)$(PREFIX)/bin
MAN1DIR     := $(DESTDIR)$(PREFIX)/share/man/man1
COMPDIR     := $(DESTDIR)$(PREFIX)/share/bash-completion/completions

install: $(INSTALL_BIN)
	install -d $(BINDIR) $(MAN1DIR) $(COMPDIR)
	install -m 755 $(INSTALL_BIN) $(BINDIR)/sweep
	install -m 644 docs/sweep.1 $(MAN1DIR)/sweep.1
	install -m 644 completion/sweep.bash $(COMPDIR)/sweep

uninstall:
	rm -f $(BINDIR)/sweep $(MAN1DIR)/sweep.1 $(COMPDIR)/sweep

clean:
	rm -rf build sweep

-include $(OBJS:.o=.d) $(UNIT_BINS:=.d)

# The README's quick start: build, then run the default sweep into results/grid.h5.
results/grid.h5: sweep experiments/grid.yaml
	./sweep --force experiments/grid.yaml
