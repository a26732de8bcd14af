/* ref_responder: the ceiling of the stack. A minimal libfcgi responder that
 * answers every request with one constant Game Jolt-shaped body, run as N
 * processes accepting on one unix socket, exactly like arcaded's pool. The
 * benchmark puts it behind the same nginx snippet and compares arcade's
 * throughput with this one's, measured in the same run.
 *
 * Usage: ref_responder SOCKET_PATH WORKERS
 * REF_CAREFUL_CLOSE=1: end connections the way libfcgi does by default
 * (shutdown, then wait for the web server to close first) instead of
 * closing at once as arcaded does; measures what that wait costs.
 * Stops (with its workers) on SIGTERM or SIGINT. */
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Headers as arcaded sends them for a small answer: status, type, length,
 * CORS and the four rate-limit lines, so nginx relays the same bytes. */
static const char body[] = "{\"response\":{\"success\":\"true\"}}";
/* REF_BODY_BYTES=N pads the body to N bytes (how much of a gap is just the
 * size of an answer; the benchmark's reference uses the short body). */
static char big_body[65536];
static const char head[] =
	"Status: 200 OK\r\n"
	"Content-Type: application/json\r\n"
	"Access-Control-Allow-Origin: *\r\n"
	"RateLimit-Policy: \"ip\";q=1000000;w=1\r\n"
	"RateLimit: \"ip\";r=999999;t=1\r\n"
	"X-RateLimit-Limit: 1000000\r\n"
	"X-RateLimit-Remaining: 999999\r\n"
	"X-RateLimit-Reset: 1\r\n";
static char answer[70000];
static int answer_len;

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
	FCGX_ShutdownPending();
}

static void serve(int fd, int careful_close)
{
	FCGX_Request r;
	char buf[4096];

	if (FCGX_InitRequest(&r, fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0)
		exit(2);
	while (!stop && FCGX_Accept_r(&r) >= 0) {
		/* Drain a body, as a real application reads its input. */
		while (FCGX_GetStr(buf, sizeof(buf), r.in) > 0)
			;
		FCGX_PutStr(answer, answer_len, r.out);
		/* Input read to its end: close at once, as arcaded does, rather
		 * than libfcgi's shutdown-and-wait-for-the-peer close. */
		if (!careful_close && FCGX_HasSeenEOF(r.in))
			FCGX_Detach(&r);
		FCGX_Finish_r(&r);
	}
	exit(0);
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	int fd, n;
	pid_t *kids;

	if (argc != 3 || (n = atoi(argv[2])) < 1 || n > 256) {
		fprintf(stderr, "usage: ref_responder SOCKET_PATH WORKERS\n");
		return 2;
	}
	{
		const char *b = body;
		const char *env = getenv("REF_BODY_BYTES");
		size_t n = sizeof(body) - 1, want = env ? (size_t)atol(env) : 0;
		if (want > n && want < sizeof(big_body)) {
			memcpy(big_body, body, n);
			memset(big_body + n, ' ', want - n);
			b = big_body;
			n = want;
		}
		answer_len = snprintf(answer, sizeof(answer), "%sContent-Length: %zu\r\n\r\n%.*s", head, n, (int)n, b);
	}
	if (FCGX_Init() != 0)
		return 2;
	unlink(argv[1]);
	fd = FCGX_OpenSocket(argv[1], 1024);
	if (fd < 0) {
		fprintf(stderr, "ref_responder: cannot listen on %s\n", argv[1]);
		return 2;
	}
	chmod(argv[1], 0666);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term; /* no SA_RESTART: interrupt accept() */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	kids = calloc((size_t)n, sizeof(*kids));
	for (int i = 0; i < n; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			serve(fd, getenv("REF_CAREFUL_CLOSE") != NULL);
		}
	}
	while (!stop)
		pause();
	for (int i = 0; i < n; i++)
		if (kids[i] > 0)
			kill(kids[i], SIGTERM);
	for (int i = 0; i < n; i++)
		if (kids[i] > 0)
			waitpid(kids[i], NULL, 0);
	unlink(argv[1]);
	return 0;
}
