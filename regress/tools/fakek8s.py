#!/usr/bin/python3
"""A stand-in Kubernetes API server for airlock's kubernetes provider.

It serves the one call that the provider makes (API reference, "Secret v1
core", read):

  GET /api/v1/namespaces/{namespace}/secrets/{name}

with a Secret object ({"kind": "Secret", "apiVersion": "v1", "metadata",
"data": {key: base64}, "type": "Opaque"}), and the API server's errors as
Status objects ({"kind": "Status", "status": "Failure", "message",
"reason", "details", "code"}): 401 Unauthorized for a missing or unknown
bearer token (checked first, as the authenticator runs before anything),
403 Forbidden for a namespace other than the token's or a name the data
file forbids (RBAC), 404 NotFound for no such Secret.

The data file (standin.py re-reads it when it changes):

  {"tokens": {"<token>": "<namespace>"},
   "forbidden": ["name", ...],
   "secrets": {"<namespace>/<name>": {"<key>": "<value>", ...}}}

values are the secrets' bytes as JSON strings (\\u0000 for NUL); the
server sends them base64-encoded, as the API does.  "raw": {"<namespace>/
<name>": {"<key>": any}} adds keys sent as they are (a broken server).
"""

import base64
import json
import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import standin  # noqa: E402


def status(code, reason, message, name=None):
    body = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if name is not None:
        body["details"] = {"name": name, "kind": "secrets"}
    return code, body, []


class Handler(standin.Handler):
    server_version = "fakek8s"

    def route(self, method, path, query, headers, body):
        conf = self.server.state.conf()
        auth = headers.get("Authorization") or ""
        token = auth[7:] if auth.startswith("Bearer ") else None
        if token is None or token not in conf.get("tokens", {}):
            return status(401, "Unauthorized", "Unauthorized")
        parts = path.split("/")
        if (method != "GET" or len(parts) != 7 or parts[1:4] !=
                ["api", "v1", "namespaces"] or parts[5] != "secrets"):
            return status(404, "NotFound", "the server could not find "
                          "the requested resource")
        ns, name = parts[4], parts[6]
        sa = "system:serviceaccount:%s:airlock" % conf["tokens"][token]
        if ns != conf["tokens"][token] or name in conf.get("forbidden", []):
            return status(403, "Forbidden", 'secrets "%s" is forbidden: '
                          'User "%s" cannot get resource "secrets" in API '
                          'group "" in the namespace "%s"' % (name, sa, ns),
                          name)
        data = conf.get("secrets", {}).get("%s/%s" % (ns, name))
        if data is None:
            return status(404, "NotFound", 'secrets "%s" not found' % name,
                          name)
        enc = {k: base64.b64encode(v.encode()).decode()
               for k, v in data.items()}
        enc.update(conf.get("raw", {}).get("%s/%s" % (ns, name), {}))
        return 200, {
            "kind": "Secret",
            "apiVersion": "v1",
            "metadata": {
                "name": name,
                "namespace": ns,
                "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, ns + "/" + name)),
                "resourceVersion": str(abs(hash(json.dumps(data))) % 10**6),
                "creationTimestamp": "2026-01-01T00:00:00Z",
            },
            "data": enc,
            "type": "Opaque",
        }, []


if __name__ == "__main__":
    standin.serve("fakek8s", Handler, "a stand-in Kubernetes API server")
