#!/usr/bin/python3
"""A stand-in for the Google Cloud services of airlock's gcp provider.

  POST /token
      Google's OAuth 2.0 token endpoint for service accounts (the JWT
      bearer grant, RFC 7523): the form's assertion is verified with
      python3-jwt (RS256, with the public key of the data file, aud this
      URL, iss the service account, the cloud-platform scope, iat and exp
      at most an hour apart); answers {"access_token", "expires_in",
      "token_type": "Bearer"}, or 400 {"error": "invalid_grant",
      "error_description"}.
  GET /computeMetadata/v1/instance/service-accounts/default/token
      the metadata server's token: 403 without "Metadata-Flavor: Google"
      (as the real one), else the same answer, with that header.
  GET /computeMetadata/v1/project/project-id
      the project id, text ("md_project" of the data file, default
      airlock-test), with the same header check.
  GET /v1/projects/{p}/secrets/{s}/versions/{v}:access
      Secret Manager's AccessSecretVersion: {"name", "payload": {"data":
      base64, "dataCrc32c": "decimal"}}; errors in google.rpc.Status's
      JSON shape {"error": {"code", "message", "status"}}: 401
      UNAUTHENTICATED for a token that no instance of this stand-in issued
      (sign()), or one expired or revoked;
      403 PERMISSION_DENIED for a project not in the data file; 404
      NOT_FOUND; 400 FAILED_PRECONDITION for a disabled version.

The data file (re-read when it changes, standin.py):

  {"client_email": "...", "public_key": "PEM", "expires_in": 3599,
   "revoke": 0,              tokens issued before this epoch are refused
   "bad_crc": false,         send a wrong dataCrc32c
   "raw_payload": {...},     send this payload instead (a broken server)
   "projects": {"p": {"s": ["version 1", "version 2", ...]}},
   "disabled": ["p/s/1"]}

Values are JSON strings (\\u0000 for NUL), sent as their UTF-8 bytes.
Each issued token is logged as "token N" (a count, never the token).
"""

import base64
import hmac
import os
import secrets
import sys
import threading
import time
import urllib.parse

import jwt

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import standin  # noqa: E402

SCOPE = "https://www.googleapis.com/auth/cloud-platform"
MD_TOKEN = "/computeMetadata/v1/instance/service-accounts/default/token"
MD_PROJECT = "/computeMetadata/v1/project/project-id"

issued = [0]        # tokens issued by this process
issued_lock = threading.Lock()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c ^= b
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
    return c ^ 0xFFFFFFFF


# RFC 3720, B.4's check value: the stand-in's CRC32C is the standard one,
# so that the provider's, which must agree with it, is too.
assert crc32c(b"123456789") == 0xE3069283


def sign(conf, text):
    """A token that both servers (the metadata server is another process
    on the same data file) can check: its times, HMAC'd with a key of the
    data file."""
    mac = hmac.new(conf["public_key"].encode(), text.encode(), "sha256")
    return "ya29.fake.%s.%s" % (text, mac.hexdigest())


def verify(conf, tok):
    """(issued, expires) of a token from sign(), or None."""
    if not tok.startswith("ya29.fake."):
        return None
    text = tok[len("ya29.fake."):].rpartition(".")[0]
    if not hmac.compare_digest(sign(conf, text), tok):
        return None
    f = text.split(".")
    return int(f[0]) / 1e6, int(f[1]) / 1e6


def rpc_error(code, status, message):
    return code, {"error": {"code": code, "message": message,
                            "status": status}}, []


