#!/usr/bin/python3
"""A raw ssh-agent client (draft-miller-ssh-agent) for the tests and the
bench, where ssh-add and ssh cannot do what is measured or held.

  agentclient.py hold SOCKET DATAFILE SECONDS
      list the keys, have the first one sign the bytes of DATAFILE, say
      "signed N bytes" on stdout, and keep the connection open SECONDS
      (a residency test scans the worker meanwhile).
  agentclient.py late SOCKET SECONDS
      list the keys, wait SECONDS, then ask the first one to sign: say
      "signed" (exit 0) or "refused" (exit 3).
  agentclient.py bench SOCKET SECONDS
      list the keys, then sign with the first one, one request after the
      other on one connection, for SECONDS; print "N signatures in S s".
      A FAILURE answer (a cap) opens a new connection and goes on.

Standard library only.  Exit status 1 with a message on any failure.
"""
import os
import socket
import struct
import sys
import time

REQUEST_IDENTITIES = 11
IDENTITIES_ANSWER = 12
SIGN_REQUEST = 13
SIGN_RESPONSE = 14
FAILURE = 5
RSA_SHA2_256 = 2


def string(b):
    return struct.pack(">I", len(b)) + b


class Agent:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(30)
        self.s.connect(path)

    def recvn(self, n):
        b = b""
        while len(b) < n:
            c = self.s.recv(n - len(b))
            if not c:
                sys.exit("agentclient: the agent closed the connection")
            b += c
        return b

    def call(self, type_, body=b""):
        msg = bytes([type_]) + body
        self.s.sendall(struct.pack(">I", len(msg)) + msg)
        n = struct.unpack(">I", self.recvn(4))[0]
        m = self.recvn(n)
        return m[0], m[1:]

    def keys(self):
        t, b = self.call(REQUEST_IDENTITIES)
        if t != IDENTITIES_ANSWER:
            sys.exit("agentclient: identities: answer type %d" % t)
        n = struct.unpack(">I", b[:4])[0]
        off, out = 4, []
        for _ in range(n):
            ln = struct.unpack(">I", b[off:off + 4])[0]
            out.append(b[off + 4:off + 4 + ln])
            off += 4 + ln
            ln = struct.unpack(">I", b[off:off + 4])[0]
            off += 4 + ln
        if not out:
            sys.exit("agentclient: the agent has no keys")
        return out

    def sign(self, blob, data):
        t, b = self.call(SIGN_REQUEST, string(blob) + string(data) +
                         struct.pack(">I", RSA_SHA2_256))
        if t == SIGN_RESPONSE:
            return b
        if t == FAILURE:
            return None
        sys.exit("agentclient: sign: answer type %d" % t)


def hold(path, datafile, seconds):
    a = Agent(path)
    blob = a.keys()[0]
    data = open(datafile, "rb").read()
    if a.sign(blob, data) is None:
        sys.exit("agentclient: the agent refused to sign")
    print("signed %d bytes" % len(data), flush=True)
    time.sleep(seconds)


def late(path, seconds):
    a = Agent(path)
    blob = a.keys()[0]
    time.sleep(seconds)
    if a.sign(blob, b"late") is None:
        print("refused")
        sys.exit(3)
    print("signed")


def bench(path, seconds):
    a = Agent(path)
    blob = a.keys()[0]
    data = os.urandom(32)
    n, start = 0, time.monotonic()
    while time.monotonic() - start < seconds:
        if a.sign(blob, data) is None:
            a = Agent(path)
            a.keys()
            continue
        n += 1
    print("%d signatures in %.2f s" % (n, time.monotonic() - start))


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "hold":
        hold(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    elif len(sys.argv) == 4 and sys.argv[1] == "late":
        late(sys.argv[2], float(sys.argv[3]))
    elif len(sys.argv) == 4 and sys.argv[1] == "bench":
        bench(sys.argv[2], float(sys.argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
