#!/usr/bin/python3
"""A CancelRequest over TLS, as libpq's PQcancelBlocking (version 17) sends
it and psql's PQcancel does not, for regress/t/pg-client-tls-cancel.sh.

    pgtlscancel.py PORT CA CERT KEY

Over TLS to 127.0.0.1:PORT (the server's name "localhost", checked with
CA; CERT and KEY the client's), it logs in (airlock asks the client for no
password), keeps the BackendKeyData, sends "select pg_sleep(30)" and says
"running"; when a line comes on its standard input it sends the
CancelRequest on a second TLS connection and waits for the server to close
it.  Then it prints "cancelled: MESSAGE" when the query ended with SQLSTATE
57014, or what came instead; exit 0 only for the first.
References are to the PostgreSQL documentation, "Frontend/Backend Protocol".
"""

import socket
import ssl
import struct
import sys

SSL_REQUEST = struct.pack("!ii", 8, 80877103)
CANCEL_CODE = 80877102


def tls_connect(port, ctx):
    """ "SSL Session Encryption": the request, 'S', the handshake. """
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.sendall(SSL_REQUEST)
    answer = s.recv(1)
    if answer != b"S":
        sys.exit("the SSLRequest was answered %r" % answer)
    return ctx.wrap_socket(s, server_hostname="localhost")


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            sys.exit("the server closed the connection")
        data += chunk
    return data


def message(s):
    head = recv_exact(s, 5)
    kind, length = head[:1], struct.unpack("!i", head[1:])[0]
    return kind, recv_exact(s, length - 4)


def fields(body):
    """ An ErrorResponse's fields, by their one-letter codes. """
    out = {}
    for f in body.split(b"\0"):
        if f:
            out[f[:1].decode()] = f[1:].decode(errors="replace")
    return out


def main():
    port, ca, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], \
        sys.argv[4]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ca)
    ctx.load_cert_chain(cert, key)

    s = tls_connect(port, ctx)
    params = b"user\0someoneelse\0database\0postgres\0\0"
    s.sendall(struct.pack("!ii", 8 + len(params), 196608) + params)
    pid = secret = None
    while True:
        kind, body = message(s)
        if kind == b"K":
            pid, secret = struct.unpack("!i", body[:4])[0], body[4:]
        elif kind == b"E":
            sys.exit("login refused: %s" % fields(body).get("M"))
        elif kind == b"Z":
            break
    if pid is None:
        sys.exit("no BackendKeyData")
    sql = b"select pg_sleep(30)\0"
    s.sendall(b"Q" + struct.pack("!i", 4 + len(sql)) + sql)

    # The test sees the query run (pg_stat_activity), then says go: a
    # cancel that came before would find nothing to cancel.
    print("running", flush=True)
    sys.stdin.readline()
    c = tls_connect(port, ctx)
    body = struct.pack("!ii", CANCEL_CODE, pid) + secret
    c.sendall(struct.pack("!i", 4 + len(body)) + body)
    c.settimeout(20)
    rest = c.recv(1)
    if rest:
        sys.exit("the cancel connection answered %r" % rest)
    c.close()

    while True:
        kind, body = message(s)
        if kind == b"E":
            f = fields(body)
            if f.get("C") == "57014":
                print("cancelled: %s" % f.get("M"))
                return 0
            print("error %s: %s" % (f.get("C"), f.get("M")))
            return 1
        if kind == b"Z":
            print("the query ended without being cancelled")
            return 1


if __name__ == "__main__":
    sys.exit(main())
