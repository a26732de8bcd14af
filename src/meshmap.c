/* meshmap: MeshMap handlers. Errors are {"error": "message"}. */
#include "config.h"
#include "meshmap.h"
#include "errors.h"
#include "gj_format.h"

#include <string.h>

void mm_error(struct ctx *c, int err)
{
	const struct arc_err_info *e = arc_err_info(err);
	c->resp->status = e->status;
	c->resp->ctype = "application/json";
	buf_reset(&c->resp->body);
	buf_adds(&c->resp->body, "{\"error\":");
	gj_json_string(&c->resp->body, e->text, strlen(e->text));
	buf_adds(&c->resp->body, "}");
}
