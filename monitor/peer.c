/*
 * Who may connect to a Unix listener: allowedUsers and allowedGroups,
 * checked at accept, before a worker is started, against the credentials
 * the kernel took when the peer connected (SO_PEERCRED: uid, primary gid,
 * pid) and its supplementary groups (SO_PEERGROUPS).  A peer passes when
 * its user is in allowedUsers or any of its groups in allowedGroups.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "monitor.h"

#define PEER_GROUPS_INLINE	64

/* uid_t, gid_t and id_t are one type on Linux: one look-up for both. */
static int
id_in(id_t id, const id_t *list, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (list[i] == id)
			return 1;
	return 0;
}

/* Is one of the peer's supplementary groups allowed? */
static int
groups_allowed(const struct service *svc, int fd)
{
	gid_t		 inline_gids[PEER_GROUPS_INLINE], *gids = inline_gids;
	socklen_t	 len = sizeof(inline_gids);
	size_t		 i, n;
	int		 ok = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, gids, &len) == -1) {
		/* ERANGE: len now says how much room the list needs. */
		if (errno != ERANGE || (gids = malloc(len)) == NULL)
			return 0;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, gids,
		    &len) == -1) {
			free(gids);
			return 0;
		}
	}
	n = len / sizeof(*gids);
	for (i = 0; i < n && !ok; i++)
		ok = id_in(gids[i], svc->allowed_gids, svc->nallowed_gids);
	if (gids != inline_gids)
		free(gids);
	return ok;
}

int
peer_allowed(const struct service *svc, int fd)
{
	static struct ratelimit	 rl;
	struct ucred		 uc;
	socklen_t		 len = sizeof(uc);
	unsigned long		 refused;

	if (!svc->peer_check)
		return 1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1 ||
	    len != sizeof(uc)) {
		if (ratelimit_pass(&rl, &refused))
			log_warn("%s: connection on %s refused: no peer "
			    "credentials: %s (%lu refused since the last such "
			    "line)", svc->name, svc->listen_path,
			    strerror(errno), refused);
		return 0;
	}
	if (id_in(uc.uid, svc->allowed_uids, svc->nallowed_uids) ||
	    id_in(uc.gid, svc->allowed_gids, svc->nallowed_gids) ||
	    (svc->nallowed_gids > 0 && groups_allowed(svc, fd)))
		return 1;
	if (ratelimit_pass(&rl, &refused))
		log_warn("%s: connection on %s refused: peer uid %u gid %u "
		    "pid %ld is in neither allowedUsers nor allowedGroups "
		    "(%lu refused since the last such line)", svc->name,
		    svc->listen_path, (unsigned)uc.uid, (unsigned)uc.gid,
		    (long)uc.pid, refused);
	return 0;
}
