#!/usr/bin/python3
"""A raw MySQL client for the tests: the packets that no library sends.

    myraw.py (--port P | --socket PATH) [--tls-ca FILE [--tls-cert FILE
        --tls-key FILE] [--tls12]] CASE

It reads the greeting, answers it as CASE says and prints, one line each,
what came back: "ERR <code> <sqlstate>: <message>", "OK", "ROW <value>",
"EOF" (a result set ended), "closed" (the peer closed the connection),
"timeout".  The password is never needed: airlock logs in for the client
and throws away the client's auth response.  Cases (MySQL "Client/Server
Protocol", "Connection Phase" and "Command Phase"):

    ssl          an SSLRequest (Protocol::SSLRequest)
    sslbit       a whole HandshakeResponse41 with CLIENT_SSL
    compress     a HandshakeResponse41 with CLIENT_COMPRESS
    truncated    a HandshakeResponse41 cut after its user name's first byte
    huge         a packet header announcing 0xffffff bytes, and a few
    badseq       a HandshakeResponse41 with sequence id 5, not 1
    lenenc       an auth response whose length-encoded length overruns
    old320       a HandshakeResponse320 (no CLIENT_PROTOCOL_41)
    reset        a login, COM_RESET_CONNECTION, then SELECT 'after reset'
    changeuser   a login, SELECT 'before', then COM_CHANGE_USER
    quit         a login, SELECT 'before', then COM_QUIT

Cases of a service with clientTLS, which print "greeting: CLIENT_SSL" when
the greeting offers TLS, then answer as a client that verifies the
listener against --tls-ca (and shows --tls-cert; --tls12: TLS 1.2 at most):

    tls          SSLRequest (id 1), TLS, a response (2); each packet that
                 comes back with its id ("3 OK"); then SELECT 'over tls'
    tls-badseq   SSLRequest, TLS, then a response with id 1, not 2
    tls-again    SSLRequest, TLS, then an SSLRequest again (id 2)
    tls-garbage  SSLRequest, then bytes that are no TLS handshake
"""

import argparse
import socket
import ssl
import struct
import sys

CLIENT_LONG_PASSWORD = 0x1
CLIENT_CONNECT_WITH_DB = 0x8
CLIENT_COMPRESS = 0x20
CLIENT_PROTOCOL_41 = 0x200
CLIENT_SSL = 0x800
CLIENT_TRANSACTIONS = 0x2000
CLIENT_SECURE_CONNECTION = 0x8000
CLIENT_PLUGIN_AUTH = 0x80000
CLIENT_LENENC_DATA = 0x200000
BASE_CAPS = (CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 | CLIENT_TRANSACTIONS |
             CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH)

COM_QUIT = 0x01
COM_QUERY = 0x03
COM_CHANGE_USER = 0x11
COM_RESET_CONNECTION = 0x1f


class Closed(Exception):
    pass


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise Closed()
        data += chunk
    return data


def read_packet(s):
    hdr = recv_exact(s, 4)
    n = hdr[0] | hdr[1] << 8 | hdr[2] << 16
    return hdr[3], recv_exact(s, n)


def packet(seq, payload):
    return struct.pack("<I", len(payload))[:3] + bytes([seq]) + payload


def describe(p):
    if p[:1] == b"\xff":
        code = struct.unpack("<H", p[1:3])[0]
        if p[3:4] == b"#":
            return "ERR %d %s: %s" % (code, p[4:9].decode(),
                                      p[9:].decode("utf-8", "replace"))
        return "ERR %d: %s" % (code, p[3:].decode("utf-8", "replace"))
    if p[:1] == b"\x00":
        return "OK"
    return "PACKET %s" % p[:16].hex()


def response41(caps, user=b"nobody", auth=b"", db=None):
    """Protocol::HandshakeResponse41, auth with a 1-byte length."""
    if db is not None:
        caps |= CLIENT_CONNECT_WITH_DB
    p = struct.pack("<IIB23x", caps, 1 << 24, 33)
    p += user + b"\0" + bytes([len(auth)]) + auth
    if db is not None:
        p += db + b"\0"
    return p + b"mysql_native_password\0"


def lenenc_str(b):
    return bytes([len(b)]) + b


def query(s, sql):
    """COM_QUERY with sequence id 0; print the first column of each row."""
    s.sendall(packet(0, bytes([COM_QUERY]) + sql))
    _, p = read_packet(s)
    if p[:1] in (b"\xff", b"\x00"):
        print(describe(p))
        return
    ncols = p[0]
    for _ in range(ncols):
        read_packet(s)
    _, p = read_packet(s)		# the EOF after the columns
    while True:
        _, p = read_packet(s)
        if p[:1] == b"\xfe" and len(p) < 9:
            print("EOF")
            return
        if p[:1] == b"\xff":
            print(describe(p))
            return
        n = p[0]
        print("ROW %s" % p[1:1 + n].decode("utf-8", "replace"))


