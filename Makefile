# mpstack - the README's two commands and a few helpers.
#
#   make run     install missing Debian packages (as root), build, run the forwarding lesson's
#                compare: block (mpstack compare)
#   make test    the same set-up, then the whole test suite: once in a normal build and once
#                under AddressSanitizer + UndefinedBehaviorSanitizer; warnings are errors
#   make lessons run every lesson's compare: block with seeds 1 2 3 into a fresh
#                results/lessons.sqlite, then write the report: results/report.html,
#                results/report.md, results/figures/
#   make bench   the performance benchmarks (docs/performance.md)
#   make docs    regenerate docs/parameters.md from the parameter tables

BUILD ?= build
ASAN  ?= build/asan
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
DEFAULT_SCENARIO ?= scenarios/lessons/forwarding.yaml
# Debian's Python, which has python3-matplotlib (a python3 earlier on PATH may not)
PYTHON ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
LESSONS ?= forwarding forwarding-handoff forwarding-threads forwarding-scaling forwarding-livelock
LESSONS_DB ?= results/lessons.sqlite
LESSON_SEEDS ?= 1 2 3

.PHONY: all deps build asan run test bench docs clean lessons

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

lessons: build
	rm -f $(LESSONS_DB) $(LESSONS_DB)-wal $(LESSONS_DB)-shm
	for seed in $(LESSON_SEEDS); do for l in $(LESSONS); do \
	    $(BUILD)/mpstack compare scenarios/lessons/$$l.yaml --seed $$seed --db $(LESSONS_DB) --quiet || exit 1; \
	done; done
	$(PYTHON) -m analysis report --db $(LESSONS_DB) --out results

test: build asan
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	ctest --test-dir $(ASAN) --output-on-failure -j $(JOBS)

bench: build
	sh bench/run.sh $(BUILD)

docs: build
	$(BUILD)/mpstack params --markdown > docs/parameters.md

clean:
	rm -rf $(BUILD)
