/*
 * The syntax of hosts and ports in the configuration: listenOn, the health
 * listener, a connector's port credential.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "util.h"

int
cfg_valid_port(const char *s, unsigned int *port)
{
	return port_parse(s, strlen(s), port) == 0;
}

int
cfg_is_loopback(const char *host)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return 0;
}

/* As written between "tcp://" and ":". */
int
cfg_valid_host(const char *h)
{
	struct in_addr	 a4;
	size_t		 i, len = strlen(h);
	int		 numeric = 1;

	if (len == 0 || len > 253)
		return 0;
	if (inet_pton(AF_INET, h, &a4) == 1)
		return 1;
	for (i = 0; i < len; i++) {
		if (isalpha((unsigned char)h[i]) || h[i] == '-')
			numeric = 0;
		else if (!isdigit((unsigned char)h[i]) && h[i] != '.')
			return 0;
	}
	/* "127.1" would resolve, but not to what a reader expects. */
	return !numeric;
}
