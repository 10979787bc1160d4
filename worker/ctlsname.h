/*
 * A client certificate's names (worker/ctlsname.c): whether one of a
 * service's allowedClients names it, and how the log shows it.
 */
#ifndef AIRLOCK_CTLSNAME_H
#define AIRLOCK_CTLSNAME_H

#include <stddef.h>

typedef struct x509_st X509;

/*
 * Does one of the n entries name the certificate?  "CN=x" its subject's
 * commonName, "DNS:x" a dNSName, "email:x" an rfc822Name (both without
 * regard to ASCII case), "URI:x" a uniformResourceIdentifier, each whole
 * and exactly; any other entry names nothing.  No entry (n 0): every
 * certificate is named.
 */
int	 ctls_name_allowed(X509 *, const char *const *allowed, size_t n);
/*
 * "CN=x; DNS:y; URI:z; email:w" of the certificate, into desc (size
 * bytes with its NUL, cut to fit), printable ASCII only.
 */
void	 ctls_name_describe(X509 *, char *desc, size_t size);

#endif
