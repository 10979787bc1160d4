#!/usr/bin/python3
"""A stand-in HashiCorp Vault for airlock's tests, on standin.py.

It serves what airlock's Vault provider uses of Vault's HTTP API
(developer.hashicorp.com/vault/api-docs), with the published shapes:

  GET  /v1/<mount>/<path>            KV v1 "Read secret": data
  GET  /v1/<mount>/data/<path>       KV v2 "Read secret version": data.data
  POST /v1/auth/<mount>/login        AppRole {"role_id","secret_id"};
                                     Kubernetes and JWT {"role","jwt"}
  GET  /v1/auth/token/lookup-self    data.ttl, data.renewable
  POST /v1/auth/token/renew-self     auth.client_token, lease_duration,
                                     renewable

Errors as Vault gives them: 403 {"errors":["permission denied"]} for a
missing, wrong or expired X-Vault-Token (checked first) or a wrong JWT;
400 {"errors":["invalid role or secret ID"]} (AppRole) or
"invalid role name" (Kubernetes, JWT); 404 {"errors":[]} for no secret; a
missing namespace header, when one is configured, counts as a wrong token.

The state is a JSON file, read again when it changes (standin.py):

  {"token": "...", "token_ttl": 0, "token_renewable": false,
   "namespace": "optional",
   "mounts": {"secret": {"version": 1, "secrets": {"db": {"value": "..."}}},
              "kv":     {"version": 2, "secrets": {"db": {...}}}},
   "logins": {"approle": {"type": "approle", "role_id": "...",
                          "secret_id": "..."},
              "kubernetes": {"type": "kubernetes", "role": "...",
                             "jwt": "..."}},
   "login_ttl": 60, "login_max_ttl": 0, "login_renewable": true,
   "require_client_cert": false, "epoch": 0, "deny_reads": false,
   "close_kept": false, "close_kept_partial": false}

"token" is the static token (a ttl of 0 never expires); the keys of
"logins" are the auth mounts.  Tokens issued by a login live login_ttl
seconds, renewable up to login_max_ttl (0: no cap); a change of "epoch"
revokes them all.  deny_reads answers every read 403.  require_client_cert
closes every connection whose client gave no certificate of --client-ca.
close_kept closes a connection, unanswered, at its second request (a
server that closed a kept-alive connection just as the client reused it);
close_kept_partial sends the status line first.  Besides standin.py's
faults, --mode hang|slow|standby (a 307 to another node) as before.

The request log (standin.py's "METHOD PATH STATUS") also gets one line
"CONNECTION N" per connection accepted (after its TLS handshake), so that
a test counts connections.
"""

import json
import secrets
import threading
import time
import urllib.parse
import uuid

import standin

LOCK = threading.Lock()
TOKENS = {}     # issued token -> {"expires", "max", "renewable", "ttl"}
CONNECTIONS = [0]
ARGS = {}


def envelope(data, lease, auth=None, warnings=None):
    return {"request_id": str(uuid.uuid4()), "lease_id": "",
            "renewable": False, "lease_duration": lease, "data": data,
            "wrap_info": None, "warnings": warnings, "auth": auth}


def auth_block(token, ttl, renewable):
    return {"client_token": token, "accessor": "acc." + token[-6:],
            "policies": ["default", "airlock"],
            "token_policies": ["default", "airlock"], "metadata": {},
            "lease_duration": ttl, "renewable": renewable,
            "entity_id": "", "token_type": "service", "orphan": True}


def token_state(conf, token):
    """The token's entry (None: not valid now), the static one included."""
    now = time.time()
    if token is not None and token == conf.get("token"):
        ttl = int(conf.get("token_ttl", 0))
        renewable = bool(conf.get("token_renewable"))
        with LOCK:
            st = TOKENS.get(token)
            # Its settings changed in the data file: a new token.
            if st is None or st["conf"] != (ttl, renewable):
                st = {"expires": now + ttl if ttl else None, "max": None,
                      "renewable": renewable, "ttl": ttl,
                      "conf": (ttl, renewable)}
                TOKENS[token] = st
        return st if st["expires"] is None or st["expires"] > now else None
    with LOCK:
        st = TOKENS.get(token)
    if st is None or st["expires"] <= now or \
            st["epoch"] != conf.get("epoch", 0):
        return None
    return st


DENIED = (403, {"errors": ["permission denied"]}, [])


