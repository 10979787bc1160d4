#!/usr/bin/python3
"""HTTP clients for airlock's HTTP connector tests (a forward proxy).

  raw PORT [IDLE]      send standard input as it is to 127.0.0.1:PORT,
                       then print what comes back until the server closes
                       or is silent for IDLE seconds (default 5); exit 0
                       (the test reads the bytes)
  keepalive PORT URL N N GETs of URL on one connection to the proxy on
                       127.0.0.1:PORT; each must be 200 (an /echo URL:
                       its body's "uri=" must be the request's); prints
                       "N ok, connections: SET" (nginx's connection
                       numbers seen in the bodies) and the proxy-side
                       connection count, which must be 1
  hold PORT URL SECS   one GET of URL through the proxy, print the status
                       and the body, then keep the connection open for
                       SECS seconds (the worker stays: a residency scan)
  urllib PORT URL      urllib.request through the proxy (http_proxy):
                       prints the status, then the body
  requests PORT URL    the same with requests (proxies from http_proxy)
  tlsproxy CLIENT PROXY URL CA [CERT KEY]
                       a GET of URL through the HTTPS proxy PROXY
                       (https://HOST:PORT) with CLIENT, requests or
                       urllib3 (its ProxyManager), trusting the CA file
                       for the proxy and giving the client certificate
                       CERT (PEM, key KEY) when set; prints "STATUS
                       BODY'S FIRST LINE" or "error: WHY"
  s3 PORT ENDPOINT KEY SECRET BUCKET KEYNAME
                       botocore's S3 client through the proxy, path-style,
                       signing with KEY/SECRET: PutObject of 100 KiB, then
                       GetObject; prints "put STATUS", "get STATUS BYTES"
                       or the error code the server answered
  sigv4 PORT URL SERVICE REGION KEY SECRET
                       a POST of a JSON body signed with botocore's
                       SigV4Auth (not S3), sent with requests through the
                       proxy; prints the status, then the body
  oauth1 PORT URL CKEY CSECRETFILE TOKEN TSECRETFILE
                       a POST of a form body signed by oauthlib's Client
                       (HMAC-SHA1); prints the status, then the body
  (s3, sigv4 and oauth1 with PORT "" go direct, for the harness's own test)
  garbage PORT         a server on 127.0.0.1:PORT that answers every
                       connection with bytes that are no HTTP response,
                       then closes it (says "httptool: listening on" on
                       standard error when it listens)
"""

import http.client
import os
import socket
import sys
import urllib.request


def proxies(port):
    """requests' and botocore's proxies: none for an empty PORT."""
    return {"http": "http://127.0.0.1:%s" % port} if port else {}


def proxy_env(port):
    os.environ["http_proxy"] = "http://127.0.0.1:%s" % port
    os.environ.pop("no_proxy", None)
    os.environ.pop("NO_PROXY", None)


def cmd_raw(port, idle="5"):
    data = sys.stdin.buffer.read()
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
    s.sendall(data)
    s.settimeout(float(idle))
    out = sys.stdout.buffer
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out.write(b)
            out.flush()
    except socket.timeout:
        out.write(b"\n[httptool: no more bytes for %s s, connection open]\n"
                  % idle.encode())
    except ConnectionResetError:
        out.write(b"\n[httptool: connection reset]\n")
    s.close()


def cmd_keepalive(port, url, n):
    conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
    seen = set()
    socks = set()
    for i in range(int(n)):
        u = "%s%si=%d" % (url, "&" if "?" in url else "?", i)
        conn.request("GET", u)
        socks.add(id(conn.sock))
        r = conn.getresponse()
        body = r.read().decode()
        if r.status != 200:
            print("request %d: status %d: %s" % (i, r.status, body[:300]))
            sys.exit(1)
        for line in body.splitlines():
            if line.startswith("connection="):
                seen.add(line.split("=", 1)[1])
            if line.startswith("uri=") and not line.endswith("i=%d" % i):
                print("request %d: got the answer of %s" % (i, line))
                sys.exit(1)
        if r.will_close:
            print("request %d: the proxy closes the connection" % i)
            sys.exit(1)
    print("%s ok, connections: %s, proxy connections: %d" %
          (n, " ".join(sorted(seen)), len(socks)))


def cmd_hold(port, url, secs):
    import time
    conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
    conn.request("GET", url)
    r = conn.getresponse()
    print(r.status)
    sys.stdout.write(r.read().decode(errors="replace"))
    sys.stdout.flush()
    time.sleep(float(secs))
    conn.close()


