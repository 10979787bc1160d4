/*
 * airlockd, the monitor: the only privileged process of airlock.
 *
 * It reads the configuration, binds the listeners, and for every client
 * connection starts a sandboxed worker and answers its requests, from one
 * libevent loop that never blocks.  See DESIGN.md and airlockd(8).
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "config.h"
#include "confdump.h"
#include "errors.h"
#include "log.h"
#include "connector.h"
#include "monitor.h"
#include "provider.h"
#include "safefile.h"
#include "secret.h"
#include "../providers/https.h"
#include "util.h"

#define DEFAULT_WORKER_USER	"_airlock"
#define FALLBACK_WORKER_USER	"nobody"

struct monitor	 mon;

static struct event	*ev_drain;

/*
 * libevent's own warnings (evdns, evhttp) go through our logging, so that
 * they reach syslog and keep a JSON log one object per line.
 */
static void
libevent_log(int severity, const char *msg)
{
	switch (severity) {
	case EVENT_LOG_DEBUG:
		log_debug("libevent: %s", msg);
		break;
	case EVENT_LOG_MSG:
		log_info("libevent: %s", msg);
		break;
	case EVENT_LOG_WARN:
		log_warn("libevent: %s", msg);
		break;
	default:
		log_error("libevent: %s", msg);
		break;
	}
}

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr, "usage: airlockd [-dDTtV] [-debug] [-version] [-watch]\n"
	    "                [-config-mgr configfile] [-f file]\n");
	exit(1);
}

/*
 * Is a the long flag name, as Go's flag package spells it for Secretless
 * Broker: one or two dashes, and maybe "=value" (*val, else NULL)?
 */
static int
long_flag(const char *a, const char *name, const char **val)
{
	size_t	 n = strlen(name);

	if (a[0] != '-')
		return 0;
	a += a[1] == '-' ? 2 : 1;
	if (strncmp(a, name, n) != 0 || (a[n] != '\0' && a[n] != '='))
		return 0;
	*val = a[n] == '=' ? a + n + 1 : NULL;
	return 1;
}

/* A Go boolean flag's value: none (true), true or false. */
static int
bool_value(const char *flag, const char *val)
{
	if (val == NULL || strcmp(val, "true") == 0 || strcmp(val, "1") == 0)
		return 1;
	if (strcmp(val, "false") == 0 || strcmp(val, "0") == 0)
		return 0;
	fprintf(stderr, "airlockd: -%s=%s: expected true or false\n", flag,
	    val);
	exit(1);
}

/*
 * Secretless Broker's flags, for drop-in use: -debug, -version, -watch and
 * -config-mgr, whose only value is configfile (the file manager: airlock
 * has no other).  They are taken out of argv, or rewritten to airlock's
 * letters, before getopt sees the rest; the new argc is returned.  The
 * vector only shrinks: every rewrite replaces one argument by at most one.
 */
static int
secretless_flags(int argc, char **argv, int *debug, int *watch)
{
	const char	*a, *val;
	int		 i, j = 1;

	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "--") == 0)
			break;
		if (long_flag(a, "f", &val) && val != NULL) {
			/* Go's -f=FILE as getopt's -fFILE (kept till exit). */
			if (asprintf(&argv[j++], "-f%s", val) == -1)
				fatal("out of memory");
		} else if (long_flag(a, "debug", &val)) {
			*debug = bool_value("debug", val);
		} else if (long_flag(a, "version", &val)) {
			argv[j++] = "-V";
		} else if (long_flag(a, "watch", &val)) {
			*watch = bool_value("watch", val);
		} else if (long_flag(a, "config-mgr", &val)) {
			if (val == NULL && (val = argv[++i]) == NULL)
				usage();
			if (strcmp(val, "configfile") != 0) {
				fprintf(stderr, "airlockd: -config-mgr %s: "
				    "not supported; the only configuration "
				    "manager is configfile (-f FILE)\n", val);
				exit(1);
			}
		} else {
			argv[j++] = argv[i];
			/* -f's file is a value, whatever it looks like. */
			if (a[0] == '-' && a[1] != '-' && a[1] != '\0' &&
			    a[strlen(a) - 1] == 'f' && i + 1 < argc)
				argv[j++] = argv[++i];
		}
	}
	while (i < argc)
		argv[j++] = argv[i++];
	argv[j] = NULL;
	return j;
}

