/*
 * The monitor's internals: the worker table, the per-worker state machine,
 * credential resolution, the dialer and the listeners.  Everything here
 * runs in airlockd, the privileged process.
 */
#ifndef AIRLOCK_MONITOR_H
#define AIRLOCK_MONITOR_H

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <stdint.h>
#include <time.h>

#include <openssl/types.h>

#include "config.h"
#include "log.h"

struct buf;
struct event;
struct event_base;
struct evdns_base;
struct mon_connector;
struct secret;

/* What a worker may do next; see the dispatch table in dispatch.c. */
enum wstate {
	W_ASSIGNED = 0,		/* has its client; may ask to dial */
	W_DIALING,		/* we resolve credentials and dial */
	W_HANDSHAKE,		/* authenticating the backend leg */
	W_CANCEL,		/* dialed for a CancelRequest only */
	W_RELAY,		/* authenticated; credentials are gone */
	W_SESSION,		/* authenticated; the connector's capped
				   per-request answers only (MC_SESSION) */
	W_DONE,			/* said BYE, failed, or was killed */
};

/* The credentials of one service, resolved for one connection. */
struct creds {
	size_t		  n;
	char		**names;
	struct secret	**values;
};

/*
 * budget.c: token buckets for what a worker makes the monitor write, its
 * log lines and its stderr: a burst, then a steady rate, in lines and in
 * bytes.
 */
struct budget_rule {
	const char	*what;		/* "log", "stderr" */
	uint32_t	 burst_lines, burst_bytes;
	uint32_t	 rate_lines, rate_bytes;	/* per second */
};
struct budget {
	int		 started;	/* full at the first take */
	uint64_t	 t_us;		/* last refill */
	uint64_t	 lines, bytes;	/* tokens left, in millionths */
};
extern const struct budget_rule budget_log, budget_stderr;

struct wstderr;

struct worker {
	TAILQ_ENTRY(worker) entry;
	pid_t		 pid;
	int		 chan;		/* -1 once closed */
	struct event	*ev_chan;
	struct event	*ev_deadline;
	struct config	*conf;		/* holds a reference: svc is in it */
	const struct service *svc;
	const struct mon_connector *conn;	/* svc's (connector.h) */
	uint64_t	 id;		/* the connection id of log lines */
	enum wstate	 state;
	uint32_t	*counts;	/* requests made, per dispatch row */
	const char	*auth_first;	/* the first REQ_AUTH request made */
	uint32_t	 creds_given;	/* worker secrets already handed out */
	int		 purpose;	/* DIAL_SESSION or DIAL_CANCEL */
	int		 killed;
	int		 reaped;	/* its pid is no longer ours */
	int		 unauthenticated;	/* counted in startups.c */
	char		*source;	/* its source's key there, or NULL */
	struct cred_req	*creq;		/* pending credential resolution */
	struct dial	*dial;		/* pending backend dial */
	struct creds	*creds;		/* held until the handshake ends */
	/* backend reuse (backpool.c) */
	int		 rfd;		/* the descriptor of the request
					   being dispatched, or -1 */
	int		 backend_known;	/* backend_dev/ino are its backend's */
	dev_t		 backend_dev;
	ino_t		 backend_ino;
	uint64_t	 backend_created_us;
	int		 reused;	/* was given an idle backend */
	int		 redialed;	/* ... and then asked for a fresh one */
	int		 returned;	/* gave its backend back */
	unsigned char	*pool_key;	/* its DIAL's key, or NULL */
	size_t		 pool_keylen;
	void		*cstate;	/* the connector's, freed by forget */
	int		 method;	/* the one this connection uses (an
					   index of its connector's methods) */
	int		 method_proven;	/* the server's proof was checked */
	/* the client leg's TLS (clienttls.c) */
	struct cred_req	*ctls_req;	/* its material being resolved */
	struct creds	*ctls_creds;	/* ... until the one signature */
	int		 ctls_signed;	/* the listener key signed */
	int		 ctls_ok;	/* the client was accepted */
	uint64_t	 bytes_c2b, bytes_b2c;
	/* health and metrics (health.c, metrics.c) */
	int		 health;	/* serves /live /ready /metrics */
	int		 failure;	/* 1 + FIG_* once counted as failed */
	uint64_t	 t_start;	/* metrics_now_us() at spawn */
	uint64_t	 t_creds;	/* ... when credentials were asked */
	/* what it may make us write (budget.c, stderr.c) */
	struct budget	 log_budget;
	struct wstderr	*err;		/* its stderr (stderr.c) */
};

