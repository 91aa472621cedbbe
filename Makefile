# protocold — see README.md. `make run` and `make test` are all the set-up a fresh
# Debian 12 machine needs.

CC       ?= cc
PKGS     := libevent sqlite3 libsystemd inih jansson libpq
BUILD    ?= build
SAN      ?=
OPT      ?= -O2

# Debian packages: what the build needs, then what the tests need (postgresql-15: the
# throw-away server tests/run.sh starts for the tests on PostgreSQL; python3-psycopg2:
# the torture tests' checks of its tables; mandoc, python3-jsonschema, bash-completion,
# zsh, prometheus (promtool), debhelper, lintian: the checks of tests/tools/; chromium and
# libjs-chart.js: the page's browser test).
DEB_BUILD := gcc make pkg-config libevent-dev libsqlite3-dev libsystemd-dev \
             libinih-dev libjansson-dev libpq-dev tzdata
# curl and jq: the README's tour, after `make run` alone.
DEB_RUN   := curl jq
DEB_TEST  := libcmocka-dev sqlite3 procps python3 systemd clang libclang-rt-14-dev \
             time util-linux postgresql-15 python3-psycopg2 mandoc python3-yaml \
             python3-jsonschema bash-completion zsh prometheus debhelper dpkg-dev fakeroot \
             lintian chromium libjs-chart.js

# The daemon's wings (doc/design.md): what each may include is checked by
# tests/layers.sh. Headers are found by name, whatever their wing.
WINGS    := core store web app
IQUOTE   := -iquote common $(foreach w,$(WINGS),-iquote daemon/$(w))

# The flags the code needs are ours and always added (PD_*); CFLAGS, CPPFLAGS and
# LDFLAGS are the builder's: from the command line, the environment (dpkg-buildflags
# under dpkg-buildpackage), or else Debian's hardening flags (dpkg-buildflags with
# hardening=+all; without dpkg-dev, their equivalents). The ASan+UBSan build gets no
# hardening defaults: _FORTIFY_SOURCE's checked functions hide calls from ASan.
PD_CPPFLAGS := -D_GNU_SOURCE $(IQUOTE)
PD_CFLAGS   := -std=c17 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
               -Wmissing-prototypes -Wno-unused-parameter
ifeq ($(SAN),)
buildflag    = $(shell DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get $(1) \
               2>/dev/null)
HARDEN_CFLAGS   := $(filter-out -O% -g,$(call buildflag,CFLAGS))
# (not with -O0: glibc then warns that _FORTIFY_SOURCE needs optimisation, and -Werror)
HARDEN_CPPFLAGS := $(if $(filter -O0,$(OPT)),,$(call buildflag,CPPFLAGS))
HARDEN_LDFLAGS  := $(call buildflag,LDFLAGS)
ifeq ($(HARDEN_LDFLAGS),)
HARDEN_CFLAGS   := -fstack-protector-strong -fPIE -Wformat -Werror=format-security
HARDEN_CPPFLAGS := $(if $(filter -O0,$(OPT)),,-D_FORTIFY_SOURCE=2)
HARDEN_LDFLAGS  := -pie -Wl,-z,relro -Wl,-z,now
endif
else
PD_CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer \
               -fno-sanitize-recover=undefined
PD_LDFLAGS  := -fsanitize=address,undefined
endif
CFLAGS   ?= $(OPT) -g $(HARDEN_CFLAGS)
CPPFLAGS ?= $(HARDEN_CPPFLAGS)
LDFLAGS  ?= $(HARDEN_LDFLAGS)
# A compile and a link: ours first, so that the builder's flags can add to them.
COMPILE = $(CC) $(PD_CPPFLAGS) $(CPPFLAGS) $(PD_CFLAGS) $(CFLAGS) $(PKG_CFLAGS)
LINK    = $(CC) $(CFLAGS) $(PD_LDFLAGS) $(LDFLAGS)

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null)

