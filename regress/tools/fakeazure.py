#!/usr/bin/python3
"""A stand-in Azure Key Vault and Microsoft Entra ID for airlock's tests.

On standin.py (state file, faults, request log).  One server plays:

  GET /secrets/<name>[/<version>]?api-version=7.4
      Key Vault's "Get Secret" (learn.microsoft.com/rest/api/keyvault/
      secrets/get-secret): {"value", "id", "attributes", "tags"}; without a
      valid "Authorization: Bearer" token 401 with the challenge
      (WWW-Authenticate: Bearer authorization=".../<tenant>",
      resource="https://vault.azure.net") and {"error": {"code":
      "Unauthorized", ...}}; 403 {"error": {"code": "Forbidden",
      "innererror": {"code": "AccessDenied"}}} for a name in "denied";
      404 {"error": {"code": "SecretNotFound"}}; 400 "BadParameter"
      without api-version.
  POST /<tenant>/oauth2/v2.0/token
      Entra ID's v2.0 token endpoint, client credentials with
      client_secret or with client_assertion (a federated token):
      {"token_type", "expires_in", "ext_expires_in", "access_token"};
      errors as AADSTS: 400 invalid_request / invalid_scope /
      unauthorized_client, 401 invalid_client.
  GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=...
      IMDS's managed identity token: 400 without "Metadata: true";
      numbers as strings (expires_in, expires_on), as IMDS sends them.
  GET /MSI/token?api-version=2019-08-01&resource=...
      App Service's identity endpoint: X-IDENTITY-HEADER required;
      only expires_on (epoch seconds).

The state file:

  {"tenant": "...", "clients": {"<client id>": "<client secret>"},
   "federated": {"<client id>": "<the assertion expected>"},
   "msi_clients": ["<client id of a user-assigned identity>"],
   "identity_header": "...", "expires_in": 3599, "generation": 0,
   "token_uses": null,
   "secrets": {"db": "value" or {"current": "v2", "versions": {...}}},
   "denied": ["name"]}

Tokens are random; a token is refused once it has expired, when
"generation" has grown since it was issued (a revocation), or after
"token_uses" reads of secrets when that is set (0: refused at once).  The request
log has one line per request, never a token or a value.
"""

import json
import secrets
import threading
import time
import urllib.parse

import standin

RESOURCE = "https://vault.azure.net"
SCOPE = RESOURCE + "/.default"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

lock = threading.Lock()
tokens = {}     # token -> [expiry, generation, uses left or None]


def issue(conf):
    life = int(conf.get("expires_in", 3599))
    tok = "eyJ0eXAiOiJKV1Qi." + secrets.token_urlsafe(48)
    with lock:
        tokens[tok] = [time.time() + life, int(conf.get("generation", 0)),
                       conf.get("token_uses")]
    return tok, life


def aadsts(status, error, code, desc):
    return status, {
        "error": error,
        "error_description": "AADSTS%d: %s" % (code, desc),
        "error_codes": [code],
        "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
        "trace_id": "00000000-0000-0000-0000-000000000000",
        "correlation_id": "00000000-0000-0000-0000-000000000000",
    }, []