TAILQ_HEAD(workerlist, worker);

/*
 * A log line about a worker's connection: its service and id become
 * fields of the line (log_conn).  The level is checked before anything
 * is formatted.
 */
#define wlog(lvl, w, ...)	do { if (log_level() >= (lvl))		\
	log_conn((lvl), (w)->svc->name, (w)->id, __VA_ARGS__); } while (0)
#define wlog_error(w, ...)	wlog(LOG_LVL_ERROR, w, __VA_ARGS__)
#define wlog_warn(w, ...)	wlog(LOG_LVL_WARN, w, __VA_ARGS__)
#define wlog_info(w, ...)	wlog(LOG_LVL_INFO, w, __VA_ARGS__)
#define wlog_debug(w, ...)	wlog(LOG_LVL_DEBUG, w, __VA_ARGS__)

/*
 * Charge one line of len bytes: 0, or ERR_TOOBIG when the budget is spent
 * (nothing charged).
 */
int		 budget_take(struct budget *, const struct budget_rule *,
		    size_t len, uint64_t now_us);
/*
 * Charge a line of a worker's text and make it printable into line (size
 * bytes): 0, or ERR_TOOBIG when the budget is spent (kill the worker;
 * budget_exceeded says why).
 */
int		 budget_text(struct budget *, const struct budget_rule *,
		    const unsigned char *text, size_t len, char *line,
		    size_t size);
void		 budget_exceeded(const struct budget_rule *, char *why,
		    size_t);
/*
 * Log a line of the worker's own (prefix, then text, made printable and
 * cut to WORKER_TEXT_MAX), if the budget allows; else kill the worker,
 * with one line that says so.
 */
#define WORKER_TEXT_MAX		1024
void		 worker_text(struct worker *, struct budget *,
		    const struct budget_rule *, int level, const char *prefix,
		    const unsigned char *text, size_t len);

/* The monitor's global state (main.c). */
struct monitor {
	struct event_base	*base;
	struct evdns_base	*dns;
	struct config		*conf;		/* for new connections */
	struct workerlist	 workers;
	size_t			 nworkers;
	size_t			 nhealth;	/* of which health workers */
	uint64_t		 next_id;
	char			*worker_path;
	char			*worker_ssh_path;	/* beside it */
	char			*worker_plain_path;	/* beside it */
	uid_t			 worker_uid;
	gid_t			 worker_gid;
	int			 privileged;
	int			 draining;
};

extern struct monitor	 mon;

/*
 * byname.c: small tables of records kept by service or source name (a
 * reload reorders services under running workers).  A record's first
 * member is its name (char *), which the table owns.
 */
struct byname {
	void		*recs;
	size_t		 n, alloc;
	size_t		 size;		/* of one record */
};
#define BYNAME_INIT(type)	{ NULL, 0, 0, sizeof(type) }
void		*byname_find(const struct byname *, const char *name);
/* The record of name, made zeroed (but its name) if new; NULL: no memory. */
void		*byname_get(struct byname *, const char *name);
/* The i-th record, NULL past the end. */
void		*byname_at(const struct byname *, size_t i);
/* Remove a record found in the table; the last one takes its place. */
void		 byname_remove(struct byname *, void *rec);
void		 byname_clear(struct byname *);

/* workers.c: spawn, kill, reap. */
/*
 * Check the worker executable (StrictModes, safefile.c; again before each
 * exec) and set mon.worker_path to the path that was checked; and
 * airlock-worker-plain beside it, which health always needs.
 */
int		 worker_exec_set(const char *path, char *err, size_t errlen);
/*
 * The same for the other executables that the services of conf need
 * (wkind.c), beside it: airlock-worker-ssh.
 */