class Handler(standin.Handler):
    server_version = "fakegcp"

    def issue(self, conf):
        life = int(conf.get("expires_in", 3599))
        now = time.time()
        tok = sign(conf, "%d.%d.%s" % (now * 1e6, (now + life) * 1e6,
                                        secrets.token_hex(16)))
        with issued_lock:
            issued[0] += 1
            n = issued[0]
        self.server.state.log("token %d" % n)
        return {"access_token": tok, "expires_in": life,
                "token_type": "Bearer"}

    def oauth(self, conf, body):
        form = urllib.parse.parse_qs(body.decode())
        grant = form.get("grant_type", [""])[0]
        if grant != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return 400, {"error": "unsupported_grant_type",
                         "error_description": "Invalid grant_type"}, []
        port = self.server.server_address[1]
        aud = "https://127.0.0.1:%d/token" % port
        try:
            claims = jwt.decode(form.get("assertion", [""])[0],
                                conf["public_key"], algorithms=["RS256"],
                                audience=aud, issuer=conf["client_email"],
                                options={"require": ["iat", "exp", "iss",
                                                     "aud"]})
        except jwt.InvalidTokenError as e:
            return 400, {"error": "invalid_grant",
                         "error_description": "Invalid JWT: %s" %
                         type(e).__name__}, []
        if (claims.get("scope") != SCOPE or
                claims["exp"] - claims["iat"] > 3600):
            return 400, {"error": "invalid_scope",
                         "error_description": "bad scope or lifetime"}, []
        return 200, self.issue(conf), [("Cache-Control", "no-store")]

    def access(self, conf, path, headers):
        auth = headers.get("Authorization") or ""
        now = time.time()
        t = verify(conf, auth[7:]) if auth.startswith("Bearer ") else None
        if t is None or t[1] < now or t[0] < conf.get("revoke", 0):
            return rpc_error(401, "UNAUTHENTICATED", "Request had invalid "
                             "authentication credentials. Expected OAuth "
                             "2 access token, login cookie or other valid "
                             "authentication credential.")
        if not path.endswith(":access"):
            return rpc_error(404, "NOT_FOUND", "Method not found.")
        parts = path[len("/v1/"):-len(":access")].split("/")
        if (len(parts) != 6 or parts[0] != "projects" or
                parts[2] != "secrets" or parts[4] != "versions"):
            return rpc_error(404, "NOT_FOUND", "Method not found.")
        p, s, v = parts[1], parts[3], parts[5]
        proj = conf.get("projects", {}).get(p)
        if proj is None:
            return rpc_error(403, "PERMISSION_DENIED", "Permission "
                             "'secretmanager.versions.access' denied for "
                             "resource 'projects/%s/secrets/%s/versions/"
                             "%s' (or it may not exist)." % (p, s, v))
        versions = proj.get(s)
        if not versions:
            return rpc_error(404, "NOT_FOUND", "Secret [projects/%s/"
                             "secrets/%s] not found or has no versions."
                             % (p, s))
        n = len(versions) if v == "latest" else int(v) if v.isdigit() else 0
        if n < 1 or n > len(versions):
            return rpc_error(404, "NOT_FOUND", "Secret Version [projects/"
                             "%s/secrets/%s/versions/%s] not found." %
                             (p, s, v))
        if "%s/%s/%d" % (p, s, n) in conf.get("disabled", []):
            return rpc_error(400, "FAILED_PRECONDITION", "Secret Version "
                             "[projects/%s/secrets/%s/versions/%d] is in "
                             "DISABLED state." % (p, s, n))
        data = versions[n - 1].encode()
        crc = crc32c(data) ^ (1 if conf.get("bad_crc") else 0)
        payload = {"data": base64.b64encode(data).decode(),
                   "dataCrc32c": str(crc)}
        return 200, {"name": "projects/%s/secrets/%s/versions/%d" %
                     (p, s, n),
                     "payload": conf.get("raw_payload", payload)}, []

    def route(self, method, path, query, headers, body):
        conf = self.server.state.conf()
        if method == "POST" and path == "/token":
            return self.oauth(conf, body)
        if method == "GET" and path in (MD_TOKEN, MD_PROJECT):
            if headers.get("Metadata-Flavor") != "Google":
                return 403, "Missing Metadata-Flavor:Google header.", []
            if path == MD_PROJECT:
                return 200, conf.get("md_project", "airlock-test"), [
                    ("Metadata-Flavor", "Google")]
            return 200, self.issue(conf), [("Metadata-Flavor", "Google")]
        if method == "GET" and path.startswith("/v1/"):
            return self.access(conf, path, headers)
        return rpc_error(404, "NOT_FOUND", "Method not found.")


if __name__ == "__main__":
    standin.serve("fakegcp", Handler, "a stand-in Google Cloud")
