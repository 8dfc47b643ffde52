# strata: the two commands a new user needs are `make demo` and `make test`.
# This file only drives meson and ninja; see docs/building.md.

PREFIX ?= /usr/local
RELEASE := build/release
ASAN := build/asan
FUZZ := build/fuzz
STRATA := $(RELEASE)/cli/strata
MESON_TEST_ARGS ?=

.PHONY: all build deps demo test bench install clean

all: build

deps:
	@scripts/deps.sh

$(RELEASE)/build.ninja:
	meson setup $(RELEASE) --buildtype=release

$(ASAN)/build.ninja:
	meson setup $(ASAN) --buildtype=debug -Db_sanitize=address,undefined \
		-Dc_args='-fno-omit-frame-pointer -fno-sanitize-recover=undefined'

$(FUZZ)/build.ninja:
	CC=clang meson setup $(FUZZ) --buildtype=debugoptimized -Dtests=false -Dfuzz=true \
		-Db_sanitize=address,undefined -Db_lundef=false -Dc_args='-fno-sanitize-recover=undefined'

build: deps $(RELEASE)/build.ninja
	ninja -C $(RELEASE)

demo: build
	@scripts/demo.sh $(STRATA)

# The suite runs on the sanitizer build; the release build is compiled too so
# that warnings only the optimiser finds fail the run as well. The clang tree
# runs the libFuzzer targets.
test: build $(ASAN)/build.ninja $(FUZZ)/build.ninja
	ninja -C $(ASAN)
	ninja -C $(FUZZ)
	@tests/run-all $(ASAN) $(FUZZ) -- $(MESON_TEST_ARGS)

bench: build
	@bench/run $(RELEASE)

install: build
	meson configure $(RELEASE) -Dprefix=$(abspath $(PREFIX))
	meson install -C $(RELEASE) $(if $(DESTDIR),--destdir $(DESTDIR))

clean:
	rm -rf build