class Vault(standin.Handler):
    server_version = "fakevault"

    def setup(self):
        super().setup()
        self.nreq = 0
        conf = self.server.state.conf()
        if conf.get("require_client_cert") and \
                not self.request.getpeercert():
            self.server.state.log("CONNECTION refused: no client "
                                  "certificate")
            self.request.close()
            raise ConnectionError("no client certificate")
        with LOCK:
            CONNECTIONS[0] += 1
            n = CONNECTIONS[0]
        self.server.state.log("CONNECTION %d" % n)

    def handle_any(self):
        self.nreq += 1
        conf = self.server.state.conf()
        if self.nreq > 1 and (conf.get("close_kept") or
                              conf.get("close_kept_partial")):
            n = int(self.headers.get("Content-Length") or 0)
            if n > 0:
                self.rfile.read(n)
            path = urllib.parse.urlsplit(self.path).path
            self.server.state.log("%s %s close-kept" % (self.command, path))
            if conf.get("close_kept_partial"):
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                self.wfile.flush()
            self.close_connection = True
            self.request.close()
            return
        mode = self.server.args.mode
        if mode == "hang":
            self.server.state.log("%s %s hang" % (self.command, self.path))
            while True:
                time.sleep(3600)
        if mode == "slow":
            time.sleep(self.server.args.delay)
        super().handle_any()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any

    def route(self, method, path, query, headers, body):
        conf = self.server.state.conf()
        path = urllib.parse.unquote(path)
        if self.server.args.mode == "standby":
            return 307, {}, [("Location", "https://192.0.2.1:8200" + path)]
        if not path.startswith("/v1/") or len(path) <= 4:
            return 404, {"errors": []}, []
        path = path[4:]
        if path.startswith("auth/token/"):
            return self.token_api(conf, method, path[len("auth/token/"):],
                                  headers)
        if path.startswith("auth/") and path.endswith("/login"):
            if method not in ("POST", "PUT"):
                return 405, {"errors": []}, []
            return self.login(conf, path[len("auth/"):-len("/login")], body)
        if method != "GET":
            return 405, {"errors": []}, []
        ns = conf.get("namespace")
        if token_state(conf, headers.get("X-Vault-Token")) is None or \
                conf.get("deny_reads") or (
                ns is not None and headers.get("X-Vault-Namespace") != ns):
            return DENIED
        return self.read(conf, path)

    def login(self, conf, mount, body):
        entry = conf.get("logins", {}).get(mount)
        if entry is None:
            return 400, {"errors": ['no handler for route "auth/%s/login". '
                                    "route entry not found." % mount]}, []
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            return 400, {"errors": ["failed to parse JSON input"]}, []
        if entry["type"] == "approle":
            if req.get("role_id") != entry["role_id"] or \
                    req.get("secret_id") != entry["secret_id"]:
                return 400, {"errors": ["invalid role or secret ID"]}, []
        else:
            if req.get("role") != entry["role"]:
                return 400, {"errors": ['invalid role name "%s"' %
                                        req.get("role")]}, []
            if req.get("jwt") != entry["jwt"]:
                return DENIED
        ttl = int(conf.get("login_ttl", 60))
        maxttl = int(conf.get("login_max_ttl", 0))
        renewable = bool(conf.get("login_renewable", True))
        token = "hvs.login" + secrets.token_hex(12)
        now = time.time()
        with LOCK:
            TOKENS[token] = {"expires": now + ttl, "ttl": ttl,
                             "epoch": conf.get("epoch", 0),
                             "max": now + maxttl if maxttl else None,
                             "renewable": renewable}
        return 200, envelope(None, 0, auth_block(token, ttl, renewable)), []

    def token_api(self, conf, method, op, headers):
        token = headers.get("X-Vault-Token")
        st = token_state(conf, token)
        if st is None:
            return DENIED
        now = time.time()
        if op == "lookup-self" and method == "GET":
            ttl = 0 if st["expires"] is None else int(st["expires"] - now)
            return 200, envelope({"id": token, "ttl": ttl,
                                  "renewable": st["renewable"],
                                  "creation_ttl": st["ttl"],
                                  "explicit_max_ttl": 0, "period": None,
                                  "policies": ["default", "airlock"]},
                                 0), []
        if op == "renew-self" and method in ("POST", "PUT"):
            if not st["renewable"] or st["expires"] is None:
                return 400, {"errors": ["lease is not renewable"]}, []
            ttl = st["ttl"]
            warnings = None
            if st["max"] is not None and now + ttl > st["max"]:
                ttl = max(int(st["max"] - now), 0)
                warnings = ["TTL of \"%ds\" exceeded the effective max_ttl "
                            "of \"%ds\"; TTL value is capped accordingly" %
                            (st["ttl"], ttl)]
            with LOCK:
                st["expires"] = now + ttl
            return 200, envelope(None, 0, auth_block(token, ttl, True),
                                 warnings), []
        return 405, {"errors": []}, []

    def read(self, conf, path):
        parts = path.split("/")
        mount = conf.get("mounts", {}).get(parts[0])
        if mount is None:
            return 404, {"errors": ['no handler for route "%s". route entry '
                                    "not found." % path]}, []
        rest = parts[1:]
        if mount.get("version", 1) == 2:
            if len(rest) < 2 or rest[0] != "data":
                return 404, {"errors": []}, []
            secret = mount.get("secrets", {}).get("/".join(rest[1:]))
            if secret is None:
                return 404, {"errors": []}, []
            meta = {"created_time": "2026-01-01T00:00:00Z",
                    "custom_metadata": None, "deletion_time": "",
                    "destroyed": False, "version": 1}
            return 200, envelope({"data": secret, "metadata": meta}, 0), []
        secret = mount.get("secrets", {}).get("/".join(rest))
        if not rest or secret is None:
            return 404, {"errors": []}, []
        return 200, envelope(secret, 2764800), []


def extra_args(p):
    p.add_argument("--mode", default="normal",
                   choices=["normal", "hang", "slow", "standby"])
    p.add_argument("--delay", type=float, default=5)


if __name__ == "__main__":
    standin.serve("fakevault", Vault, "a stand-in Vault for tests",
                  extra_args)
