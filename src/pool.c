/* pool: forking, reaping and respawning workers. */
#include "config.h"
#include "pool.h"
#include "log.h"
#include "util.h"
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define POOL_MAX 512
#define POOL_STOP_GRACE_MS 30000  /* then SIGKILL */
#define POOL_CRASH_WINDOW_MS 10000
#define POOL_CRASH_LIMIT 5        /* crashes in the window before backing off */
#define POOL_BACKOFF_MAX_MS 30000

struct pool_worker {
	pid_t pid;
	unsigned gen;
};

struct pool {
	const struct arcade_config *cfg;
	int listen_fd;
	struct pool_worker w[POOL_MAX];
	size_t n;
	unsigned gen;
	int stopping;
	uint64_t stop_deadline;
	uint64_t crashes[POOL_CRASH_LIMIT];
	size_t ncrash;
	uint64_t backoff_ms, next_spawn;
};

static int pool_pipe[2] = { -1, -1 };

static void pool_on_signal(int sig)
{
	char c = (char)sig;
	int saved = errno;
	if (write(pool_pipe[1], &c, 1) < 0) {
		/* The pipe is full: the loop has signals to read already. */
	}
	errno = saved;
}

static void pool_signals(void)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGCHLD };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = pool_on_signal;
	sa.sa_flags = SA_RESTART;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	sigaction(SIGPIPE, &sa, NULL);
}

static void pool_spawn(struct pool *p)
{
	pid_t master = getpid(), pid;

	if (p->n == POOL_MAX)
		return;
	pid = fork();
	if (pid < 0) {
		log_msg(LOG_ERR, "pool: fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		log_forked();
		close(pool_pipe[0]);
		close(pool_pipe[1]);
		_exit(worker_run(p->cfg, p->listen_fd, master));
	}
	p->w[p->n].pid = pid;
	p->w[p->n].gen = p->gen;
	p->n++;
	log_msg(LOG_INFO, "pool: worker %d started", (int)pid);
}

static size_t pool_current(const struct pool *p)
{
	size_t k = 0;
	for (size_t i = 0; i < p->n; i++)
		k += p->w[i].gen == p->gen;
	return k;
}

/* Too many abnormal exits in a short time: wait longer before each respawn. */
static void pool_note_crash(struct pool *p, uint64_t now)
{
	size_t recent = 0;

	memmove(p->crashes + 1, p->crashes, sizeof(p->crashes) - sizeof(p->crashes[0]));
	p->crashes[0] = now;
	if (p->ncrash < POOL_CRASH_LIMIT)
		p->ncrash++;
	for (size_t i = 0; i < p->ncrash; i++)
		recent += now - p->crashes[i] < POOL_CRASH_WINDOW_MS;
	if (recent >= POOL_CRASH_LIMIT) {
		p->backoff_ms = p->backoff_ms ? p->backoff_ms * 2 : 1000;
		if (p->backoff_ms > POOL_BACKOFF_MAX_MS)
			p->backoff_ms = POOL_BACKOFF_MAX_MS;
		p->next_spawn = now + p->backoff_ms;
		log_msg(LOG_ERR, "pool: workers keep dying; next start in %llu ms",
			(unsigned long long)p->backoff_ms);
	} else {
		p->backoff_ms = 0;
	}
}

/* A crash loop is workers that fail by themselves: an exit status (the
 * store would not open) or a fault signal. A worker killed from outside
 * (an operator's SIGKILL, the OOM killer) is replaced at once, however
 * often that happens. */
static int pool_crashed(int status)
{
	static const int faults[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGSYS, SIGTRAP };

	if (WIFEXITED(status))
		return WEXITSTATUS(status) != 0;
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		if (WTERMSIG(status) == faults[i])
			return 1;
	return 0;
}

static void pool_reap(struct pool *p)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (size_t i = 0; i < p->n; i++) {
			if (p->w[i].pid != pid)
				continue;
			if (WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0)) {
				log_msg(LOG_WARN, "pool: worker %d died (%s %d)", (int)pid,
					WIFSIGNALED(status) ? "signal" : "exit",
					WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
				if (!p->stopping && pool_crashed(status))
					pool_note_crash(p, util_mono_ms());
			} else {
				log_msg(LOG_INFO, "pool: worker %d exited", (int)pid);
				p->backoff_ms = 0; /* a clean recycle ends a crash streak */
			}
			p->w[i] = p->w[--p->n];
			break;
		}
	}
}

static void pool_signal_all(struct pool *p, int sig, int old_only)
{
	for (size_t i = 0; i < p->n; i++)
		if (!old_only || p->w[i].gen != p->gen)
			kill(p->w[i].pid, sig);
}

static void pool_on(struct pool *p, int sig)
{
	switch (sig) {
	case SIGCHLD:
		pool_reap(p);
		break;
	case SIGTERM:
	case SIGINT:
	case SIGQUIT:
		if (!p->stopping) {
			log_msg(LOG_INFO, "pool: stopping");
			p->stopping = 1;
			p->stop_deadline = util_mono_ms() + POOL_STOP_GRACE_MS;
			pool_signal_all(p, SIGTERM, 0);
		}
		break;
	case SIGHUP:
		if (!p->stopping) {
			log_msg(LOG_INFO, "pool: rolling restart");
			p->gen++;
			for (int i = 0; i < p->cfg->workers; i++)
				pool_spawn(p);
			pool_signal_all(p, SIGTERM, 1);
		}
		break;
	case SIGUSR1:
		log_reopen();
		pool_signal_all(p, SIGUSR1, 0);
		break;
	}
}

int pool_run(const struct arcade_config *c, int listen_fd)
{
	struct pool *p = xcalloc(1, sizeof(*p));

	p->cfg = c;
	p->listen_fd = listen_fd;
	if (pipe2(pool_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		free(p);
		return 1;
	}
	pool_signals();
	log_msg(LOG_INFO, "pool: master %d, %d workers", (int)getpid(), c->workers);
	for (int i = 0; i < c->workers; i++)
		pool_spawn(p);
	while (!(p->stopping && p->n == 0)) {
		struct pollfd pfd = { pool_pipe[0], POLLIN, 0 };
		uint64_t now;
		char sigs[64];
		ssize_t got;

		poll(&pfd, 1, 250);
		while ((got = read(pool_pipe[0], sigs, sizeof(sigs))) > 0)
			for (ssize_t i = 0; i < got; i++)
				pool_on(p, (unsigned char)sigs[i]);
		pool_reap(p);
		now = util_mono_ms();
		if (p->stopping) {
			if (now > p->stop_deadline)
				pool_signal_all(p, SIGKILL, 0);
			continue;
		}
		while (pool_current(p) < (size_t)c->workers && now >= p->next_spawn) {
			pool_spawn(p);
			if (p->backoff_ms) {
				p->next_spawn = now + p->backoff_ms;
				break;
			}
		}
	}
	log_msg(LOG_INFO, "pool: stopped");
	free(p);
	return 0;
}
