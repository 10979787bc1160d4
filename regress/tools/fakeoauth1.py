#!/usr/bin/python3
"""An OAuth 1.0a (RFC 5849) verifying server for airlock's generic_http
oauth1 tests, built on oauthlib (Debian's python3-oauthlib).

Each request must carry "Authorization: OAuth ..." with the consumer key
and token it was given, oauth_signature_method HMAC-SHA1, version 1.0, a
nonce, and a timestamp within 10 minutes; the signature is recomputed with
oauthlib's RFC 5849 3.4 functions from what was received (method, the URL
from Host and the target, the query, an application/x-www-form-urlencoded
body, the Authorization's oauth_* parameters) with the two secrets read
from --secrets (two lines: consumer secret, token secret).  A nonce seen
before is refused.  Answers: 200 "oauth1 ok" and the parameters it
signed, or 401 and why (never a secret).  One line per request on
standard error: "fakeoauth1: METHOD TARGET STATUS".
"""

import argparse
import http.server
import socketserver
import sys
import time

from oauthlib.oauth1.rfc5849 import signature, utils

NONCES = set()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, text):
        body = (text + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        print("fakeoauth1: %s %s %d" % (self.command, self.path, status),
              file=sys.stderr, flush=True)

    def handle_any(self):
        n = int(self.headers.get("Content-Length", "0") or "0")
        body = self.rfile.read(n) if n else b""
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("OAuth "):
            self.reply(401, "no OAuth Authorization header")
            return
        oauth = {k: utils.unescape(v)
                 for k, v in utils.parse_authorization_header(auth)}
        srv = self.server
        for k, want in (("oauth_consumer_key", srv.consumer_key),
                        ("oauth_token", srv.token),
                        ("oauth_signature_method", "HMAC-SHA1"),
                        ("oauth_version", "1.0")):
            if oauth.get(k) != want:
                self.reply(401, "%s is %r, not %r" % (k, oauth.get(k), want))
                return
        nonce = oauth.get("oauth_nonce", "")
        if not nonce or nonce in NONCES:
            self.reply(401, "oauth_nonce missing or used before")
            return
        NONCES.add(nonce)
        try:
            ts = int(oauth.get("oauth_timestamp", ""))
        except ValueError:
            ts = 0
        if abs(ts - time.time()) > 600:
            self.reply(401, "oauth_timestamp %r is off" %
                       oauth.get("oauth_timestamp"))
            return
        query = self.path.partition("?")[2]
        form = None
        ctype = self.headers.get("Content-Type", "")
        if ctype.split(";")[0].strip() == "application/x-www-form-urlencoded":
            form = body.decode()
        params = signature.collect_parameters(
            uri_query=query, body=form,
            headers={"Authorization": auth})
        norm = signature.normalize_parameters(params)
        uri = signature.base_string_uri(
            "http://%s%s" % (self.headers.get("Host", ""), self.path))
        base = signature.signature_base_string(self.command, uri, norm)
        want = signature.sign_hmac_sha1(base, srv.consumer_secret,
                                        srv.token_secret)
        if oauth.get("oauth_signature") != want:
            self.reply(401, "signature mismatch; base string: " + base)
            return
        self.reply(200, "oauth1 ok " + norm)

    do_GET = do_POST = do_PUT = do_DELETE = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--consumer-key", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--secrets", required=True)
    args = ap.parse_args()
    srv = Server(("127.0.0.1", args.port), Handler)
    with open(args.secrets) as f:
        lines = f.read().split("\n")
    srv.consumer_secret, srv.token_secret = lines[0], lines[1]
    srv.consumer_key, srv.token = args.consumer_key, args.token
    print("fakeoauth1: listening on 127.0.0.1:%d" % args.port,
          file=sys.stderr, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
