#ifndef CONFIG_H
#define CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cal.h"
#include "duration.h"

/* The [deadlines] keys, also allowed in every [reason.X] section. */
enum config_dl {
	CONFIG_DL_RESPONSE_NORMAL,
	CONFIG_DL_RESPONSE_CRITICAL,
	CONFIG_DL_WARN_BEFORE,
	CONFIG_DL_PHOTOS_WAIT,
	CONFIG_DL_ADDRESS_WAIT,
	CONFIG_DL_POSTING_WAIT,
	CONFIG_DL_PICKUP_GRACE,
	CONFIG_DL_LETTER_WAIT,
	CONFIG_DL_REPLY_WINDOW,
	CONFIG_DL_COUNT
};

/* Where an effective deadline value came from. */
enum config_src {
	CONFIG_SRC_DEFAULT,	/* built in (spec.md §7) */
	CONFIG_SRC_DEADLINES,	/* [deadlines] */
	CONFIG_SRC_REASON	/* [reason.X] */
};

struct config_reason {
	char *name;				/* X of [reason.X] */
	struct duration dl[CONFIG_DL_COUNT];
	bool set[CONFIG_DL_COUNT];
	int line[CONFIG_DL_COUNT];		/* where each was set */
};

struct rulebook;

struct config {
	char *path;		/* the file it was read from */
	/* [daemon]; relative paths are resolved against the file's directory */
	char *database;
	char *socket;
	unsigned socket_mode;
	char *http_listen;	/* the read-only TCP listener, "HOST:PORT"; NULL: none */
	char *write_group;	/* NULL when not set */
	char *instance;		/* this instance's name in a cluster; NULL: hostname:pid */
	char *timezone;
	bool sync_full;		/* synchronous = full (true) | normal */
	bool log_transitions_info;	/* log_transitions = info (true) | debug */
	unsigned max_connections;	/* open client connections at most */
	int64_t idle_timeout_ms;	/* an idle client connection is closed after this */
	unsigned read_map_mib;	/* the readers' memory map of the database, MiB (0: none) */
	/* [deadlines]: they override the default rulebook's values */
	struct duration dl[CONFIG_DL_COUNT];
	bool dl_set[CONFIG_DL_COUNT];
	int dl_line[CONFIG_DL_COUNT];	/* where each was set */
	/* [calendar] */
	enum cal_kind holidays;
	int64_t *extra_holidays;	/* civil day numbers, sorted */
	size_t n_extra_holidays;
	/* [reason.X] sections, in file order */
	struct config_reason *reasons;
	size_t n_reasons;
	/* [rules] (doc/rules.md) */
	char *rules_files;	/* the glob, absolute; NULL: the built-in rulebook alone */
	char *rules_default;	/* the default marketplace as written, or NULL */
	/* The rulebooks read (in the glob's order), and the default one's index. */
	struct rulebook **books;
	size_t n_books;
	size_t default_book;
};

/*
 * Read and validate path. On success, a new config. On failure, NULL and *errors set
 * to a malloc'd text of one line per problem (each ending in '\n'), in file order,
 * "FILE:LINE: [section] key: what is wrong (what would be right)"; a problem of a
 * whole line drops the key ("FILE:LINE: [section]: …", "FILE:LINE: line too long …"),
 * one of the whole file the line too ("FILE: cannot open: No such file or directory").
 * Unknown sections and keys, duplicate keys (also an indented line that inih takes as
 * a continuation), bad values, over-long lines and a missing file are errors; so is a
 * file that is not a regular one (a FIFO, a device) or is over CONFIG_MAX_BYTES: it is
 * never read, so a load never blocks and reads a bounded amount. The rulebooks of
 * [rules] (or the built-in one) are read too, and their errors told the same way,
 * each with its own file (config_rules.c, rbread.h). So is a warn_before
 * that could not fire, not being shorter than a response deadline of its section
 * (confkeys_check_warn); those errors come after the others. At most CONFIG_MAX_ERRORS
 * lines, then one that counts the rest. Relative paths are made absolute against the
 * file's directory. Nothing else is touched (the time zone and write_group are only
 * checked).
 */
struct config *config_load(const char *path, char **errors);
/* Free; NULL is a no-op. */
void config_free(struct config *cfg);
/* The rulebook of marketplace name, or NULL when none is loaded. */
const struct rulebook *config_book(const struct config *cfg, const char *name);
/* The default rulebook (a protocol created without a marketplace gets it). */
const struct rulebook *config_default_book(const struct config *cfg);
/* The key name of a deadline ("photos_wait"). */
const char *config_dl_name(enum config_dl dl);
/* The deadline for a protocol's reason (NULL or unknown reason: [deadlines] or the
 * default), and where it came from when src is not NULL. */
const struct duration *config_deadline(const struct config *cfg, const char *reason,
    enum config_dl dl, enum config_src *src);
/* "default", "[deadlines]" or "[reason.X]" (X filled from reason). Returns buf. */
const char *config_src_text(enum config_src src, const char *reason, char *buf, size_t len);
/* What decides a clock's due instant — the deadlines, the reasons', the calendar and
 * its extra holidays, the time zone — as 16 hex digits into out (17 bytes): instances
 * sharing a database compare theirs (doc/cluster.md). Equal settings, equal prints. */
void config_fingerprint(const struct config *cfg, char out[17]);

/* A configuration file is at most this big (the one shipped, comments and all, is
 * 4 KiB). */
#define CONFIG_MAX_BYTES (1024 * 1024)
/* At most this many [reason.X] sections (distinct X). */
#define CONFIG_MAX_REASONS 256
/* At most this many errors are told, one line each; then how many more there are. */
#define CONFIG_MAX_ERRORS 100

/* Defaults for a file that does not say. */
#define CONFIG_DEFAULT_PATH "/etc/protocold/protocold.ini"
#define CONFIG_DEFAULT_DATABASE "/var/lib/protocold/protocold.db"
#define CONFIG_DEFAULT_SOCKET "/run/protocold.sock"
#define CONFIG_DEFAULT_TIMEZONE "America/Sao_Paulo"
#define CONFIG_DEFAULT_MAX_CONNECTIONS 4096
/* The readers map up to this much of the database file (SQLite's mmap_size): with the
 * writer's and the reader's page caches (64 + 16 MiB) the RSS stays under 256 MiB
 * whatever the database's size. */
#define CONFIG_DEFAULT_READ_MAP_MIB 128
/* SQLite (as Debian builds it) maps at most 2 GiB - 64 KiB. */
#define CONFIG_MAX_READ_MAP_MIB 2047
#define CONFIG_DEFAULT_IDLE_TIMEOUT_MS (120 * 1000)
#define CONFIG_DEFAULT_SOCKET_MODE 0660

#endif
