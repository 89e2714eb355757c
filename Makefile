# The README's two commands: `make demo` and `make test`.
CARGO   ?= cargo
PREFIX  ?= /usr/local
DESTDIR ?=
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
MINOR   := $(word 2,$(subst ., ,$(VERSION)))
SONAME  := libsigv4rs.so.0.$(MINOR)
# From `cargo rustc --release --lib --crate-type staticlib -- --print native-static-libs`.
NATIVE_LIBS := -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
STAGE   := $(CURDIR)/target/stage

.PHONY: all build demo test test-steps setup lint rust-test c-test c-memcheck fuzz-smoke miri tsan go-test ruby-test python-test cpp-test creds-test interop install-check install-test abi-baseline header install uninstall clean bench embedded-test

all: build

build:
	$(CARGO) build --release
	@# Cargo writes libsigv4rs.so only; programs linked against it ask for the SONAME.
	ln -sf libsigv4rs.so target/release/$(SONAME)

demo: build
	@$(MAKE) --no-print-directory -C bindings/c demo

# Every test of every language; installs what a fresh machine lacks first.
test:
	@start=$$(date +%s); $(MAKE) --no-print-directory test-steps && \
	  echo "make test: all passed in $$(( $$(date +%s) - start )) s"

test-steps: setup lint rust-test c-test c-memcheck fuzz-smoke miri go-test ruby-test python-test \
            cpp-test creds-test interop install-check install-test embedded-test

# Debian packages (as root; otherwise it names them and stops).
setup:
	bash tests/tools/setup.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings
	# Firmware builds compile code hosted builds do not (the no_std boundary).
	$(CARGO) clippy --no-default-features -- -D warnings
	$(CARGO) clippy --no-default-features --features sigv4a,s3express,extra-checksums -- -D warnings
	# src/sign/ imports one way (no module cycle) and exports through mod.rs.
	python3 tests/tools/modgraph.py src/sign
	# The core must build as no_std without alloc.
	$(CARGO) build --no-default-features

# Test binaries use the `test-fast` profile (optimized, no fat LTO, with
# overflow checks); the shipped libraries from `build` keep LTO.
rust-test: build
	$(CARGO) test --profile test-fast -- --nocapture

c-test: build
	@$(MAKE) --no-print-directory -C bindings/c test

# ASan/UBSan builds and valgrind runs of the offline C programs.
c-memcheck: build
	@$(MAKE) --no-print-directory -C bindings/c sanitize valgrind

# A bounded fuzzing pass: every fuzz target for 20 s, two at a time
# (fuzz/README.md; cargo-fuzz and the nightly toolchain).
fuzz-smoke:
	bash fuzz/smoke.sh

# The C ABI's unsafe code under Miri (nightly + the miri component, added
# with rustup when missing).
miri:
	tests/tools/miri.sh

# tests/threads.rs under ThreadSanitizer (nightly + rust-src; ~3 min the first time).
tsan:
	tests/tools/tsan.sh

go-test: build
	@$(MAKE) --no-print-directory -C bindings/go test

ruby-test: build
	@$(MAKE) --no-print-directory -C bindings/ruby test

python-test: build
	@$(MAKE) --no-print-directory -C bindings/python test

# Credential sources against botocore, loopback fakes and moto; rotation and
# refresh under threads (issue 13). One summary line.
creds-test: build
	bash tests/creds/run_all.sh

# Real verifiers (s3s-fs, moto) on loopback, every language's client; the
# servers are installed once into ~/.cache/sigv4rs-interop (about 3 minutes).
interop: build
	python3 tests/interop/run.py

# The C++17 wrapper (include/sigv4rs.hpp): suite and unit tests, under
# ASan/UBSan and valgrind.
cpp-test: build
	@$(MAKE) --no-print-directory -C bindings/cpp test sanitize valgrind

# Installed the way each ecosystem installs (issue 14): wheel, gem, Go module,
# CMake package (C and C++), ABI baseline. One summary line.
install-test: build
	bash tests/install/run_all.sh

# Record the C ABI in abi/sigv4rs.abi (after a compatible addition, or
# after a version bump that changed the SONAME; tests/abi_baseline.rs).
abi-baseline:
	SIGV4RS_BLESS_ABI=1 $(CARGO) test --profile test-fast --test abi_baseline -- --nocapture