def login(s):
    s.sendall(packet(1, response41(BASE_CAPS)))
    _, p = read_packet(s)
    print(describe(p))
    if p[:1] != b"\x00":
        sys.exit(1)


def ssl_request(s, seq=1):
    s.sendall(packet(seq, struct.pack("<IIB23x", BASE_CAPS | CLIENT_SSL,
                                    1 << 24, 33)))


def tls(s, args):
    """The client leg's TLS after an SSLRequest: the wrapped socket."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(args.tls_ca)
    if args.tls_cert:
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
    if args.tls12:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ssl_request(s)
    try:
        t = ctx.wrap_socket(s, server_hostname="127.0.0.1")
    except ssl.SSLError as e:
        print("TLS failed: %s" % e.reason)
        sys.exit(0)
    print("TLS %s" % t.version())
    return t


def run_tls(s, case, args):
    if case == "tls-garbage":
        ssl_request(s)
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        return s
    s = tls(s, args)
    if case == "tls":
        s.sendall(packet(2, response41(BASE_CAPS | CLIENT_SSL)))
        seq, p = read_packet(s)
        print("%d %s" % (seq, describe(p)))
        if p[:1] == b"\x00":
            query(s, b"SELECT 'over tls'")
            s.sendall(packet(0, bytes([COM_QUIT])))
    elif case == "tls-badseq":
        s.sendall(packet(1, response41(BASE_CAPS | CLIENT_SSL)))
    elif case == "tls-again":
        ssl_request(s, 2)
    return s


def run(s, case, args):
    _, g = read_packet(s)			# the greeting
    # Protocol::HandshakeV10: the version, the connection id, 8 bytes of
    # scramble and a filler, then the capabilities' lower 2 bytes.
    caps = struct.unpack("<H", g[g.index(b"\0") + 1 + 4 + 9:][:2])[0]
    if caps & CLIENT_SSL:
        print("greeting: CLIENT_SSL")
    if case.startswith("tls"):
        s = run_tls(s, case, args)
    elif case == "ssl":
        ssl_request(s)
    elif case == "sslbit":
        s.sendall(packet(1, response41(BASE_CAPS | CLIENT_SSL)))
    elif case == "compress":
        s.sendall(packet(1, response41(BASE_CAPS | CLIENT_COMPRESS)))
    elif case == "truncated":
        p = response41(BASE_CAPS)
        s.sendall(packet(1, p[:32 + 1]))
    elif case == "huge":
        s.sendall(b"\xff\xff\xff\x01" + b"\0" * 64)
    elif case == "badseq":
        s.sendall(packet(5, response41(BASE_CAPS)))
    elif case == "lenenc":
        # A length-encoded auth response of 0xfffe bytes, in a packet of
        # a few dozen.
        p = struct.pack("<IIB23x", BASE_CAPS | CLIENT_LENENC_DATA,
                        1 << 24, 33)
        p += b"nobody\0" + b"\xfc\xfe\xff" + b"abc"
        s.sendall(packet(1, p))
    elif case == "old320":
        # Protocol::HandshakeResponse320: 2 bytes of caps, 3 of max size.
        p = struct.pack("<H", CLIENT_LONG_PASSWORD) + b"\0\0\1"
        s.sendall(packet(1, p + b"nobody\0" + b"12345678\0"))
    elif case in ("reset", "changeuser", "quit"):
        login(s)
        if case == "reset":
            s.sendall(packet(0, bytes([COM_RESET_CONNECTION])))
            _, p = read_packet(s)
            print(describe(p))
            query(s, b"SELECT 'after reset'")
            return
        query(s, b"SELECT 'before'")
        if case == "changeuser":
            p = bytes([COM_CHANGE_USER]) + b"root\0" + lenenc_str(b"") + \
                b"\0" + struct.pack("<H", 33) + b"mysql_native_password\0"
            s.sendall(packet(0, p))
        else:
            s.sendall(packet(0, bytes([COM_QUIT])))
    else:
        sys.exit("myraw.py: unknown case %s" % case)
    while True:
        _, p = read_packet(s)
        print(describe(p))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int)
    ap.add_argument("--socket")
    ap.add_argument("--timeout", type=float, default=15)
    ap.add_argument("--tls-ca")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--tls12", action="store_true")
    ap.add_argument("case")
    args = ap.parse_args()
    if args.socket:
        s = socket.socket(socket.AF_UNIX)
        where = args.socket
    else:
        s = socket.socket()
        where = ("127.0.0.1", args.port)
    s.settimeout(args.timeout)
    s.connect(where)
    try:
        run(s, args.case, args)
    except Closed:
        print("closed")
    except ConnectionResetError:
        print("closed")
    except ssl.SSLError as e:
        print("closed (%s)" % e.reason)
    except socket.timeout:
        print("timeout")
    sys.stdout.flush()


main()
