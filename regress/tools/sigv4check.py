"""SigV4 as AWS checks it, with botocore (Debian's python3-botocore), for
the stand-ins that verify airlock's signatures: fakeaws.py (the aws HTTP
connector) and fakeawssm.py (the aws provider)."""

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def expected(method, url, fields, body, amzdate, akid, secret, service,
             region):
    """What botocore signs for this request, as received: the request
    rebuilt from the signed fields only (their values joined with ","),
    signed with the secret key.  (signed header names, signature,
    canonical request, string to sign)."""
    req = AWSRequest(method=method, url=url, headers=fields, data=body)
    req.context["timestamp"] = amzdate
    s3 = service == "s3"
    signer = (S3SigV4Auth if s3 else SigV4Auth)(Credentials(akid, secret),
                                                service, region)
    canonical = signer.canonical_request(req)
    sts = signer.string_to_sign(req, canonical)
    return (signer.signed_headers(signer.headers_to_sign(req)),
            signer.signature(sts, req), canonical, sts)


def signed_fields(headers, signed):
    """The signed fields' values as received, or None when one is
    missing."""
    fields = {}
    for name in signed.split(";"):
        values = headers.get_all(name)
        if values is None:
            return None
        fields[name] = ",".join(values)
    return fields