int		 worker_exec_need(const struct config *, char *err,
		    size_t errlen);
/* A worker for a client of the service, from source (a key, or NULL). */
int		 worker_spawn(const struct service *, int client_fd,
		    const char *source);
/* A worker for one connection to the health listener. */
int		 worker_spawn_health(int client_fd);
/* A worker process not yet a connection's (pool.c's idle ones). */
struct worker_kind;
struct wproc {
	pid_t		 pid;		/* -1: none */
	int		 chan;		/* our end, non-blocking */
	struct wstderr	*err;		/* its stderr, not read yet */
};
/*
 * Start a worker process of the kind (StrictModes first): 0, or an error
 * (ERR_SYS with errno) and why, with nothing left behind.
 */
int		 worker_exec(const struct worker_kind *, struct wproc *,
		    char *why, size_t);
/*
 * The arguments a worker of the kind gets now, joined by spaces: what only
 * a new process can change.  An idle worker started with others is stale.
 */
int		 worker_exec_args(const struct worker_kind *, char *, size_t);
/* SIGKILL it (not reaped here), close and free what it had. */
void		 worker_proc_end(struct wproc *);
/*
 * Give a worker its connector and the dispatch counts that go with it
 * (freed with the worker): 0, or ERR_NOMEM.
 */
int		 worker_set_connector(struct worker *,
		    const struct mon_connector *);
/* Workers that serve clients of services (health workers left out). */
size_t		 worker_sessions(void);
void		 worker_kill(struct worker *, const char *reason, ...)
		    __attribute__((format(printf, 2, 3)));
void		 worker_reap(void);
/* Kill the worker if it still runs ms from now (plus a grace). */
void		 worker_set_deadline(struct worker *, int ms);
/* Send a message to a worker; a worker that cannot take it is killed. */
int		 worker_send(struct worker *, uint32_t, const struct buf *,
		    int fd);
/* Send MSG_FAILED with a reason fit for the client. */
int		 worker_fail(struct worker *, const char *reason, ...)
		    __attribute__((format(printf, 2, 3)));
/* Answer a request with one string; a worker already gone is no error. */
int		 worker_reply(struct worker *, uint32_t type, const void *,
		    size_t);
/* Drop the connection's credentials and protocol state (zeroing them). */
void		 worker_forget_secrets(struct worker *);
void		 worker_kill_all(void);
/* The worker is authenticated or gone: it no longer counts as a startup. */
void		 worker_startup_over(struct worker *);

/*
 * wkind.c: what a worker is started as: its executable, and whether it
 * sets TLS up before its sandbox (OpenSSL's start-up is most of a
 * plaintext worker's start and memory).  Pooled workers (pool.c) are kept
 * per kind; a worker serves only a connection of its own kind.
 */
enum worker_image {
	WIMAGE_MAIN,		/* airlock-worker */
	WIMAGE_SSH,		/* airlock-worker-ssh: the one linked with libssh */
	WIMAGE_PLAIN,		/* airlock-worker-plain: no OpenSSL, no TLS */
	WIMAGE_COUNT
};
struct worker_kind {
	enum worker_image image;
	int		 tls;	/* OpenSSL initialised before the sandbox */
};
/* The kind of worker a connection of svc needs (its connector decides). */
void		 worker_kind_of(const struct service *,
		    const struct mon_connector *, struct worker_kind *);
int		 worker_kind_eq(const struct worker_kind *,
		    const struct worker_kind *);
/*
 * A connector row's kind for what needs neither libssh nor OpenSSL:
 * airlock-worker-plain.
 */
void		 worker_kind_plain(const struct service *,
		    struct worker_kind *);

/*
 * pool.c: idle workers, started ahead of clients and sandboxed, waiting for
 * MSG_ASSIGN; per kind in use by the configuration, workerPoolMinIdle of
 * each, growing to workerPoolMaxIdle under misses.  They count against
 * maxWorkers as processes, and are no session, startup or connection.
 */
/* Fill the pool for mon.conf (start, and after each reload). */
void		 pool_start(void);
/*
 * mon.conf was reloaded: idle workers started with other arguments, and
 * those of kinds no longer in use, go; the pool refills for it.
 */
