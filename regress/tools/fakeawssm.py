#!/usr/bin/python3
"""A stand-in AWS for airlock's aws provider (regress/standin.sh's frame).

It serves, on one port, what the provider uses of three AWS APIs:

  POST /  X-Amz-Target: secretsmanager.GetSecretValue  (Secrets Manager
          API Reference, the JSON 1.1 protocol): every request's SigV4
          signature is recomputed with botocore (SigV4Auth, as AWS would)
          from what was received, with the secret key of the request's
          access key id; errors are HTTP 400 {"__type": ..., "message":
          ...}: UnrecognizedClientException (unknown key id),
          InvalidSignatureException, ExpiredTokenException (temporary
          credentials past their expiration, or a wrong session token),
          AccessDeniedException ("deny"), ResourceNotFoundException
  POST /  Action=AssumeRoleWithWebIdentity  (STS API Reference; query
          protocol, unsigned): JSON when the request accepts
          application/json, as STS does, else XML; the role and the JWT
          must be those of "sts"; new credentials each time
  PUT  /latest/api/token, GET /latest/meta-data/iam/security-credentials/
          [ROLE]  (IMDSv2): a session token first (401 without it, as
          IMDS in "required" mode), then the role, then new credentials;
          GET /latest/meta-data/placement/region: "region"
  GET  the path of "container" (the ECS / EKS Pod Identity credentials
          endpoint): new credentials for its Authorization token, else
          401

The state (standin.py re-reads it when it changes):

  {"region": "us-east-1",
   "keys": {"AKID": {"secret": "...", "token": "optional"}},
   "secrets": {"name": {"SecretString": "..."} | {"SecretBinary": "b64"}},
   "deny": ["name"],
   "sts": {"role_arn": "arn:...", "jwt": "..."},
   "imds": {"role": "name"},
   "container": {"path": "/v2/credentials/ID", "token": "..."},
   "duration": 3600,       (lifetime of the credentials STS and IMDS give)
   "revoke_before": TIME}  (those given before TIME are refused as expired)

Besides standin.py's "METHOD PATH STATUS", one line per operation to the
log: "op GetSecretValue NAME AKID", "op AssumeRoleWithWebIdentity",
"op imds-token", "op imds-role", "op imds-creds", "op container"
(no secret: key ids are
not secrets).
"""

import base64
import datetime
import json
import os
import secrets
import sys
import threading
import time
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import standin  # noqa: E402

import sigv4check  # noqa: E402

AMZ_JSON = [("Content-Type", "application/x-amz-json-1.1")]

LOCK = threading.Lock()
TEMP = {}          # akid -> {"secret", "token", "expires"}
IMDS_TOKENS = {}   # token -> expiry


def issue(duration):
    akid = "ASIA" + secrets.token_hex(8).upper()
    cred = {"secret": secrets.token_urlsafe(30),
            "token": "IQoJb3JpZ2luX2VjE" + secrets.token_urlsafe(60),
            "expires": time.time() + duration, "issued": time.time()}
    with LOCK:
        TEMP[akid] = cred
    return akid, cred


def sm_error(code, message):
    return 400, {"__type": code, "message": message}, AMZ_JSON


