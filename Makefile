# mpstack - the README's two commands and a few helpers.
#
#   make run     install missing Debian packages (as root), build, run the default scenario
#   make test    the same set-up, then the whole test suite: once in a normal build and once
#                under AddressSanitizer + UndefinedBehaviorSanitizer; warnings are errors
#   make bench   the performance benchmarks (docs/performance.md)
#   make docs    regenerate docs/parameters.md from the parameter tables

BUILD ?= build
ASAN  ?= build/asan
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
DEFAULT_SCENARIO ?= scenarios/lessons/forwarding.yaml

.PHONY: all deps build asan run test bench docs clean

all: build

deps:
	@sh scripts/deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DMPSTACK_WERROR=ON
	cmake --build $(BUILD) -j $(JOBS)

asan: deps
	cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Release -DMPSTACK_WERROR=ON -DMPSTACK_SANITIZE=ON
	cmake --build $(ASAN) -j $(JOBS)

run: build
	$(BUILD)/mpstack compare $(DEFAULT_SCENARIO)

test: build asan
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	ctest --test-dir $(ASAN) --output-on-failure -j $(JOBS)

bench: build
	sh bench/run.sh $(BUILD)

docs: build
	$(BUILD)/mpstack params --markdown > docs/parameters.md

clean:
	rm -rf $(BUILD)
