/* errors: what each family-neutral reason looks like on the wire. */
#include "config.h"
#include "errors.h"

static const struct arc_err_info arc_errs[ARC__COUNT] = {
	[ARC_OK] = { 200, "OK", "ok" },
	[ARC_EBADENC] = { 400, "The request contains invalid percent-encoding.", "error_invalid_request" },
	[ARC_ETOOMANY] = { 400, "The request has too many parameters.", "error_invalid_request" },
	[ARC_ETOOLONG] = { 400, "A request parameter is too long.", "error_invalid_request" },
	[ARC_EUTF8] = { 400, "The request contains text that is not valid UTF-8.", "error_invalid_request" },
	[ARC_EBODY] = { 413, "The request body is too large.", "error_payload_too_large" },
	[ARC_EBODYIO] = { 400, "The request body is incomplete.", "error_invalid_request" },
	[ARC_EJSON] = { 400, "The request body is not valid JSON.", "error_invalid_request" },
	[ARC_ENOROUTE] = { 404, "Unknown endpoint.", "error_not_found" },
	[ARC_EMETHOD] = { 405, "Method not allowed.", "error_method_not_allowed" },
	[ARC_EFULL] = { 503, "The server's storage is full. Try again later.", "error_internal" },
	[ARC_EINTERNAL] = { 500, "Unknown error has occured", "error_internal" },
	[ARC_ENOENT] = { 404, "Not found.", "error_not_found" },
	[ARC_EEXIST] = { 409, "Already exists.", "error_conflict" },
	[ARC_EMAPFULL] = { 503, "The server's storage is full. Try again later.", "error_internal" },
	[ARC_ERATE_IP] = { 429, "Rate limit exceeded. Try again later.", "error_ip_rate_limited", "Too many requests" },
	[ARC_ERATE_KEY] = { 429, "Rate limit exceeded. Try again later.", "error_api_rate_limited", "Too many requests" },
};

const struct arc_err_info *arc_err_info(int err)
{
	if (err < 0 || err >= ARC__COUNT)
		err = ARC_EINTERNAL;
	return &arc_errs[err];
}
