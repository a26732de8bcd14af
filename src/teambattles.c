/* teambattles: TeamBattles handlers. Errors are {"error": code} with the
 * family's status codes. */
#include "config.h"
#include "teambattles.h"
#include "errors.h"

void tb_error(struct ctx *c, int err)
{
	const struct arc_err_info *e = arc_err_info(err);
	c->resp->status = e->status;
	c->resp->ctype = "application/json";
	buf_reset(&c->resp->body);
	buf_printf(&c->resp->body, "{\"error\":\"%s\"}", e->code);
}
