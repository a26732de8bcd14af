/* response: status, headers and body, built in memory and written to the
 * FastCGI stream in one go after the transaction has committed. */
#ifndef ARCADE_RESPONSE_H
#define ARCADE_RESPONSE_H

#include "util.h"

struct resp {
	int status;
	const char *ctype;
	struct buf head; /* extra header lines, each ending in \r\n */
	struct buf body;
};

void resp_init(struct resp *p);
void resp_free(struct resp *p);
void resp_header(struct resp *p, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A header whose value is already text (n bytes), or a number. */
void resp_header_n(struct resp *p, const char *name, const char *val, size_t n);
void resp_header_u64(struct resp *p, const char *name, uint64_t v);
/* The whole CGI response (Status line, headers, body) into out. */
void resp_serialize(const struct resp *p, struct buf *out);
/* Its two parts, for writing them out without copying the body once more:
 * the head (Status line, headers, blank line) into out, and the length of
 * the body as sent (none for a 204). */
void resp_head(const struct resp *p, struct buf *out);
size_t resp_body_len(const struct resp *p);
const char *resp_reason(int status);
#endif
