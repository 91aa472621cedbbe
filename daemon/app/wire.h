#ifndef WIRE_H
#define WIRE_H

struct event_base;
struct store;

/*
 * The daemon's modules started in dependency order on one loop, the writer and the
 * reader connections, and hooked to each other (the commit ends the read snapshot,
 * then wakes the feed and the scheduler), then the HTTP server on fd (-1: the
 * configured socket). main.c and the HTTP fuzzer start the same daemon this way.
 * 0, or -1 with *cause (malloc'd).
 */
int wire_start(struct event_base *base, struct store *writer, struct store *reader, int fd,
    char **cause);

#endif
