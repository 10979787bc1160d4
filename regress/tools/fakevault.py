#!/usr/bin/python3
"""A stand-in HashiCorp Vault for airlock's tests (standard library only).

It serves what airlock's Vault provider uses of Vault's HTTP API:

  GET /v1/<mount>/<path>         KV version 1, "Read secret"
  GET /v1/<mount>/data/<path>    KV version 2, "Read secret version"

with the answers' shapes of the published API documentation
(developer.hashicorp.com/vault/api-docs/secret/kv/kv-v1 and kv-v2): the
secret under "data" (v1), or under "data.data" beside "data.metadata"
(v2); 403 {"errors":["permission denied"]} for a missing or wrong
X-Vault-Token (checked first, as Vault does), 404 {"errors":[]} for no
secret, a missing namespace header when one is configured counts as a
wrong token.

The secrets come from a JSON file:

  {"token": "...", "namespace": "optional",
   "mounts": {"secret": {"version": 1, "secrets": {"db": {"value": "..."}}},
              "kv":     {"version": 2, "secrets": {"db": {"password": "..."}}}}}

Fault modes (--mode): normal; hang (reads the request, never answers,
keeps the connection open); slow (answers after --delay seconds); standby
(answers 307 to the same path elsewhere, as a standby node does).

One line per request goes to --log: "GET /v1/path STATUS" (never the
token, never a value).  The port (--port, 0 for any free one) is written
to --port-file once the server listens.  TLS with --cert and --key;
plain HTTP without.
"""

import argparse
import datetime
import http.server
import json
import os
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse
import uuid


class Vault:
    def __init__(self, conf, mode, delay, log):
        self.token = conf["token"]
        self.namespace = conf.get("namespace")
        self.mounts = conf.get("mounts", {})
        self.mode = mode
        self.delay = delay
        self.log_path = log
        self.lock = threading.Lock()
        self.created = datetime.datetime.now(datetime.timezone.utc).isoformat()

    def log(self, line):
        if self.log_path is None:
            return
        with self.lock, open(self.log_path, "a") as f:
            f.write(line + "\n")

    def envelope(self, data, lease):
        return {
            "request_id": str(uuid.uuid4()),
            "lease_id": "",
            "renewable": False,
            "lease_duration": lease,
            "data": data,
            "wrap_info": None,
            "warnings": None,
            "auth": None,
        }

    def read(self, path, headers):
        """(status, body) for GET /v1/<path>."""
        if headers.get("X-Vault-Token") != self.token or (
            self.namespace is not None
            and headers.get("X-Vault-Namespace") != self.namespace
        ):
            return 403, {"errors": ["permission denied"]}
        parts = path.split("/")
        mount = self.mounts.get(parts[0])
        if mount is None:
            return 404, {"errors": ['no handler for route "%s". route entry '
                                    "not found." % path]}
        rest = parts[1:]
        if mount.get("version", 1) == 2:
            if len(rest) < 2 or rest[0] != "data":
                return 404, {"errors": []}
            secret = mount.get("secrets", {}).get("/".join(rest[1:]))
            if secret is None:
                return 404, {"errors": []}
            meta = {
                "created_time": self.created,
                "custom_metadata": None,
                "deletion_time": "",
                "destroyed": False,
                "version": 1,
            }
            return 200, self.envelope({"data": secret, "metadata": meta}, 0)
        secret = mount.get("secrets", {}).get("/".join(rest))
        if not rest or secret is None:
            return 404, {"errors": []}
        return 200, self.envelope(secret, 2764800)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fakevault"

    def log_message(self, fmt, *args):
        pass

    def setup(self):
        # The TLS handshake here, in the connection's thread, so that a
        # client that refuses our certificate does not stall accept().
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()
        super().setup()

    def answer(self, status, body, extra=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        vault = self.server.vault
        url = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(url.path)
        if vault.mode == "hang":
            vault.log("GET %s hang" % path)
            # Never answer; the client must give up on its own.
            while True:
                time.sleep(3600)
        if vault.mode == "slow":
            time.sleep(vault.delay)
        if vault.mode == "standby":
            vault.log("GET %s 307" % path)
            self.answer(307, {}, [("Location", "https://192.0.2.1:8200" +
                                   url.path)])
            return
        if not path.startswith("/v1/") or len(path) <= 4:
            status, body = 404, {"errors": []}
        else:
            status, body = vault.read(path[4:], self.headers)
        vault.log("GET %s %d" % (path, status))
        self.answer(status, body)

    def other(self):
        self.server.vault.log("%s %s 405" % (self.command, self.path))
        self.answer(405, {"errors": []})

    do_POST = do_PUT = do_DELETE = do_PATCH = other


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        print("fakevault: %s: %s" % (client_address[0], exc), file=sys.stderr)


def main():
    p = argparse.ArgumentParser(description="a stand-in Vault for tests")
    p.add_argument("--data", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--mode", default="normal",
                   choices=["normal", "hang", "slow", "standby"])
    p.add_argument("--delay", type=float, default=5)
    p.add_argument("--log")
    a = p.parse_args()

    with open(a.data) as f:
        conf = json.load(f)
    srv = Server(("127.0.0.1", a.port), Handler)
    srv.vault = Vault(conf, a.mode, a.delay, a.log)
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                     do_handshake_on_connect=False)
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.rename(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
