#!/usr/bin/python3
"""Hold N PostgreSQL connections open and idle (regress/bench/idle.sh).

idleclient.py HOST PORT USER N [PARALLEL]

Opens N connections to HOST:PORT, at most PARALLEL (default 50) starting
at once, sends each a StartupMessage for USER and database postgres
(protocol 3.0, no TLS, no password: the server trusts USER, or airlock
logs in for it), reads until ReadyForQuery, then prints "ready N" and
holds them until SIGTERM or SIGINT.  A connection that fails or is not
ready within 120 s is counted and left out: "ready K" says how many are
held, standard error how many failed and the first error.  A client of its own, not
psql: one psql per connection would cost more than what is measured; and
no library, since reading ReadyForQuery is all it takes.
"""

import asyncio
import signal
import struct
import sys

PROTOCOL_3_0 = 196608  # PostgreSQL protocol 3.0 (section 55.7, StartupMessage)


def startup(user):
    body = struct.pack("!I", PROTOCOL_3_0)
    body += b"user\0" + user.encode() + b"\0database\0postgres\0\0"
    return struct.pack("!I", len(body) + 4) + body


async def start(host, port, msg):
    r, w = await asyncio.open_connection(host, port)
    w.write(msg)
    while True:
        kind, n = struct.unpack("!cI", await r.readexactly(5))
        if n < 4 or n > 1 << 20:
            raise ValueError("message length %d" % n)
        body = await r.readexactly(n - 4)
        if kind == b"E":
            raise ValueError("server error: %r" % body)
        if kind == b"R" and struct.unpack("!I", body[:4])[0] != 0:
            raise ValueError("server asks for a password")
        if kind == b"Z":
            return w


async def one(host, port, msg, gate):
    async with gate:
        return await asyncio.wait_for(start(host, port, msg), 120)


async def main():
    host, port, user, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], \
        int(sys.argv[4])
    gate = asyncio.Semaphore(int(sys.argv[5]) if len(sys.argv) > 5 else 50)
    msg = startup(user)
    tasks = [one(host, port, msg, gate) for _ in range(n)]
    done = await asyncio.gather(*tasks, return_exceptions=True)
    conns = [w for w in done if not isinstance(w, BaseException)]
    errors = [e for e in done if isinstance(e, BaseException)]
    if errors:
        print("idleclient: %d of %d failed, the first: %r" %
              (len(errors), n, errors[0]), file=sys.stderr, flush=True)
    print("ready %d" % len(conns), flush=True)
    stop = asyncio.Event()
    for s in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(s, stop.set)
    await stop.wait()
    for w in conns:
        w.close()


asyncio.run(main())