COMMON_SRCS := $(wildcard common/*.c)
CTL_SRCS    := $(wildcard ctl/*.c)
UNIT_SRCS   := $(wildcard tests/unit/test_*.c)
# A wing's sources; the app's without main.c (the HTTP fuzzer starts the daemon too).
wing_srcs    = $(filter-out daemon/app/main.c,$(wildcard daemon/$(1)/*.c))
DAEMON_SRCS := $(foreach w,$(WINGS),$(call wing_srcs,$(w)))

OBJ := $(BUILD)/obj
# The built-in rulebook (doc/rules.md): conf/rules/casas-bahia.ini as a C string.
BUILTIN     := $(BUILD)/gen/builtin.c
COMMON_OBJS := $(COMMON_SRCS:%.c=$(OBJ)/%.o) $(BUILTIN:%.c=$(OBJ)/%.o)
# The operator's page (protocold(8), THE PAGE): daemon/web/ui/'s files as C strings,
# linked into the web wing, so the daemon needs no installed file for its own page.
UI_FILES    := daemon/web/ui/index.html daemon/web/ui/app.js daemon/web/ui/app.css
UI_GEN      := $(BUILD)/gen/ui.c
DAEMON_OBJS := $(DAEMON_SRCS:%.c=$(OBJ)/%.o)
CTL_OBJS    := $(CTL_SRCS:%.c=$(OBJ)/%.o)
UNIT_BINS   := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
LIBC        := $(BUILD)/libcommon.a
# One library per wing, linked in layer order: a wing's unit tests link only the wings
# below it, so a test of the core cannot lean on SQLite or HTTP.
LIB_core    := $(BUILD)/libcore.a
LIB_store   := $(BUILD)/libstore.a
LIB_web     := $(BUILD)/libweb.a
LIB_app     := $(BUILD)/libapp.a
LIBD        := $(LIB_app) $(LIB_web) $(LIB_store) $(LIB_core)

$(foreach w,$(WINGS),$(eval $(LIB_$(w)): $(patsubst %.c,$(OBJ)/%.o,$(call wing_srcs,$(w)))))
$(LIB_web): $(UI_GEN:%.c=$(OBJ)/%.o)
$(LIB_core) $(LIB_store) $(LIB_web) $(LIB_app):
	@rm -f $@
	ar rcs $@ $^

.PHONY: all deps run run-cluster test check unit e2e san clean bench
.DEFAULT_GOAL := all

all: $(BUILD)/protocold $(BUILD)/protocolctl

$(OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(COMPILE) -MMD -MP -c -o $@ $<

$(BUILTIN): conf/rules/casas-bahia.ini
	@mkdir -p $(dir $@)
	{ echo '/* Generated from $< by the Makefile: do not edit. */'; \
	  echo '#include "rulebook.h"'; echo 'const char rulebook_builtin_text[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $<; \
	  echo ';'; } > $@

# ui_string FILE NAME: FILE as the C string NAME (each line a literal, so no limit bites).
ui_string = echo 'const char $(2)[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/?/\\?/g' -e 's/$$/\\n"/' $(1); echo ';';
$(UI_GEN): $(UI_FILES)
	@mkdir -p $(dir $@)
	{ echo '/* Generated from daemon/web/ui/ by the Makefile: do not edit. */'; \
	  echo '#include "page.h"'; \
	  $(call ui_string,daemon/web/ui/index.html,page_index_html) \
	  $(call ui_string,daemon/web/ui/app.js,page_app_js) \
	  $(call ui_string,daemon/web/ui/app.css,page_app_css) } > $@

