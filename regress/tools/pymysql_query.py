#!/usr/bin/python3
"""Run SQL statements with PyMySQL, a second client library for the tests.

    pymysql_query.py (--host H --port P | --socket PATH) --user U
        [--database DB] [--ssl | --ssl-ca FILE [--ssl-verify]]
        [--ssl-cert FILE --ssl-key FILE] [--max-allowed-packet N]
        [--timeout S] [--thread-id] SQL...

The password comes from the environment variable MYSQL_PWD (as the mariadb
client reads it), so that it stays off the command line; without it, none
is sent.  --ssl: TLS without verification; --ssl-ca: TLS, the server's
certificate checked against the CA; --ssl-verify: and its name.
--thread-id: first print the connection id of the server's greeting (what
mysql_thread_id() returns, and KILL names).  Each SQL
argument runs in turn on one connection; the rows of every result are
printed one per line, columns separated by tabs, NULL as "NULL".  On a
MySQL error the message goes to standard error and the exit status is 1.
Debian's python3-pymysql; ed25519 needs python3-nacl, caching_sha2_password's
RSA exchange python3-cryptography.
"""

import argparse
import os
import sys

import pymysql


def connect(args):
    kw = dict(user=args.user, password=os.environ.get("MYSQL_PWD", ""),
              database=args.database, connect_timeout=args.timeout,
              read_timeout=args.timeout, write_timeout=args.timeout,
              max_allowed_packet=args.max_allowed_packet)
    if args.socket:
        kw["unix_socket"] = args.socket
    else:
        kw["host"] = args.host
        kw["port"] = args.port
    ssl = {}
    if args.ssl:
        ssl["verify_mode"] = "none"
    if args.ssl_ca:
        ssl["ca"] = args.ssl_ca
        # PyMySQL checks the certificate against the CA whenever one is
        # given; --ssl-verify adds the host name.
        ssl["check_hostname"] = args.ssl_verify
    if args.ssl_cert:
        ssl["cert"] = args.ssl_cert
        ssl["key"] = args.ssl_key
    if ssl:
        kw["ssl"] = ssl
    return pymysql.connect(**kw)


def show(value):
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3306)
    p.add_argument("--socket")
    p.add_argument("--user", required=True)
    p.add_argument("--database")
    p.add_argument("--ssl", action="store_true")
    p.add_argument("--ssl-ca")
    p.add_argument("--ssl-verify", action="store_true")
    p.add_argument("--ssl-cert")
    p.add_argument("--ssl-key")
    p.add_argument("--max-allowed-packet", type=int, default=64 << 20)
    p.add_argument("--timeout", type=int, default=30)
    p.add_argument("--thread-id", action="store_true")
    p.add_argument("sql", nargs="+")
    args = p.parse_args()

    try:
        conn = connect(args)
        if args.thread_id:
            print(conn.thread_id())
        with conn.cursor() as cur:
            for sql in args.sql:
                cur.execute(sql)
                for row in cur.fetchall():
                    print("\t".join(show(v) for v in row))
        conn.close()
    except pymysql.MySQLError as e:
        print("pymysql_query: %s" % (e,), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
