#include "schema.h"

#include <stdio.h>

/*
 * Forward migrations: migration i takes user_version i to i + 1. Never edit one that
 * has shipped; add a new one.
 */
static const char *const schema_migrations[] = {
	/* 1: protocols, the timer index, history/feed, sellers, counters. */
	"CREATE TABLE protocols ("
	"  rid INTEGER PRIMARY KEY,"
	"  id TEXT NOT NULL UNIQUE,"
	"  seller TEXT NOT NULL,"
	"  ord TEXT,"
	"  reason TEXT,"
	"  origin INTEGER NOT NULL,"
	"  critical INTEGER NOT NULL,"
	"  opened_given INTEGER NOT NULL,"
	"  opened_at INTEGER NOT NULL,"
	"  state INTEGER NOT NULL,"
	"  clock INTEGER NOT NULL,"
	"  clock_start INTEGER,"
	"  clock_due INTEGER,"
	"  clock_next INTEGER,"
	"  attempts TEXT,"
	"  version INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL);"
	/* The timer queue: the scheduler always reads the head of this index. */
	"CREATE INDEX protocols_next ON protocols(clock_next) WHERE clock_next IS NOT NULL;"
	"CREATE INDEX protocols_seller ON protocols(seller, state);"
	"CREATE TABLE history ("
	"  seq INTEGER PRIMARY KEY,"
	"  rid INTEGER NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  from_state INTEGER,"
	"  to_state INTEGER NOT NULL,"
	"  cause INTEGER NOT NULL,"
	"  name TEXT NOT NULL,"
	"  due_at INTEGER,"
	"  late_ms INTEGER,"
	"  detail TEXT);"
	"CREATE INDEX history_rid ON history(rid, seq);"
	"CREATE TABLE sellers (id TEXT PRIMARY KEY, envvias INTEGER NOT NULL) WITHOUT ROWID;"
	/* Counters by key: 0+state, 100+clock, 200+cause (counts.h); kept by triggers
	 * until 3. */
	"CREATE TABLE counters (k INTEGER PRIMARY KEY, n INTEGER NOT NULL);"
	"WITH RECURSIVE i(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM i WHERE k < 299)"
	"  INSERT INTO counters SELECT k, 0 FROM i;"
	"CREATE TRIGGER protocols_ins AFTER INSERT ON protocols BEGIN"
	"  UPDATE counters SET n = n + 1 WHERE k IN (NEW.state, 100 + NEW.clock);"
	"END;"
	"CREATE TRIGGER protocols_state AFTER UPDATE OF state ON protocols"
	"  WHEN OLD.state <> NEW.state BEGIN"
	"  UPDATE counters SET n = n - 1 WHERE k = OLD.state;"
	"  UPDATE counters SET n = n + 1 WHERE k = NEW.state;"
	"END;"
	"CREATE TRIGGER protocols_clock AFTER UPDATE OF clock ON protocols"
	"  WHEN OLD.clock <> NEW.clock BEGIN"
	"  UPDATE counters SET n = n - 1 WHERE k = 100 + OLD.clock;"
	"  UPDATE counters SET n = n + 1 WHERE k = 100 + NEW.clock;"
	"END;"
	"CREATE TRIGGER history_ins AFTER INSERT ON history BEGIN"
	"  UPDATE counters SET n = n + 1 WHERE k = 200 + NEW.cause;"
	"END;",
	/* 2: the rule each clock was started under (for clock.explain), a list index by
	 * state, a seller index without the state (so a transition does not move an
	 * entry in it), and a per-database secret that signs list cursors. */
	"ALTER TABLE protocols ADD COLUMN clock_rule TEXT;"
	"CREATE INDEX protocols_state ON protocols(state);"
	"DROP INDEX protocols_seller;"
	"CREATE INDEX protocols_seller ON protocols(seller);"
	"CREATE TABLE meta (k TEXT PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID;"
	"INSERT INTO meta VALUES ('cursor_key', randomblob(16));",
	/* 3: the counters are kept by the store, once per commit (counts.h), instead
	 * of by a trigger's UPDATE for every row. */
	"DROP TRIGGER protocols_ins;"
	"DROP TRIGGER protocols_state;"
	"DROP TRIGGER protocols_clock;"
	"DROP TRIGGER history_ins;",
	/* 4: rulebooks (doc/rules.md). Every protocol so far was kept by the rules now
	 * in casas-bahia.ini; its states are counted for it too (key 1291024 + state:
	 * counts.h, checked by test_counts). Counters are written by upsert from now on,
	 * so the table holds only the keys ever counted. */
	"ALTER TABLE protocols ADD COLUMN marketplace TEXT NOT NULL "
	"  DEFAULT 'casas-bahia';"
	"INSERT INTO counters SELECT 1291024 + k, n FROM counters WHERE k BETWEEN 0 AND 5;",
};

int
schema_count(void)
{
	return (int)(sizeof schema_migrations / sizeof schema_migrations[0]);
}

const char *
schema_migration(int i)
{
	return schema_migrations[i];
}

const char *
schema_refusal(int app_id, int tables, int version)
{
	if (app_id != 0 && app_id != SCHEMA_APP_ID)
		return "the file belongs to another application (its application_id is not "
		    "protocold's); refusing to touch it";
	if (app_id == 0 && tables > 0)
		return "the file is an SQLite database but not protocold's (it has tables "
		    "and no protocold application_id); refusing to touch it";
	if (version > schema_count())
		return "the database was written by a newer protocold (its schema version "
		    "is higher than this program knows); refusing to downgrade it";
	return NULL;
}
_Static_assert(SCHEMA_APP_ID == 1347572804, "SCHEMA_MARK spells SCHEMA_APP_ID");