void		 pool_reload(void);
/* Take an idle worker of the kind: 0 and *p, or ERR_NOTFOUND (a miss). */
int		 pool_take(const struct worker_kind *, struct wproc *);
/* waitpid found pid, no connection's: the pool's, then counted and logged. */
void		 pool_reaped(pid_t pid, int status);
/* An on-demand start at the process cap: an idle worker makes room. */
void		 pool_make_room(void);
/* Every idle worker goes, for why; the pool refills. */
void		 pool_retire(const char *why);
/* Drain or stop: every idle worker killed, no more started. */
void		 pool_stop(void);
struct figures;
/* The pool's figures for /metrics and /ready?full=1. */
int		 pool_figures(struct figures *);

/* dispatch.c: the state table and the common handlers. */
void		 dispatch_message(struct worker *, uint32_t, struct buf *,
		    int fd);
/*
 * A MSG_LOG's payload, parsed whole: its level (made no louder than a
 * warning) and its text, in b.  0, or the error of a malformed one.
 */
int		 dispatch_log_parse(struct buf *b, int *level,
		    const unsigned char **text, size_t *len);
/* The number of dispatch rows of a worker of the connector (w->counts). */
size_t		 dispatch_rows(const struct mon_connector *);
/* A request type's name for log lines, in the connector's words. */
const char	*dispatch_type_name(const struct mon_connector *, uint32_t);
/*
 * The worker is about to use method m (an index of its connector's
 * methods): 0, or it asked for another one before in this connection and
 * has been killed.
 */
int		 worker_method(struct worker *, int m);

/* Where to dial: a host and port, or a Unix socket path. */
struct target {
	char		 host[256];
	char		 port[16];
	char		 unix_path[108];
};

/*
 * backend.c: the backend's host and port from the resolved credentials
 * host and port (default_port when none), or address ("host:port",
 * "[v6]:port", a host alone); err says why not, for the client.
 */
int		 backend_address(const struct worker *, const char *default_port,
		    char *host, size_t hostlen, char *port, size_t portlen,
		    char *err, size_t errlen);
/* Is the leg TLS (sslmode), and does it verify the server (sslrootcert)? */
void		 backend_tls(const struct worker *, int *tls, int *verified);
/*
 * May the password go out as the backend asked (how: "in clear", ...),
 * under the service's cleartextPassword (its conn_conf is a struct
 * db_conf) and the leg's TLS?  0: yes; otherwise the worker has been told
 * why (MSG_FAILED).
 */
int		 backend_release_cleartext(struct worker *, const char *how,
		    int tls, int verified);
/* The password, to compute an answer with; NULL: the worker was told. */
const struct secret *backend_password(struct worker *);

/*
 * tlssign.c: the backend client key's one signature per connection
 * (MSG_TLS_SIGN), of a TLS 1.3 client CertificateVerify only.
 */
struct tlsscheme;
#define TLSSIGN_SIG_MAX	2048		/* RSA of 16384 bits */
int		 tlssign_answer(struct worker *, struct buf *);
/* Is it the content of a TLS 1.3 client CertificateVerify?  0 or ERR_FORMAT. */
int		 tlssign_check_content(const unsigned char *, size_t);
/*
 * Sign with the PEM key, which must match the certificate: 0, ERR_DENIED
 * when the key does not sign with the scheme, or another error with a
 * reason for the client in why.  *siglen: sig's room, then its length.
 */
int		 tlssign_sign(const struct secret *key,
		    const struct secret *cert, const struct tlsscheme *,
		    const unsigned char *, size_t, unsigned char *sig,
		    size_t *siglen, char *why, size_t);
/* The same for a key and certificate of these names (in why). */
int		 tlssign_sign_as(const char *keyname, const char *certname,
		    const struct secret *key, const struct secret *cert,
		    const struct tlsscheme *, const unsigned char *, size_t,
		    unsigned char *sig, size_t *siglen, char *why, size_t);
/*
 * One side's signing request (MSG_TLS_SIGN, MSG_CLIENT_TLS_SIGN): parsed,
 * its content checked for the side's context string and its scheme for
 * the key, signed with key and cert and answered; *signed_now when it
 * was.  The caller has checked that the worker may have it.
 */