def verify(conf, command, path, headers, body):
    """None when the request's SigV4 signature is right, else an error."""
    auth = headers.get("Authorization", "")
    try:
        algo, rest = auth.split(" ", 1)
        parts = dict(p.strip().split("=", 1) for p in rest.split(","))
        akid, date, region, service, term = parts["Credential"].split("/")
        signed = parts["SignedHeaders"]
        sig = parts["Signature"]
    except (ValueError, KeyError):
        return sm_error("IncompleteSignature",
                        "Authorization header requires Credential, "
                        "SignedHeaders and Signature.")
    if algo != "AWS4-HMAC-SHA256" or term != "aws4_request":
        return sm_error("IncompleteSignature", "Unsupported algorithm.")
    key = conf.get("keys", {}).get(akid)
    with LOCK:
        temp = TEMP.get(akid)
    if key is None and temp is None:
        return sm_error("UnrecognizedClientException",
                        "The security token included in the request is "
                        "invalid.")
    want_token = key.get("token") if key is not None else temp["token"]
    secret = key["secret"] if key is not None else temp["secret"]
    if temp is not None and (temp["expires"] < time.time() or
                             temp["issued"] < conf.get("revoke_before", 0)):
        return sm_error("ExpiredTokenException",
                        "The security token included in the request is "
                        "expired")
    if want_token is not None and (
            headers.get("X-Amz-Security-Token") != want_token or
            "x-amz-security-token" not in signed.split(";")):
        return sm_error("UnrecognizedClientException",
                        "The security token included in the request is "
                        "invalid.")
    if region != conf.get("region", "us-east-1") or \
            service != "secretsmanager":
        return sm_error("InvalidSignatureException",
                        "Credential should be scoped to a valid region "
                        "and service.")
    amzdate = headers.get("X-Amz-Date", "")
    try:
        t = datetime.datetime.strptime(amzdate, "%Y%m%dT%H%M%SZ")
    except ValueError:
        return sm_error("IncompleteSignature", "X-Amz-Date is missing.")
    t = t.replace(tzinfo=datetime.timezone.utc).timestamp()
    if not amzdate.startswith(date) or abs(t - time.time()) > 300:
        return sm_error("InvalidSignatureException",
                        "Signature expired or not yet current.")
    fields = sigv4check.signed_fields(headers, signed)
    if fields is None or "host" not in fields or "x-amz-date" not in fields:
        return sm_error("InvalidSignatureException",
                        "a signed header is missing, or host or "
                        "x-amz-date is not signed")
    want_signed, want, _, _ = sigv4check.expected(
        command, "https://%s%s" % (fields["host"], path), fields, body,
        amzdate, akid, secret, service, region)
    if want_signed != signed:
        return sm_error("InvalidSignatureException",
                        "SignedHeaders differ from what botocore signs")
    if want != sig:
        return sm_error("InvalidSignatureException",
                        "The request signature we calculated does not "
                        "match the signature you provided.")
    return None


