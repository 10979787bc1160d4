/*
 * The monitor's half of the HTTP connectors, basic_auth, conjur, aws and
 * generic_http: one row each (connector.h).  Their services may share a
 * listenOn (MC_SHARE); their workers are forward proxies that ask, per
 * request, where it may go and what it gets (httpmsg.h), so that they are
 * in W_SESSION (MC_SESSION) and dial nothing through the common requests
 * (not MC_BACKEND).  Their config: section is httpconf.c's.
 */
#include <stddef.h>

#include "connector.h"
#include "httpconf.h"

/* generic_http: the templates name what they read; any name goes. */
static const char *const basic_auth_required[] = { "username", "password",
	NULL };
static const char *const conjur_required[] = { "accessToken", NULL };
static const char *const aws_required[] = { "accessKeyId",
	"secretAccessKey", NULL };
static const char *const aws_optional[] = { "accessToken", NULL };
static const char *const none[] = { NULL };

const struct mon_connector mon_generic_http = {
	.name = "generic_http",
	.flags = MC_SHARE | MC_SESSION,
	.check = http_check_generic,
	.conf_free = http_conf_free,
};

const struct mon_connector mon_basic_auth = {
	.name = "basic_auth",
	.flags = MC_SHARE | MC_SESSION,
	.required = basic_auth_required,
	.optional = none,
	.check = http_check_basic_auth,
	.conf_free = http_conf_free,
};

const struct mon_connector mon_conjur = {
	.name = "conjur",
	.flags = MC_SHARE | MC_SESSION,
	.required = conjur_required,
	.optional = none,
	.check = http_check_conjur,
	.conf_free = http_conf_free,
};

const struct mon_connector mon_aws = {
	.name = "aws",
	.flags = MC_SHARE | MC_SESSION,
	.required = aws_required,
	.optional = aws_optional,
	.check = http_check_aws,
	.conf_free = http_conf_free,
};