struct tlssign_role {
	uint32_t	 type;		/* the request's and its answer's */
	const char	*context;	/* TLS13_CV_*_CONTEXT */
	const char	*side;		/* "client", "server" */
	const char	*keyname, *certname;	/* in reasons */
};
int		 tlssign_answer_as(struct worker *, struct buf *,
		    const struct tlssign_role *, const struct secret *key,
		    const struct secret *cert, int *signed_now);
/* The same for a TLS 1.3 context string (TLS13_CV_*_CONTEXT). */
int		 tlssign_check_context(const unsigned char *, size_t,
		    const char *context);

/*
 * clienttls.c: the client leg's TLS of a service with clientTLS: its
 * requests (MSG_CLIENT_TLS, _SIGN, _DONE), and the gate that holds every
 * other request but these, LOG, STATS, BYE and a DIAL that reuses no
 * backend until the client has been accepted (0: permitted).
 */
int		 ctls_answer_material(struct worker *, struct buf *);
int		 ctls_answer_sign(struct worker *, struct buf *);
int		 ctls_answer_done(struct worker *, struct buf *);
int		 ctls_gate(struct worker *, uint32_t type);
/* ... and a DIAL's, by its purpose: a cancel passes (clienttls.c). */
int		 ctls_gate_dial(struct worker *, int purpose);
/* Drop what it holds for the worker (a pending look-up, the key). */
void		 ctls_forget(struct worker *);

/*
 * pemkey.c: an unencrypted PEM private key (tlssign.c's, sshkey.c's),
 * read in place, never with a passphrase prompt: a new EVP_PKEY, or NULL.
 */
EVP_PKEY	*pem_private_key(const void *, size_t);

/* creds.c: resolve a service's credentials through the providers. */
struct cred_req;
typedef void	 creds_cb(void *arg, const char *err, struct creds *);
struct cred_req	*creds_resolve(const struct service *, creds_cb *, void *);
void		 creds_cancel(struct cred_req *);
const struct secret *creds_get(const struct creds *, const char *);
void		 creds_free(struct creds *);
/*
 * What a service's credentials bought, which goes with them: what the
 * connectors derived (SCRAM's SaltedPassword, mon_connectors_forget) and
 * the sessions logged in with them (backend reuse, backpool_drop); NULL:
 * every service's.
 */
void		 creds_forget(const char *service);
/* The service's backend refused them: its cache entry and creds_forget. */
void		 creds_refused(const struct service *);
/* credentialCacheTTL: every entry (a reload, the exit). */
void		 creds_cache_clear(void);

/*
 * dial.c: asynchronous connect with a deadline.  The callback gets the
 * connected fd, or -1, an error code and why (ERR_DENIED: every address
 * the name resolved to was refused by DIAL_PUBLIC).
 */
struct dial;
typedef void	 dial_cb(void *arg, int fd, int error, const char *err);
struct dial	*dial_start(const char *host, const char *port,
		    const char *unix_path, int timeout_ms, dial_cb *, void *);
/* DIAL_PUBLIC: dial only the ADDR_PUBLIC addresses (addrclass.c). */
#define DIAL_PUBLIC	0x1
struct dial	*dial_start_flags(const char *host, const char *port,
		    const char *unix_path, int timeout_ms, int flags,
		    dial_cb *, void *);
void		 dial_cancel(struct dial *);

/*
 * addrclass.c: is an address one of the internet's, or this host's or
 * its networks' (what DNS rebinding would reach)?
 */
enum addr_kind {
	ADDR_PUBLIC = 0,
	ADDR_LOOPBACK,		/* 127/8, ::1 */
	ADDR_PRIVATE,		/* RFC 1918, 100.64/10, fc00::/7, fec0::/10 */
	ADDR_LINKLOCAL,		/* 169.254/16, fe80::/10 */
	ADDR_UNSPECIFIED,	/* 0/8, ::, and any other family */
	ADDR_MULTICAST,		/* 224/4, broadcast, ff00::/8 */
};
enum addr_kind	 addr_class(const struct sockaddr *);
const char	*addr_class_name(enum addr_kind);

