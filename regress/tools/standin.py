"""What airlock's stand-in servers share (standard library only).

A stand-in (fakeconjur.py, fakeaws.py's provider half, fakek8s.py, ...)
serves the part of a published API that one provider of airlock uses,
over TLS.  This module gives each of them the same frame:

  - its state is a JSON file (--data), read again whenever it changes, so
    that a test rotates a secret or changes the server's behaviour by
    rewriting the file, without a restart;
  - the faults that every provider is tested against, chosen by the
    file's "fault" key, applied before the stand-in's own routing:
        "hang"     read the request, never answer, keep the connection
        "slow"     answer after "delay" seconds (default 5)
        "garbage"  200 with a body that is not JSON
        "huge"     200 with a JSON body of "huge_bytes" (default 2 MiB)
        "close"    close the connection without an answer
    and "fault_paths", when present, limits the fault to requests whose
    path starts with one of them (the secret read, not the login);
  - one line per request to --log: "METHOD PATH STATUS" (never a header
    value, never a body: no token or secret reaches the log);
  - the port written to --port-file once it listens (--port 0: any).

A stand-in subclasses Handler and implements route(), which returns
(status, body, headers): body a dict or list (sent as JSON), bytes, or
str; headers a list of (name, value).
"""

import argparse
import http.server
import json
import os
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse


class State:
    def __init__(self, path, log_path):
        self.path = path
        self.log_path = log_path
        self.lock = threading.Lock()
        self.mtime = None
        self.data = {}

    def conf(self):
        """The data file's content, read again when it has changed."""
        with self.lock:
            st = os.stat(self.path)
            key = (st.st_mtime_ns, st.st_size, st.st_ino)
            if key != self.mtime:
                with open(self.path) as f:
                    self.data = json.load(f)
                self.mtime = key
            return self.data

    def log(self, line):
        if self.log_path is None:
            return
        with self.lock, open(self.log_path, "a") as f:
            f.write(line + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "standin"

    def log_message(self, fmt, *args):
        pass

    def setup(self):
        # The TLS handshake in the connection's thread, so that a client
        # that refuses the certificate does not stall accept().
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()
        super().setup()

    def route(self, method, path, query, headers, body):
        """(status, body, headers) for one request; the stand-in's own."""
        return 404, {"error": "not found"}, []

    def send(self, status, body, extra=()):
        ctype = "application/json"
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
        elif isinstance(body, str):
            data = body.encode()
            ctype = "text/plain"
        else:
            data = body
            ctype = "application/octet-stream"
        self.send_response(status)
        names = [k.lower() for k, _ in extra]
        if "content-type" not in names:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def fault(self, conf, path):
        """Apply the data file's fault, if any; True when it answered."""
        f = conf.get("fault")
        if not f:
            return False
        paths = conf.get("fault_paths")
        if paths and not any(path.startswith(p) for p in paths):
            return False
        st = self.server.state
        if f == "hang":
            st.log("%s %s hang" % (self.command, path))
            while True:
                time.sleep(3600)
        if f == "slow":
            time.sleep(float(conf.get("delay", 5)))
            return False
        if f == "close":
            st.log("%s %s close" % (self.command, path))
            self.close_connection = True
            self.request.close()
            return True
        if f == "garbage":
            st.log("%s %s 200 garbage" % (self.command, path))
            self.send(200, b'{"data": {"value": "unterminated',
                      [("Content-Type", "application/json")])
            return True
        if f == "huge":
            n = int(conf.get("huge_bytes", 2 * 1024 * 1024))
            st.log("%s %s 200 huge" % (self.command, path))
            self.send(200, b'{"pad": "' + b"x" * n + b'"}',
                      [("Content-Type", "application/json")])
            return True
        return False

    def handle_any(self):
        st = self.server.state
        url = urllib.parse.urlsplit(self.path)
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else b""
        conf = st.conf()
        if self.fault(conf, url.path):
            return
        status, out, extra = self.route(self.command, url.path,
                                        urllib.parse.parse_qs(url.query),
                                        self.headers, body)
        st.log("%s %s %d" % (self.command, url.path, status))
        self.send(status, out, extra)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        print("%s: %s: %s" % (self.name, client_address[0], exc),
              file=sys.stderr)


def serve(name, handler, description, extra_args=None):
    """Parse the common options (and extra_args(parser)), then serve."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--data", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--client-ca", help="ask for client certificates")
    p.add_argument("--log")
    if extra_args is not None:
        extra_args(p)
    a = p.parse_args()
    srv = Server(("127.0.0.1", a.port), handler)
    srv.name = name
    srv.args = a
    srv.state = State(a.data, a.log)
    srv.state.conf()
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        if a.client_ca:
            ctx.load_verify_locations(a.client_ca)
            ctx.verify_mode = ssl.CERT_OPTIONAL
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                     do_handshake_on_connect=False)
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.rename(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()
