/* router: which API family a path belongs to, and which handler serves a
 * method + path. Routes are one table (router.c); a pattern segment "*"
 * matches one path segment and is captured into req->caps. */
#ifndef ARCADE_ROUTER_H
#define ARCADE_ROUTER_H

#include "handler.h"

enum family { FAM_NONE, FAM_GAMEJOLT, FAM_TEAMBATTLES, FAM_MESHMAP };

struct family_info {
	enum family id;
	const char *name;
	const char *prefix;       /* paths under it belong to the family */
	const char *cors_methods; /* for OPTIONS preflights */
	/* Writes an ARC_E* error in the family's own format. */
	void (*error)(struct ctx *c, int err);
};

/* Route flags, kept in the high bits of `methods` (no method id reaches them). */
#define ROUTE_UPLOAD 0x10000u /* the body may be --max-upload bytes, not --max-body */

struct route {
	enum family family;
	unsigned methods; /* M_* bits, plus ROUTE_* flags */
	const char *pattern;
	handler_fn fn;
};

const struct family_info *router_family(const char *path);
/* 0 and *out set; ARC_ENOROUTE; or ARC_EMETHOD (the path exists). */
int router_match(struct req *r, const struct route **out);
/* How much of a path the request log may show: all of it, except that a
 * capability URL (an upload URL, whose last segment is its credential)
 * keeps only the first ROUTER_LOG_TOKEN_SHOWN characters of the token,
 * enough to tell requests apart, far too few to use. */
#define ROUTER_LOG_TOKEN_SHOWN 8
size_t router_log_len(const char *path);
/* Matches one pattern against a path, capturing "*" segments (exposed for tests). */
int router_path_match(const char *pattern, const char *path, struct req *r);
#endif