class Handler(standin.Handler):
    server_version = "fakeawssm"

    def op(self, line):
        self.server.state.log("op " + line)

    def route(self, method, path, query, headers, body):
        conf = self.server.state.conf()
        if path.startswith("/latest/"):
            return self.imds(conf, method, path, headers)
        ctr = conf.get("container", {})
        if method == "GET" and path == ctr.get("path"):
            self.op("container")
            if headers.get("Authorization") != ctr.get("token"):
                return 401, {"Code": "AccessDenied",
                             "Message": "invalid token"}, []
            return 200, self.temp_creds(conf), []
        if method == "POST" and path == "/" and \
                headers.get("X-Amz-Target") is not None:
            return self.get_secret_value(conf, path, headers, body)
        if method == "POST" and path == "/":
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
            if form.get("Action") == ["AssumeRoleWithWebIdentity"]:
                return self.assume_role(conf, form, headers)
        return 404, {"message": "not found"}, []

    def get_secret_value(self, conf, path, headers, body):
        if headers.get("X-Amz-Target") != "secretsmanager.GetSecretValue":
            return sm_error("UnknownOperationException", "")
        if headers.get("Content-Type") != "application/x-amz-json-1.1":
            return sm_error("SerializationException", "")
        err = verify(conf, "POST", path, headers, body)
        if err is not None:
            self.op("GetSecretValue - " + err[1]["__type"])
            return err
        akid = headers["Authorization"].split("Credential=")[1]
        akid = akid.split("/")[0]
        try:
            sid = json.loads(body)["SecretId"]
        except (ValueError, KeyError, TypeError):
            return sm_error("SerializationException", "")
        region = conf.get("region", "us-east-1")
        name = sid
        prefix = "arn:aws:secretsmanager:%s:123456789012:secret:" % region
        if sid.startswith(prefix):
            name = sid[len(prefix):].rsplit("-", 1)[0]
        self.op("GetSecretValue %s %s" % (name, akid))
        if name in conf.get("deny", []):
            return sm_error("AccessDeniedException",
                            "User is not authorized to perform: "
                            "secretsmanager:GetSecretValue")
        s = conf.get("secrets", {}).get(name)
        if s is None:
            return sm_error("ResourceNotFoundException",
                            "Secrets Manager can't find the specified "
                            "secret.")
        out = {"ARN": prefix + name + "-AbCdEf", "Name": name,
               "VersionId": str(uuid.uuid4()),
               "VersionStages": ["AWSCURRENT"],
               "CreatedDate": 1.523477145713E9}
        for k in ("SecretString", "SecretBinary"):
            if k in s:
                out[k] = s[k]
        return 200, out, AMZ_JSON

    def assume_role(self, conf, form, headers):
        self.op("AssumeRoleWithWebIdentity")
        sts = conf.get("sts", {})
        as_json = "application/json" in headers.get("Accept", "")

        def error(code, message):
            if as_json:
                return 400, {"Error": {"Code": code, "Message": message,
                                       "Type": "Sender"},
                             "RequestId": str(uuid.uuid4())}, []
            xml = ("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/"
                   "2011-06-15/\"><Error><Type>Sender</Type><Code>%s</Code>"
                   "<Message>%s</Message></Error></ErrorResponse>"
                   % (code, message))
            return 400, xml.encode(), [("Content-Type", "text/xml")]

        for k in ("RoleArn", "RoleSessionName", "WebIdentityToken",
                  "Version"):
            if len(form.get(k, [])) != 1:
                return error("MissingParameter", "%s is missing" % k)
        if form["WebIdentityToken"][0] != sts.get("jwt"):
            return error("InvalidIdentityToken",
                         "Couldn't retrieve verification key from your "
                         "identity provider")
        if form["RoleArn"][0] != sts.get("role_arn"):
            return error("AccessDenied", "Not authorized to perform "
                         "sts:AssumeRoleWithWebIdentity")
        akid, cred = issue(float(conf.get("duration", 3600)))
        if as_json:
            creds = {"AccessKeyId": akid,
                     "SecretAccessKey": cred["secret"],
                     "SessionToken": cred["token"],
                     "Expiration": float(int(cred["expires"]))}
            return 200, {"AssumeRoleWithWebIdentityResponse": {
                "AssumeRoleWithWebIdentityResult": {
                    "Credentials": creds,
                    "SubjectFromWebIdentityToken": "system:serviceaccount",
                    "AssumedRoleUser": {
                        "Arn": form["RoleArn"][0] + "/" +
                        form["RoleSessionName"][0],
                        "AssumedRoleId": "AROA:" +
                        form["RoleSessionName"][0]}},
                "ResponseMetadata": {"RequestId": str(uuid.uuid4())}}}, []
        exp = datetime.datetime.fromtimestamp(
            int(cred["expires"]), datetime.timezone.utc)
        xml = ("<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWeb"
               "IdentityResult><Credentials><AccessKeyId>%s</AccessKeyId>"
               "<SecretAccessKey>%s</SecretAccessKey><SessionToken>%s"
               "</SessionToken><Expiration>%s</Expiration></Credentials>"
               "</AssumeRoleWithWebIdentityResult>"
               "</AssumeRoleWithWebIdentityResponse>"
               % (akid, cred["secret"], cred["token"],
                  exp.strftime("%Y-%m-%dT%H:%M:%SZ")))
        return 200, xml.encode(), [("Content-Type", "text/xml")]

    def imds(self, conf, method, path, headers):
        if path == "/latest/api/token":
            if method != "PUT":
                return 405, b"", []
            try:
                ttl = int(headers.get(
                    "X-aws-ec2-metadata-token-ttl-seconds", ""))
            except ValueError:
                return 400, b"", []
            if ttl < 1 or ttl > 21600:
                return 400, b"", []
            tok = "AQAEA" + secrets.token_urlsafe(40)
            with LOCK:
                IMDS_TOKENS[tok] = time.time() + ttl
            self.op("imds-token")
            return 200, tok.encode(), [("Content-Type", "text/plain")]
        tok = headers.get("X-aws-ec2-metadata-token")
        with LOCK:
            good = tok is not None and IMDS_TOKENS.get(tok, 0) > time.time()
        if not good:
            return 401, b"", []
        if path == "/latest/meta-data/placement/region":
            self.op("imds-region")
            return 200, conf.get("region", "us-east-1").encode(), \
                [("Content-Type", "text/plain")]
        base = "/latest/meta-data/iam/security-credentials/"
        role = conf.get("imds", {}).get("role")
        if path == base:
            self.op("imds-role")
            if role is None:
                return 404, b"", []
            return 200, role.encode(), [("Content-Type", "text/plain")]
        if role is not None and path == base + role:
            self.op("imds-creds")
            return 200, self.temp_creds(conf), \
                [("Content-Type", "text/plain")]
        return 404, b"", []

    def temp_creds(self, conf):
        """New credentials as IMDS and the container endpoint give them."""
        akid, cred = issue(float(conf.get("duration", 3600)))
        exp = datetime.datetime.fromtimestamp(
            int(cred["expires"]), datetime.timezone.utc)
        now = datetime.datetime.now(datetime.timezone.utc)
        return {"Code": "Success",
                "LastUpdated": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "Type": "AWS-HMAC", "AccessKeyId": akid,
                "SecretAccessKey": cred["secret"], "Token": cred["token"],
                "Expiration": exp.strftime("%Y-%m-%dT%H:%M:%SZ")}


if __name__ == "__main__":
    standin.serve("fakeawssm", Handler, __doc__.split("\n")[0])