/*
 * The configuration path as reloads will need it after daemon(3) has
 * changed to "/": absolute, but with symbolic links left as they are (a
 * Kubernetes ConfigMap's file is a link through "..data", which changes).
 */
static char *
absolute_path(const char *path)
{
	char	 cwd[PATH_MAX], *p;

	if (path[0] == '/')
		return strdup(path);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return NULL;
	if (asprintf(&p, "%s/%s", cwd, path) == -1)
		return NULL;
	return p;
}

/*
 * The monitor holds every credential it resolves: it must never write them
 * into a core file, and no process of its user may read its memory.
 */
static void
no_core_dumps(void)
{
	struct rlimit	 rl = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &rl) == -1 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal_errno("cannot disable core dumps");
}

/* Secretless Broker's search order when no -f is given. */
static char *
default_config_path(void)
{
	static char	 home_path[PATH_MAX];
	const char	*home = getenv("HOME");

	if (access("secretless.yml", R_OK) == 0)
		return "secretless.yml";
	if (home != NULL && (size_t)snprintf(home_path, sizeof(home_path),
	    "%s/.secretless.yml", home) < sizeof(home_path) &&
	    access(home_path, R_OK) == 0)
		return home_path;
	return "/etc/secretless.yml";
}

/* The worker executable: configured, else beside airlockd, else libexec. */
static char *
find_worker(const struct config *conf)
{
	char	 self[PATH_MAX], *slash, *path;
	ssize_t	 n;

	if (conf->worker_path != NULL)
		return strdup(conf->worker_path);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			if (asprintf(&path, "%s/airlock-worker", self) != -1) {
				if (access(path, X_OK) == 0)
					return path;
				free(path);
			}
		}
	}
	return strdup(AIRLOCK_LIBEXECDIR "/airlock-worker");
}

static void
resolve_worker_user(const struct config *conf)
{
	struct passwd	*pw;

	mon.privileged = geteuid() == 0;
	if (!mon.privileged) {
		log_warn("not running as root: workers cannot chroot or change "
		    "user; they still get no_new_privs and the seccomp filter");
		mon.worker_uid = geteuid();
		mon.worker_gid = getegid();
		return;
	}
	if ((pw = getpwnam(conf->user)) == NULL &&
	    strcmp(conf->user, DEFAULT_WORKER_USER) == 0) {
		log_warn("user %s does not exist; workers run as %s",
		    DEFAULT_WORKER_USER, FALLBACK_WORKER_USER);
		pw = getpwnam(FALLBACK_WORKER_USER);
	}
	if (pw == NULL)
		fatal("worker user %s does not exist", conf->user);
	if (pw->pw_uid == 0 || pw->pw_gid == 0)
		fatal("worker user %s is privileged (uid or gid 0)",
		    conf->user);
	mon.worker_uid = pw->pw_uid;
	mon.worker_gid = pw->pw_gid;
}

/*
 * The workers' root, when root: created if missing (start), and it and
 * every directory above it root's and writable by root only (StrictModes,
 * safefile.c), or someone could put their own files where the workers
 * chroot.  The worker checks that it is empty.
 */
static int
check_chroot(const struct config *conf, int start, char *err, size_t errlen)
{
	char	 why[512];
	int	 fd;

	if (geteuid() != 0)
		return 0;
	if (start && mkdir(conf->chroot_dir, 0755) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "mkdir %s: %s", conf->chroot_dir,
		    strerror(errno));
		return ERR_SYS;
	}
	if ((fd = safefile_open(conf->chroot_dir, SAFEFILE_DIR, NULL, why,
	    sizeof(why))) < 0) {
		/* -t: a start will create it. */
		if (!start && fd == ERR_NOTFOUND)
			return 0;
		snprintf(err, errlen, "airlock.chroot %s: %s",
		    conf->chroot_dir, why);
		return fd;
	}
	close(fd);
	return 0;
}

/*
 * What root loads besides the configuration: the workers' chroot and the
 * worker executables.  -t checks the same files, so that it refuses what a
 * start would refuse.
 */