class Handler(standin.Handler):
    def route(self, method, path, query, headers, body):
        conf = self.server.state.conf()
        parts = path.split("/")
        if path.startswith("/secrets/"):
            if method != "GET":
                return 405, {"error": {"code": "BadRequest"}}, []
            return self.get_secret(conf, parts[2:], query, headers)
        if path == "/metadata/identity/oauth2/token":
            return self.imds(conf, query, headers)
        if path == "/MSI/token" or path == "/MSI/token/":
            return self.appservice(conf, query, headers)
        if len(parts) == 5 and parts[2:] == ["oauth2", "v2.0", "token"]:
            if method != "POST":
                return 405, {"error": "invalid_request"}, []
            return self.entra(conf, parts[1], headers, body)
        return 404, {"error": {"code": "NotFound"}}, []

    def get_secret(self, conf, rest, query, headers):
        auth = headers.get("Authorization") or ""
        tok = auth[7:] if auth.startswith("Bearer ") else None
        with lock:
            t = tokens.get(tok)
            ok = (t is not None and t[0] >= time.time()
                  and t[1] >= int(conf.get("generation", 0))
                  and t[2] != 0)
            if ok and t[2] is not None:
                t[2] -= 1
        if not ok:
            challenge = ('Bearer authorization="https://login.'
                         'microsoftonline.com/%s", resource="%s"'
                         % (conf.get("tenant", ""), RESOURCE))
            msg = ("AKV10000: Request is missing a Bearer or PoP token."
                   if tok is None else "AKV10022: Invalid audience or "
                   "the token has expired.")
            return 401, {"error": {"code": "Unauthorized",
                                   "message": msg}}, \
                [("WWW-Authenticate", challenge)]
        if "api-version" not in query:
            return 400, {"error": {"code": "BadParameter", "message":
                                   "The request URI contains an invalid "
                                   "API version."}}, []
        if not rest or len(rest) > 2 or not rest[0]:
            return 400, {"error": {"code": "BadParameter"}}, []
        name = rest[0]
        version = rest[1] if len(rest) == 2 and rest[1] else None
        if name in conf.get("denied", []):
            return 403, {"error": {
                "code": "Forbidden",
                "message": "The user, group or application does not have "
                           "secrets get permission on key vault.",
                "innererror": {"code": "AccessDenied"}}}, []
        s = conf.get("secrets", {}).get(name)
        if isinstance(s, str):
            s = {"current": "0" * 32, "versions": {"0" * 32: s}}
        if s is not None:
            version = version or s["current"]
        if s is None or version not in s["versions"]:
            return 404, {"error": {
                "code": "SecretNotFound",
                "message": "A secret with (name/id) %s was not found in "
                           "this key vault." % name}}, []
        host = headers.get("Host", "localhost")
        return 200, {
            "value": s["versions"][version],
            "id": "https://%s/secrets/%s/%s" % (host, name, version),
            "attributes": {"enabled": True, "created": 1700000000,
                           "updated": 1700000000,
                           "recoveryLevel": "Recoverable+Purgeable"},
            "tags": {}}, []

    def entra(self, conf, tenant, headers, body):
        if tenant != conf.get("tenant"):
            return aadsts(400, "invalid_request", 90002,
                          "Tenant not found.")
        if not (headers.get("Content-Type") or "").startswith(
                "application/x-www-form-urlencoded"):
            return aadsts(400, "invalid_request", 900144,
                          "The request body must contain grant_type.")
        f = urllib.parse.parse_qs(body.decode(), keep_blank_values=True,
                                  strict_parsing=False)
        one = {k: v[0] for k, v in f.items() if len(v) == 1}
        if one.get("grant_type") != "client_credentials":
            return aadsts(400, "unsupported_grant_type", 70003,
                          "The app requested an unsupported grant type.")
        if one.get("scope") != SCOPE:
            return aadsts(400, "invalid_scope", 1002012,
                          "The provided value for scope is not valid.")
        client = one.get("client_id")
        if "client_secret" in one:
            if conf.get("clients", {}).get(client) != one["client_secret"]:
                return aadsts(401, "invalid_client", 7000215,
                              "Invalid client secret provided.")
        elif "client_assertion" in one:
            if one.get("client_assertion_type") != ASSERTION_TYPE:
                return aadsts(400, "invalid_request", 50027,
                              "Invalid JWT token.")
            want = conf.get("federated", {}).get(client)
            if want is None or want != one["client_assertion"]:
                return aadsts(401, "invalid_client", 700213,
                              "No matching federated identity record "
                              "found for presented assertion.")
        else:
            return aadsts(401, "invalid_client", 7000218,
                          "The request body must contain client_assertion "
                          "or client_secret.")
        tok, life = issue(conf)
        return 200, {"token_type": "Bearer", "expires_in": life,
                     "ext_expires_in": life, "access_token": tok}, []

    def managed(self, conf, query, api):
        if query.get("api-version") != [api]:
            return 400, {"error": "invalid_request", "error_description":
                         "Invalid api-version"}, None
        if query.get("resource") != [RESOURCE]:
            return 400, {"error": "invalid_resource", "error_description":
                         "Invalid resource"}, None
        cid = query.get("client_id")
        if cid is not None and cid[0] not in conf.get("msi_clients", []):
            return 400, {"error": "invalid_request", "error_description":
                         "Identity not found"}, None
        tok, life = issue(conf)
        return 200, None, (tok, life)

    def imds(self, conf, query, headers):
        if headers.get("Metadata") != "true":
            return 400, {"error": "invalid_request", "error_description":
                         "Required metadata header not specified"}, []
        status, err, t = self.managed(conf, query, "2018-02-01")
        if t is None:
            return status, err, []
        now = int(time.time())
        return 200, {"access_token": t[0], "refresh_token": "",
                     "expires_in": str(t[1]), "expires_on": str(now + t[1]),
                     "ext_expires_in": str(t[1]), "not_before": str(now),
                     "resource": RESOURCE, "token_type": "Bearer"}, []

    def appservice(self, conf, query, headers):
        if headers.get("X-IDENTITY-HEADER") != conf.get("identity_header"):
            return 401, {"statusCode": 401, "message":
                         "Unauthorized request"}, []
        status, err, t = self.managed(conf, query, "2019-08-01")
        if t is None:
            return status, err, []
        return 200, {"access_token": t[0],
                     "expires_on": str(int(time.time()) + t[1]),
                     "resource": RESOURCE, "token_type": "Bearer",
                     "client_id": "00000000-0000-0000-0000-000000000000"}, []


if __name__ == "__main__":
    standin.serve("fakeazure", Handler, "a stand-in Azure Key Vault and "
                  "Entra ID")
