/* fuzz_router: path routing. router_match() on a hostile path and method:
 * a match names a route of the family router_family() gives the path (that
 * family writes the errors), and every captured segment lies inside the
 * path, is not empty and holds no '/'. router_path_match() with a hostile
 * pattern too. router_log_len() cuts exactly the upload URLs' tokens.
 * Input: a method byte, the path, a newline, then a pattern. */
#include "config.h"
#include "fuzz.h"
#include "../../src/errors.h"
#include "../../src/request.h"
#include "../../src/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_caps(const struct req *r, const char *path, int whole_segments)
{
	size_t n = strlen(path);

	FUZZ_CHECK(r->ncaps <= REQ_MAX_CAPS);
	for (size_t i = 0; i < r->ncaps; i++) {
		FUZZ_CHECK(r->caps[i] >= path && r->caps[i] < path + n);
		FUZZ_CHECK(r->caps[i][0] != '/' && r->caps[i][0] != '\0');
		if (whole_segments) /* the route table's stars are whole segments */
			FUZZ_CHECK(r->caps[i] == path || r->caps[i][-1] == '/');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned methods[] = { M_GET, M_POST, M_PATCH, M_PUT, M_DELETE, M_OPTIONS, M_HEAD, 0 };
	struct fz f;
	struct req r;
	const struct route *route = NULL;
	const struct family_info *fam;
	char *path, *pattern;
	int rc;

	FUZZ_INPUT(data);
	fz_init(&f, data, size);
	memset(&r, 0, sizeof(r));
	r.method_id = methods[fz_byte(&f) % (sizeof(methods) / sizeof(methods[0]))];
	path = fz_field(&f, '\n', NULL);
	pattern = fz_field(&f, '\n', NULL);
	r.path = path;

	fam = router_family(path);
	FUZZ_CHECK(fam && fam->error && fam->name);
	/* Outside every family (the catch-all "/"), a path may even be empty. */
	if (fam->id != FAM_NONE)
		FUZZ_CHECK(strncmp(path, fam->prefix, strlen(fam->prefix)) == 0);
	/* The log cuts only an upload URL's token, to its first characters;
	 * whatever route an upload token reaches, it is cut. */
	{
		size_t shown = router_log_len(path), n = strlen(path), pl = strlen("/api/v1/uploads/");
		FUZZ_CHECK(shown <= n);
		if (shown < n)
			FUZZ_CHECK(strncmp(path, "/api/v1/uploads/", pl) == 0 && shown == pl + ROUTER_LOG_TOKEN_SHOWN);
		if (n > pl + ROUTER_LOG_TOKEN_SHOWN && strncmp(path, "/api/v1/uploads/", pl) == 0 &&
		    strncmp(path + pl, "image-url", 9) != 0)
			FUZZ_CHECK(shown < n);
	}
	rc = router_match(&r, &route);
	if (rc == 0) {
		FUZZ_CHECK(route && route->fn && (route->methods & r.method_id));
		FUZZ_CHECK(route->family == fam->id);
		check_caps(&r, path, 1);
	} else {
		FUZZ_CHECK(rc == ARC_ENOROUTE || rc == ARC_EMETHOD);
		FUZZ_CHECK(r.ncaps == 0);
	}
	if (router_path_match(pattern, path, &r))
		check_caps(&r, path, 0);
	else
		FUZZ_CHECK(r.ncaps <= REQ_MAX_CAPS);
	free(path);
	free(pattern);
	return 0;
}
