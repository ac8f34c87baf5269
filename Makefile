# Thin wrapper over CMake presets for the two commands in the README.
#   make run    install packages, build (Release) and start `satchel serve`
#   make test   install packages, build and run every test
BUILD_DIR := build/release
SATCHEL := $(BUILD_DIR)/src/cli/satchel
SERVE_ARGS ?=

.PHONY: run test build deps test-deps clean

run: deps build
	$(SATCHEL) serve $(SERVE_ARGS)

test: test-deps build
	ctest --preset release

build:
	cmake --preset release
	cmake --build --preset release

deps:
	scripts/install-deps

test-deps:
	scripts/install-deps --test

clean:
	rm -rf build
