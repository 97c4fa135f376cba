# mk/format.mk - `make format-check`: whether the C, C++ and CUDA sources are laid out as the
# repository's .clang-format says, by clang-format 14 (other versions lay some constructs out
# differently, so the version is part of the rule). Changes nothing; fails listing the files
# clang-format would change (`clang-format -i FILE` formats one). CLANG_FORMAT= names another
# clang-format 14 binary; as root with apt-get, clang-format-14 is installed when missing
# (mk/deps.mk).

CLANG_FORMAT ?= clang-format-14
FORMAT_SRC := $(sort $(wildcard include/*.h host/*.c host/*.h cuda/*.cu cuda/*.cuh cuda/*.h \
  tools/*.c tools/*.h tests/*.c tests/*.h tests/*.cpp tests/*.cu tests/fuzz/*.c bench/*.c \
  bench/*.h examples/*.c))
FORMAT_VERSION_CHECK = $(CLANG_FORMAT) --version 2>/dev/null | grep -q 'version 14\.'

.PHONY: format-check

format-check:
	@$(call deps_ensure,$(FORMAT_VERSION_CHECK),clang-format-14,clang-format 14 ($(CLANG_FORMAT)))
	@changed=""; \
	 for f in $(FORMAT_SRC); do \
	   $(CLANG_FORMAT) --style=file "$$f" | cmp -s - "$$f" || changed="$$changed $$f"; \
	 done; \
	 if [ -n "$$changed" ]; then \
	   echo "format-check: clang-format 14 would change $$(echo $$changed | wc -w) of" \
	        "$(words $(FORMAT_SRC)) files:"; \
	   printf '  %s\n' $$changed; \
	   exit 1; \
	 fi; \
	 echo "format-check: all $(words $(FORMAT_SRC)) files are formatted as .clang-format says"