# Install into a staging prefix and build the quick start through pkg-config.
install-check: build
	rm -rf $(STAGE)
	@$(MAKE) --no-print-directory install PREFIX=$(STAGE)
	cc -std=c99 -Wall -Wextra -Wpedantic -Werror bindings/c/examples/quickstart.c \
	  $$(PKG_CONFIG_PATH=$(STAGE)/lib/pkgconfig pkg-config --cflags --libs sigv4rs) \
	  -Wl,-rpath,$(STAGE)/lib -o $(STAGE)/quickstart
	$(STAGE)/quickstart > /dev/null
	readelf -d $(STAGE)/quickstart | grep -q 'NEEDED.*$(SONAME)'
	@echo "install-check: ok ($(SONAME))"

# Firmware: no_std build for Cortex-M3/M4F, run under QEMU (embedded/README.md).
# The toolchains are unpacked into /opt once (about 4-6 minutes, needs root).
embedded-test:
	@$(MAKE) --no-print-directory -C embedded test

# Benchmarks (bench/WORKLOADS.md): table on stdout, target/bench/summary.json,
# then each binding's bench and the binding overhead line (bench/overhead.py).
bench: build
	$(CARGO) bench --bench sign
	python3 bench/overhead.py

# Regenerate include/sigv4rs.h and the bindings' ABI tables after changing
# the C ABI (the writing test alone first: the others read the header).
header:
	SIGV4RS_BLESS=1 $(CARGO) test --profile test-fast --test header -- committed_header_and_tables_are_current
	$(CARGO) test --profile test-fast --test header

install: build
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	  $(DESTDIR)$(PREFIX)/lib/cmake/sigv4rs
	install -m 644 include/sigv4rs.h $(wildcard include/sigv4rs.hpp) $(DESTDIR)$(PREFIX)/include/
	install -m 644 target/release/libsigv4rs.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 target/release/libsigv4rs.so $(DESTDIR)$(PREFIX)/lib/libsigv4rs.so.$(VERSION)
	ln -sf libsigv4rs.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(PREFIX)/lib/libsigv4rs.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' -e 's|@NATIVE_LIBS@|$(NATIVE_LIBS)|' \
	  sigv4rs.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/sigv4rs.pc
	@# CMake package (cmake/): relocatable, so no prefix; the pointer size from the ELF class.
	for f in sigv4rsConfig sigv4rsConfigVersion; do \
	  sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@MINOR@|$(MINOR)|g' -e 's|@SONAME@|$(SONAME)|g' \
	    -e 's|@NATIVE_LIBS@|$(NATIVE_LIBS)|g' \
	    -e "s|@SIZEOF_VOID_P@|$$(( $$(od -An -tu1 -j4 -N1 target/release/libsigv4rs.so) * 4 ))|g" \
	    cmake/$$f.cmake.in > $(DESTDIR)$(PREFIX)/lib/cmake/sigv4rs/$$f.cmake || exit 1; \
	done

# Exactly what `install` put (other versions' runtime files stay), and the
# CMake directories if that leaves them empty.
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/include/sigv4rs.h $(DESTDIR)$(PREFIX)/include/sigv4rs.hpp \
	  $(DESTDIR)$(PREFIX)/lib/libsigv4rs.a $(DESTDIR)$(PREFIX)/lib/libsigv4rs.so \
	  $(DESTDIR)$(PREFIX)/lib/$(SONAME) $(DESTDIR)$(PREFIX)/lib/libsigv4rs.so.$(VERSION) \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig/sigv4rs.pc \
	  $(DESTDIR)$(PREFIX)/lib/cmake/sigv4rs/sigv4rsConfig.cmake \
	  $(DESTDIR)$(PREFIX)/lib/cmake/sigv4rs/sigv4rsConfigVersion.cmake
	rmdir $(DESTDIR)$(PREFIX)/lib/cmake/sigv4rs $(DESTDIR)$(PREFIX)/lib/cmake 2>/dev/null || true

clean:
	$(CARGO) clean
	@$(MAKE) --no-print-directory -C bindings/c clean
