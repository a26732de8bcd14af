/* fuzz_gj_batch: the URLs inside a Game Jolt batch/ call, taken apart the
 * way gj_batch.c does with the same public functions: the signature of the
 * relative URL (gj_sig_strip, gj_sig_match), the sub-request's path under
 * the batch's own prefix, its query, and its route. A sub-request can only
 * ever reach a Game Jolt route, and a correct signature over the relative
 * URL always passes. (fuzz_api runs the real handler.)
 * Input: a flag byte, the batch call's path, a newline, the sub-request URL. */
#include "config.h"
#include "fuzz.h"
#include "../../src/errors.h"
#include "../../src/gamejolt.h"
#include "../../src/gj_sig.h"
#include "../../src/request.h"
#include "../../src/router.h"
#include "../../src/secret.h"
#include "../../src/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KEY "0123456789abcdef0123456789abcdef"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f;
	struct req outer, sub;
	const struct route *route = NULL;
	unsigned flags;
	char *opath, *url, *bare, *sig, want[41];
	const char *sep, *at;
	struct buf path;
	int rc;

	FUZZ_INPUT(data);
	fz_init(&f, data, size);
	flags = fz_byte(&f);
	opath = fz_field(&f, '\n', NULL);
	url = fz_field(&f, '\n', NULL);
	memset(&outer, 0, sizeof(outer));
	outer.path = opath;
	outer.method_id = flags & 1 ? M_POST : M_GET;
	/* Only a path routed to batch/ gets here. */
	if (router_match(&outer, &route) != 0 || route->fn != gj_batch || url[0] != '/')
		goto out;
	at = strstr(opath, "/batch");
	FUZZ_CHECK(at != NULL);

	gj_sig_strip(url, &bare, &sig);
	if (sig)
		(void)gj_sig_match(bare, strlen(bare), KEY, sig);
	/* Signed over the relative URL alone, MD5 or SHA-1. */
	{
		struct buf t;
		buf_init(&t);
		buf_adds(&t, bare);
		buf_adds(&t, KEY);
		if ((flags >> 1) & 1)
			secret_sha1_hex(t.p, t.len, want);
		else
			secret_md5_hex(t.p, t.len, want);
		buf_free(&t);
	}
	FUZZ_CHECK(gj_sig_match(bare, strlen(bare), KEY, want) == 1);
	want[0] ^= 1;
	FUZZ_CHECK(gj_sig_match(bare, strlen(bare), KEY, want) == 0);
	free(sig);

	/* The sub-request, as gj_batch_one() builds it. */
	memset(&sub, 0, sizeof(sub));
	sub.method = "GET";
	sub.method_id = M_GET;
	sub.content_type = "";
	sep = bare + strcspn(bare, "?&");
	buf_init(&path);
	buf_add(&path, opath, (size_t)(at - opath));
	buf_add(&path, bare, (size_t)(sep - bare));
	sub.path = buf_detach(&path);
	sub.uri = xstrdup(bare);
	sub.query = xstrdup(*sep ? sep + 1 : "");
	free(bare);
	FUZZ_CHECK(strncmp(sub.path, "/api/game/", 10) == 0);
	rc = req_parse_params(&sub);
	if (rc == 0) {
		rc = router_match(&sub, &route);
		if (rc == 0)
			FUZZ_CHECK(route->family == FAM_GAMEJOLT);
		else
			FUZZ_CHECK(rc == ARC_ENOROUTE || rc == ARC_EMETHOD);
	}
	req_free(&sub);
out:
	free(opath);
	free(url);
	return 0;
}
