#!/usr/bin/python3
"""A stand-in Conjur for airlock's tests, on standin.py.

It serves what airlock's conjur provider uses of Conjur's REST API
(docs.cyberark.com, Conjur Open Source, "Conjur REST API"; the behaviour
of cyberark/conjur's authn and secrets controllers):

  POST /authn/{account}/{login}/authenticate       "Authenticate"
       body: the API key; 401 with an empty body when wrong
  POST /authn-jwt/{service}/{account}[/{host}]/authenticate
       form body jwt=...; 401 when the JWT is not the one configured
  POST /authn-k8s/{service}/inject_client_cert    "Kubernetes Authenticator"
       the CSR of conjur-authn-k8s-client (CN the host id's tail, the
       Host-Id-Prefix header the rest, '/' as '.'; SAN URI spiffe://
       cluster.local/namespace/{ns}/podname/{pod}), signed with the CA of
       k8s_ca (ca.crt, ca.key; openssl(1)) and written to k8s_cert_path,
       as Conjur does into the pod with kubectl exec; 202
  POST /authn-k8s/{service}/{account}/{host}/authenticate
       over mutual TLS (start with --client-ca): the client certificate
       must be one for that host
  GET  /secrets/{account}/{kind}/{id}              "Retrieve a secret"
       the raw value (application/octet-stream)
  GET  /secrets?variable_ids=a:k:x,a:k:y           "Batch retrieval"
       {"a:k:x": "...", ...}; with Accept-Encoding: base64 the values in
       Ruby's Base64.encode64 (60-character lines) and Content-Encoding:
       base64, else 406 for a value that is not UTF-8

Both logins answer the access token (a JSON document with protected,
payload and signature) as JSON, or base64 with Accept-Encoding: base64.
Requests carry Authorization: Token token="<base64 token>"; a token that
this server did not issue, that has expired (token_ttl seconds), or that
an increase of token_generation revoked, is 401.  Errors have Conjur's
body: {"error": {"code": "not_found", "message": "..."}}.

The state file (re-read on change; see standin.py for faults):

  {"account": "dev", "login": "host/app", "api_key": "...",
   "jwt": "<the JWT that authn-jwt accepts>", "jwt_service": "k8s",
   "variables": {"dev:variable:db/password": "text",
                 "dev:variable:bin": {"hex": "00ff0a"}},
   "denied": ["dev:variable:secret"], "prefix": "/api",
   "token_ttl": 480, "token_generation": 0,
   "k8s_service": "cluster", "k8s_host": "host/.../app",
   "k8s_namespace": "ns", "k8s_pod": "pod", "k8s_ca": "/dir",
   "k8s_cert_path": "/path/client.pem", "k8s_inject": true}
"""

import base64
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import standin  # noqa: E402

ISSUED = {}
LOCK = threading.Lock()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def error(status, code, message):
    return status, {"error": {"code": code, "message": message}}, []


def value_of(v):
    if isinstance(v, dict):
        return bytes.fromhex(v["hex"])
    return v.encode()


