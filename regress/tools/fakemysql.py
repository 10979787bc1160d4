#!/usr/bin/python3
"""A stand-in MySQL 8 server for caching_sha2_password, which MariaDB lacks.

It follows MySQL's documented connection phase (dev.mysql.com, MySQL
Source Code Documentation: "Protocol::HandshakeV10",
"Protocol::HandshakeResponse41", "Protocol::SSLRequest",
"Protocol::AuthSwitchRequest", "Protocol::AuthMoreData", and "Caching_sha2_
password information" with its exchanges), and MySQL 8's own server code
where the text is silent (a first answer that is not 32 bytes is refused; a
fast path that fails falls back to full authentication):

 1. greeting: HandshakeV10, plugin caching_sha2_password and a random
    20-byte scramble (with --switch: mysql_native_password, after which an
    AuthSwitchRequest asks for caching_sha2_password with a new scramble);
    CLIENT_SSL only when --tls-cert is given;
 2. an SSLRequest starts TLS; then HandshakeResponse41;
 3. the client's answer to the scramble, XOR(SHA256(pw),
    SHA256(SHA256(SHA256(pw)) || scramble)), checked against the cache
    entry SHA256(SHA256(pw)): a hit is AuthMoreData 0x03 (fast auth
    success) and OK; otherwise AuthMoreData 0x04 (perform full
    authentication);
 4. full authentication: over TLS the password and a NUL in clear; without
    TLS the client may send 0x02 for the public key (AuthMoreData with the
    PEM), then the RSA-OAEP (SHA-1) encryption of (password + NUL) XOR the
    scramble; success puts the user in the cache (--cache learn);
 5. commands: COM_QUERY "SELECT 1" and "SELECT CURRENT_USER()" answer one
    row (with an EOF packet after the columns and rows, or with
    CLIENT_DEPRECATE_EOF an OK packet at the end), any SET statement an OK
    packet; COM_PING, COM_QUIT; anything else is an ERR packet.

Options: --port (0: any free port; --port-file gets it), --user and
--password-file (the only account; an empty file is an empty password),
--rsa-key (PEM private key; default: a new 2048-bit key), --tls-cert and
--tls-key (offer TLS), --require-tls (refuse a client that does not start
it, as require_secure_transport does), --cache full|empty|learn (the user
is in the cache from the start, never, or after a full authentication:
MySQL's way), --switch, --no-deprecate-eof (not advertised), --hostile MODE
(a backend that breaks the protocol, for regress/t/mysql-hostile-backend.sh:
scramble-length, a greeting whose scramble has 24 bytes; after the client's
HandshakeResponse41, switch-unknown, an AuthSwitchRequest to the plugin
"dialog"; more-data-junk, an AuthMoreData that is not one of
caching_sha2_password's; huge-packet, a header announcing 0xFFFFFF bytes;
wrong-seq, an OK with sequence id 5, not 2).  One line per
step goes to standard error, "fakemysql: #N: ..."; never the password.
Standard library and Debian's python3-cryptography.
"""

import argparse
import hashlib
import os
import socketserver
import ssl
import struct
import sys
import threading

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

# Capability flags (MySQL's include/mysql_com.h, "Capabilities Flags").
CLIENT_LONG_PASSWORD = 1 << 0   # also "this is MySQL, not MariaDB"
CLIENT_FOUND_ROWS = 1 << 1
CLIENT_LONG_FLAG = 1 << 2
CLIENT_CONNECT_WITH_DB = 1 << 3
CLIENT_PROTOCOL_41 = 1 << 9
CLIENT_INTERACTIVE = 1 << 10
CLIENT_SSL = 1 << 11
CLIENT_TRANSACTIONS = 1 << 13
CLIENT_SECURE_CONNECTION = 1 << 15
CLIENT_MULTI_STATEMENTS = 1 << 16
CLIENT_MULTI_RESULTS = 1 << 17
CLIENT_PLUGIN_AUTH = 1 << 19
CLIENT_CONNECT_ATTRS = 1 << 20
CLIENT_PLUGIN_AUTH_LENENC_DATA = 1 << 21
CLIENT_DEPRECATE_EOF = 1 << 24

SERVER_STATUS_AUTOCOMMIT = 0x0002
CHARSET_UTF8MB4 = 45            # utf8mb4_general_ci: every client knows it
SERVER_VERSION = b"8.0.36-fakemysql"