/*
 * signals.c: the monitor's signals, blocked and read from a signalfd (no
 * handler ever runs on the monitor's stack), one action a signal.
 */
struct signal_action {
	int	 sig;
	void	(*fn)(int sig);
};
int		 signals_open(struct event_base *, const struct signal_action *,
		    size_t);
void		 signals_close(void);

/*
 * evidence.c: what a service's backend has proven, by a server proof that
 * the monitor checked itself (never a worker's claim), kept by service
 * name until the configuration is reloaded.  It only rises.  The cost is
 * that of the key derivation (an iteration count, say).
 */
struct evidence {
	int		 method;	/* the strongest method proven (an
					   index of the connector's methods) */
	uint32_t	 cost;		/* the costliest derivation proven */
};
/* The evidence of a service; zeroes when there is none. */
void		 evidence_get(const char *service, struct evidence *);
/* An exchange of this method and cost was proven: raise to it. */
int		 evidence_add(const char *service, int method,
		    uint32_t cost);
/* Forget all: a reload starts afresh (and exit frees it). */
void		 evidence_reset(void);

/*
 * stderr.c: the workers' stderr, one datagram socket for all, each
 * datagram the worker's of its pid (SCM_CREDENTIALS), logged as that
 * worker's within budget_stderr.  Its owner (a worker, or an idle worker
 * of the pool) charges each line to the budget and logs it.
 */
typedef void	 wstderr_line_cb(void *arg, struct budget *,
		    const unsigned char *line, size_t len);
/* The socket, read from now on (at start): 0, or an error and err. */
int		 wstderr_start(char *err, size_t errlen);
void		 wstderr_stop(void);
/*
 * Its writing end, for a new worker's fd 2 (close-on-exec here); a new
 * pair when a worker has shut the old one down or made it non-blocking.
 */
int		 wstderr_child_fd(void);
/* A worker's stderr before its process; NULL when out of memory. */
struct wstderr	*wstderr_new(void);
/* Its process is pid: its datagrams are its from now on. */
void		 wstderr_spawned(struct wstderr *, pid_t pid);
/* Its lines go to cb(arg) from now on. */
void		 wstderr_watch(struct wstderr *, wstderr_line_cb *, void *arg);
/*
 * A process was reaped: read everything in the socket now, while the pid
 * is still the dead process's name, before anyone forgets it.
 */
void		 wstderr_read_all(void);
/* The worker has exited (after wstderr_read_all): its last line, close. */
void		 wstderr_drain(struct wstderr *);
/* Stop logging it (killed: nothing more of its text is logged). */
void		 wstderr_close(struct wstderr *);
void		 wstderr_free(struct wstderr *);

/* listen.c */
/* A listening TCP socket (non-blocking); -1 with err on failure. */
int		 listeners_tcp_socket(const char *host, const char *port,
		    const char *label, char *err, size_t errlen);
/*
 * Listen for the services of conf: sockets already bound at the same
 * address are kept, the new ones bound, the rest closed.  All or nothing:
 * on error nothing has changed and err says "FILE:LINE:COL: ...".
 */
int		 listeners_open(struct config *, char *err, size_t errlen);
void		 listeners_close(void);
void		 listeners_pause(int ms);
/* A worker has exited: accept again if maxWorkers had stopped us. */
void		 listeners_worker_gone(void);
/* At maxWorkers: stop accepting until a worker exits; 1 when stopped. */
int		 listeners_check_full(void);
/* Does the service of this name have its listening socket? */
int		 listeners_is_bound(const char *service);

/*
 * sockfile.c: a Unix listener's socket file, made in a private directory
 * and renamed into place; changed and removed only while it is still the
 * file that airlockd made (never by a path that others could redirect).
 */
struct sockfile {
	dev_t		 dev;
	ino_t		 ino;
};
/* A listening socket at svc's path, with its mode and owner; -1 and err. */
int		 sockfile_listen(const struct service *, int backlog,
		    struct sockfile *, char *err, size_t errlen);
