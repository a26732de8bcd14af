/* worker: the FastCGI accept loop and the request pipeline:
 * CGI params -> request -> route -> handler -> response -> log line. */
#include "config.h"
#include "worker.h"
#include "errors.h"
#include "handler.h"
#include "log.h"
#include "ratelimit.h"
#include "router.h"
#include "secret.h"
#include "upgrade.h"
#include "util.h"

#include <fcgiapp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#define WORKER_MAX_FAILURES 100 /* consecutive failed accepts before exiting */
#define WORKER_HEAD_ROOM 1023   /* the answer's head: status, headers (rate limits, CORS) */

static volatile sig_atomic_t worker_stop;
static volatile sig_atomic_t worker_reopen;

static void worker_on_term(int sig)
{
	(void)sig;
	worker_stop = 1;
	/* Makes libfcgi's accept() give up instead of retrying on EINTR. */
	FCGX_ShutdownPending();
}

static void worker_on_usr1(int sig)
{
	(void)sig;
	worker_reopen = 1;
}

static void worker_signals(void)
{
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = worker_on_term; /* no SA_RESTART: interrupt accept() */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sa.sa_handler = worker_on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static int worker_read_body(struct req *r, FCGX_Stream *in, size_t max)
{
	const char *cl = req_env(r, "CONTENT_LENGTH");
	uint64_t len = 0;
	int got;

	if (!cl || !*cl) {
		r->body_read = 1;
		return 0;
	}
	if (util_parse_u64(cl, &len) < 0)
		return ARC_EBODYIO;
	if (len > max)
		return ARC_EBODY;
	r->body = xmalloc((size_t)len + 1);
	got = len ? FCGX_GetStr(r->body, (int)len, in) : 0;
	if (got < 0 || (uint64_t)got != len)
		return ARC_EBODYIO;
	r->body[len] = '\0';
	r->body_len = (size_t)len;
	r->body_read = 1;
	return 0;
}

static void worker_cors(struct ctx *c, const struct family_info *fam)
{
	resp_header(c->resp, "Access-Control-Allow-Origin", "*");
	if (c->req->method_id == M_OPTIONS) {
		const char *h = req_env(c->req, "HTTP_ACCESS_CONTROL_REQUEST_HEADERS");
		c->resp->status = 204;
		resp_header(c->resp, "Access-Control-Allow-Methods", "%s", fam->cors_methods);
		if (h && *h && strlen(h) < 400 && !strpbrk(h, "\r\n"))
			resp_header(c->resp, "Access-Control-Allow-Headers", "%s", h);
		resp_header(c->resp, "Access-Control-Max-Age", "86400");
	}
}

/* One request, start to finish. Returns the HTTP status for the log. */
static int worker_handle(struct ctx *c, FCGX_Request *fr)
{
	const struct family_info *fam;
	const struct route *route = NULL;
	int rc, lim;

	rc = req_init(c->req, fr->envp);
	fam = router_family(c->req->path ? c->req->path : "/");
	worker_cors(c, fam);
	if (rc == 0 && c->req->method_id == M_OPTIONS)
		return 204;
	/* Every request but a preflight pays its ip token before anything else,
	 * a malformed one too. On refusal, the query alone is decoded so the
	 * family can answer in the format the client asked for. */
	lim = rl_take(c, "ip", req_env(c->req, "REMOTE_ADDR"), &c->cfg->rate_ip, 1);
	if (lim && rc == 0)
		req_parse_params(c->req);
	if (lim)
		rc = lim;
	if (rc == 0)
		rc = router_match(c->req, &route);
	if (rc == 0)
		rc = worker_read_body(c->req, fr->in,
				      route->methods & ROUTE_UPLOAD ? c->cfg->max_upload : c->cfg->max_body);
	if (rc == 0)
		rc = req_parse_params(c->req);
	if (rc == 0)
		rc = route->fn(c);
	if (rc)
		fam->error(c, rc);
	rl_headers(c);
	return c->resp->status;
}

/* The request's line in the log, "GET /path 200 3ms 127.0.0.1", put
 * together without printf (vsnprintf alone was 4,400 of a top 10's 124k
 * instructions). A capability URL is cut (router_log_len). Reuses line. */
static void worker_log(const struct req *r, int status, uint64_t ms, struct buf *line)
{
	const char *path = r->path ? r->path : "-";
	size_t shown = router_log_len(path);
	char d[24];

	buf_reset(line);
	buf_adds(line, r->method ? r->method : "-");
	buf_addc(line, ' ');
	buf_add(line, path, shown);
	if (path[shown])
		buf_add(line, "...", 3);
	buf_addc(line, ' ');
	buf_add(line, d, util_i64_dec(status, d));
	buf_addc(line, ' ');
	buf_add(line, d, util_u64_dec(ms, d));
	buf_add(line, "ms ", 3);
	buf_adds(line, r->remote_addr ? r->remote_addr : "-");
	log_text(LOG_INFO, line->p, line->len);
}

/* One request, parameters to answer. Kept out of line so that a profiler
 * can count exactly this (bench/profile.py toggles callgrind on it).
 * Returns whether the whole body was read. */
static __attribute__((noinline)) int worker_serve(struct ctx *c, FCGX_Request *fr)
{
	struct req req;
	struct resp resp;
	struct buf out;
	uint64_t t0 = util_mono_ms();
	int status, body_read;

	memset(&req, 0, sizeof(req));
	resp_init(&resp);
	c->req = &req;
	c->resp = &resp;
	c->now_ms = util_now_ms();
	memset(&c->rl_note, 0, sizeof(c->rl_note));
	status = worker_handle(c, fr);
	buf_init(&out);
	buf_reserve(&out, WORKER_HEAD_ROOM);
	resp_head(&resp, &out);
	FCGX_PutStr(out.p, (int)out.len, fr->out);
	FCGX_PutStr(resp.body.p, (int)resp_body_len(&resp), fr->out);
	worker_log(&req, status, util_mono_ms() - t0, &out);
	body_read = req.body_read;
	buf_free(&out);
	resp_free(&resp);
	req_free(&req);
	return body_read;
}

/* libfcgi ends a connection with shutdown(), then waits (poll, up to 2 s)
 * for the web server to close its end first and reads what else it sent:
 * closing a socket with unread input can reset the connection (TCP) or
 * break the web server's pipe while it still sends a body, and either can
 * destroy the answer. Once the request's input has been read to its end
 * record, nothing is left to be reset by (the web server sends nothing more
 * on a connection it does not keep), so the worker closes at once: three
 * system calls fewer, and no sleep until the web server gets round to
 * closing, which with a pool of two workers halved throughput
 * (docs/performance.md). Reading the end record does not wait: the web
 * server has sent the whole request by then (nginx buffers request bodies,
 * nginx/snippets/arcade.conf). Input left unread (a body refused for its
 * size) keeps libfcgi's careful close. A connection the web server keeps
 * (FCGI_KEEP_CONN) is not closed after the request at all, and libfcgi
 * clears the detached mark only when it closes: marked there, it would
 * carry over to a later request on that connection, a refused body too. */
static void worker_finish(FCGX_Request *fr, int body_read)
{
	if (!fr->keepConnection && body_read && FCGX_GetChar(fr->in) == EOF && FCGX_HasSeenEOF(fr->in))
		FCGX_Detach(fr);
	FCGX_Finish_r(fr);
}

int worker_run(const struct arcade_config *c, int listen_fd, pid_t master)
{
	struct store store;
	struct store_opts so = { c->data_dir, c->map_size, c->map_max, c->sync, 0 };
	struct ctx ctx;
	FCGX_Request fr;
	sigset_t stops;
	uint64_t served = 0;
	int failures = 0, rc = 0;

	worker_signals();
	if (master) {
		/* Workers must not outlive the master that supervises them. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != master)
			return 0;
	}
	/* The master upgraded the database before forking; a worker started by
	 * another process manager (spawn-fcgi, mod_fcgid) may be the first. */
	if (store_open(&store, &so))
		return 2;
	if (upgrade_store(&store)) {
		store_close(&store);
		return 2;
	}
	secret_init();
	memset(&ctx, 0, sizeof(ctx));
	ctx.store = &store;
	ctx.cfg = c;
	rl_open(&ctx.rl, c->limits_dir); /* failure: logged, requests allowed */
	if (FCGX_Init() != 0 || FCGX_InitRequest(&fr, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		rl_close(ctx.rl);
		store_close(&store);
		return 2;
	}
	/* A stop signal may interrupt accept() (that is how an idle worker
	 * notices it), but never the I/O of a request in flight: while one is
	 * served they stay blocked, and are delivered before the next accept. */
	sigemptyset(&stops);
	sigaddset(&stops, SIGTERM);
	sigaddset(&stops, SIGINT);
	sigaddset(&stops, SIGQUIT);
	while (!worker_stop && (c->max_requests == 0 || served < c->max_requests)) {
		sigprocmask(SIG_UNBLOCK, &stops, NULL);
		if (worker_stop)
			break;
		if (worker_reopen) {
			worker_reopen = 0;
			log_reopen();
		}
		if (FCGX_Accept_r(&fr) < 0) {
			if (worker_stop)
				break;
			/* EMFILE and friends: back off instead of spinning; a worker
			 * whose accepts keep failing (libfcgi holding a dead
			 * connection) exits, and the master starts a fresh one. */
			if (++failures >= WORKER_MAX_FAILURES) {
				log_msg(LOG_ERR, "worker: accept keeps failing (%s); exiting", strerror(errno));
				rc = 1;
				break;
			}
			usleep(errno == EINTR ? 1000 : 100 * 1000);
			continue;
		}
		failures = 0;
		sigprocmask(SIG_BLOCK, &stops, NULL);
		worker_finish(&fr, worker_serve(&ctx, &fr));
		served++;
	}
	FCGX_Free(&fr, 0);
	rl_close(ctx.rl);
	store_close(&store);
	return rc;
}
