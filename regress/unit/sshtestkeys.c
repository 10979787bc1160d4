/*
 * SSH keys for the unit tests (test_sshkey.c and others), made once with
 * ssh-keygen(1) (and openssl(1) for the PEM forms ssh-keygen does not
 * write) for these tests; they sign nothing else and are public.  Each
 * good key is here in PEM and in OpenSSH's format (the same key), with
 * its public line as ssh-keygen -y prints it and its fingerprint as
 * ssh-keygen -l does.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>


#include "sshtestkeys.h"
#include "util.h"

static const char rsa_pem[] =
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEpQIBAAKCAQEA5w92f9z2DAkICU209d4usC94kFgs8Jd9sW6Hco4wKClzULVT\n"
    "IAsfCOMd3WtR/WlSqNhVaJgRJ1q8hbNIb8qaJAyua5zQo/Y7w/yR/+TGagcvNy+k\n"
    "EW2+AxtuaTvaBWnYe/OGxzr5l6wv3OSsIp3XXCJtiEwVsZKDUDEqFH0YwlK7FWYi\n"
    "olQTUxaW0Ai1gGe6ABNQRZd3DU+ltBtr59reSlGinzQuZc/nd4Fs6KsRnDN+SnFO\n"
    "gl87EcZV/u66RkMvHP9tenJalK2QxEo7Qn5Pgbm5trKVitl3QW+DAdF4ofA2kvJU\n"
    "VQ6poOubYzIMWkEkQuL0sOEV+8PeQUIfkupBawIDAQABAoIBADj0gE67TjEgRslY\n"
    "TLtwZYzLXsoh2g4CIZsLdjrAHtG/ievCjndvFlrP9QwfyKmQ/S2eicsK9OuA+8hv\n"
    "LXNU+xLYx2PCV1GbQBcq2mg74ca/950AUs5zASvt5pTtCmxcL186Y6YXfO+so22t\n"
    "NlsgEjZlTB+VNaG8Tj8Fp2w+e8xmNUzn6fGp4g1MZ2mOC8Z2y2xvGxY0LTPNqI1N\n"
    "CvN3OYbSTO0r8j+RK7MiriADl7RmdxiQ1Q7NX14qVscKwOW1KFRgaWTb0MUIv6KR\n"
    "bSyxfvlC5uWzCypJFomppB1df+8dXlQuq5YEyixZP5VTCP/pN6Zp4b1M7IKiuksQ\n"
    "uqrsKVkCgYEA9MCq/OxDwgrIipC14CfjvsYV/JcVIBM9raP7ndgZswvpD/wL6tFg\n"
    "xGWowhxX5hBuRqoR1KB7ocGOTVA+VCNzRYu9cy3CTFnoVBd8lL1kVWfj0d08TqJy\n"
    "u1RvAQ0hdzUnMElCxqlFlgKe+cYSgf7dBfxjdtq+fFKb7B20KYZ+qoMCgYEA8a23\n"
    "YtLmaijJMwSEHsPAPcOs8VilYwdeNgqJY6w3h7XNZzeQ9VPFlgDD5UU519mr4s4V\n"
    "rsUASYHjUR7svsbT14JdnE6N6UbchX6p84jKhoZbjnqURQA/OvmW7kEDPrgf+lKT\n"
    "b8XQ6vf6h3kX3Ynj/pZXrnfLpp9mAPWG0YDDePkCgYEAg5djV4EgHR/3GqkbYF2S\n"
    "EWwnPhts/EXcD5PvILqjdqSctj9pmOLiCDYwOc1LZSLIZ63g0FVIo3uRqvfNyycU\n"
    "PvwW6+paYPql8zB9husdGt40mw0783tb/GQ1GneY2qL1YvzArlcsVq8qEljwcnw5\n"
    "EZLVV33clLNFqfl+eCUbzUkCgYEA4dYcDPvZFpCgWs04jOsNJGpKnIjim2RSNBuq\n"
    "gPp4NZe8plw1WBp9A4wZgpAq2jpstZcwic1LVGVMvwwv3KI9aSBIS3zYfYmbHh/b\n"
    "vlgwMH8y5TREgyoU7A45bNBRsPUr5KXvYj4u2LL7aEbO91UYOVnR+5W0NzKyhejp\n"
    "n7I8dzkCgYEAgXQJl8G86WZ4qw99tiWL8VPar1o12/taOj5CVLGRgKjMtvuvzzUK\n"
    "I1W6O++pbLZ+HKso8jg1l3EIIWHESakqNmW77i2PqVOWbRk+ywgr85rzTeYnFmDh\n"
    "1uWLZUEcYZnRDY7gHTuL7K44lJQGFS4Ni6V9KIhTJsZCaUOMDeIC3U4=\n"
    "-----END RSA PRIVATE KEY-----\n"
    ;

static const char rsa_v1[] =
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAABFwAAAAdzc2gtcn\n"
    "NhAAAAAwEAAQAAAQEA5w92f9z2DAkICU209d4usC94kFgs8Jd9sW6Hco4wKClzULVTIAsf\n"
    "COMd3WtR/WlSqNhVaJgRJ1q8hbNIb8qaJAyua5zQo/Y7w/yR/+TGagcvNy+kEW2+AxtuaT\n"
    "vaBWnYe/OGxzr5l6wv3OSsIp3XXCJtiEwVsZKDUDEqFH0YwlK7FWYiolQTUxaW0Ai1gGe6\n"
    "ABNQRZd3DU+ltBtr59reSlGinzQuZc/nd4Fs6KsRnDN+SnFOgl87EcZV/u66RkMvHP9ten\n"
    "JalK2QxEo7Qn5Pgbm5trKVitl3QW+DAdF4ofA2kvJUVQ6poOubYzIMWkEkQuL0sOEV+8Pe\n"
    "QUIfkupBawAAA8DaWs/D2lrPwwAAAAdzc2gtcnNhAAABAQDnD3Z/3PYMCQgJTbT13i6wL3\n"
    "iQWCzwl32xbodyjjAoKXNQtVMgCx8I4x3da1H9aVKo2FVomBEnWryFs0hvypokDK5rnNCj\n"
    "9jvD/JH/5MZqBy83L6QRbb4DG25pO9oFadh784bHOvmXrC/c5KwinddcIm2ITBWxkoNQMS\n"
    "oUfRjCUrsVZiKiVBNTFpbQCLWAZ7oAE1BFl3cNT6W0G2vn2t5KUaKfNC5lz+d3gWzoqxGc\n"
    "M35KcU6CXzsRxlX+7rpGQy8c/216clqUrZDESjtCfk+Bubm2spWK2XdBb4MB0Xih8DaS8l\n"
    "RVDqmg65tjMgxaQSRC4vSw4RX7w95BQh+S6kFrAAAAAwEAAQAAAQA49IBOu04xIEbJWEy7\n"
    "cGWMy17KIdoOAiGbC3Y6wB7Rv4nrwo53bxZaz/UMH8ipkP0tnonLCvTrgPvIby1zVPsS2M\n"
    "djwldRm0AXKtpoO+HGv/edAFLOcwEr7eaU7QpsXC9fOmOmF3zvrKNtrTZbIBI2ZUwflTWh\n"
    "vE4/BadsPnvMZjVM5+nxqeINTGdpjgvGdstsbxsWNC0zzaiNTQrzdzmG0kztK/I/kSuzIq\n"
    "4gA5e0ZncYkNUOzV9eKlbHCsDltShUYGlk29DFCL+ikW0ssX75QublswsqSRaJqaQdXX/v\n"
    "HV5ULquWBMosWT+VUwj/6TemaeG9TOyCorpLELqq7ClZAAAAgQCBdAmXwbzpZnirD322JY\n"
    "vxU9qvWjXb+1o6PkJUsZGAqMy2+6/PNQojVbo776lstn4cqyjyODWXcQghYcRJqSo2Zbvu\n"
    "LY+pU5ZtGT7LCCvzmvNN5icWYOHW5YtlQRxhmdENjuAdO4vsrjiUlAYVLg2LpX0oiFMmxk\n"
    "JpQ4wN4gLdTgAAAIEA9MCq/OxDwgrIipC14CfjvsYV/JcVIBM9raP7ndgZswvpD/wL6tFg\n"
    "xGWowhxX5hBuRqoR1KB7ocGOTVA+VCNzRYu9cy3CTFnoVBd8lL1kVWfj0d08TqJyu1RvAQ\n"
    "0hdzUnMElCxqlFlgKe+cYSgf7dBfxjdtq+fFKb7B20KYZ+qoMAAACBAPGtt2LS5mooyTME\n"
    "hB7DwD3DrPFYpWMHXjYKiWOsN4e1zWc3kPVTxZYAw+VFOdfZq+LOFa7FAEmB41Ee7L7G09\n"
    "eCXZxOjelG3IV+qfOIyoaGW456lEUAPzr5lu5BAz64H/pSk2/F0Or3+od5F92J4/6WV653\n"
    "y6afZgD1htGAw3j5AAAAA3JzYQECAwQFBgc=\n"
    "-----END OPENSSH PRIVATE KEY-----\n"
    ;

static const char ecdsa256_pem[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIN31ELbfTFjKZFL6XtbFygnn9ZKOAOd/28TuDjo+/NAXoAoGCCqGSM49\n"
    "AwEHoUQDQgAEI9oi8ekjF7eMvTNPRhKpZA4tCrdIpSyG6tyMxesvcNvbOk0gyFoe\n"
    "0d0HfblPE9Pmg+/fek+t/5VobrybeTMkMQ==\n"
    "-----END EC PRIVATE KEY-----\n"
    ;

static const char ecdsa256_v1[] =
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAaAAAABNlY2RzYS\n"
    "1zaGEyLW5pc3RwMjU2AAAACG5pc3RwMjU2AAAAQQQj2iLx6SMXt4y9M09GEqlkDi0Kt0il\n"
    "LIbq3IzF6y9w29s6TSDIWh7R3Qd9uU8T0+aD7996T63/lWhuvJt5MyQxAAAAoEW56HFFue\n"
    "hxAAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBCPaIvHpIxe3jL0z\n"
    "T0YSqWQOLQq3SKUshurcjMXrL3Db2zpNIMhaHtHdB325TxPT5oPv33pPrf+VaG68m3kzJD\n"
    "EAAAAhAN31ELbfTFjKZFL6XtbFygnn9ZKOAOd/28TuDjo+/NAXAAAABWVjMjU2AQI=\n"
    "-----END OPENSSH PRIVATE KEY-----\n"
    ;

static const char ecdsa384_pem[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MIGkAgEBBDDeHZz4hm98G76hl7oIWmLAHi6JAWpps1g4f1T1F3SexFmuBQu2YtK/\n"
    "wilXB1Qg0pqgBwYFK4EEACKhZANiAARNe/+krEPkialqlgMOUzcsOv0GRWEEdi00\n"
    "cL36TJUomT5hTgDxlRxIvNus3z6jK9Z7//Njf9YM/J4ZLgWPjDomZiWfTdARqCwa\n"
    "ylRU85YEu4XrxsWWveJLGpJKDq3MYz0=\n"
    "-----END EC PRIVATE KEY-----\n"
    ;

static const char ecdsa384_v1[] =
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAiAAAABNlY2RzYS\n"
    "1zaGEyLW5pc3RwMzg0AAAACG5pc3RwMzg0AAAAYQRNe/+krEPkialqlgMOUzcsOv0GRWEE\n"
    "di00cL36TJUomT5hTgDxlRxIvNus3z6jK9Z7//Njf9YM/J4ZLgWPjDomZiWfTdARqCwayl\n"
    "RU85YEu4XrxsWWveJLGpJKDq3MYz0AAADQHhOiAB4TogAAAAATZWNkc2Etc2hhMi1uaXN0\n"
    "cDM4NAAAAAhuaXN0cDM4NAAAAGEETXv/pKxD5ImpapYDDlM3LDr9BkVhBHYtNHC9+kyVKJ\n"
    "k+YU4A8ZUcSLzbrN8+oyvWe//zY3/WDPyeGS4Fj4w6JmYln03QEagsGspUVPOWBLuF68bF\n"
    "lr3iSxqSSg6tzGM9AAAAMQDeHZz4hm98G76hl7oIWmLAHi6JAWpps1g4f1T1F3SexFmuBQ\n"
    "u2YtK/wilXB1Qg0poAAAAFZWMzODQBAg==\n"
    "-----END OPENSSH PRIVATE KEY-----\n"
    ;

static const char ecdsa521_pem[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MIHcAgEBBEIB7F0vEoHjwYrAnx3xTWPEh+hMBV+8DQnhs4lxfa2Y5lw+RsJGtkaI\n"
    "WQ8UXL2H3u+lq9b9S/tzBitzYi4iHkDmLsKgBwYFK4EEACOhgYkDgYYABAANQUDb\n"
    "YGOI7HyU9uuR+dZ0jh312sEaHaW5PH2oWYq9XFOYjPz3Ei/Ia0cpG0ZF1VmkfQHc\n"
    "tXsZ36eDvDvTDu8eSgGXrK92Z6m4QI2L3UOmG8qFbbVS4CKVkYMiWdqlPhDnR3C9\n"
    "p4ElC5NGazb/WBZIXuJRszh0t4Mr2wiiK/a5MShwLA==\n"
    "-----END EC PRIVATE KEY-----\n"
    ;

static const char ecdsa521_v1[] =
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAArAAAABNlY2RzYS\n"
    "1zaGEyLW5pc3RwNTIxAAAACG5pc3RwNTIxAAAAhQQADUFA22BjiOx8lPbrkfnWdI4d9drB\n"
    "Gh2luTx9qFmKvVxTmIz89xIvyGtHKRtGRdVZpH0B3LV7Gd+ng7w70w7vHkoBl6yvdmepuE\n"
    "CNi91DphvKhW21UuAilZGDIlnapT4Q50dwvaeBJQuTRms2/1gWSF7iUbM4dLeDK9sIoiv2\n"
    "uTEocCwAAAEISgeN0UoHjdEAAAATZWNkc2Etc2hhMi1uaXN0cDUyMQAAAAhuaXN0cDUyMQ\n"
    "AAAIUEAA1BQNtgY4jsfJT265H51nSOHfXawRodpbk8fahZir1cU5iM/PcSL8hrRykbRkXV\n"
    "WaR9Ady1exnfp4O8O9MO7x5KAZesr3ZnqbhAjYvdQ6YbyoVttVLgIpWRgyJZ2qU+EOdHcL\n"
    "2ngSULk0ZrNv9YFkhe4lGzOHS3gyvbCKIr9rkxKHAsAAAAQgHsXS8SgePBisCfHfFNY8SH\n"
    "6EwFX7wNCeGziXF9rZjmXD5Gwka2RohZDxRcvYfe76Wr1v1L+3MGK3NiLiIeQOYuwgAAAA\n"
    "VlYzUyMQECAwQF\n"
    "-----END OPENSSH PRIVATE KEY-----\n"
    ;

static const char ed25519_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIIz0TwErVuKpD5m7d1PjGyjNi3h0AxdF2i+31PxUmrrS\n"
    "-----END PRIVATE KEY-----\n"
    ;

static const char ed25519_v1[] =
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    "QyNTUxOQAAACDgYDuuNNiywUEIP/pXWmvChyosGgzllZUsqMMOvIv2dQAAAIgpJkGJKSZB\n"
    "iQAAAAtzc2gtZWQyNTUxOQAAACDgYDuuNNiywUEIP/pXWmvChyosGgzllZUsqMMOvIv2dQ\n"
    "AAAECM9E8BK1biqQ+Zu3dT4xsozYt4dAMXRdovt9T8VJq60uBgO6402LLBQQg/+ldaa8KH\n"
    "KiwaDOWVlSyoww68i/Z1AAAAAmVkAQID\n"
    "-----END OPENSSH PRIVATE KEY-----\n"
    ;

static const char dsa_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIBWgIBADCCATMGByqGSM44BAEwggEmAoGBAJpk3FkJNm1Oh9uGL7BLVZEiCS3l\n"
    "ebqBSHHIZDa1BVFbIjC4hNxHozMSI6h6KQ8YnOOniXgHZJDdPSc053Uj2XdpG+im\n"
    "mBhcDNhacHnm0rlIYaNPceGc15rFcOxj6syxZdjI+urrtswESmjK4fXIxcT/cUMj\n"
    "VEShFypcz4QXFSn5Ah0AsGZgluFp4ArZ6kO2XsrKO+nYACcYILRaiF25jwKBgBK1\n"
    "bcuZUEaZQyR+iwqjYiN/0CXPYf2t81qTaVmvbECE5Y/ymK2otITDBmFntxS4bogj\n"
    "DelWhiwJji1ZAsmOwHzcYYVFIwnP0nZtvlFxKrx3y1zcmzruXcCHY07v+lMX6CYL\n"
    "yYxng+qCOGf38Elok0DGjB3B/xKrwyp5J4rajVOnBB4CHAm/2K2nSTaYlf0hpXeu\n"
    "dojfRgp8UChS/qK5slY=\n"
    "-----END PRIVATE KEY-----\n"
    ;

static const char dsa_v1[] =
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAABsQAAAAdzc2gtZH\n"
    "NzAAAAgQC/65pSzw9p3YVSMTXPHlsTy5Hqkhg0DOep33QiR4y6+4HaDbdo+hMqXda/htlq\n"
    "LBRe0nMkNaRD61IbBG1S/OosAlC7nBWon4JJ+FFLrjRBEz7zSULJ2QPIKxp3XzlE37ns82\n"
    "5+rtXf7FkHFvE9keBb7/Rc+jgIJhgLGQrVYFb3vQAAABUAqze5wQdDAROV/YjQSgB6nsu2\n"
    "zrEAAACAbhG7xWWCCefzb7P0ZPegnR2vUp9vlDsgOzol7o3SnkLaGzKL+Il/X5HkVLRH4G\n"
    "NcXEkYbJuobktVI+bZ8C72f6TFi7EXSl8fOwny2PypMkHxEyE+MEdZiW2ExvSU1UQB0naB\n"
    "qSw7+mwRS/SsN8sHzsScKQUmIvPXovPUwFmAA48AAACAUK9Wvh3HKQeoAbrvJ5S6W9NhxR\n"
    "wdaoxylSBPrlIQKxA60H9J6MIomVdpEPFQA6MaMo21zO4QrKcIZGmTSmvR4XT+gNA1UJQK\n"
    "JiaCrKpaACW+DWtMryVnlhYz8i9/xTRns47qr+Vz4KPFwlNceHqkjdzlu47nMaQDh6dPr+\n"
    "iRUF4AAAHgikq/w4pKv8MAAAAHc3NoLWRzcwAAAIEAv+uaUs8Pad2FUjE1zx5bE8uR6pIY\n"
    "NAznqd90IkeMuvuB2g23aPoTKl3Wv4bZaiwUXtJzJDWkQ+tSGwRtUvzqLAJQu5wVqJ+CSf\n"
    "hRS640QRM+80lCydkDyCsad185RN+57PNufq7V3+xZBxbxPZHgW+/0XPo4CCYYCxkK1WBW\n"
    "970AAAAVAKs3ucEHQwETlf2I0EoAep7Lts6xAAAAgG4Ru8Vlggnn82+z9GT3oJ0dr1Kfb5\n"
    "Q7IDs6Je6N0p5C2hsyi/iJf1+R5FS0R+BjXFxJGGybqG5LVSPm2fAu9n+kxYuxF0pfHzsJ\n"
    "8tj8qTJB8RMhPjBHWYlthMb0lNVEAdJ2gaksO/psEUv0rDfLB87EnCkFJiLz16Lz1MBZgA\n"
    "OPAAAAgFCvVr4dxykHqAG67yeUulvTYcUcHWqMcpUgT65SECsQOtB/SejCKJlXaRDxUAOj\n"
    "GjKNtczuEKynCGRpk0pr0eF0/oDQNVCUCiYmgqyqWgAlvg1rTK8lZ5YWM/Ivf8U0Z7OO6q\n"
    "/lc+CjxcJTXHh6pI3c5buO5zGkA4enT6/okVBeAAAAFQCNaxBUg7XhXuoiVLnb5yEjpAJi\n"
    "pgAAAAdyb290QHZtAQID\n"
    "-----END OPENSSH PRIVATE KEY-----\n"
    ;

static const char rsa768_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIB5AIBADANBgkqhkiG9w0BAQEFAASCAc4wggHKAgEAAmEA30Bki1mTxUqHtqeS\n"
    "wnNTgkL7IP0Otd70Fzyy23au41CYrzvQ0qydyXraNY4wyX28FFPGVnuTZ/CZmht4\n"
    "nRz0jsDbUYpzMtSqGGAu2lmW9WsskpAj5kK+mjBa3GmDNZi9AgMBAAECYC1m2wu7\n"
    "2+FzlsX+rkn9Si5jkM7Up/k0rk9LeNRI/qgb6/E3KPCvSid/ZIEfuaxAdW4vltIj\n"
    "VfaP7R9I1HYx8GJm8apmTAtxxV2pLIE96oiUR6dGvM6gyB3GHb+6AnGtwQIxAPCq\n"
    "6ZGeSPk+8wkReseDEoL3pYrZTVrGREyRcah7LDtZGzocJorjbM5btkXIfhTHNwIx\n"
    "AO15cEA2kO0yp8+eW0d+tlKjBh2C7PSt4fcrDEi3xn3bqsj21K/utbQzYmbYS+Ux\n"
    "qwIwJhl4hnP/a23avbnFrSYD3TXlQBjslQ1ELLbtvlVZiD+v/sAMHfqo8/Yy4dM+\n"
    "mn17AjBNrlHXz4Gs9csLEWQOiRafBZD0imV0zISEU+KazvLxLLA7OPLt8goiPkTM\n"
    "G6kH+i0CMQC0IoH+hRmKbFIO/ChOJjKvuB5yPg0jry73TpX1G/iWKkCyYotDFZU6\n"
    "O0m82DiATbI=\n"
    "-----END PRIVATE KEY-----\n"
    ;

static const char secp256k1_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGEAgEAMBAGByqGSM49AgEGBSuBBAAKBG0wawIBAQQgk2dNfrweaeL0R2EAj1iI\n"
    "Yr6a/Ym/chNZABEebApxPzOhRANCAAQJzy2tRQQ+2kaBwndojOo6D3jcsF8H4e6x\n"
    "j1dPqkwMVK6tEkgjgR/4d4FfG6kh/jBypQI1ET5ick2WkQrA9xgX\n"
    "-----END PRIVATE KEY-----\n"
    ;

static const char enc_v1[] =
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABDiMbz2rN\n"
    "xT/v/0R8bQ0TrZAAAAEAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIO1i+GRfda+9OkVZ\n"
    "j82zRF+ncmeugXdDtO7KvnY2SJ9YAAAAkIAF+PtPqozhlonalVAhL8lLSR7iHqHX6NXiiI\n"
    "bFrTMSn/tQWrxzgyWCB4FdaHTP3UaP+9Dm9ryMzaHeqxdfz/WXStqcvrYFAU6ASvi5vHu5\n"
    "PyeuhRejxdGLk2WrLQWxhKlB9eo4zcojgFyFnyYOqpx2q0N44AsLZ7e2KI5MGOL4FTjkt+\n"
    "3odbg1kVDrTAlBDA==\n"
    "-----END OPENSSH PRIVATE KEY-----\n"
    ;

static const char enc_pem[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "Proc-Type: 4,ENCRYPTED\n"
    "DEK-Info: AES-128-CBC,CF7678844842C8B3F5032B3E968E193C\n"
    "\n"
    "jjFBXRjM0GWvZoP+QnyeCKWWraOKLQzxOzsPRVP/Mws8RyqEIBOATsxwGXdVJbNP\n"
    "hr7m2v0/NcBplkzoOYZOpWVjxYcEfXBqVhbX2fYiV/aK4RO/n6luVVxXOqFtiecW\n"
    "Oeyb3Lg+nKJZRzMiDfHeKXUA8fOoUBrhWw9S4NRY3cg=\n"
    "-----END EC PRIVATE KEY-----\n"
    ;

static const char enc_pkcs8[] =
    "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
    "MIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAidAQ5+fcqNAQICCAAw\n"
    "DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEA9QD2KccanTJsZUQZpoF7AEQAmr\n"
    "PPc0trpOPiKCq9s3gObcOLwoebQEArhZjlC9BH5hPqCrSBjkYM/8Fgr1Fg9HuqLZ\n"
    "1ZAgoMrrUH8ESC+Szxc=\n"
    "-----END ENCRYPTED PRIVATE KEY-----\n"
    ;

const struct sshtestkey sshtestkeys[] = {
	{ "rsa", rsa_pem, rsa_v1,
	    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDnD3Z/3PYMCQgJTbT13i6wL3iQ"
	    "WCzwl32xbodyjjAoKXNQtVMgCx8I4x3da1H9aVKo2FVomBEnWryFs0hvypokDK5r"
	    "nNCj9jvD/JH/5MZqBy83L6QRbb4DG25pO9oFadh784bHOvmXrC/c5KwinddcIm2I"
	    "TBWxkoNQMSoUfRjCUrsVZiKiVBNTFpbQCLWAZ7oAE1BFl3cNT6W0G2vn2t5KUaKf"
	    "NC5lz+d3gWzoqxGcM35KcU6CXzsRxlX+7rpGQy8c/216clqUrZDESjtCfk+Bubm2"
	    "spWK2XdBb4MB0Xih8DaS8lRVDqmg65tjMgxaQSRC4vSw4RX7w95BQh+S6kFr rsa",
	    "SHA256:vY7+OnFjPp5EdLww3OEL7sEEwMDWhs7k0MC+fmWvPac" },
	{ "ecdsa256", ecdsa256_pem, ecdsa256_v1,
	    "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAy"
	    "NTYAAABBBCPaIvHpIxe3jL0zT0YSqWQOLQq3SKUshurcjMXrL3Db2zpNIMhaHtHd"
	    "B325TxPT5oPv33pPrf+VaG68m3kzJDE= ec256",
	    "SHA256:B2dqk7Cs93yupPfeavoBy6R0Q+4YJ3YdJMnnbcOOCKw" },
	{ "ecdsa384", ecdsa384_pem, ecdsa384_v1,
	    "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAz"
	    "ODQAAABhBE17/6SsQ+SJqWqWAw5TNyw6/QZFYQR2LTRwvfpMlSiZPmFOAPGVHEi8"
	    "26zfPqMr1nv/82N/1gz8nhkuBY+MOiZmJZ9N0BGoLBrKVFTzlgS7hevGxZa94ksa"
	    "kkoOrcxjPQ== ec384",
	    "SHA256:tL2FiaVPuiAfmJQw9SIx3ZR6Uq7RHsH3N/93nI9YpLE" },
	{ "ecdsa521", ecdsa521_pem, ecdsa521_v1,
	    "ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1"
	    "MjEAAACFBAANQUDbYGOI7HyU9uuR+dZ0jh312sEaHaW5PH2oWYq9XFOYjPz3Ei/I"
	    "a0cpG0ZF1VmkfQHctXsZ36eDvDvTDu8eSgGXrK92Z6m4QI2L3UOmG8qFbbVS4CKV"
	    "kYMiWdqlPhDnR3C9p4ElC5NGazb/WBZIXuJRszh0t4Mr2wiiK/a5MShwLA== ec5"
	    "21",
	    "SHA256:8OWswYSZ90uM/Y381fK3M88sxu1iTk9Wcdm+3EgkqsM" },
	{ "ed25519", ed25519_pem, ed25519_v1,
	    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOBgO6402LLBQQg/+ldaa8KHKiwa"
	    "DOWVlSyoww68i/Z1 ed",
	    "SHA256:qcSG8Ds3/WjyiOoxFq/P33ARaIExPYaOhi7QU7i0Q5g" },
};
const size_t nsshtestkeys = nitems(sshtestkeys);

/* Keys sshkey_private refuses: DSA, RSA below 1024 bits, a curve SSH does not
 * name, and encrypted ones. */