/* Give the socket file svc's mode and owner, if it is still ours. */
int		 sockfile_perms(const struct service *, const struct sockfile *,
		    char *err, size_t errlen);
/* Remove the socket file at path, if it is still ours. */
void		 sockfile_remove(const char *path, const struct sockfile *);

/*
 * peer.c: allowedUsers and allowedGroups of a Unix listener, checked on
 * a new connection's peer credentials; 0 (logged) when it is refused.
 */
int		 peer_allowed(const struct service *, int fd);

/*
 * health.c: the listener of /live, /ready and /metrics.  Its connections
 * go to sandboxed health workers (at most HEALTH_MAX_WORKERS at once, and
 * within maxWorkers); a health worker may ask for the figures, once.
 */
#define HEALTH_MAX_WORKERS	8
extern const struct service health_service;
extern const struct mon_connector mon_health;
int		 health_open(const struct config *, char *err, size_t errlen);
void		 health_close(void);
void		 health_worker_gone(void);

/*
 * smem.c: the memfd_secret arena (include/secret.h) as airlock.secretMemory
 * says, mapped once after daemon(3) (fatal when required and refused); its
 * figures for /ready?full=1 and /metrics; smem_check warns, at most once a
 * minute, of secrets that the arena could not hold.
 */
void		 smem_start(const struct config *);
void		 smem_check(void);
int		 smem_figures(struct figures *);
void		 smem_stop(void);

/*
 * metrics.c: the counters behind /metrics, kept by service name (services
 * come and go with reloads; their counters stay).  Each call is made where
 * its event happens; calls about health workers count nothing.
 */
struct figures;
uint64_t	 metrics_now_us(void);
void		 metrics_init(void);
void		 metrics_free(void);
void		 metrics_accepted(const struct service *);
void		 metrics_refused(const struct service *);
void		 metrics_spawned(struct worker *);
/* The first reason given for a worker is the one counted. */
void		 metrics_failed(struct worker *, int reason);
void		 metrics_authenticated(struct worker *);
void		 metrics_provider(struct worker *);
/*
 * A worker's byte counts (totals so far): 0 when they can be true, never
 * below what it reported before and within its life at 100 Gbit/s; else
 * an error, and why.  metrics_bytes counts what metrics_bytes_check let
 * through (the sums saturate).
 */
int		 metrics_bytes_check(const struct worker *, uint64_t c2b,
		    uint64_t b2c, uint64_t now_us, char *why, size_t);
void		 metrics_bytes(struct worker *, uint64_t c2b, uint64_t b2c);
void		 metrics_killed(struct worker *);
/*
 * An HTTP request routed to svc, or refused (svc: the service matched, or
 * the listener's when none was).
 */
void		 metrics_http_request(const struct service *, int routed);
/* How a client leg's TLS ended (enum ctls_outcome; clienttls.c). */
void		 metrics_client_tls(struct worker *, int outcome);
void		 metrics_reaped(struct worker *, int status);
/* Every service known, the configured ones first, with their counters. */
int		 metrics_snapshot(struct figures *);

/* startups.c: maxStartups, counted by service name across reloads. */
int		 startups_add(const char *service);
void		 startups_remove(const char *service);
int		 startups_count(const char *service);
/* Too many startups: drop this new connection of the service (logged). */
int		 startups_drop(const struct config *, const struct service *);
/*
 * perSourceMaxStartups: the same, counted by source, across services.  A
 * source's key is the client's address cut to perSourceNetBlockSize
 * ("192.0.2.0/24"); empty when there is no limit to count for.
 */
struct source {
	char		 key[INET6_ADDRSTRLEN + 8];
	char		 addr[INET6_ADDRSTRLEN];	/* the client's own */
};
void		 startups_source(const struct config *,
		    const struct sockaddr *, socklen_t, struct source *);
int		 startups_source_add(const char *key);
void		 startups_source_remove(const char *key);
/* Too many startups from the source: drop this connection (logged). */
int		 startups_source_drop(const struct config *,
		    const struct service *, const struct source *);

/*
 * ratelimit.c: a warning that a flood could repeat is said once, then as a
 * count at most every ten seconds.  Counts an event; 1 when a line may be
 * logged, with *n the events since the last line, this one included.
 */
