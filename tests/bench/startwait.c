/*
 * startwait: start a Type=notify program the way systemd would and time its READY=1.
 *
 *   startwait [--timeout S] [--log FILE] -- PROGRAM ARGS...
 *
 * Binds a datagram socket, passes it as NOTIFY_SOCKET, starts PROGRAM (its output
 * appended to FILE) and waits for READY=1. Prints one JSON line
 * {"pid", "exec_ms" (epoch ms of the exec), "ready_ms" (exec to READY=1)}, then stays
 * PROGRAM's parent: SIGTERM and SIGINT are passed on to it, and startwait exits with its
 * status. Exits 1 if PROGRAM ends or the timeout passes before READY=1.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t sw_child;
static char sw_dir[] = "/tmp/startwait.XXXXXX";
static char sw_path[sizeof sw_dir + 16];

static int64_t
sw_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
sw_cleanup(void)
{
	unlink(sw_path);
	rmdir(sw_dir);
}

static int
sw_bind(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (mkdtemp(sw_dir) == NULL) {
		perror("startwait: mkdtemp");
		exit(1);
	}
	snprintf(sw_path, sizeof sw_path, "%s/notify", sw_dir);
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", sw_path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		perror("startwait: notify socket");
		sw_cleanup();
		exit(1);
	}
	return fd;
}

static void
sw_exec(char **argv, const char *log)
{
	int fd;

	setenv("NOTIFY_SOCKET", sw_path, 1);
	if (log != NULL && (fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644)) >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	execvp(argv[0], argv);
	fprintf(stderr, "startwait: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static void
sw_forward(int sig)
{
	if (sw_child > 0)
		kill(sw_child, sig);
}

/* Wait for the program to end and return its exit status. */
static int
sw_wait(pid_t pid)
{
	struct sigaction sa = { .sa_handler = sw_forward };
	int status;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* Does the datagram carry the line READY=1? */
static bool
sw_ready(const char *msg)
{
	for (const char *p = msg; p != NULL && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 :
	    NULL)
		if (strncmp(p, "READY=1", 7) == 0 && (p[7] == '\n' || p[7] == '\0'))
			return true;
	return false;
}

/* Wait for READY=1 from pid on fd until deadline (monotonic ns): 0, or -1 (said why). */
static int
sw_await_ready(int fd, pid_t pid, const char *name, int64_t deadline)
{
	char msg[4096];
	int status;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (waitpid(pid, &status, WNOHANG) == pid) {
			fprintf(stderr, "startwait: %s exited (status %d) before READY=1\n", name,
			    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
			return -1;
		}
		if (sw_ns(CLOCK_MONOTONIC) >= deadline) {
			fprintf(stderr, "startwait: no READY=1 from %s in time\n", name);
			kill(pid, SIGTERM);
			return -1;
		}
		if (poll(&p, 1, 50) <= 0 || (n = recv(fd, msg, sizeof msg - 1, 0)) <= 0)
			continue;
		msg[n] = '\0';
		if (sw_ready(msg))
			return 0;
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "log", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	double timeout = 60;
	const char *log = NULL;
	int ch, fd;
	int64_t t0, wall0;
	pid_t pid;

	while ((ch = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (ch == 't')
			timeout = atof(optarg);
		else if (ch == 'l')
			log = optarg;
		else
			return 2;
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: startwait [--timeout S] [--log FILE] -- PROGRAM ARGS...\n");
		return 2;
	}
	fd = sw_bind();
	wall0 = sw_ns(CLOCK_REALTIME);
	t0 = sw_ns(CLOCK_MONOTONIC);
	if ((pid = fork()) < 0) {
		perror("startwait: fork");
		sw_cleanup();
		return 1;
	}
	if (pid == 0)
		sw_exec(argv + optind, log);
	if (sw_await_ready(fd, pid, argv[optind], t0 + (int64_t)(timeout * 1e9)) != 0) {
		sw_cleanup();
		return 1;
	}
	printf("{\"pid\":%d,\"exec_ms\":%" PRId64 ",\"ready_ms\":%.3f}\n", (int)pid,
	    wall0 / 1000000, (double)(sw_ns(CLOCK_MONOTONIC) - t0) / 1e6);
	fflush(stdout);
	close(fd);
	sw_cleanup();
	sw_child = pid;
	return sw_wait(pid);
}
