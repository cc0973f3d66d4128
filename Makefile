# The README's commands. CMake presets do the real work; see CMakePresets.json.
.PHONY: all setup build dev test unit integration demo bench fuzz clean

all: build

setup:
	@bash scripts/setup

# Release binary at build/release/inferbench.
build: setup
	@cmake --preset release >/dev/null
	@cmake --build --preset release

# Debug + ASan/UBSan build used by the tests.
dev: setup
	@cmake --preset dev >/dev/null
	@cmake --build --preset dev

test: dev
	@ctest --preset dev -L 'unit|integration' --timeout 900 -j2

unit: dev
	@ctest --preset dev -L unit -j2

integration: dev
	@ctest --preset dev -L integration

demo: build
	@bash scripts/demo

bench: build
	@bash scripts/bench

fuzz:
	@bash fuzz/run.sh 30

clean:
	rm -rf build
