/*
 * The address classifier of the HTTP connectors' dials (monitor/addrclass.c):
 * what a name may not resolve to unless the service says allowLoopback.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <string.h>

#include "monitor.h"
#include "test.h"

/* The class of a textual address, -1 when it is not one. */
static int
class_of(const char *text)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1)
		sin->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1)
		sin6->sin6_family = AF_INET6;
	else
		return -1;
	return (int)addr_class((struct sockaddr *)&ss);
}

static const struct {
	const char	*addr;
	enum addr_kind	 kind;
} cases[] = {
	{ "127.0.0.1", ADDR_LOOPBACK },
	{ "127.255.255.254", ADDR_LOOPBACK },
	{ "::1", ADDR_LOOPBACK },
	{ "::ffff:127.0.0.1", ADDR_LOOPBACK },
	{ "64:ff9b::127.0.0.1", ADDR_LOOPBACK },
	{ "10.0.0.1", ADDR_PRIVATE },
	{ "10.255.255.255", ADDR_PRIVATE },
	{ "172.16.0.1", ADDR_PRIVATE },
	{ "172.31.255.255", ADDR_PRIVATE },
	{ "192.168.1.1", ADDR_PRIVATE },
	{ "100.64.0.1", ADDR_PRIVATE },
	{ "100.100.100.200", ADDR_PRIVATE },	/* a cloud's metadata */
	{ "fc00::1", ADDR_PRIVATE },
	{ "fd00:ec2::254", ADDR_PRIVATE },	/* another's */
	{ "fec0::1", ADDR_PRIVATE },
	{ "::ffff:10.1.2.3", ADDR_PRIVATE },
	{ "169.254.169.254", ADDR_LINKLOCAL },
	{ "fe80::1", ADDR_LINKLOCAL },
	{ "febf::1", ADDR_LINKLOCAL },
	{ "::ffff:169.254.0.1", ADDR_LINKLOCAL },
	{ "0.0.0.0", ADDR_UNSPECIFIED },
	{ "0.1.2.3", ADDR_UNSPECIFIED },
	{ "::", ADDR_UNSPECIFIED },
	{ "::ffff:0.0.0.0", ADDR_UNSPECIFIED },
	{ "224.0.0.1", ADDR_MULTICAST },
	{ "255.255.255.255", ADDR_MULTICAST },
	{ "ff02::1", ADDR_MULTICAST },
	/* The edges of each block, just outside. */
	{ "126.255.255.255", ADDR_PUBLIC },
	{ "128.0.0.1", ADDR_PUBLIC },
	{ "9.255.255.255", ADDR_PUBLIC },
	{ "11.0.0.0", ADDR_PUBLIC },
	{ "172.15.255.255", ADDR_PUBLIC },
	{ "172.32.0.0", ADDR_PUBLIC },
	{ "192.167.255.255", ADDR_PUBLIC },
	{ "192.169.0.0", ADDR_PUBLIC },
	{ "100.63.255.255", ADDR_PUBLIC },
	{ "100.128.0.0", ADDR_PUBLIC },
	{ "169.253.255.255", ADDR_PUBLIC },
	{ "169.255.0.0", ADDR_PUBLIC },
	{ "1.0.0.0", ADDR_PUBLIC },
	{ "223.255.255.255", ADDR_PUBLIC },
	{ "93.184.216.34", ADDR_PUBLIC },
	{ "2606:2800:220:1:248:1893:25c8:1946", ADDR_PUBLIC },
	{ "fbff::1", ADDR_PUBLIC },
	{ "fe00::1", ADDR_PUBLIC },
	{ "::2", ADDR_PUBLIC },
	{ "::ffff:93.184.216.34", ADDR_PUBLIC },
	{ "64:ff9b::93.184.216.34", ADDR_PUBLIC },
	{ "64:ff9b:1::127.0.0.1", ADDR_PUBLIC },
};

TEST(addrclass_blocks)
{
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (class_of(cases[i].addr) != (int)cases[i].kind)
			printf("    %s: %s, not %s\n", cases[i].addr,
			    addr_class_name(class_of(cases[i].addr)),
			    addr_class_name(cases[i].kind));
		CHECK_INT(class_of(cases[i].addr), cases[i].kind);
	}
}

TEST(addrclass_other_family)
{
	struct sockaddr	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNIX;
	CHECK_INT(addr_class(&sa), ADDR_UNSPECIFIED);
	CHECK_STR(addr_class_name(ADDR_LINKLOCAL), "link-local");
}
