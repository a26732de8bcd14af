/* response: CGI response serialisation. */
#include "config.h"
#include "response.h"

#include <stdarg.h>
#include <stdio.h>

static const struct { int status; const char *reason; } resp_reasons[] = {
	{ 200, "OK" }, { 201, "Created" }, { 204, "No Content" }, { 400, "Bad Request" },
	{ 401, "Unauthorized" }, { 403, "Forbidden" }, { 404, "Not Found" },
	{ 405, "Method Not Allowed" }, { 409, "Conflict" }, { 413, "Payload Too Large" },
	{ 429, "Too Many Requests" }, { 500, "Internal Server Error" }, { 503, "Service Unavailable" },
};

const char *resp_reason(int status)
{
	for (size_t i = 0; i < sizeof(resp_reasons) / sizeof(resp_reasons[0]); i++)
		if (resp_reasons[i].status == status)
			return resp_reasons[i].reason;
	return "Unknown";
}

/* Room for most answers (a top 10 is 1.9 KB) without growing on the way. */
#define RESP_BODY_ROOM 4095

void resp_init(struct resp *p)
{
	p->status = 200;
	p->ctype = "application/json";
	buf_init(&p->head);
	buf_init(&p->body);
	buf_reserve(&p->body, RESP_BODY_ROOM);
}

void resp_free(struct resp *p)
{
	buf_free(&p->head);
	buf_free(&p->body);
}

void resp_header(struct resp *p, const char *name, const char *fmt, ...)
{
	char val[512];
	va_list ap;

	int n;

	va_start(ap, fmt);
	n = vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	else if ((size_t)n >= sizeof(val))
		n = sizeof(val) - 1;
	resp_header_n(p, name, val, (size_t)n);
}

/* Pieces appended, no printf: every answer carries 5-7 headers. */
void resp_header_n(struct resp *p, const char *name, const char *val, size_t n)
{
	buf_adds(&p->head, name);
	buf_add(&p->head, ": ", 2);
	buf_add(&p->head, val, n);
	buf_add(&p->head, "\r\n", 2);
}

void resp_header_u64(struct resp *p, const char *name, uint64_t v)
{
	char d[24];
	resp_header_n(p, name, d, util_u64_dec(v, d));
}

size_t resp_body_len(const struct resp *p)
{
	return p->status != 204 ? p->body.len : 0;
}

void resp_serialize(const struct resp *p, struct buf *out)
{
	resp_head(p, out);
	buf_add(out, p->body.p, resp_body_len(p));
}

void resp_head(const struct resp *p, struct buf *out)
{
	char d[24];

	buf_add(out, "Status: ", 8);
	buf_add(out, d, util_u64_dec(p->status > 0 ? (uint64_t)p->status : 0, d));
	buf_addc(out, ' ');
	buf_adds(out, resp_reason(p->status));
	buf_add(out, "\r\n", 2);
	if (p->status != 204) {
		buf_add(out, "Content-Type: ", 14);
		buf_adds(out, p->ctype);
		buf_add(out, "\r\nContent-Length: ", 18);
		buf_add(out, d, util_u64_dec(p->body.len, d));
		buf_add(out, "\r\n", 2);
	}
	if (p->head.len)
		buf_add(out, p->head.p, p->head.len);
	buf_add(out, "\r\n", 2);
}