COM_QUIT = 0x01
COM_QUERY = 0x03
COM_PING = 0x0E

SHA2 = "caching_sha2_password"
NATIVE = "mysql_native_password"
FAST_AUTH_SUCCESS = b"\x03"
PERFORM_FULL_AUTH = b"\x04"
REQUEST_PUBLIC_KEY = b"\x02"
MAX_PACKET = 1 << 20            # what a client may send the stand-in


class Refused(Exception):
    """Ends the connection after an ERR packet with this code and text."""

    def __init__(self, code, state, text):
        super().__init__(text)
        self.code = code
        self.state = state


def sha256(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    return h.digest()


def xor(a, b):
    """a XOR b, b repeated as needed."""
    return bytes(x ^ b[i % len(b)] for i, x in enumerate(a))


def scramble():
    """20 random bytes without NUL or '$', as MySQL's generate_user_salt."""
    out = bytearray(os.urandom(20))
    for i, c in enumerate(out):
        c &= 0x7F
        out[i] = {0: 1, ord("$"): ord("%")}.get(c, c)
    return bytes(out)


def lenenc_int(n):
    if n < 251:
        return bytes([n])
    if n < 1 << 16:
        return b"\xfc" + struct.pack("<H", n)
    if n < 1 << 24:
        return b"\xfd" + struct.pack("<I", n)[:3]
    return b"\xfe" + struct.pack("<Q", n)


def lenenc_str(s):
    return lenenc_int(len(s)) + s


class Reader:
    """Bounds-checked reads from one packet's payload."""

    def __init__(self, data):
        self.data = data
        self.pos = 0

    def take(self, n):
        if n < 0 or self.pos + n > len(self.data):
            raise Refused(1043, "08S01", "Bad handshake")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def int(self, n):
        return int.from_bytes(self.take(n), "little")

    def nul_str(self):
        end = self.data.find(b"\0", self.pos)
        if end < 0:
            raise Refused(1043, "08S01", "Bad handshake")
        out = self.data[self.pos:end]
        self.pos = end + 1
        return out

    def lenenc_int(self):
        first = self.int(1)
        if first < 251:
            return first
        size = {0xFC: 2, 0xFD: 3, 0xFE: 8}.get(first)
        if size is None:
            raise Refused(1043, "08S01", "Bad handshake")
        return self.int(size)

    def lenenc_str(self):
        return self.take(self.lenenc_int())

    def left(self):
        return len(self.data) - self.pos


class Session(socketserver.BaseRequestHandler):
    """One client connection."""

    def log(self, msg):
        self.server.log("#%d: %s" % (self.conn_id, msg))

    # Packets: 3-byte length, sequence id, payload; a payload of 0xFFFFFF
    # bytes continues in the next packet.

    def recv_exact(self, n):
        out = b""
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                raise EOFError
            out += chunk
        return out

    def read(self):
        payload = b""
        while True:
            head = self.recv_exact(4)
            n = int.from_bytes(head[:3], "little")
            if head[3] != self.seq:
                raise Refused(1156, "08S01", "Got packets out of order "
                              "(sequence id %d, expected %d)" %
                              (head[3], self.seq))
            self.seq = (self.seq + 1) & 0xFF
            if len(payload) + n > MAX_PACKET:
                raise Refused(1153, "08S01", "Got a packet bigger than "
                              "the stand-in's %d bytes" % MAX_PACKET)
            payload += self.recv_exact(n)
            if n < 0xFFFFFF:
                return payload

    def write(self, payload):
        while True:
            n = min(len(payload), 0xFFFFFF)
            self.sock.sendall(struct.pack("<I", n)[:3] + bytes([self.seq]) +
                              payload[:n])
            self.seq = (self.seq + 1) & 0xFF
            payload = payload[n:]
            if n < 0xFFFFFF:
                return

    def ok(self, header=b"\x00"):
        # OK_Packet with CLIENT_PROTOCOL_41, no session tracking.
        self.write(header + lenenc_int(0) + lenenc_int(0) +
                   struct.pack("<HH", SERVER_STATUS_AUTOCOMMIT, 0))

    def err(self, code, state, text):
        self.write(b"\xff" + struct.pack("<H", code) + b"#" +
                   state.encode() + text.encode())

    def handle(self):
        self.sock = self.request
        self.sock.settimeout(30)
        self.conn_id = self.server.next_id()
        self.seq = 0
        self.tls = False
        self.log("connection from %s:%d" % self.client_address)
        try:
            self.connect()
            self.commands()
        except Refused as e:
            self.log("ERR %d: %s" % (e.code, e))
            try:
                self.err(e.code, e.state, str(e))
            except OSError:
                pass
        except (EOFError, ConnectionError):
            self.log("the client closed the connection")
        except (OSError, ssl.SSLError) as e:
            self.log("connection error: %s" % (e,))

    # Connection phase.

    def connect(self):
        opts = self.server.opts
        self.caps = (CLIENT_LONG_PASSWORD | CLIENT_FOUND_ROWS |
                     CLIENT_LONG_FLAG | CLIENT_CONNECT_WITH_DB |
                     CLIENT_PROTOCOL_41 | CLIENT_INTERACTIVE |
                     CLIENT_TRANSACTIONS | CLIENT_SECURE_CONNECTION |
                     CLIENT_MULTI_STATEMENTS | CLIENT_MULTI_RESULTS |
                     CLIENT_PLUGIN_AUTH | CLIENT_CONNECT_ATTRS |
                     CLIENT_PLUGIN_AUTH_LENENC_DATA)
        if self.server.tls_ctx is not None:
            self.caps |= CLIENT_SSL
        if not opts.no_deprecate_eof:
            self.caps |= CLIENT_DEPRECATE_EOF
        plugin = NATIVE if opts.switch else SHA2
        self.scramble = scramble()
        if opts.hostile == "scramble-length":
            self.log("hostile: scramble-length (24 bytes)")
            self.scramble += b"abcd"
        self.write(self.greeting(plugin))
        offered = {True: "offered", False: "not offered"}
        self.log("greeting: %s, TLS %s, CLIENT_DEPRECATE_EOF %s" %
                 (plugin, offered[bool(self.caps & CLIENT_SSL)],
                  offered[bool(self.caps & CLIENT_DEPRECATE_EOF)]))

        pkt = self.read()
        r = Reader(pkt)
        client_caps = r.int(4)
        if not client_caps & CLIENT_PROTOCOL_41:
            raise Refused(1043, "08S01",
                          "Bad handshake (no CLIENT_PROTOCOL_41)")
        if client_caps & CLIENT_SSL:
            if not self.caps & CLIENT_SSL:
                raise Refused(1043, "08S01", "Bad handshake (TLS not offered)")
            if len(pkt) != 32:
                raise Refused(1043, "08S01", "Bad handshake (SSLRequest)")
            self.log("SSLRequest: starting TLS")
            self.sock = self.server.tls_ctx.wrap_socket(self.sock,
                                                        server_side=True)
            self.tls = True
            self.log("TLS: %s" % self.sock.version())
            pkt = self.read()
            r = Reader(pkt)
            client_caps = r.int(4)
        elif self.server.opts.require_tls:
            raise Refused(3159, "HY000", "Connections using insecure "
                          "transport are prohibited")
        self.caps &= client_caps
        user, answer, db, client_plugin, nattrs = self.response41(r)
        self.log("HandshakeResponse41: user %r, database %r, plugin %s, "
                 "%d connection attributes, CLIENT_DEPRECATE_EOF %s" %
                 (user, db, client_plugin, nattrs,
                  "on" if self.caps & CLIENT_DEPRECATE_EOF else "off"))
        self.user = user
        if opts.hostile:
            self.hostile(opts.hostile)

        if client_plugin != plugin or plugin != SHA2:
            # Protocol::AuthSwitchRequest: 0xFE, plugin name, plugin data
            # (MySQL sends the scramble and a NUL, 21 bytes).
            self.scramble = scramble()
            self.log("AuthSwitchRequest: %s, new scramble" % SHA2)
            self.write(b"\xfe" + SHA2.encode() + b"\0" + self.scramble + b"\0")
            answer = self.read()
        self.authenticate(answer)
        self.ok()
        self.log("OK: authenticated as %r" % user)

    def hostile(self, mode):
        """Break the protocol after the HandshakeResponse41 (--hostile)."""
        self.log("hostile: %s" % mode)
        if mode == "switch-unknown":
            self.write(b"\xfedialog\0\x04Password: ")
        elif mode == "more-data-junk":
            self.write(b"\x01junk\xff")
        elif mode == "huge-packet":
            self.sock.sendall(b"\xff\xff\xff" + bytes([self.seq]) +
                              bytes(64))
        elif mode == "wrong-seq":
            self.seq = 5
            self.ok()
        # Whatever comes next, the session is over.
        self.read()
        raise EOFError

    def greeting(self, plugin):
        # Protocol::HandshakeV10; MySQL's reserved bytes are all zero.
        return (b"\x0a" + SERVER_VERSION + b"\0" +
                struct.pack("<I", self.conn_id) + self.scramble[:8] + b"\0" +
                struct.pack("<HBHH", self.caps & 0xFFFF, CHARSET_UTF8MB4,
                            SERVER_STATUS_AUTOCOMMIT, self.caps >> 16) +
                bytes([len(self.scramble) + 1]) + bytes(10) +
                self.scramble[8:] + b"\0" + plugin.encode() + b"\0")

    def response41(self, r):
        """The rest of Protocol::HandshakeResponse41 after its flags."""
        r.int(4)                        # max packet size
        r.int(1)                        # character set
        r.take(23)                      # filler
        user = r.nul_str().decode("utf-8", "replace")
        if self.caps & CLIENT_PLUGIN_AUTH_LENENC_DATA:
            answer = r.lenenc_str()
        else:
            answer = r.take(r.int(1))
        db = None
        if self.caps & CLIENT_CONNECT_WITH_DB and r.left():
            db = r.nul_str().decode("utf-8", "replace")
        plugin = ""
        if self.caps & CLIENT_PLUGIN_AUTH and r.left():
            plugin = r.nul_str().decode("ascii", "replace")
        nattrs = 0
        if self.caps & CLIENT_CONNECT_ATTRS and r.left():
            attrs = Reader(r.lenenc_str())
            while attrs.left():
                attrs.lenenc_str()
                attrs.lenenc_str()
                nattrs += 1
        return user, answer, db, plugin, nattrs

    def denied(self, used):
        return Refused(1045, "28000", "Access denied for user '%s'@'%s' "
                       "(using password: %s)" %
                       (self.user, self.client_address[0],
                        "YES" if used else "NO"))

    def authenticate(self, answer):
        """caching_sha2_password from the client's first answer on."""
        srv = self.server
        if answer in (b"", b"\0"):
            self.log("empty answer: no password")
            if self.user == srv.opts.user and srv.password == b"":
                return
            raise self.denied(False)
        if len(answer) != 32:
            self.log("an answer of %d bytes, not 32" % len(answer))
            raise self.denied(True)
        cached = srv.cache_entry(self.user)
        # The client's SHA256(pw), recovered with the cache entry
        # SHA256(SHA256(pw)): it must hash to that entry.
        if cached is not None and \
                sha256(xor(answer, sha256(cached, self.scramble))) == cached:
            self.log("fast authentication: success")
            self.write(b"\x01" + FAST_AUTH_SUCCESS)
            return
        self.log("fast authentication: %s; perform full authentication" %
                 ("no cache entry" if cached is None else "mismatch"))
        self.write(b"\x01" + PERFORM_FULL_AUTH)

        pkt = self.read()
        if self.tls:
            self.log("full authentication: clear password over TLS")
            if not pkt.endswith(b"\0"):
                raise self.denied(True)
            password = pkt[:-1]
        else:
            if pkt == REQUEST_PUBLIC_KEY:
                self.log("public key requested; sent")
                self.write(b"\x01" + srv.public_pem)
                pkt = self.read()
            if len(pkt) != srv.key.key_size // 8:
                self.log("full authentication: %d bytes, not an RSA block "
                         "of %d" % (len(pkt), srv.key.key_size // 8))
                raise self.denied(True)
            try:
                plain = srv.key.decrypt(pkt, padding.OAEP(
                    mgf=padding.MGF1(algorithm=hashes.SHA1()),
                    algorithm=hashes.SHA1(), label=None))
            except ValueError:
                self.log("full authentication: RSA-OAEP decryption failed")
                raise self.denied(True)
            self.log("full authentication: RSA-OAEP decrypted")
            password = xor(plain, self.scramble).split(b"\0", 1)[0]
        if self.user != srv.opts.user or password != srv.password:
            raise self.denied(True)
        srv.learn(self.user)

    # Command phase: every command starts a new sequence.

    def commands(self):
        while True:
            self.seq = 0
            pkt = self.read()
            if not pkt:
                raise Refused(1047, "08S01", "Unknown command")
            cmd = pkt[0]
            if cmd == COM_QUIT:
                self.log("COM_QUIT")
                return
            if cmd == COM_PING:
                self.log("COM_PING")
                self.ok()
            elif cmd == COM_QUERY:
                self.query(pkt[1:].decode("utf-8", "replace"))
            else:
                self.log("command 0x%02x: not supported" % cmd)
                self.err(1047, "08S01", "Unknown command")

    def query(self, sql):
        q = " ".join(sql.strip().rstrip(";").lower().split())
        answers = {
            "select 1": (b"1", 0x08, b"1"),     # MYSQL_TYPE_LONGLONG
            "select current_user()": (b"current_user()", 0xFD,
                                      self.user.encode() + b"@%"),
        }
        if q.startswith("set "):
            # PyMySQL's SET AUTOCOMMIT after connecting, SET NAMES.
            self.log("COM_QUERY %r: OK" % sql[:60])
            self.ok()
            return
        if q not in answers:
            self.log("COM_QUERY %r: not supported" % sql[:60])
            self.err(1235, "42000", "This version of the stand-in doesn't "
                     "yet support this query")
            return
        name, coltype, value = answers[q]
        eof = not self.caps & CLIENT_DEPRECATE_EOF
        self.log("COM_QUERY %r: one row, %s" %
                 (sql, "EOF packets" if eof else "CLIENT_DEPRECATE_EOF"))
        self.write(lenenc_int(1))
        # Protocol::ColumnDefinition41.
        self.write(lenenc_str(b"def") + lenenc_str(b"") + lenenc_str(b"") +
                   lenenc_str(b"") + lenenc_str(name) + lenenc_str(b"") +
                   lenenc_int(0x0C) +
                   struct.pack("<HIBHB", 63 if coltype == 0x08 else
                               CHARSET_UTF8MB4, 64, coltype, 0x0001, 0) +
                   b"\0\0")
        if eof:
            self.write(b"\xfe" + struct.pack("<HH", 0,
                                             SERVER_STATUS_AUTOCOMMIT))
        self.write(lenenc_str(value))
        if eof:
            self.write(b"\xfe" + struct.pack("<HH", 0,
                                             SERVER_STATUS_AUTOCOMMIT))
        else:
            self.ok(b"\xfe")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, opts):
        self.opts = opts
        with open(opts.password_file, "rb") as f:
            self.password = f.read().rstrip(b"\n")
        if opts.rsa_key:
            with open(opts.rsa_key, "rb") as f:
                self.key = serialization.load_pem_private_key(f.read(), None)
        else:
            self.key = rsa.generate_private_key(public_exponent=65537,
                                                key_size=2048)
        self.public_pem = self.key.public_key().public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo)
        self.tls_ctx = None
        if opts.tls_cert:
            self.tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls_ctx.load_cert_chain(opts.tls_cert, opts.tls_key)
        self.lock = threading.Lock()
        self.conns = 0
        self.cache = {}
        if opts.cache == "full":
            self.learn(opts.user)
        super().__init__(("127.0.0.1", opts.port), Session)

    def log(self, msg):
        with self.lock:
            print("fakemysql: %s" % msg, file=sys.stderr, flush=True)

    def next_id(self):
        with self.lock:
            self.conns += 1
            return self.conns

    def cache_entry(self, user):
        with self.lock:
            return self.cache.get(user)

    def learn(self, user):
        """After a full authentication (or at start with --cache full)."""
        if self.opts.cache == "empty":
            return
        with self.lock:
            self.cache[user] = sha256(sha256(self.password))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--user", required=True)
    p.add_argument("--password-file", required=True)
    p.add_argument("--rsa-key")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--require-tls", action="store_true")
    p.add_argument("--cache", choices=("full", "empty", "learn"),
                   default="learn")
    p.add_argument("--switch", action="store_true")
    p.add_argument("--no-deprecate-eof", action="store_true")
    p.add_argument("--hostile", choices=("scramble-length", "switch-unknown",
                                         "more-data-junk", "huge-packet",
                                         "wrong-seq"))
    opts = p.parse_args()
    if bool(opts.tls_cert) != bool(opts.tls_key):
        p.error("--tls-cert and --tls-key go together")

    server = Server(opts)
    port = server.server_address[1]
    if opts.port_file:
        with open(opts.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(opts.port_file + ".tmp", opts.port_file)
    server.log("listening on 127.0.0.1:%d (cache %s%s)" %
               (port, opts.cache, ", switch" if opts.switch else ""))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
