/* Descriptions of the error codes of include/errors.h. */
#include "errors.h"

const char *
err_str(int e)
{
	switch (e) {
	case ERR_OK:		return "success";
	case ERR_NOMEM:		return "out of memory";
	case ERR_SHORT:		return "truncated input";
	case ERR_TOOBIG:	return "length or count over its limit";
	case ERR_FORMAT:	return "malformed input";
	case ERR_SYS:		return "system error";
	case ERR_EOF:		return "connection closed by peer";
	case ERR_TIMEOUT:	return "timed out";
	case ERR_AGAIN:		return "would block";
	case ERR_PROTO:		return "protocol violation";
	case ERR_DENIED:	return "refused by policy";
	case ERR_AUTH:		return "authentication failed";
	case ERR_NOTFOUND:	return "not found";
	case ERR_INVAL:		return "invalid argument";
	default:		return "unknown error";
	}
}
