/*
 * The watch: reload when the configuration file changes (airlock: watch:
 * true, or -watch as with Secretless Broker).
 *
 * inotify watches the file's directory, not the file: editors replace a
 * file by writing another and renaming it over the first, and Kubernetes
 * updates a mounted ConfigMap by swapping the "..data" symlink that the
 * file's own symlink goes through; a watch on the file itself would stay
 * on the old inode and see neither.  Events are debounced: one save is a
 * burst of them (write, rename, chmod), and gives one reload, once the
 * directory has been quiet for WATCH_QUIET_MS.
 *
 * The inotify descriptor carries what the kernel says about our own
 * directory, not network input; the records are still bounds-checked.
 */
#include <sys/inotify.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "errors.h"
#include "log.h"
#include "monitor.h"

#define WATCH_QUIET_MS	500
/* The symlink that Kubernetes swaps when a ConfigMap or Secret changes. */
#define WATCH_KUBE_DATA	"..data"

#define WATCH_FILE_EVENTS	(IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | \
				 IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB)
#define WATCH_DIR_GONE		(IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | \
				 IN_UNMOUNT)

static int		 watch_fd = -1;
static char		*watch_dir;
static char		*watch_name;
static struct event	*ev_inotify;
static struct event	*ev_quiet;
static watch_cb		*watch_fn;
static void		*watch_arg;

int
watch_active(void)
{
	return watch_fd != -1;
}

static void
watch_quiet_cb(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	watch_fn(watch_arg);
}

/* (Re)start the quiet period: the reload comes when it ends. */
static void
watch_touch(void)
{
	struct timeval	 tv = { WATCH_QUIET_MS / 1000,
			    (WATCH_QUIET_MS % 1000) * 1000 };

	evtimer_add(ev_quiet, &tv);
}

/* Does an event about the entry name (len bytes, NUL-padded) concern us? */
static int
watch_concerns(const char *name, size_t len)
{
	size_t	 n = strnlen(name, len);

	return (n == strlen(watch_name) && memcmp(name, watch_name, n) == 0) ||
	    (n == strlen(WATCH_KUBE_DATA) &&
	    memcmp(name, WATCH_KUBE_DATA, n) == 0);
}

static void
watch_read_cb(int fd, short ev, void *arg)
{
	union {
		struct inotify_event	 ie;
		char			 b[16 * (sizeof(struct inotify_event) +
					    NAME_MAX + 1)];
	} u;
	const struct inotify_event *ie;
	ssize_t		 n;
	size_t		 off, left;
	int		 gone = 0, hit = 0;

	(void)ev;
	(void)arg;
	for (;;) {
		n = read(fd, u.b, sizeof(u.b));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (off = 0; off < (size_t)n; ) {
			left = (size_t)n - off;
			ie = (const struct inotify_event *)(void *)(u.b + off);
			if (left < sizeof(*ie) ||
			    ie->len > left - sizeof(*ie)) {
				log_warn("watch: a short inotify record");
				hit = 1;
				break;
			}
			off += sizeof(*ie) + ie->len;
			if (ie->mask & IN_Q_OVERFLOW)
				hit = 1;	/* events were lost: look */
			else if (ie->mask & WATCH_DIR_GONE)
				gone = 1;
			else if (ie->len > 0 &&
			    watch_concerns(ie->name, ie->len))
				hit = 1;
		}
	}
	if (n == -1 && errno != EAGAIN)
		log_warn("watch: read: %s", strerror(errno));
	if (gone) {
		log_warn("watch: %s is gone; no longer watching (reload with "
		    "SIGHUP)", watch_dir);
		watch_stop();
		return;
	}
	if (hit)
		watch_touch();
}

/* Split path into its directory and its name, without resolving links. */
static int
watch_split(const char *path)
{
	const char	*slash = strrchr(path, '/');

	if (slash == NULL) {
		watch_dir = strdup(".");
		watch_name = strdup(path);
	} else {
		watch_dir = slash == path ? strdup("/") :
		    strndup(path, (size_t)(slash - path));
		watch_name = strdup(slash + 1);
	}
	if (watch_dir == NULL || watch_name == NULL)
		return ERR_NOMEM;
	if (*watch_name == '\0')
		return ERR_INVAL;
	return 0;
}

int
watch_start(const char *path, watch_cb *fn, void *arg)
{
	int	 r;

	if (watch_active())
		return 0;
	watch_fn = fn;
	watch_arg = arg;
	if ((r = watch_split(path)) != 0)
		goto fail;
	if ((watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1 ||
	    inotify_add_watch(watch_fd, watch_dir, WATCH_FILE_EVENTS |
	    IN_ONLYDIR | IN_DELETE_SELF | IN_MOVE_SELF) == -1) {
		log_warn("watch: %s: %s", watch_dir, strerror(errno));
		r = ERR_SYS;
		goto fail;
	}
	ev_inotify = event_new(mon.base, watch_fd, EV_READ | EV_PERSIST,
	    watch_read_cb, NULL);
	ev_quiet = evtimer_new(mon.base, watch_quiet_cb, NULL);
	if (ev_inotify == NULL || ev_quiet == NULL ||
	    event_add(ev_inotify, NULL) == -1) {
		r = ERR_NOMEM;
		goto fail;
	}
	log_info("watching %s for changes (in %s)", watch_name, watch_dir);
	return 0;
 fail:
	watch_stop();
	return r;
}

void
watch_stop(void)
{
	if (ev_inotify != NULL)
		event_free(ev_inotify);
	if (ev_quiet != NULL)
		event_free(ev_quiet);
	ev_inotify = ev_quiet = NULL;
	if (watch_fd != -1)
		close(watch_fd);
	watch_fd = -1;
	free(watch_dir);
	free(watch_name);
	watch_dir = watch_name = NULL;
}
