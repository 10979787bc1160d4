/*
 * What maxWorkers asks of the system's limits: descriptors (RLIMIT_NOFILE)
 * and processes (the kernel's pid_max and threads-max, the cgroup's
 * pids.max, which systemd's TasksMax= sets).  airlockd raises its
 * open-file soft limit as far as the hard one goes, and says once, at
 * start or at a reload that raises maxWorkers, which limit cannot carry
 * maxWorkers connections and what it would need: otherwise the shortage
 * shows only under load, as refused connections ("pausing listeners").
 */
#include <sys/resource.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "monitor.h"

/*
 * Descriptors that do not grow with the connections: stdin, stdout,
 * stderr, the log, epoll, the signalfd, the KDF eventfd, inotify, the
 * resolver's sockets, the health listener, providers' connections (Vault,
 * Kubernetes, a cloud's token), the workers' stderr socket (both ends,
 * stderr.c), the end of a channel that a spawn holds until the worker has
 * it, and room for whatever a library opens.
 */
#define LIMITS_FD_SPARE		64
/* Per worker: see limits_fds_needed. */
#define LIMITS_FD_PER_WORKER	2ULL
/* Tasks besides the workers: airlockd's thread and the KDF threads. */
#define LIMITS_TASK_SPARE	(1 + 4)

/*
 * Descriptors for conf:
 *   2 per worker (maxWorkers, which counts the pool's idle workers too,
 *     pool.c): its channel while it lives (its stderr is the socket that
 *     all workers share, stderr.c), plus one in passing (the client's
 *     between accept and MSG_ASSIGN, the backend's between connect and
 *     MSG_DIALED, or a provider's connection while credentials resolve);
 *   1 per service (its listener; services that share one need fewer);
 *   LIMITS_FD_SPARE.
 * Idle backends of backend reuse are not counted: backpool.c keeps them
 * within a quarter of the limit itself.
 */
unsigned long long
limits_fds_needed(const struct config *conf)
{
	return LIMITS_FD_PER_WORKER * (unsigned long long)conf->max_workers +
	    conf->nservices + LIMITS_FD_SPARE;
}

/* A worker is one process of one thread; maxWorkers counts the pool's. */
unsigned long long
limits_tasks_needed(const struct config *conf)
{
	return (unsigned long long)conf->max_workers + LIMITS_TASK_SPARE;
}

/* A file's first line as a number; 0 when unreadable or not one ("max"). */
static unsigned long long
read_number(const char *path)
{
	char			 line[64], *end;
	unsigned long long	 v;
	FILE			*f;

	if ((f = fopen(path, "re")) == NULL)
		return 0;
	if (fgets(line, sizeof(line), f) == NULL) {
		fclose(f);
		return 0;
	}
	fclose(f);
	errno = 0;
	v = strtoull(line, &end, 10);
	if (errno != 0 || end == line || (*end != '\n' && *end != '\0'))
		return 0;
	return v;
}

/*
 * The least pids.max from dir up to the mount point mnt (each cgroup on
 * the way limits its descendants); 0 when none is set.
 */
static unsigned long long
pids_max_up(const char *mnt, const char *path)
{
	char			 dir[1024], file[1100], *slash;
	unsigned long long	 v, least = 0;
	size_t			 mlen = strlen(mnt);

	if ((size_t)snprintf(dir, sizeof(dir), "%s%s", mnt,
	    strcmp(path, "/") == 0 ? "" : path) >= sizeof(dir))
		return 0;
	for (;;) {
		snprintf(file, sizeof(file), "%s/pids.max", dir);
		if ((v = read_number(file)) != 0 && (least == 0 || v < least))
			least = v;
		if (strlen(dir) <= mlen || (slash = strrchr(dir, '/')) == NULL)
			break;
		*slash = '\0';
	}
	return least;
}

/*
 * Where the cgroup file systems are mounted (/proc/self/mountinfo: the
 * fifth field, and after " - " the type and the super options): cgroup2,
 * and cgroup v1 with the pids controller.
 */