$(LIBC): $(COMMON_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/protocold: $(OBJ)/daemon/app/main.o $(LIBD) $(LIBC)
	$(LINK) -o $@ $^ $(PKG_LIBS) -lm

$(BUILD)/protocolctl: $(CTL_OBJS) $(LIBC)
	$(LINK) -o $@ $^ $(PKG_LIBS) -lm

# Unit tests: tests/unit/test_M.c tests module M. A test of common/ links common/; of a
# wing, that wing and those below it, with that wing's fixtures (the core's: an
# in-memory store, tests/unit/fakestore.c, the web's too; the store's: tests/unit/storefx.c).
UNIT_HELPERS := $(OBJ)/tests/unit/tmpdir.o
unit_mod      = $(patsubst test_%,%,$(basename $(notdir $(1))))
unit_wing     = $(firstword $(foreach w,$(WINGS),$(if $(wildcard daemon/$(w)/$(call unit_mod,$(1)).c),$(w))))
UNIT_LIBS_core  := $(OBJ)/tests/unit/fakestore.o $(LIB_core)
UNIT_LIBS_store := $(OBJ)/tests/unit/storefx.o $(LIB_store) $(LIB_core)
UNIT_LIBS_web   := $(OBJ)/tests/unit/fakestore.o $(LIB_web) $(LIB_core)
UNIT_LIBS_app   := $(LIBD)
$(foreach t,$(UNIT_SRCS),$(eval $(BUILD)/tests/$(basename $(notdir $(t))): \
    $(OBJ)/tests/unit/$(basename $(notdir $(t))).o $(UNIT_HELPERS) \
    $(UNIT_LIBS_$(call unit_wing,$(t))) $(LIBC)))
$(UNIT_BINS):
	@mkdir -p $(dir $@)
	$(LINK) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS) -lm

-include $(shell find $(OBJ) -name '*.d' 2>/dev/null)

# Installs the Debian packages that are missing (sudo when not root).
deps:
	@sh tests/deps.sh $(DEB_BUILD) $(DEB_RUN)

deps-test:
	@sh tests/deps.sh $(DEB_BUILD) $(DEB_RUN) $(DEB_TEST)

# The demo: protocold in the foreground on conf/demo.ini, database and socket in run/,
# with the test clock so the README's tour can move time.
run: deps
	@$(MAKE) --no-print-directory all
	@mkdir -p run
	@echo "protocold: socket $(CURDIR)/run/protocold.sock (Ctrl-C stops it)"
	$(BUILD)/protocold -c conf/demo.ini --test-clock

# Two instances on a local PostgreSQL (doc/cluster.md): kill one, watch the other take
# over. The server is a throw-away one in a temp directory (tests/pgtmp.sh).
run-cluster: deps-test
	@$(MAKE) --no-print-directory all
	@sh tests/runcluster.sh

unit: $(UNIT_BINS)
e2e: all

# Every test against the normal build, then against the ASan+UBSan build; with the
# normal build, the end-to-end suite and the store's torture on PostgreSQL too (a
# throw-away server that tests/run.sh starts and stops: tests/pgtmp.sh).
test: deps-test
	@$(MAKE) --no-print-directory all unit
	@$(MAKE) --no-print-directory BUILD=build/san SAN=1 OPT=-O1 all unit
	@$(MAKE) --no-print-directory fuzz
	@sh tests/run.sh build build/san

# Tests against one existing build, without the set-up.
check: all unit
	@sh tests/run.sh $(BUILD)

