#ifndef CTLCOMP_H
#define CTLCOMP_H

/*
 * protocolctl __complete: the words the shell completions (ctl/completion/) offer, one
 * a line on stdout. The names that only the daemon knows (actions, events,
 * marketplaces) are asked from it, at the socket the other commands would use; when
 * no daemon answers within a moment, nothing is printed and nothing is said.
 */

#include "ctl.h"

/*
 * __complete WHAT [ARG...], WHAT being:
 *   commands              the commands (not the internal ones)
 *   options [COMMAND]     the global options, and COMMAND's own (from its usage)
 *   states                the states
 *   marketplaces          the rulebooks loaded
 *   actions [ID]          the actions protocol ID allows now; without ID, or for an
 *                         unknown one, every action of every rulebook
 *   events [ID]           the events of ID's rulebook that move it from its state;
 *                         without ID, or for an unknown one, every rulebook's events
 *   params ID ACTION      "KEY=" for each parameter of ACTION in ID's rulebook
 * Always CTL_EXIT_OK (a completion has no errors to show), CTL_EXIT_USAGE for an
 * unknown WHAT.
 */
int ctlcomp_complete(struct ctl_opts *o, int argc, char **argv);

#endif
