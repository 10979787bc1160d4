# PostgreSQL with TLS on the client's leg (clientTLS): regress/bench/pg.sh
# with BENCH_PG_TLS=1, its runs and paths (direct to PostgreSQL's own TLS,
# airlock, PgBouncer's client_tls), in a table of its own.
BENCH_PG_TLS=1 exec sh "$(dirname "$0")/pg.sh" "$@"