struct ratelimit {
	time_t		 last;
	unsigned long	 count;
	int		 said;
};
int		 ratelimit_pass(struct ratelimit *, unsigned long *n);

/*
 * backpool.c: authenticated PostgreSQL backends kept idle for the next
 * client of the same service and startup parameters (poolMode session, in
 * the manner of PgBouncer's session pooling).  A backend comes back only
 * from the worker it was given to (the very socket: st_dev and st_ino), is
 * never read while idle (readable: it closed or spoke, so it is closed),
 * and is dropped at its lifetime, its idle timeout, a reload, a refusal
 * of the service's credentials, and the exit.
 */
struct backpool_conf {
	int		 session;	/* poolMode: session */
	char		*reset_query;	/* serverResetQuery (the worker's) */
	int		 lifetime_ms;	/* serverLifetime, from the dial */
	int		 idle_ms;	/* serverIdleTimeout */
	int		 size;		/* serverPoolSize: idle ones kept */
};
/* A backend taken from the pool: its fd, identity and session blob. */
struct backpool_taken {
	int		 fd;
	dev_t		 dev;
	ino_t		 ino;
	uint64_t	 created_us;	/* of the original dial */
	unsigned char	*blob;
	size_t		 bloblen;
};
/* The service's pool settings, or NULL: it keeps no backend. */
const struct backpool_conf *backpool_conf_of(const struct service *);
/*
 * Keep fd (always taken: closed when not kept) idle for svc under key,
 * with the session blob; created_us is the time of its dial.  0 when
 * kept; else why not (full, no memory), for a debug line.
 */
int		 backpool_put(const struct service *, const void *key,
		    size_t keylen, const void *blob, size_t bloblen, int fd,
		    uint64_t created_us, const char **why);
/* An idle backend of svc under key: 0 and *t (the caller owns it), or -1. */
int		 backpool_take(const struct service *, const void *key,
		    size_t keylen, struct backpool_taken *);
void		 backpool_taken_free(struct backpool_taken *);
/* Drop the service's idle backends (credentials refused), or all. */
void		 backpool_drop(const char *service);
void		 backpool_clear(void);
/*
 * The worker's side of it, for dispatch.c: record the identity of the
 * socket dialed for w (0: fstat failed); read a DIAL's optional key (0, an
 * error, or the worker was killed); answer a DIAL with an idle backend (1)
 * or not (0); and the handler of MSG_BACKEND_RETURN.
 */
int		 backpool_identify(struct worker *, int fd);
int		 backpool_dial_key(struct worker *, struct buf *, uint8_t);
int		 backpool_dial_reuse(struct worker *);
int		 backpool_answer_return(struct worker *, struct buf *);
/*
 * A worker found the backend it was given unfit and dials anew: counted,
 * as reuses are, by service name.
 */
void		 backpool_fallback(const char *service);
/* For /metrics and tests: idle backends, reuses and fallbacks so far. */
size_t		 backpool_idle(const char *service);
uint64_t	 backpool_reused(const char *service);
uint64_t	 backpool_fallbacks(const char *service);

/* reload.c: SIGHUP, SIGUSR1 and the watch re-read the configuration. */
/* What the command line fixed: -d's debug level, -watch. */
void		 reload_init(int debug, int watch);
/* Re-read mon.conf->path; a bad file changes nothing (logged). */
int		 reload_config(const char *why);

/*
 * limits.c: what maxWorkers asks of RLIMIT_NOFILE, pid_max, threads-max
 * and the cgroup's pids.max.  limits_apply raises the open-file soft limit
 * to the hard one and warns of each limit too low for conf, at start
 * (old_max_workers 0) and after a reload that raised maxWorkers.
 */
unsigned long long limits_fds_needed(const struct config *);
unsigned long long limits_tasks_needed(const struct config *);
void		 limits_apply(const struct config *, int old_max_workers);

/* watch.c: inotify on the configuration's directory, debounced. */
typedef void	 watch_cb(void *);
int		 watch_start(const char *path, watch_cb *, void *);
void		 watch_stop(void);
int		 watch_active(void);

#endif