const struct sshtestbadkey sshtestbadkeys[] = {
	{ "dsa_pem", dsa_pem },
	{ "dsa_v1", dsa_v1 },
	{ "rsa768_pem", rsa768_pem },
	{ "secp256k1_pem", secp256k1_pem },
	{ "enc_v1", enc_v1 },
	{ "enc_pem", enc_pem },
	{ "enc_pkcs8", enc_pkcs8 },
};
const size_t nsshtestbadkeys = nitems(sshtestbadkeys);

int
sshtest_indent_pem(EVP_PKEY *key, char *out, size_t outlen)
{
	BIO	*mem;
	char	*p;
	long	 len, i, start;
	size_t	 off;
	int	 n, r = -1;

	if ((mem = BIO_new(BIO_s_mem())) == NULL)
		return -1;
	if (PEM_write_bio_PrivateKey(mem, key, NULL, NULL, 0, NULL,
	    NULL) != 1 || (len = BIO_get_mem_data(mem, &p)) <= 0)
		goto done;
	/* The BIO's bytes are lines that end in '\n', without a NUL. */
	for (start = 0, i = 0; i < len; i++) {
		if (p[i] != '\n')
			continue;
		off = strlen(out);
		n = snprintf(out + off, outlen - off, "        %.*s\n",
		    (int)(i - start), p + start);
		if (n < 0 || (size_t)n >= outlen - off)
			goto done;
		start = i + 1;
	}
	r = 0;
 done:
	BIO_free(mem);
	return r;
}
