/* rec: bounds-checked record encoding. */
#include "config.h"
#include "rec.h"
#include "key.h"

#include <string.h>

void rec_put_u64(struct buf *b, uint64_t v)
{
	unsigned char x[8];
	key_put_u64(x, v);
	buf_add(b, x, 8);
}

void rec_put_bytes(struct buf *b, const void *p, size_t n)
{
	unsigned char x[4] = { (unsigned char)(n >> 24), (unsigned char)(n >> 16),
			       (unsigned char)(n >> 8), (unsigned char)n };
	buf_add(b, x, 4);
	buf_add(b, p, n);
}

void rec_put_str(struct buf *b, const char *s)
{
	rec_put_bytes(b, s ? s : "", s ? strlen(s) : 0);
}

void rec_reader_init(struct rec_reader *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->bad = 0;
}

uint64_t rec_get_u64(struct rec_reader *r)
{
	uint64_t v;
	if (r->bad || r->len - r->off < 8) {
		r->bad = 1;
		return 0;
	}
	v = key_get_u64(r->p + r->off);
	r->off += 8;
	return v;
}

static size_t rec_get_len(struct rec_reader *r)
{
	size_t n;
	if (r->bad || r->len - r->off < 4) {
		r->bad = 1;
		return 0;
	}
	n = ((size_t)r->p[r->off] << 24) | ((size_t)r->p[r->off + 1] << 16) |
	    ((size_t)r->p[r->off + 2] << 8) | r->p[r->off + 3];
	r->off += 4;
	if (n > r->len - r->off) {
		r->bad = 1;
		return 0;
	}
	return n;
}

char *rec_get_str(struct rec_reader *r)
{
	size_t n = rec_get_len(r);
	char *s;
	if (r->bad)
		return xstrdup("");
	s = xstrndup((const char *)r->p + r->off, n);
	r->off += n;
	return s;
}

const char *rec_get_view(struct rec_reader *r, size_t *n)
{
	const char *s;

	*n = rec_get_len(r);
	if (r->bad)
		return NULL;
	s = (const char *)r->p + r->off;
	r->off += *n;
	return s;
}

void rec_skip(struct rec_reader *r)
{
	size_t n;

	rec_get_view(r, &n);
}

void rec_get_bytes(struct rec_reader *r, void *out, size_t n)
{
	size_t got = rec_get_len(r);
	if (r->bad || got != n) {
		r->bad = 1;
		memset(out, 0, n);
		return;
	}
	memcpy(out, r->p + r->off, n);
	r->off += n;
}

/* Doubles travel as their IEEE-754 bit pattern in a u64 field. */
void rec_put_dbl(struct buf *b, double d)
{
	uint64_t v;
	memcpy(&v, &d, sizeof(v));
	rec_put_u64(b, v);
}

double rec_get_dbl(struct rec_reader *r)
{
	uint64_t v = rec_get_u64(r);
	double d;
	memcpy(&d, &v, sizeof(d));
	return d;
}
