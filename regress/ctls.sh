# Certificates for the client leg's TLS (a service's clientTLS), made with
# the openssl CLI in $CTLS (ctls_make), and its YAML (ctls_yaml).
#
#	server-ca.crt		the CA that clients trust for the listener
#	listener.crt, .key	EC P-256, CN=localhost, SAN DNS:localhost and
#				IP:127.0.0.1, signed by an intermediate CA:
#				listener.crt holds the leaf, then the
#				intermediate (a chain, as users' files do)
#	listener-rsa.crt, .key	the same with an RSA 2048 key
#	client-ca.crt		the CA of the clients' certificates
#	app.crt, .key		CN=app, SAN DNS:app.test and
#				URI:spiffe://airlock.test/app (client CA)
#	other.crt, .key		CN=other, SAN DNS:other.test (client CA)
#	stranger.crt, .key	CN=app, SAN DNS:app.test, but from another CA
#	app.p12, stranger.p12	app's and stranger's as PKCS #12 (password
#				"changeit"), for Java's keystores
#
# Sourced after regress/lib.sh.

ctls_make()
{
	CTLS=$T/ctls
	mkdir -p "$CTLS" || fail "mkdir $CTLS"
	tls_openssl_cnf "$CTLS/openssl.cnf"
	cat >>"$CTLS/openssl.cnf" <<'CNF'
[ app ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectAltName = DNS:app.test, URI:spiffe://airlock.test/app
[ other ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectAltName = DNS:other.test
CNF
	_cossl()
	{
		openssl "$@" >>"$CTLS/openssl.log" 2>&1 ||
		    fail "openssl $1 failed: $(tail -n 5 "$CTLS/openssl.log")"
	}
	# _ckey FILE [rsa]
	_ckey()
	{
		if [ "${2:-}" = rsa ]; then
			_cossl genpkey -algorithm RSA \
			    -pkeyopt rsa_keygen_bits:2048 -out "$1"
		else
			_cossl genpkey -algorithm EC \
			    -pkeyopt ec_paramgen_curve:P-256 -out "$1"
		fi
	}
	# _csign NAME CN ISSUER EXTENSIONS
	_csign()
	{
		_cossl req -config "$CTLS/openssl.cnf" -new \
		    -key "$CTLS/$1.key" -subj "/CN=$2" -out "$CTLS/$1.csr"
		_cossl x509 -req -days 2 -in "$CTLS/$1.csr" \
		    -CA "$CTLS/$3.crt" -CAkey "$CTLS/$3.key" \
		    -CAcreateserial -extfile "$CTLS/openssl.cnf" \
		    -extensions "$4" -out "$CTLS/$1.crt"
	}
	for _ca in server-ca client-ca rogue-ca; do
		_ckey "$CTLS/$_ca.key"
		_cossl req -config "$CTLS/openssl.cnf" -new -x509 -days 2 \
		    -key "$CTLS/$_ca.key" -subj "/CN=airlock test $_ca" \
		    -extensions ca -out "$CTLS/$_ca.crt"
	done
	_ckey "$CTLS/server-int.key"
	_csign server-int "airlock test server-int" server-ca ca
	_ckey "$CTLS/listener.key"
	_csign listener localhost server-int server
	_ckey "$CTLS/listener-rsa.key" rsa
	_csign listener-rsa localhost server-int server
	for _l in listener listener-rsa; do
		cat "$CTLS/server-int.crt" >>"$CTLS/$_l.crt"
	done
	for _c in "app app client-ca app" "other other client-ca other" \
	    "stranger app rogue-ca app"; do
		set -- $_c
		_ckey "$CTLS/$1.key"
		_csign "$1" "$2" "$3" "$4"
	done
	for _c in app stranger; do
		_cossl pkcs12 -export -in "$CTLS/$_c.crt" \
		    -inkey "$CTLS/$_c.key" -passout pass:changeit \
		    -out "$CTLS/$_c.p12"
	done
	chmod 0600 "$CTLS"/*.key "$CTLS"/*.p12
	chmod 0644 "$CTLS"/*.crt
}

# ctls_yaml INDENT AUTH [ALLOWED...]: a clientTLS block for a service's
# config:, each line after INDENT spaces.  AUTH is "none" or "cert" (with
# client-ca.crt as clientCA); ALLOWED are allowedClients entries.  The
# listener's key is $CTLS_KEY (default listener), from a file.
ctls_yaml()
{
	_in=$(printf "%${1}s" "")
	_auth=$2
	shift 2
	_k=${CTLS_KEY:-listener}
	echo "${_in}clientTLS:"
	echo "${_in}  certificate: {from: file, get: $CTLS/$_k.crt}"
	echo "${_in}  key: {from: file, get: $CTLS/$_k.key}"
	echo "${_in}  clientAuth: $_auth"
	if [ "$_auth" = cert ]; then
		echo "${_in}  clientCA: {from: file, get: $CTLS/client-ca.crt}"
	fi
	if [ $# -gt 0 ]; then
		echo "${_in}  allowedClients:"
		for _a in "$@"; do
			echo "${_in}    - \"$_a\""
		done
	fi
}
