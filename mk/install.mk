# install.mk - `make install` / `make uninstall` (PREFIX, DESTDIR), the pkg-config file
# generated from tconv.pc.in, `make examples`, and `make print-ldlibs` (the flags a program
# linking libtconv.a needs; the examples suite reads them).
#
# The shared library is installed as libtconv.so.MAJOR.MINOR.PATCH (its soname is
# libtconv.so.MAJOR, set where it is linked) with the symlinks libtconv.so.MAJOR (for the
# loader) and libtconv.so (for -ltconv). The version comes from include/tconv.h via VERSION.

INCLUDEDIR ?= $(PREFIX)/include
LIBDIR ?= $(PREFIX)/lib
BINDIR ?= $(PREFIX)/bin
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
INSTALL ?= install

# A relative directory would end up in tconv.pc and mean something else to every user.
ifneq ($(filter install uninstall,$(MAKECMDGOALS)),)
ifneq ($(filter /%,$(PREFIX) $(INCLUDEDIR) $(LIBDIR) $(BINDIR) $(PKGCONFIGDIR)),$(strip \
        $(PREFIX) $(INCLUDEDIR) $(LIBDIR) $(BINDIR) $(PKGCONFIGDIR)))
$(error PREFIX, INCLUDEDIR, LIBDIR, BINDIR and PKGCONFIGDIR must be absolute paths \
        (PREFIX is '$(PREFIX)'); DESTDIR is the variable for staging directories)
endif
endif

SO_NAME_MAJOR := libtconv.so.$(VERSION_MAJOR)
SO_NAME_FULL := libtconv.so.$(VERSION)

# Directories under PREFIX are written relative to ${prefix}, so that `pkg-config
# --define-prefix` can relocate an installed tree.
pc_dir = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))
PC_SED := -e '/^\#/d' -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' \
          -e 's|@INCLUDEDIR@|$(call pc_dir,$(INCLUDEDIR))|' \
          -e 's|@LIBDIR@|$(call pc_dir,$(LIBDIR))|' -e 's|@LIBS_PRIVATE@|$(strip $(LDLIBS_LIB))|'

EXAMPLE_SRC := $(wildcard examples/*.c)
EXAMPLE_BIN := $(EXAMPLE_SRC:examples/%.c=$(BUILD)/bin/example-%)

.PHONY: install uninstall examples print-ldlibs

# The build directory holds the same three names ($(LIB_SO) and its versioned file).
install: $(LIB_A) $(LIB_SO) $(CLI)
	$(INSTALL) -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(BINDIR) \
	  $(DESTDIR)$(PKGCONFIGDIR)
	$(INSTALL) -m 644 include/tconv.h $(DESTDIR)$(INCLUDEDIR)/tconv.h
	$(INSTALL) -m 644 $(LIB_A) $(DESTDIR)$(LIBDIR)/libtconv.a
	$(INSTALL) -m 755 $(LIB_SO).$(VERSION) $(DESTDIR)$(LIBDIR)/$(SO_NAME_FULL)
	ln -sfn $(SO_NAME_FULL) $(DESTDIR)$(LIBDIR)/$(SO_NAME_MAJOR)
	ln -sfn $(SO_NAME_MAJOR) $(DESTDIR)$(LIBDIR)/libtconv.so
	$(INSTALL) -m 755 $(CLI) $(DESTDIR)$(BINDIR)/tconv
	sed $(PC_SED) tconv.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/tconv.pc
	@echo "installed tconv $(VERSION) under $(DESTDIR)$(PREFIX)"

# Directories are left in place: they may hold other packages' files.
uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/tconv.h $(DESTDIR)$(LIBDIR)/libtconv.a \
	  $(DESTDIR)$(LIBDIR)/libtconv.so $(DESTDIR)$(LIBDIR)/$(SO_NAME_MAJOR) \
	  $(DESTDIR)$(LIBDIR)/$(SO_NAME_FULL) $(DESTDIR)$(BINDIR)/tconv \
	  $(DESTDIR)$(PKGCONFIGDIR)/tconv.pc

# Examples are compiled as a user would compile them: the public header only, strict
# warnings, linked with the static library and the flags tconv.pc lists as private.
examples: $(EXAMPLE_BIN)

$(BUILD)/bin/example-%: examples/%.c $(LIB_A) include/tconv.h
	@mkdir -p $(@D)
	$(CC) -std=c11 $(WARN) -Werror $(CFLAGS) -Iinclude -o $@ $< $(LIB_A) $(LDLIBS_LIB)

print-ldlibs:
	@echo $(LDLIBS_LIB)

# The examples suite installs into a temporary prefix and builds the examples by running make
# again. These make that child reuse what this run built (the same BUILD and NVCC) and find
# the shared library and the examples already there, so it rebuilds nothing.
test: $(LIB_SO) examples
test: export TCONV_TEST_BUILD := $(BUILD)
test: export TCONV_TEST_NVCC := $(NVCC)
test: export TCONV_TEST_CC := $(CC)