def cmd_urllib(port, url):
    proxy_env(port)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler())
    try:
        r = opener.open(url, timeout=30)
        status, body = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, body = e.code, e.read()
    print(status)
    sys.stdout.write(body.decode(errors="replace"))


def cmd_requests(port, url):
    import requests
    proxy_env(port)
    r = requests.get(url, timeout=30)
    print(r.status_code)
    sys.stdout.write(r.text)


def cmd_s3(port, endpoint, key, secret, bucket, name):
    import botocore.session
    from botocore.config import Config
    from botocore.exceptions import ClientError
    s = botocore.session.get_session()
    c = s.create_client(
        "s3", region_name="us-east-1", endpoint_url=endpoint,
        aws_access_key_id=key, aws_secret_access_key=secret,
        config=Config(proxies=proxies(port),
                      s3={"addressing_style": "path"},
                      retries={"max_attempts": 1}))
    data = os.urandom(100 * 1024)
    try:
        r = c.put_object(Bucket=bucket, Key=name, Body=data)
        print("put", r["ResponseMetadata"]["HTTPStatusCode"])
        r = c.get_object(Bucket=bucket, Key=name)
        got = r["Body"].read()
        print("get", r["ResponseMetadata"]["HTTPStatusCode"], len(got),
              "same" if got == data else "different")
    except ClientError as e:
        print("error", e.response["Error"]["Code"],
              e.response["ResponseMetadata"]["HTTPStatusCode"])
        sys.exit(1)


def cmd_sigv4(port, url, service, region, key, secret):
    import requests
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    body = b'{"Action": "ListThings", "n": 1}'
    req = AWSRequest(method="POST", url=url, data=body,
                     headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(key, secret), service, region).add_auth(req)
    p = req.prepare()
    r = requests.post(p.url, data=body, headers=dict(p.headers),
                      proxies=proxies(port),
                      timeout=30)
    print(r.status_code)
    sys.stdout.write(r.text)


def cmd_oauth1(port, url, ckey, csecret, token, tsecret):
    import requests
    from oauthlib.oauth1 import Client
    secret = {}
    for name, path in (("c", csecret), ("t", tsecret)):
        with open(path) as f:
            secret[name] = f.read()
    body = "b=2&a=x+y"
    hdrs = {"Content-Type": "application/x-www-form-urlencoded"}
    u, h, b = Client(ckey, client_secret=secret["c"], resource_owner_key=token,
                     resource_owner_secret=secret["t"]).sign(
        url, "POST", body, hdrs)
    r = requests.post(u, data=b, headers=h, proxies=proxies(port),
                      timeout=30)
    print(r.status_code)
    sys.stdout.write(r.text)


def cmd_tlsproxy(client, proxy, url, ca, cert="", key=""):
    import requests
    import urllib3
    try:
        if client == "requests":
            s = requests.Session()
            s.trust_env = False
            r = s.get(url, proxies={"http": proxy}, verify=ca,
                      cert=(cert, key) if cert else None, timeout=30)
            status, body = r.status_code, r.content
        else:
            pm = urllib3.ProxyManager(proxy, cert_reqs="CERT_REQUIRED",
                                      ca_certs=ca, cert_file=cert or None,
                                      key_file=key or None, timeout=30,
                                      retries=False)
            r = pm.request("GET", url)
            status, body = r.status, r.data
    except (requests.RequestException, urllib3.exceptions.HTTPError) as e:
        print("error: %s" % e)
        return
    print("%s %s" % (status, body.decode(errors="replace").split("\n")[0]))


def cmd_garbage(port):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", int(port)))
    srv.listen(16)
    print("httptool: listening on 127.0.0.1:%s" % port, file=sys.stderr,
          flush=True)
    while True:
        c, _ = srv.accept()
        c.settimeout(5)
        try:
            c.recv(65536)
            c.sendall(b"\x00\x01NOT HTTP AT ALL\r\n\r\n")
        except OSError:
            pass
        c.close()


def main():
    cmds = {"raw": cmd_raw, "keepalive": cmd_keepalive,
            "hold": cmd_hold, "urllib": cmd_urllib, "requests": cmd_requests, "s3": cmd_s3,
            "sigv4": cmd_sigv4, "oauth1": cmd_oauth1,
            "tlsproxy": cmd_tlsproxy,
            "garbage": cmd_garbage}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.stderr.write(__doc__)
        sys.exit(2)
    cmds[sys.argv[1]](*sys.argv[2:])


if __name__ == "__main__":
    main()
