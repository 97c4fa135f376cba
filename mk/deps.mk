# mk/deps.mk - how the build gets the Debian packages a target needs, written once.
#
#   $(call deps_ensure,<check>,<packages>,<what>[,<hint>])
#
# is a recipe line. When the shell command <check> fails: run as root where apt-get exists,
# it installs <packages> (running apt-get update first only when the plain install fails)
# and runs <check> again; otherwise it prints the command to run ("<what> is missing.
# Install it with:  sudo apt-get install -y <packages>"). Either way it stops when <check>
# still fails, and runs <hint> (shell commands: another way to get it, a log to show).
# Arguments must not contain a comma (pass one through a variable). Used by deps-test
# (Makefile: CUnit and pkg-config for make test), deps-png (libpng for the CLI, so make demo
# too), deps-valgrind (make check) and deps-fuzz (libFuzzer for make fuzz): the README
# promises that make demo and make test on a fresh machine install what they need as root.

deps_ensure = if ! $(1); then \
  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
    echo "installing $(strip $(2)) ($(3)) with apt-get"; \
    (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null 2>&1 || \
     (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2))) || \
      exit 1; \
    $(1) || { $(if $(4),$(4);) echo "$(3) is still missing after installing $(strip $(2))"; \
      exit 1; }; \
  else \
    echo "$(3) is missing. Install it with:  sudo apt-get install -y $(strip $(2))"; \
    $(if $(4),$(4);) exit 1; \
  fi; \
fi