class Conjur(standin.Handler):
    server_version = "fakeconjur"

    def issue(self, conf, sub, headers):
        now = int(time.time())
        sig = b64url(os.urandom(32))
        payload = {"sub": sub, "iat": now,
                   "exp": now + int(conf.get("token_ttl", 480))}
        token = json.dumps({
            "protected": b64url(json.dumps({
                "alg": "conjur.org/slosilo/v2", "kid": "fake"}).encode()),
            "payload": b64url(json.dumps(payload).encode()),
            "signature": sig}).encode()
        with LOCK:
            ISSUED[sig] = (payload["exp"], conf.get("token_generation", 0))
        if headers.get("Accept-Encoding", "").lower() == "base64":
            return 200, base64.b64encode(token), [
                ("Content-Type", "text/plain"),
                ("Content-Encoding", "base64")]
        return 200, token, [("Content-Type", "application/json")]

    def authorized(self, conf, headers):
        h = headers.get("Authorization", "")
        if not h.startswith('Token token="') or not h.endswith('"'):
            return False
        try:
            tok = json.loads(base64.b64decode(h[13:-1], validate=True))
        except ValueError:
            return False
        with LOCK:
            exp, gen = ISSUED.get(tok.get("signature"), (0, -1))
        return exp > time.time() and gen == conf.get("token_generation", 0)

    def authn(self, conf, parts, headers, body):
        # authn/{account}/{login}/authenticate
        if len(parts) != 4 or parts[3] != "authenticate":
            return error(404, "not_found", "no route")
        if parts[1] != conf.get("account") or \
                parts[2] != conf.get("login") or \
                body.decode(errors="replace") != conf.get("api_key"):
            return 401, b"", [("Content-Type", "text/plain")]
        return self.issue(conf, parts[2], headers)

    def authn_jwt(self, conf, parts, headers, body):
        # authn-jwt/{service}/{account}[/{host}]/authenticate
        if len(parts) not in (4, 5) or parts[-1] != "authenticate":
            return error(404, "not_found", "no route")
        if parts[1] != conf.get("jwt_service") or \
                parts[2] != conf.get("account"):
            return error(404, "not_found", "no such authenticator")
        form = urllib.parse.parse_qs(body.decode(errors="replace"))
        host = parts[3] if len(parts) == 5 else None
        if form.get("jwt") != [conf.get("jwt")] or \
                host != conf.get("jwt_host"):
            return 401, b"", [("Content-Type", "text/plain")]
        return self.issue(conf, host or "jwt", headers)

    def inject(self, conf, headers, body):
        """Check the CSR against the host, sign it, write the cert."""
        host = conf.get("k8s_host", "")
        with tempfile.TemporaryDirectory() as d:
            csr = os.path.join(d, "csr")
            with open(csr, "wb") as f:
                f.write(body)
            out = subprocess.run(
                ["openssl", "req", "-in", csr, "-noout", "-text",
                 "-subject", "-nameopt", "RFC2253"],
                capture_output=True, text=True)
            if out.returncode != 0:
                return error(400, "bad_request", "not a CSR")
            cn = [l[len("subject=CN="):] for l in out.stdout.splitlines()
                  if l.startswith("subject=CN=")]
            san = "URI:spiffe://cluster.local/namespace/%s/podname/%s" % (
                conf.get("k8s_namespace"), conf.get("k8s_pod"))
            prefix = headers.get("Host-Id-Prefix", "")
            if not cn or san not in out.stdout or \
                    "%s/%s" % (prefix.replace(".", "/"),
                               cn[0].replace(".", "/")) != host:
                return 401, b"", [("Content-Type", "text/plain")]
            if not conf.get("k8s_inject", True):
                return 202, b"", [("Content-Type", "text/plain")]
            ca = conf["k8s_ca"]
            crt = os.path.join(d, "crt")
            if subprocess.run(
                    ["openssl", "x509", "-req", "-in", csr, "-days", "1",
                     "-CA", os.path.join(ca, "ca.crt"),
                     "-CAkey", os.path.join(ca, "ca.key"),
                     "-copy_extensions", "copy", "-out", crt],
                    capture_output=True).returncode != 0:
                return error(500, "internal", "cannot sign")
            with open(crt, "rb") as f:
                pem = f.read()
        with open(conf["k8s_cert_path"], "wb") as f:
            f.write(pem)
        return 202, b"", [("Content-Type", "text/plain")]

    def authn_k8s(self, conf, parts, headers, body):
        # authn-k8s/{service}/inject_client_cert, or
        # authn-k8s/{service}/{account}/{host}/authenticate
        if len(parts) < 3 or parts[1] != conf.get("k8s_service"):
            return error(404, "not_found", "no such authenticator")
        if parts[2:] == ["inject_client_cert"]:
            return self.inject(conf, headers, body)
        if len(parts) != 5 or parts[4] != "authenticate" or \
                parts[2] != conf.get("account"):
            return error(404, "not_found", "no route")
        host = conf.get("k8s_host", "")
        cert = self.request.getpeercert() or {}
        cn = [v for rdn in cert.get("subject", ()) for k, v in rdn
              if k == "commonName"]
        tail = host.split("/")[-3 if host.count("/") >= 3 else -1:]
        if parts[3] != host or cn != [".".join(tail)]:
            return 401, b"", [("Content-Type", "text/plain")]
        return self.issue(conf, host, headers)

    def lookup(self, conf, rid):
        if rid in conf.get("denied", []):
            return error(403, "forbidden", "Forbidden")
        v = conf.get("variables", {}).get(rid)
        if v is None:
            return error(404, "not_found",
                         "Variable %s is empty or not found." % rid)
        return 200, value_of(v), []

    def batch(self, conf, query, headers):
        ids = ",".join(query.get("variable_ids", [])).split(",")
        if ids == [""]:
            return error(422, "argument_error", "variable_ids is missing")
        b64 = headers.get("Accept-Encoding", "").lower() == "base64"
        out = {}
        for rid in ids:
            status, v, _ = self.lookup(conf, rid)
            if status != 200:
                return status, v, []
            if b64:
                out[rid] = base64.encodebytes(v).decode().replace(
                    "\n", "")
                # Ruby's Base64.encode64: lines of 60 characters.
                s = out[rid]
                out[rid] = "".join(s[i:i + 60] + "\n"
                                   for i in range(0, len(s), 60))
            else:
                try:
                    out[rid] = v.decode()
                except UnicodeDecodeError:
                    return error(406, "not_acceptable",
                                 "Issue encoding secret into JSON format, "
                                 "try including 'Accept-Encoding: base64' "
                                 "header in request.")
        return 200, out, [("Content-Encoding", "base64")] if b64 else []

    def route(self, method, path, query, headers, body):
        conf = self.server.state.conf()
        prefix = conf.get("prefix", "")
        if not path.startswith(prefix + "/"):
            return error(404, "not_found", "no route")
        parts = [urllib.parse.unquote(p)
                 for p in path[len(prefix) + 1:].split("/")]
        if method == "POST" and parts[0] == "authn":
            return self.authn(conf, parts, headers, body)
        if method == "POST" and parts[0] == "authn-jwt":
            return self.authn_jwt(conf, parts, headers, body)
        if method == "POST" and parts[0] == "authn-k8s":
            return self.authn_k8s(conf, parts, headers, body)
        if method != "GET" or parts[0] != "secrets":
            return error(404, "not_found", "no route")
        if not self.authorized(conf, headers):
            return 401, b"", [("Content-Type", "text/plain")]
        if parts == ["secrets"]:
            return self.batch(conf, query, headers)
        if len(parts) != 4:
            return error(404, "not_found", "no route")
        status, v, extra = self.lookup(conf, ":".join(parts[1:]))
        if status == 200:
            return status, v, [("Content-Type",
                                "application/octet-stream")]
        return status, v, extra


if __name__ == "__main__":
    standin.serve("fakeconjur", Conjur, "a stand-in Conjur for tests")
