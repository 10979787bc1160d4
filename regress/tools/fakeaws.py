#!/usr/bin/python3
"""A SigV4-verifying AWS stand-in for airlock's aws connector tests.

Every request must carry an "Authorization: AWS4-HMAC-SHA256
Credential=KEY/DATE/REGION/SERVICE/aws4_request, SignedHeaders=...,
Signature=..." header.  The stand-in recomputes the signature with
botocore (S3SigV4Auth for service s3, SigV4Auth for the others), with the
secret access key it was given, from what it received: the method, the
path and query as sent, the signed header fields as received, the
X-Amz-Date, and the body (or the x-amz-content-sha256 it signed).  It
answers:

  200, JSON {"ok": true, "method", "path", "service", "region",
            "body_sha256", "body_length", "signed_headers", "token"}
            (S3: a PUT keeps the object and answers with no body, as
            PutObject does; a GET of it returns its bytes)
  403, the AWS error shape (S3: XML <Error>, others: JSON with __type):
            InvalidAccessKeyId, SignatureDoesNotMatch (with the canonical
            request it computed, as AWS does), IncompleteSignature,
            InvalidToken (a security token was required and is missing
            or differs)

One line per request to standard error: "fakeaws: METHOD PATH STATUS
CODE" (never a secret).  Standard library and botocore (Debian's
python3-botocore) only.
"""

import argparse
import hashlib
import http.server
import json
import os
import re
import socketserver
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sigv4check  # noqa: E402

AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/"
    r"([^/,\s]+)/aws4_request,\s*SignedHeaders=([a-z0-9;_.-]+),\s*"
    r"Signature=([0-9a-f]{64})$")

OBJECTS = {}


def log(msg):
    print("fakeaws: " + msg, file=sys.stderr, flush=True)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fakeaws"

    def log_message(self, fmt, *args):
        pass

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(n) if n else b""

    def answer(self, status, body, ctype, code, etag=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if etag:
            self.send_header("ETag", '"%s"' % etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        log("%s %s %d %s" % (self.command, self.path, status, code))

    def error(self, s3, code, message, extra=None):
        if s3:
            body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>" \
                "<Code>%s</Code><Message>%s</Message>" % (code, message)
            for k, v in (extra or {}).items():
                body += "<%s>%s</%s>" % (k, v.replace("&", "&amp;")
                                         .replace("<", "&lt;"), k)
            body += "<RequestId>fakeaws</RequestId></Error>\n"
            self.answer(403, body.encode(), "application/xml", code)
        else:
            doc = {"__type": code, "message": message}
            doc.update(extra or {})
            self.answer(403, (json.dumps(doc) + "\n").encode(),
                        "application/x-amz-json-1.1", code)

    def handle_any(self):
        body = self.read_body()
        auth = self.headers.get("Authorization", "")
        m = AUTH_RE.match(auth)
        s3 = m is not None and m.group(4) == "s3"
        if m is None:
            self.error(s3, "IncompleteSignature",
                       "Authorization is not a SigV4 header: %r" % auth[:80])
            return
        key, date, region, service, signed, sig = m.groups()
        if key != self.server.key_id:
            self.error(s3, "InvalidAccessKeyId",
                       "The AWS Access Key Id %s does not exist" % key)
            return
        amzdate = self.headers.get("X-Amz-Date", "")
        if not amzdate.startswith(date) or len(amzdate) != 16:
            self.error(s3, "IncompleteSignature",
                       "X-Amz-Date %r does not match the scope" % amzdate)
            return
        names = signed.split(";")
        if "host" not in names or "x-amz-date" not in names:
            self.error(s3, "IncompleteSignature",
                       "host and x-amz-date must be signed")
            return
        token = self.server.token
        if token is not None:
            if (self.headers.get("X-Amz-Security-Token") != token or
                    "x-amz-security-token" not in names):
                self.error(s3, "InvalidToken",
                           "The security token is missing, unsigned or "
                           "wrong")
                return
        # The request as botocore would have signed it: only the fields
        # the client signed, with the values received.
        headers = sigv4check.signed_fields(self.headers, signed)
        if headers is None:
            self.error(s3, "SignatureDoesNotMatch",
                       "a signed header is missing")
            return
        url = "http://%s%s" % (self.headers.get("Host", ""), self.path)
        want_signed, want, canonical, sts = sigv4check.expected(
            self.command, url, headers, body, amzdate, key,
            self.server.secret, service, region)
        if want_signed != signed:
            self.error(s3, "SignatureDoesNotMatch",
                       "SignedHeaders differ from what botocore signs",
                       {"CanonicalRequest": canonical})
            return
        if want != sig:
            self.error(s3, "SignatureDoesNotMatch",
                       "The request signature we calculated does not match "
                       "the signature you provided.",
                       {"CanonicalRequest": canonical,
                        "StringToSign": sts})
            return
        path = self.path.split("?")[0]
        if s3 and self.command == "PUT":
            # S3's PutObject answer: no body, the ETag.
            OBJECTS[path] = body
            self.answer(200, b"", "application/xml", "ok",
                        hashlib.md5(body).hexdigest())
            return
        if s3 and self.command == "GET" and path in OBJECTS:
            self.answer(200, OBJECTS[path], "application/octet-stream",
                        "ok")
            return
        doc = {"ok": True, "method": self.command, "path": self.path,
               "service": service, "region": region,
               "body_sha256": hashlib.sha256(body).hexdigest(),
               "body_length": len(body), "signed_headers": signed,
               "token": token is not None}
        self.answer(200, (json.dumps(doc) + "\n").encode(),
                    "application/json", "ok")

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--access-key-id", required=True)
    ap.add_argument("--secret-file", required=True)
    ap.add_argument("--token")
    args = ap.parse_args()
    srv = Server(("127.0.0.1", args.port), Handler)
    srv.key_id = args.access_key_id
    with open(args.secret_file) as f:
        srv.secret = f.read().strip()
    srv.token = args.token
    log("listening on 127.0.0.1:%d" % srv.server_address[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