static int
check_files(const struct config *conf, int start, char *err, size_t errlen)
{
	char	*path;
	int	 r;

	if ((r = check_chroot(conf, start, err, errlen)) != 0)
		return r;
	if ((path = find_worker(conf)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return ERR_NOMEM;
	}
	r = worker_exec_set(path, err, errlen);
	free(path);
	if (r == 0)
		r = worker_exec_need(conf, err, errlen);
	return r;
}

static void
sigchld_cb(int sig)
{
	(void)sig;
	worker_reap();
	if (mon.draining && worker_sessions() == 0)
		event_base_loopexit(mon.base, NULL);
}

static void
drain_deadline_cb(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	log_warn("drain deadline passed with %zu connection(s); ending them",
	    worker_sessions());
	worker_kill_all();
	event_base_loopexit(mon.base, NULL);
}

static void
sigterm_cb(int sig)
{
	struct timeval	 tv;

	if (mon.draining) {
		log_info("signal %d again: stopping now", sig);
		worker_kill_all();
		event_base_loopexit(mon.base, NULL);
		return;
	}
	mon.draining = 1;
	listeners_close();
	/* Idle backends serve nobody any more. */
	backpool_clear();
	/* Idle workers serve nobody. */
	pool_stop();
	log_info("signal %d: not accepting; %zu connection(s) to finish", sig,
	    worker_sessions());
	if (worker_sessions() == 0) {
		event_base_loopexit(mon.base, NULL);
		return;
	}
	tv.tv_sec = mon.conf->drain_timeout_ms / 1000;
	tv.tv_usec = (mon.conf->drain_timeout_ms % 1000) * 1000;
	if ((ev_drain = evtimer_new(mon.base, drain_deadline_cb, NULL)) != NULL)
		evtimer_add(ev_drain, &tv);
}

static void
sighup_cb(int sig)
{
	reload_config(sig == SIGUSR1 ? "SIGUSR1" : "SIGHUP");
}

/*
 * The configuration's absolute path, for reloads.  A static, not a local:
 * daemon(3)'s parent exits with it still allocated, and a pointer that
 * only its stack held would be a leak to valgrind.
 */
static char	*abspath;

int
main(int argc, char **argv)
{
	static const struct signal_action signals[] = {
		{ SIGCHLD, sigchld_cb },
		{ SIGTERM, sigterm_cb },
		{ SIGINT, sigterm_cb },
		{ SIGHUP, sighup_cb },
		{ SIGUSR1, sighup_cb },
	};
	const char	*path = NULL;
	char		 err[1024];
	int		 ch, test_only = 0, foreground = 0, debug = 0;
	int		 watch = 0, dump = 0, n;
	size_t		 i;

	log_init("airlockd", LOG_LVL_INFO);
	no_core_dumps();
	if (secret_openssl_hooks() != 0)
		fatal("cannot install OpenSSL's wiping allocator");
	if (mon_connectors_valid(err, sizeof(err)) != 0)
		fatal("%s", err);
	/* libevent carries the Vault token and provider answers. */
	https_wipe_hooks();
	event_set_log_callback(libevent_log);
	argc = secretless_flags(argc, argv, &debug, &watch);
	while ((ch = getopt(argc, argv, "dDf:TtV")) != -1) {
		switch (ch) {
		case 'd':
			debug = foreground = 1;
			break;
		case 'D':
			foreground = 1;
			break;
		case 'f':
			path = optarg;
			break;
		case 'T':
			dump = 1;
			/* FALLTHROUGH */
		case 't':
			test_only = 1;
			break;
		case 'V':
			printf("airlockd %s\n", AIRLOCK_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (debug)
		foreground = 1;
	if (path == NULL)
		path = default_config_path();
	/* -t names the file as given; the daemon needs it after chdir. */
	if (!test_only && (path = abspath = absolute_path(path)) == NULL)
		fatal_errno("cannot make the configuration path absolute");
	if (secret_init() != 0)
		fatal("libsodium cannot be initialised");
	/* The configuration's secrets move into the arena at smem_start. */
	if (!test_only)
		secret_memory_expect();
	if ((mon.conf = config_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		free(abspath);
		return 1;
	}
	if (test_only) {
		if (check_files(mon.conf, 0, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		for (i = 0; i < mon.conf->nwarnings; i++)
			fprintf(stderr, "warning: %s\n", mon.conf->warnings[i]);
		/* -T: the effective configuration (confdump.c). */
		if (dump) {
			if ((n = confdump_print(stdout, mon.conf,
			    mon.worker_path)) < 0) {
				fprintf(stderr, "airlockd: cannot write the "
				    "configuration\n");
				return 1;
			}
			if (n > 0)
				fprintf(stderr, "airlockd: the output holds %d "
				    "literal credential value(s) of %s as they "
				    "are: keep it as secret as the file\n", n,
				    path);
			return 0;
		}
		fprintf(stderr, "%s: configuration OK, %zu service(s)\n", path,
		    mon.conf->nservices);
		return 0;
	}
	log_set_level(debug ? LOG_LVL_DEBUG : mon.conf->log_level);
	log_set_output(mon.conf->log_format, mon.conf->log_target,
	    mon.conf->syslog_facility);
	config_log_warnings(mon.conf);
	/* The open-file limit, and whether the limits carry maxWorkers. */
	limits_apply(mon.conf, 0);
	resolve_worker_user(mon.conf);
	if (check_files(mon.conf, 1, err, sizeof(err)) != 0)
		fatal("%s", err);
	log_debug("configuration %s; workers: %s as uid %u gid %u in %s",
	    mon.conf->path, mon.worker_path, (unsigned)mon.worker_uid,
	    (unsigned)mon.worker_gid, mon.conf->chroot_dir);
	TAILQ_INIT(&mon.workers);

	/*
	 * Before daemon(3), so that a refusal under secretMemory:
	 * memfd_secret reaches the shell; daemon's child keeps the arena,
	 * later children (posix_spawn's) never have it.
	 */
	smem_start(mon.conf);

	/* A write to a closed peer is an error to handle, not a death. */
	signal(SIGPIPE, SIG_IGN);
	if (!foreground && daemon(0, 0) == -1)
		fatal_errno("daemon");
	if (secret_memory_nofork() != 0)
		fatal_errno("secret memory: madvise MADV_DONTFORK");
	if ((mon.base = event_base_new()) == NULL)
		fatal("cannot create the event loop");
	if ((mon.dns = evdns_base_new(mon.base,
	    EVDNS_BASE_INITIALIZE_NAMESERVERS)) == NULL &&
	    (mon.dns = evdns_base_new(mon.base, 0)) == NULL)
		fatal("cannot create the resolver");
	provider_attach(mon.base, mon.dns);
	metrics_init();
	if (listeners_open(mon.conf, err, sizeof(err)) != 0)
		fatal("cannot listen: %s", err);
	if (health_open(mon.conf, err, sizeof(err)) != 0)
		fatal("cannot listen for health checks: %s", err);
	if (signals_open(mon.base, signals,
	    nitems(signals)) != 0)
		fatal_errno("cannot take the signals");
	/* The workers' stderr, before the first worker. */
	if (wstderr_start(err, sizeof(err)) != 0)
		fatal("cannot make the workers' stderr socket: %s", err);
	mon_connectors_start();
	pool_start();
	reload_init(debug, watch);
	log_info("airlockd ready: %zu service(s)", mon.conf->nservices);

	event_base_dispatch(mon.base);

	log_info("airlockd exiting");
	pool_stop();
	worker_kill_all();
	worker_reap();
	wstderr_stop();
	listeners_close();
	health_close();
	metrics_free();
	smem_stop();
	evidence_reset();
	mon_connectors_stop();
	watch_stop();
	signals_close();
	if (ev_drain != NULL)
		event_free(ev_drain);
	creds_cache_clear();
	backpool_clear();
	/* Before the loop goes: a provider's token has its events there. */
	provider_cleanup();
	evdns_base_free(mon.dns, 0);
	event_base_free(mon.base);
	/* Workers not reaped yet hold theirs; the process ends anyway. */
	config_unref(mon.conf);
	free(mon.worker_path);
	free(mon.worker_ssh_path);
	free(mon.worker_plain_path);
	free(abspath);
	return 0;
}
