# mk/png.mk - libpng, for `tconv upsample` (tools/pngfile.c) and the upsample suite, which
# writes its own PNGs. Probed like CUnit: installed with apt-get when running as root,
# otherwise the build stops and prints the command (mk/deps.mk). The probe line comes after
# the main Makefile's (probe-png runs after probe).

PNG_HEADER ?= /usr/include/png.h
PNG_DEB := libpng-dev
CLI_LDLIBS += -lpng

# Every object that includes <png.h>; they wait for the install step (order-only: the
# install does not make them out of date).
PNG_OBJ := $(BUILD)/obj/tools/pngfile.o $(BUILD)/obj/tests/test_upsample.o
$(PNG_OBJ): | deps-png

.PHONY: probe-png deps-png
all test: probe-png

probe-png: probe
	@if [ -f "$(PNG_HEADER)" ]; then echo "  ✓ libpng: $(PNG_HEADER)"; \
	 else echo "  ✗ libpng not found (needed by the CLI's upsample: $(PNG_DEB))"; fi

deps-png: probe-png
	@$(call deps_ensure,[ -f "$(PNG_HEADER)" ],$(PNG_DEB),libpng (the CLI's upsample))
