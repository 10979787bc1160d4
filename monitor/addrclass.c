/*
 * What kind of address a name resolved to: one of the internet, or one of
 * this host or of the networks around it (loopback, private, link-local,
 * unspecified).  The HTTP connectors dial the upstream of a URL that a
 * pattern allowed, but a pattern names hosts, and whoever controls a
 * name's DNS records chooses its addresses: a name that resolves to
 * 127.0.0.1 or 169.254.169.254 (a cloud's metadata service) would let a
 * client reach, with credentials added, what sits next to airlock
 * (DNS rebinding).  dial.c refuses such addresses for a service that does
 * not allow them (allowLoopback).
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdint.h>
#include <string.h>

#include "monitor.h"

/* An IPv4 address (host order) in prefix/len? */
static int
in4(uint32_t a, uint32_t prefix, int len)
{
	uint32_t	 mask = len == 0 ? 0 : 0xffffffffU << (32 - len);

	return (a & mask) == (prefix & mask);
}

static enum addr_kind
class4(uint32_t a)
{
	if (in4(a, 0x7f000000, 8))		/* 127/8, RFC 1122 3.2.1.3 */
		return ADDR_LOOPBACK;
	if (in4(a, 0x00000000, 8))		/* 0/8, "this network" */
		return ADDR_UNSPECIFIED;
	if (in4(a, 0xa9fe0000, 16))		/* 169.254/16, RFC 3927 */
		return ADDR_LINKLOCAL;
	if (in4(a, 0x0a000000, 8) ||		/* RFC 1918 */
	    in4(a, 0xac100000, 12) ||
	    in4(a, 0xc0a80000, 16) ||
	    in4(a, 0x64400000, 10))		/* 100.64/10, RFC 6598 */
		return ADDR_PRIVATE;
	if (in4(a, 0xe0000000, 4) ||		/* multicast, broadcast */
	    a == 0xffffffffU)
		return ADDR_MULTICAST;
	return ADDR_PUBLIC;
}

/* The IPv4 address in the last 4 bytes of an IPv6 one, host order. */
static uint32_t
embedded4(const unsigned char *b)
{
	return (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 |
	    (uint32_t)b[14] << 8 | b[15];
}

static enum addr_kind
class6(const struct in6_addr *a6)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0xff, 0xff };
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b };
	const unsigned char	*b = a6->s6_addr;

	if (IN6_IS_ADDR_LOOPBACK(a6))
		return ADDR_LOOPBACK;
	if (IN6_IS_ADDR_UNSPECIFIED(a6))
		return ADDR_UNSPECIFIED;
	/*
	 * ::ffff:a.b.c.d reaches a.b.c.d; 64:ff9b::/96 (RFC 6052) reaches
	 * it through a NAT64 gateway.
	 */
	if (memcmp(b, mapped, 12) == 0 || memcmp(b, nat64, 12) == 0)
		return class4(embedded4(b));
	if ((b[0] == 0xfe && (b[1] & 0xc0) == 0x80))	/* fe80::/10 */
		return ADDR_LINKLOCAL;
	if ((b[0] & 0xfe) == 0xfc ||			/* fc00::/7 */
	    (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0))	/* fec0::/10 */
		return ADDR_PRIVATE;
	if (b[0] == 0xff)				/* multicast */
		return ADDR_MULTICAST;
	return ADDR_PUBLIC;
}

enum addr_kind
addr_class(const struct sockaddr *sa)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)(const void *)sa;
		return class4(ntohl(sin->sin_addr.s_addr));
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		return class6(&sin6->sin6_addr);
	default:
		return ADDR_UNSPECIFIED;
	}
}

const char *
addr_class_name(enum addr_kind k)
{
	switch (k) {
	case ADDR_PUBLIC:	return "public";
	case ADDR_LOOPBACK:	return "loopback";
	case ADDR_PRIVATE:	return "private";
	case ADDR_LINKLOCAL:	return "link-local";
	case ADDR_MULTICAST:	return "multicast";
	default:		return "unspecified";
	}
}
