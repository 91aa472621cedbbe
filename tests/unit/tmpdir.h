#ifndef TMPDIR_H
#define TMPDIR_H

#include <stddef.h>

/*
 * A fresh directory for a unit test's files: $TMPDIR/NAME.XXXXXX (or /tmp), and its
 * removal with the files it holds (one level: the tests make no subdirectories).
 */

/* 0, or -1 with the reason printed. */
int tmpdir_make(char *dir, size_t len, const char *name);
void tmpdir_remove(const char *dir);

#endif
