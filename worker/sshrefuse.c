/*
 * When the backend leg fails (its host key is not the one configured, it
 * refuses the service's key, it cannot be reached), the client is told
 * why where it shows whatever its settings: on the standard error of the
 * first session channel it opens, with exit status 255 (what ssh itself
 * exits with when the connection fails).  A userauth banner would do only
 * at ssh's default LogLevel, and a refused authentication says nothing.
 * Nothing reaches the backend: the client is let in to a session that has
 * no backend channel behind it, and any forward it asks for is refused.
 */
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "ssh.h"
#include "sshconn.h"
#include "worker.h"

/* RFC 4254 6.5: whatever the client asks to run is "accepted". */
static int
refuse_run(struct sshconn *sc)
{
	sc->refusal_asked = 1;
	return 0;
}

static int
on_pty(ssh_session s, ssh_channel ch, const char *term, int w, int h,
    int pw, int ph, void *arg)
{
	(void)s, (void)ch, (void)term, (void)w, (void)h, (void)pw, (void)ph;
	(void)arg;
	return 0;
}

static int
on_shell(ssh_session s, ssh_channel ch, void *arg)
{
	(void)s, (void)ch;
	return refuse_run(arg);
}

static int
on_exec(ssh_session s, ssh_channel ch, const char *cmd, void *arg)
{
	(void)s, (void)ch, (void)cmd;
	return refuse_run(arg);
}

static int
on_subsystem(ssh_session s, ssh_channel ch, const char *name, void *arg)
{
	(void)s, (void)ch, (void)name;
	return refuse_run(arg);
}

ssh_channel
sshrefuse_channel(struct sshconn *sc, ssh_session s)
{
	struct ssh_channel_callbacks_struct *cb = &sc->refusal_cb;

	if (sc->refusal != NULL || (sc->refusal = ssh_channel_new(s)) == NULL)
		return NULL;
	memset(cb, 0, sizeof(*cb));
	cb->userdata = sc;
	cb->channel_pty_request_function = on_pty;
	cb->channel_shell_request_function = on_shell;
	cb->channel_exec_request_function = on_exec;
	cb->channel_subsystem_request_function = on_subsystem;
	ssh_callbacks_init(cb);
	ssh_set_channel_callbacks(sc->refusal, cb);
	return sc->refusal;
}

int
sshrefuse_run(struct sshconn *sc)
{
	char	 line[320];

	while (!sc->refusal_asked) {
		if (now_ms() >= sc->c->deadline)
			return ERR_TIMEOUT;
		if (ssh_event_dopoll(sc->ev_front, ssh_remaining_ms(sc)) ==
		    SSH_ERROR || (ssh_get_status(sc->front) &
		    (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0)
			return ERR_EOF;
	}
	snprintf(line, sizeof(line), "%s\r\n", sc->why);
	ssh_channel_write_stderr(sc->refusal, line, strlen(line));
	ssh_channel_request_send_exit_status(sc->refusal, 255);
	ssh_channel_send_eof(sc->refusal);
	ssh_channel_close(sc->refusal);
	ssh_blocking_flush(sc->front, ssh_remaining_ms(sc));
	return 0;
}
