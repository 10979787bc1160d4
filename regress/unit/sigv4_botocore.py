#!/usr/bin/env python3
#
# Requests signed by botocore (Debian's python3-botocore), for the unit test
# sigv4req_botocore (test_sigv4req.c): one JSON object a line.  Each
# request is signed twice with a fixed date, as airlock sees it: by the
# client, with a dummy key and no session token ("fields", "client_auth"),
# and by botocore with the real key (and token, when the case has one),
# which is what airlock's own signature must equal ("want_auth").
import hashlib
import json
import sys
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth, S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

DATE = "20150830T123600Z"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQ"

# name, service, method, url, params, headers (pairs), body, token,
# unsigned payload
CASES = [
    ("iam-listusers", "iam", "GET", "https://iam.amazonaws.com/",
     [("Action", "ListUsers"), ("Version", "2010-05-08")],
     [("Host", "iam.amazonaws.com")], b"", False, False),
    ("query-spaces-plus", "es", "GET",
     "https://search.us-east-1.es.amazonaws.com/_search",
     [("q", "a b  c"), ("x", "y+z&w=1")], [], b"", False, False),
    ("query-unicode", "execute-api", "GET",
     "https://abc.execute-api.us-east-1.amazonaws.com/prod",
     [("\u043a\u043b\u044e\u0447", "\u0437\u043d\u0430\u0447"),
      ("\u00e9", "\u20ac")], [], b"", False, False),
    ("query-repeated", "execute-api", "GET",
     "https://abc.execute-api.us-east-1.amazonaws.com/",
     [("a", "2"), ("a", "1"), ("b", ""), ("a", "1"), ("B", "x")], [],
     b"", False, False),
    ("path-dot-segments", "execute-api", "GET",
     "https://abc.execute-api.us-east-1.amazonaws.com/a/./b/../c//d/",
     None, [], b"", False, False),
    ("path-dotdot-past-root", "execute-api", "GET",
     "https://abc.execute-api.us-east-1.amazonaws.com/../x/..",
     None, [], b"", False, False),
    ("path-encoded-slash", "execute-api", "GET",
     "https://abc.execute-api.us-east-1.amazonaws.com/foo%2Fbar/b%20z~",
     None, [], b"", False, False),
    ("path-unicode", "lambda", "GET",
     "https://lambda.us-east-1.amazonaws.com/%E1%88%B4/x",
     None, [], b"", False, False),
    ("s3-key", "s3", "GET",
     "https://bucket.s3.amazonaws.com/dir/a%20b%2Bc~%21.txt",
     None, [], b"", False, False),
    ("s3-dot-segments", "s3", "GET",
     "https://bucket.s3.amazonaws.com/./a/../b//c",
     [("list-type", "2"), ("prefix", "a/b c")], [], b"", False, False),
    ("s3-put-body", "s3", "PUT",
     "https://bucket.s3.us-west-2.amazonaws.com/k",
     None, [("Content-Type", "text/plain")], b"hello world\n", True,
     False),
    ("sts-token-form", "sts", "POST", "https://sts.amazonaws.com/",
     None, [("Content-Type",
             "application/x-www-form-urlencoded; charset=utf-8")],
     b"Action=GetCallerIdentity&Version=2011-06-15", True, False),
    ("headers-trim-duplicate", "execute-api", "POST",
     "https://abc.execute-api.us-east-1.amazonaws.com/x",
     None, [("X-Custom", "  a   b  "), ("X-Custom", "c"),
            ("x-other", "\"q  r\"")], b"{}", False, False),
    ("unsigned-payload", "execute-api", "PUT",
     "https://abc.execute-api.us-east-1.amazonaws.com/up",
     None, [], b"data", False, True),
    ("ipv6-port-no-host", "execute-api", "GET", "https://[::1]:8443/x",
     [("k", "v")], [], b"", False, False),
    ("default-port", "execute-api", "GET", "http://example.com:80/y",
     None, [], b"", False, False),
]


def sign(case, key, secret, token):
    name, service, method, url, params, headers, body, _, unsigned = case
    req = AWSRequest(method=method, url=url, data=body or None,
                     params=params or {})
    for k, v in headers:
        req.headers[k] = v
    cls = S3SigV4Auth if service == "s3" else SigV4Auth
    auth = cls(Credentials(key, secret, token), service, "us-east-1")
    req.context["timestamp"] = DATE
    if unsigned:
        req.context["payload_signing_enabled"] = False
    # add_auth's steps, with a fixed date instead of now.
    auth._modify_request_before_signing(req)
    creq = auth.canonical_request(req)
    sig = auth.signature(auth.string_to_sign(req, creq), req)
    auth._inject_signature_to_request(req, sig)
    return req, req.prepare()


def main():
    for case in CASES:
        req, prep = sign(case, "AKIDCLIENT", "dummy", None)
        _, want = sign(case, "AKIDEXAMPLE", SECRET,
                       TOKEN if case[7] else None)
        parts = urlsplit(prep.url)
        target = parts.path + ("?" + parts.query if parts.query else "")
        # The AWSRequest's own fields: a field given twice is there twice.
        fields = [[k, v] for k, v in req.headers.items()
                  if k.lower() != "authorization"]
        if case[7]:
            fields.append(["X-Amz-Security-Token", TOKEN])
        payload = req.headers.get("X-Amz-Content-SHA256")
        if payload is None:
            payload = hashlib.sha256(case[6]).hexdigest()
        host = parts.hostname
        if ":" in host:
            host = "[" + host + "]"
        print(json.dumps({
            "name": case[0], "service": case[1], "method": case[2],
            "scheme": parts.scheme, "host": host,
            "port": str(parts.port) if parts.port else "",
            "target": target, "fields": fields, "payload": payload,
            "token": case[7], "client_auth": prep.headers["Authorization"],
            "want_auth": want.headers["Authorization"],
        }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
