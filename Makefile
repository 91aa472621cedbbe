# protocold — see README.md. `make run` and `make test` are all the set-up a fresh
# Debian 12 machine needs.

CC       ?= cc
PKGS     := libevent sqlite3 libsystemd inih jansson
BUILD    ?= build
SAN      ?=
OPT      ?= -O2

# Debian packages: what the build needs, then what the tests need.
DEB_BUILD := gcc make pkg-config libevent-dev libsqlite3-dev libsystemd-dev \
             libinih-dev libjansson-dev tzdata
DEB_TEST  := libcmocka-dev curl jq sqlite3 procps

CFLAGS   ?= $(OPT) -g
CFLAGS   += -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
            -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter \
            -Icommon -Idaemon
ifneq ($(SAN),)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null)

COMMON_SRCS := $(wildcard common/*.c)
DAEMON_SRCS := $(filter-out daemon/main.c,$(wildcard daemon/*.c))
CTL_SRCS    := $(wildcard ctl/*.c)
UNIT_SRCS   := $(wildcard tests/unit/test_*.c)

OBJ := $(BUILD)/obj
COMMON_OBJS := $(COMMON_SRCS:%.c=$(OBJ)/%.o)
DAEMON_OBJS := $(DAEMON_SRCS:%.c=$(OBJ)/%.o)
CTL_OBJS    := $(CTL_SRCS:%.c=$(OBJ)/%.o)
UNIT_BINS   := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
LIBC        := $(BUILD)/libcommon.a
LIBD        := $(BUILD)/libdaemon.a
# A test of a common/ module links only common/; the others link the daemon's modules too.
UNIT_COMMON_BINS := $(foreach t,$(UNIT_SRCS),$(if $(wildcard common/$(patsubst test_%,%,$(notdir $(t)))),$(BUILD)/tests/$(basename $(notdir $(t)))))
UNIT_DAEMON_BINS := $(filter-out $(UNIT_COMMON_BINS),$(UNIT_BINS))

.PHONY: all deps run test check unit e2e san clean bench
.DEFAULT_GOAL := all

all: $(BUILD)/protocold $(BUILD)/protocolctl

$(OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBC): $(COMMON_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(LIBD): $(DAEMON_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/protocold: $(OBJ)/daemon/main.o $(LIBD) $(LIBC)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(BUILD)/protocolctl: $(CTL_OBJS) $(LIBC)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(UNIT_COMMON_BINS): $(BUILD)/tests/%: $(OBJ)/tests/unit/%.o $(LIBC)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS) -lm

$(UNIT_DAEMON_BINS): $(BUILD)/tests/%: $(OBJ)/tests/unit/%.o $(LIBD) $(LIBC)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS) -lm

-include $(shell find $(OBJ) -name '*.d' 2>/dev/null)

# Installs the Debian packages that are missing (sudo when not root).
deps:
	@sh tests/deps.sh $(DEB_BUILD)

deps-test:
	@sh tests/deps.sh $(DEB_BUILD) $(DEB_TEST)

# The demo: protocold in the foreground on conf/demo.ini, database and socket in run/,
# with the test clock so the README's tour can move time.
run: deps
	@$(MAKE) --no-print-directory all
	@mkdir -p run
	@echo "protocold: socket $(CURDIR)/run/protocold.sock (Ctrl-C stops it)"
	$(BUILD)/protocold -c conf/demo.ini --test-clock

unit: $(UNIT_BINS)
e2e: all

# Every test against the normal build, then against the ASan+UBSan build.
test: deps-test
	@$(MAKE) --no-print-directory all unit
	@$(MAKE) --no-print-directory BUILD=build/san SAN=1 OPT=-O1 all unit
	@sh tests/run.sh build build/san

# Tests against one existing build, without the set-up.
check: all unit
	@sh tests/run.sh $(BUILD)

clean:
	rm -rf build