# The benchmarks of issue 5 (not part of test): tools in $(BUILD)/bench, then
# tests/bench/run.sh writes tests/bench/RESULTS.md. `make bench QUICK=1`: the short run.
# benchtpl.c is not a tool: benchdb and the ceiling read the bench's template with it.
BENCH_BINS := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(filter-out \
    tests/bench/benchtpl.c,$(wildcard tests/bench/*.c)))
BENCH_TPL := tests/bench/benchtpl.c tests/bench/benchtpl.h
BENCH_ALONE := $(filter-out $(BUILD)/bench/ceiling $(BUILD)/bench/benchdb,$(BENCH_BINS))
$(BENCH_ALONE): $(BUILD)/bench/%: tests/bench/%.c daemon/core/sched.h daemon/core/proto.h \
    daemon/store/sqlite.h
	@mkdir -p $(dir $@)
	$(COMPILE) $(PD_LDFLAGS) $(LDFLAGS) -o $@ $< $(PKG_LIBS) -lm
$(BUILD)/bench/benchdb: tests/bench/benchdb.c $(BENCH_TPL) daemon/core/proto.h
	@mkdir -p $(dir $@)
	$(COMPILE) $(PD_LDFLAGS) $(LDFLAGS) -o $@ $< tests/bench/benchtpl.c $(PKG_LIBS) -lm
# The ceiling checkpoints as the daemon does (daemon/store/ckpt.c).
$(BUILD)/bench/ceiling: tests/bench/ceiling.c $(BENCH_TPL) $(LIBD) $(LIBC) \
    daemon/core/sched.h daemon/core/proto.h daemon/store/sqlite.h daemon/store/ckpt.h \
    daemon/web/import.h
	@mkdir -p $(dir $@)
	$(COMPILE) $(PD_LDFLAGS) $(LDFLAGS) -o $@ $< tests/bench/benchtpl.c $(LIBD) $(LIBC) \
	    $(PKG_LIBS) -lm

bench: all $(BENCH_BINS)
	@bash tests/bench/run.sh $(if $(QUICK),--quick) $(BENCH_FLAGS)

# Fuzzing (tests/fuzz/README.md): libFuzzer targets, built with clang, ASan and UBSan
# into $(FUZZ_DIR). `make fuzz-run FUZZ_TIME=S` runs each for S seconds on its corpus
# and prints one TAP line per target.
FUZZ_CC     ?= clang
FUZZ_DIR    ?= build/fuzz
FUZZ_TIME   ?= 20
FUZZ_CFLAGS := -std=c17 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror -Wshadow \
               -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter \
               $(IQUOTE) -fno-omit-frame-pointer -fno-sanitize-recover=undefined \
               -fsanitize=fuzzer-no-link,address,undefined
FUZZ_BINS   := $(patsubst tests/fuzz/%.c,$(FUZZ_DIR)/%,$(wildcard tests/fuzz/fuzz_*.c))

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_DIR)/libcommon.a: $(COMMON_SRCS:%.c=$(FUZZ_DIR)/obj/%.o) \
    $(BUILTIN:%.c=$(FUZZ_DIR)/obj/%.o)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_DIR)/libdaemon.a: $(DAEMON_SRCS:%.c=$(FUZZ_DIR)/obj/%.o) \
    $(UI_GEN:%.c=$(FUZZ_DIR)/obj/%.o)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_BINS): $(FUZZ_DIR)/%: $(FUZZ_DIR)/obj/tests/fuzz/%.o $(FUZZ_DIR)/libdaemon.a \
    $(FUZZ_DIR)/libcommon.a
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(PKG_LIBS) -lm

.PHONY: fuzz fuzz-run
fuzz: $(FUZZ_BINS)

fuzz-run: fuzz
	@sh tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_TIME)

-include $(shell find $(FUZZ_DIR)/obj -name '*.d' 2>/dev/null)

# The torture tests of issue 6 (tests/torture/) in their long mode, against the normal
# and the ASan+UBSan builds; `make test` runs their short mode. faketime: the real-clock
# jump of test_clocksteps.
.PHONY: torture
torture: deps-test
	@sh tests/deps.sh faketime
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory BUILD=build/san SAN=1 OPT=-O1 all
	@TORTURE=long sh tests/torture/run.sh build build/san
	@$(MAKE) --no-print-directory fuzz
	@FUZZ_RUNS=10000000 FUZZ_JOBS=$$(nproc) sh tests/fuzz/run.sh build/fuzz

clean:
	rm -rf build

# Installation (see protocold(8), "INSTALLATION"). PREFIX is /usr by default because the
# systemd units go where systemd looks for the distribution's units and name the
# binaries by absolute path: `make install` writes protocold.service from
# systemd/protocold.service.in with @BINDIR@ replaced. DESTDIR stages a tree for a
# package; with no DESTDIR, as root, install also creates the user (systemd-sysusers)
# and the directories (systemd-tmpfiles) and reloads systemd. The configuration path
# /etc/protocold/protocold.ini is built into protocold and the units: it does not move
# with PREFIX, and an existing file is never overwritten.
PREFIX  ?= /usr
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
# What is installed for people to copy: the PostgreSQL-over-TCP drop-in (protocold(8)).
DATADIR ?= $(PREFIX)/share/protocold
CONFDIR := /etc/protocold
INSTALL ?= install
pc_systemd = $(shell pkg-config --variable=$(1) systemd 2>/dev/null)
SYSTEMDUNITDIR ?= $(or $(call pc_systemd,systemdsystemunitdir),/lib/systemd/system)
SYSUSERSDIR    ?= $(or $(call pc_systemd,sysusersdir),/usr/lib/sysusers.d)
TMPFILESDIR    ?= $(or $(call pc_systemd,tmpfilesdir),/usr/lib/tmpfiles.d)
# Man pages: protocolctl.1 is installed when doc/ has it.
MAN_PAGES := $(wildcard doc/protocolctl.1) doc/protocold.ini.5 doc/protocold.rules.5 \
	doc/protocold.8
# Every socket unit of systemd/ (protocold.socket; protocold-http.socket, the optional
# TCP listener, when there is one: installed, not enabled).
SOCKET_UNITS := $(wildcard systemd/*.socket)
# protocolctl's shell completion, when ctl/completion/ has it.
BASHCOMPDIR  ?= $(or $(shell pkg-config --variable=completionsdir bash-completion \
                2>/dev/null),$(PREFIX)/share/bash-completion/completions)
ZSHCOMPDIR   ?= $(PREFIX)/share/zsh/vendor-completions
BASH_COMP    := $(wildcard ctl/completion/protocolctl.bash)
ZSH_COMP     := $(wildcard ctl/completion/_protocolctl)

.PHONY: install uninstall

install: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSTEMDUNITDIR) \
		$(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(CONFDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	$(INSTALL) -m 0755 $(BUILD)/protocold $(BUILD)/protocolctl $(DESTDIR)$(BINDIR)/
	sed 's|@BINDIR@|$(BINDIR)|g' systemd/protocold.service.in \
		>$(DESTDIR)$(SYSTEMDUNITDIR)/protocold.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/protocold.service
	$(INSTALL) -m 0644 $(SOCKET_UNITS) $(DESTDIR)$(SYSTEMDUNITDIR)/
	$(INSTALL) -m 0644 systemd/protocold.sysusers $(DESTDIR)$(SYSUSERSDIR)/protocold.conf
	$(INSTALL) -m 0644 systemd/protocold.tmpfiles $(DESTDIR)$(TMPFILESDIR)/protocold.conf
	$(INSTALL) -d $(DESTDIR)$(DATADIR)
	$(INSTALL) -m 0644 systemd/postgresql-tcp.conf $(DESTDIR)$(DATADIR)/
	# The shipped rulebooks (doc/rules.md), to list in [rules] files or copy.
	$(INSTALL) -d $(DESTDIR)$(DATADIR)/rules
	$(INSTALL) -m 0644 conf/rules/*.ini $(DESTDIR)$(DATADIR)/rules/
	@if [ -e $(DESTDIR)$(CONFDIR)/protocold.ini ]; then \
		echo "keeping the existing $(DESTDIR)$(CONFDIR)/protocold.ini"; \
	else \
		echo "$(INSTALL) -m 0640 conf/protocold.ini $(DESTDIR)$(CONFDIR)/protocold.ini"; \
		$(INSTALL) -m 0640 conf/protocold.ini $(DESTDIR)$(CONFDIR)/protocold.ini; \
		chgrp protocold $(DESTDIR)$(CONFDIR)/protocold.ini 2>/dev/null || true; \
	fi
	@for m in $(MAN_PAGES); do \
		s=$${m##*.}; \
		echo "$(INSTALL) -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/"; \
		$(INSTALL) -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/ || exit 1; \
	done
ifneq ($(BASH_COMP),)
	$(INSTALL) -D -m 0644 $(BASH_COMP) $(DESTDIR)$(BASHCOMPDIR)/protocolctl
endif
ifneq ($(ZSH_COMP),)
	$(INSTALL) -D -m 0644 $(ZSH_COMP) $(DESTDIR)$(ZSHCOMPDIR)/_protocolctl
endif
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v systemd-sysusers >/dev/null; then \
		echo "systemd-sysusers $(SYSUSERSDIR)/protocold.conf"; \
		systemd-sysusers $(SYSUSERSDIR)/protocold.conf && \
		echo "systemd-tmpfiles --create $(TMPFILESDIR)/protocold.conf" && \
		systemd-tmpfiles --create $(TMPFILESDIR)/protocold.conf || exit 1; \
		if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi; \
		echo "installed; start it with: systemctl enable --now protocold.socket protocold.service"; \
	fi

# Removes what install put, except the configuration when it differs from the shipped
# one (it was edited), the database in /var/lib/protocold and the user.
uninstall:
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ] && [ "$$(id -u)" = 0 ]; then \
		systemctl disable --now protocold.service protocold.socket protocold-http.socket 2>/dev/null || true; \
	fi
	rm -f $(DESTDIR)$(BINDIR)/protocold $(DESTDIR)$(BINDIR)/protocolctl
	rm -f $(DESTDIR)$(SYSTEMDUNITDIR)/protocold.service \
		$(addprefix $(DESTDIR)$(SYSTEMDUNITDIR)/,$(notdir $(SOCKET_UNITS)))
	rm -f $(DESTDIR)$(BASHCOMPDIR)/protocolctl $(DESTDIR)$(ZSHCOMPDIR)/_protocolctl
	rm -f $(DESTDIR)$(SYSUSERSDIR)/protocold.conf $(DESTDIR)$(TMPFILESDIR)/protocold.conf
	rm -f $(DESTDIR)$(DATADIR)/postgresql-tcp.conf
	rm -f $(addprefix $(DESTDIR)$(DATADIR)/rules/,$(notdir $(wildcard conf/rules/*.ini)))
	-rmdir $(DESTDIR)$(DATADIR)/rules 2>/dev/null
	-rmdir $(DESTDIR)$(DATADIR) 2>/dev/null
	rm -f $(DESTDIR)$(MANDIR)/man1/protocolctl.1 $(DESTDIR)$(MANDIR)/man5/protocold.ini.5 \
		$(DESTDIR)$(MANDIR)/man5/protocold.rules.5 $(DESTDIR)$(MANDIR)/man8/protocold.8
	@if cmp -s conf/protocold.ini $(DESTDIR)$(CONFDIR)/protocold.ini; then \
		echo "rm -f $(DESTDIR)$(CONFDIR)/protocold.ini"; \
		rm -f $(DESTDIR)$(CONFDIR)/protocold.ini; \
		rmdir $(DESTDIR)$(CONFDIR) 2>/dev/null || true; \
	elif [ -e $(DESTDIR)$(CONFDIR)/protocold.ini ]; then \
		echo "keeping $(DESTDIR)$(CONFDIR)/protocold.ini: it differs from conf/protocold.ini"; \
	fi
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ] && [ "$$(id -u)" = 0 ]; then \
		systemctl daemon-reload; \
	fi

# The Debian package (debian/, README "Packaging"): dpkg-buildpackage in a copy of the
# tree in a temp directory, so that neither the working tree nor build/ changes; the
# .deb (with its -dbgsym, .buildinfo and .changes) lands in $(DEB_OUT). The builder's
# DEB_BUILD_OPTIONS pass through (nocheck: without the unit tests). Installs the Debian
# packages the build needs first, like `make run`.
DEB_OUT ?= $(BUILD)/deb
.PHONY: deb
deb:
	@sh tests/deps.sh $(DEB_BUILD) libcmocka-dev debhelper dpkg-dev
	@sh debian/mkdeb.sh $(DEB_OUT)
