/* ratelimit: token buckets kept in a second LMDB environment (--limits, on
 * tmpfs), shared by every worker through the memory map, so a limit holds
 * exactly across the pool and across independently spawned processes.
 * If that environment cannot be used, requests are allowed (fail open) and
 * the failure is logged at most once a minute per process.
 * docs/rate-limits.md explains the choices. */
#ifndef ARCADE_RATELIMIT_H
#define ARCADE_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>
#include "conf.h"

struct ctx;
struct rl;

/* Longest id kept verbatim in a bucket key; longer ids are hashed. */
#define RL_ID_MAX 200
/* Entries the idle sweep examines per charge (see rl_charge). */
#define RL_SWEEP 8
#define RL_MAP_SIZE ((size_t)64 << 20)

/* The arithmetic core, free of LMDB: one bucket's state. A bucket that does
 * not exist yet is full. Times are wall-clock ms shared by all processes. */
struct rl_bucket {
	double tokens;
	uint64_t last_ms; /* when tokens was last brought up to date */
};

/* Adds the tokens earned since last_ms, capped at the capacity. A clock
 * that went backwards adds nothing and leaves last_ms alone. */
void rl_refill(struct rl_bucket *b, const struct conf_rate *r, uint64_t now_ms);
/* Refills, then takes cost tokens if they are there. Returns 1 if taken,
 * 0 if refused (the bucket is then only refilled). */
int rl_spend(struct rl_bucket *b, const struct conf_rate *r, double cost, uint64_t now_ms);
/* Seconds until the bucket holds `want` tokens (0 if it already does); a
 * very large number if it never will (no refill, or want > capacity). */
double rl_wait_s(const struct rl_bucket *b, const struct conf_rate *r, double want);

/* What one charge found; also kept in the ctx for the response headers. */
struct rl_note {
	const char *name;  /* bucket: "ip", "key", "game", "batch"; NULL if none charged */
	double cap, per_sec;
	double tokens;     /* left after the charge */
	double retry_s;    /* on refusal: seconds until the refused cost fits */
	int refused;       /* ARC_ERATE_* of the bucket that refused, else 0 */
};

/* Opens (creating if needed) the environment in dir. On failure *out is
 * NULL, the reason is logged, and every charge against NULL is allowed. */
int rl_open(struct rl **out, const char *dir);
/* Same with a chosen map size (tests use a small one to fill it). */
int rl_open_sized(struct rl **out, const char *dir, size_t map_size);
void rl_close(struct rl *rl);

/* One charge, one write transaction: read, refill, compare, write, plus an
 * idle sweep of RL_SWEEP entries. Returns 0 with *n filled (n->refused is
 * the bucket's ARC_ERATE_* if refused), or an ARC_E* error when the table is
 * unusable or the bucket name unknown (the caller then allows the request).
 * The bucket key is "bucket\0id"; a NULL id counts as "-". */
int rl_charge(struct rl *rl, const char *bucket, const char *id, const struct conf_rate *r, double cost,
	      uint64_t now_ms, struct rl_note *n);
/* Number of buckets in the table (tests, arcadectl stats). */
int rl_entries(struct rl *rl, size_t *out);

/* The per-request helper. Charges cost tokens to the named bucket of id
 * with the given rate, at c->now_ms. Returns 0, or ARC_ERATE_IP (bucket
 * "ip") / ARC_ERATE_KEY (the others) when the bucket is too empty. Keeps in
 * c->rl_note the most restrictive bucket charged so far, or on refusal the
 * refusing one. After a refusal, further calls refuse without charging. */
int rl_take(struct ctx *c, const char *bucket, const char *id, const struct conf_rate *r, double cost);
/* Adds the RateLimit headers (and Retry-After on a refusal) for what this
 * request was charged; nothing if nothing was. */
void rl_headers(struct ctx *c);
#endif
