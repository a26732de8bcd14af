/* errors: the one error idiom. Functions return int: 0 for success or an
 * ARC_E* value naming a family-neutral reason. Each API family turns the
 * reason into its own wire format in one place (errors.c holds the table). */
#ifndef ARCADE_ERRORS_H
#define ARCADE_ERRORS_H

enum arc_err {
	ARC_OK = 0,
	ARC_EBADENC,   /* invalid percent-encoding */
	ARC_ETOOMANY,  /* too many parameters */
	ARC_ETOOLONG,  /* a parameter name or value is too long */
	ARC_EUTF8,     /* not UTF-8, or a NUL byte */
	ARC_EBODY,     /* body larger than --max-body */
	ARC_EBODYIO,   /* body shorter than its Content-Length */
	ARC_EJSON,     /* malformed or too deeply nested JSON */
	ARC_ENOROUTE,  /* no such endpoint */
	ARC_EMETHOD,   /* endpoint exists, method does not */
	ARC_EFULL,     /* the database or the disk is full */
	ARC_EINTERNAL, /* anything else that is not the client's fault */
	ARC_ENOENT,    /* store: no such record */
	ARC_EEXIST,    /* store: record exists */
	ARC_EMAPFULL,  /* store: map full; store_write grows the map and retries */
	ARC_ERATE_IP,  /* 429: the client IP's bucket is empty */
	ARC_ERATE_KEY, /* 429: the API key's, game's or batch bucket is empty */
	ARC__COUNT
};

struct arc_err_info {
	int status;          /* HTTP status */
	const char *text;    /* human text: Game Jolt message, MeshMap error */
	const char *code;    /* TeamBattles error code */
	const char *mm_text; /* MeshMap error when it differs from text, else NULL */
};

const struct arc_err_info *arc_err_info(int err);
#endif