static void
cgroup_mounts(char *v2, char *v1, size_t len)
{
	char	 line[2048], mnt[1024], type[64], opts[1024], *dash;
	FILE	*f;

	v2[0] = v1[0] = '\0';
	if ((f = fopen("/proc/self/mountinfo", "re")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((dash = strstr(line, " - ")) == NULL ||
		    sscanf(line, "%*s %*s %*s %*s %1023s", mnt) != 1 ||
		    sscanf(dash + 3, "%63s %*s %1023s", type, opts) != 2)
			continue;
		if (strcmp(type, "cgroup2") == 0 && v2[0] == '\0')
			snprintf(v2, len, "%s", mnt);
		else if (strcmp(type, "cgroup") == 0 && v1[0] == '\0' &&
		    (strncmp(opts, "pids", 4) == 0 || strstr(opts, ",pids") !=
		    NULL))
			snprintf(v1, len, "%s", mnt);
	}
	fclose(f);
}

/*
 * The cgroup's pids.max, the least of the v2 hierarchy's and the v1 pids
 * controller's (/proc/self/cgroup: "0::PATH", "N:...pids...:PATH"); 0 when
 * none is known.
 */
static unsigned long long
cgroup_pids_max(void)
{
	char			 line[2048], v2[1024], v1[1024], *ctl, *path;
	unsigned long long	 v, least = 0;
	FILE			*f;

	cgroup_mounts(v2, v1, sizeof(v2));
	if ((f = fopen("/proc/self/cgroup", "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if ((ctl = strchr(line, ':')) == NULL ||
		    (path = strchr(ctl + 1, ':')) == NULL)
			continue;
		*path++ = '\0';
		ctl++;
		if (*ctl == '\0' && v2[0] != '\0')
			v = pids_max_up(v2, path);
		else if (v1[0] != '\0' && (strcmp(ctl, "pids") == 0 ||
		    strstr(ctl, "pids,") == ctl || strstr(ctl, ",pids") != NULL))
			v = pids_max_up(v1, path);
		else
			continue;
		if (v != 0 && (least == 0 || v < least))
			least = v;
	}
	fclose(f);
	return least;
}

/* The soft limit up to the hard one; warn when even that is too low. */
static void
limits_nofile(const struct config *conf)
{
	unsigned long long	 need = limits_fds_needed(conf);
	unsigned long long	 fixed = need - LIMITS_FD_PER_WORKER *
				    (unsigned long long)conf->max_workers;
	struct rlimit		 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	/*
	 * The hard limit is the administrator's word (systemd's LimitNOFILE=,
	 * a container's ulimit); the soft one is only a default: take all of
	 * the hard one, as nginx and PostgreSQL's postmaster do, for what the
	 * count above cannot foresee.  Workers set their own, far lower limit
	 * in their sandbox.
	 */
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
			log_warn("cannot raise the open-file limit to %llu: %s",
			    (unsigned long long)rl.rlim_max, strerror(errno));
			getrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need)
		log_warn("maxWorkers %d needs about %llu open files, but the "
		    "limit is %llu: connections beyond about %llu will wait; "
		    "raise the hard limit (LimitNOFILE= of the systemd unit, "
		    "ulimit -Hn) or lower maxWorkers", conf->max_workers,
		    need, (unsigned long long)rl.rlim_cur,
		    rl.rlim_cur > fixed ?
		    (rl.rlim_cur - fixed) / LIMITS_FD_PER_WORKER : 0);
}

/* Each limit on processes that cannot carry maxWorkers' workers. */
static void
limits_tasks(const struct config *conf)
{
	static const struct {
		const char	*file;
		const char	*what;
	} sysctl[] = {
		{ "/proc/sys/kernel/pid_max", "the kernel's pid_max "
		    "(sysctl kernel.pid_max)" },
		{ "/proc/sys/kernel/threads-max", "the kernel's threads-max "
		    "(sysctl kernel.threads-max)" },
	};
	unsigned long long	 need = limits_tasks_needed(conf), v;
	size_t			 i;

	for (i = 0; i < sizeof(sysctl) / sizeof(sysctl[0]); i++)
		if ((v = read_number(sysctl[i].file)) != 0 && v < need)
			log_warn("maxWorkers %d needs about %llu processes, "
			    "but %s is %llu", conf->max_workers, need,
			    sysctl[i].what, v);
	if ((v = cgroup_pids_max()) != 0 && v < need)
		log_warn("maxWorkers %d needs about %llu processes, but the "
		    "cgroup's pids.max is %llu: raise TasksMax= of the systemd "
		    "unit (or the container's pids limit) or lower maxWorkers",
		    conf->max_workers, need, v);
}

void
limits_apply(const struct config *conf, int old_max_workers)
{
	/* A reload: only when maxWorkers grew, so that it is said once. */
	if (old_max_workers != 0 && conf->max_workers <= old_max_workers)
		return;
	limits_nofile(conf);
	limits_tasks(conf);
}
