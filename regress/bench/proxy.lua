-- wrk through a forward proxy (regress/bench/http.sh): wrk connects to the
-- URL on its command line, the proxy; every request names the upstream in
-- absolute form (RFC 9112 3.2.2), with its Host, as http_proxy clients do.
-- BENCH_URL is the upstream URL, e.g. http://127.0.0.1:8080/basic.
local url = os.getenv("BENCH_URL")
local host = url:match("^http://([^/]+)")
wrk.path = url
wrk.headers["Host"] = host
