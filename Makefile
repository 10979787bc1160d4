# airlock: one plain Makefile.  `make` builds airlockd and airlock-worker;
# `make check` installs what the tests need and runs them all; `make demo`
# shows airlock in front of a throwaway PostgreSQL, `make demo-mysql` in
# front of a throwaway MariaDB.

PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
LIBEXECDIR	?= $(PREFIX)/libexec/airlock
MANDIR		?= $(PREFIX)/share/man
CHROOTDIR	?= /var/empty/airlock
DESTDIR		?=

CC		?= cc
PKG_CONFIG	?= pkg-config
VERSION		 = 0.1.0

MON_PKGS	 = libevent libevent_openssl openssl libsodium yaml-0.1 libidn \
		   jansson libpcre2-8
WRK_PKGS	 = openssl libsodium libcap-ng
# airlock-worker-ssh's own: no other worker loads libssh.
WRK_SSH_PKGS	 = libssh
# airlock-worker-plain's: no OpenSSL (its TLS is worker/notls.c).
WRK_PLAIN_PKGS	 = libsodium libcap-ng
# libseccomp: the filter's generator and the tests only (below).
ALL_PKGS	 = $(sort $(MON_PKGS) $(WRK_PKGS) $(WRK_SSH_PKGS) libseccomp)
# The test tools' own: the seccomp profile loader reads JSON.
TOOL_PKGS	 = jansson

OPT		?= -O2 -g
SANITIZE	?=
CFLAGS_HARDEN	 = -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE \
		   -fno-strict-aliasing
CFLAGS		+= $(OPT) -std=gnu11 -Wall -Wextra -Werror -Wshadow \
		   -Wpointer-arith -Wmissing-prototypes -Wstrict-prototypes \
		   -Wformat=2 $(CFLAGS_HARDEN) $(SANITIZE) -pthread \
		   -D_GNU_SOURCE -Iinclude -DAIRLOCK_VERSION='"$(VERSION)"' \
		   -DAIRLOCK_LIBEXECDIR='"$(LIBEXECDIR)"' \
		   $(shell $(PKG_CONFIG) --cflags $(ALL_PKGS))
LDFLAGS		+= -pie -Wl,-z,relro,-z,now -Wl,--as-needed $(SANITIZE) -pthread
# Libraries without a pkg-config file.
WRK_NOPC_LIBS	 = -lhttp_parser
MON_LIBS	 = $(shell $(PKG_CONFIG) --libs $(MON_PKGS))
WRK_LIBS	 = $(shell $(PKG_CONFIG) --libs $(WRK_PKGS)) $(WRK_NOPC_LIBS)
WRK_SSH_LIBS	 = $(shell $(PKG_CONFIG) --libs $(WRK_SSH_PKGS))
WRK_PLAIN_LIBS	 = $(shell $(PKG_CONFIG) --libs $(WRK_PLAIN_PKGS)) \
		   $(WRK_NOPC_LIBS)
ALL_LIBS	 = $(shell $(PKG_CONFIG) --libs $(ALL_PKGS)) $(WRK_NOPC_LIBS)

COMMON_SRCS	 = $(wildcard privsep/*.c)
MON_SRCS	 = $(filter-out monitor/main.c, $(wildcard monitor/*.c)) \
		   $(wildcard providers/*.c)
# Each worker executable is a main of its own (worker/wimage*.c) on the
# same body (worker/main.c, in the archive).  worker/notls.c stands in for
# OpenSSL's TLS (worker/tls.h) in airlock-worker-plain only: in the archive
# it would clash with tls.o.
WRK_SRCS	 = $(filter-out worker/wimage%.c worker/notls.c, \
		   $(wildcard worker/*.c))
UNIT_SRCS	 = $(wildcard regress/unit/*.c)
TOOL_SRCS	 = $(wildcard regress/tools/*.c)

COMMON_OBJS	 = $(COMMON_SRCS:.c=.o)
MON_OBJS	 = $(MON_SRCS:.c=.o)
WRK_OBJS	 = $(WRK_SRCS:.c=.o)
UNIT_OBJS	 = $(UNIT_SRCS:.c=.o)
TOOLS		 = $(TOOL_SRCS:.c=)
# airlockd looks for airlock-worker-ssh and airlock-worker-plain beside the
# worker it is given, and rogue-worker.sh gives it regress/tools/rogueworker.
ROGUE_SSH	 = regress/tools/airlock-worker-ssh
ROGUE_PLAIN	 = regress/tools/airlock-worker-plain
# LD_PRELOAD shims for the tests: shared objects, without the sanitizers.
PRELOADS	 = $(patsubst %.c,%.so,$(wildcard regress/tools/preload/*.c))

PROGS		 = airlockd airlock-worker airlock-worker-ssh airlock-worker-plain

all: $(PROGS) regress/unit/unittest $(TOOLS) $(ROGUE_SSH) $(ROGUE_PLAIN) \
	$(PRELOADS)

# What make install installs, without the tests' programs.
programs: $(PROGS)

# The worker's seccomp filter, compiled once at build time: sandboxgen runs
# the rules (privsep/sandbox_rules.c) through libseccomp and writes the BPF
# programs as C (privsep/gen/sandbox_bpf.c), which goes into libcommon.a and
# so into every worker executable; the workers load it without libseccomp.
# The generator and the tests link libseccomp, the workers do not.  It runs
# on the build machine, for its own architecture: a cross build stops here.
SANDBOXGEN	 = privsep/gen/sandboxgen
SANDBOX_BPF	 = privsep/gen/sandbox_bpf
COMMON_OBJS	+= $(SANDBOX_BPF).o

$(SANDBOXGEN): $(SANDBOXGEN).c privsep/sandbox_rules.o include/sandbox_filter.h
	@echo "  CCLD    $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.c %.o, $^) \
	    $(shell $(PKG_CONFIG) --libs libseccomp)

$(SANDBOX_BPF).c: $(SANDBOXGEN)
	@echo "  GEN     $@"
	@./$(SANDBOXGEN) >$@.tmp || { rm -f $@.tmp; \
	    echo "$(SANDBOXGEN) could not run: it compiles the worker's" \
	    "seccomp filter on the build machine, for that machine's" \
	    "architecture; build airlock on (or under emulation of) the" \
	    "machine it is for, not with a cross compiler" >&2; exit 1; }
	@mv -f $@.tmp $@

clean: clean-sandbox-bpf
clean-sandbox-bpf:
	rm -f $(SANDBOXGEN) $(SANDBOX_BPF).c $(SANDBOX_BPF).c.tmp privsep/gen/*.o

.PHONY: clean-sandbox-bpf

# Archives are made afresh: ar would keep the object of a deleted source.
libcommon.a: $(COMMON_OBJS)
	@rm -f $@
	@$(AR) rcs $@ $^
libmonitor.a: $(MON_OBJS)
	@rm -f $@
	@$(AR) rcs $@ $^
libworker.a: $(WRK_OBJS)
	@rm -f $@
	@$(AR) rcs $@ $^

# The daemons are linked to a temporary name and renamed into place, so
# that a running airlockd never finds its worker half-written.

airlockd: monitor/main.o libmonitor.a libcommon.a
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@.tmp $^ $(MON_LIBS)
	@mv -f $@.tmp $@

airlock-worker: worker/wimage.o libworker.a libcommon.a
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@.tmp $^ $(WRK_LIBS)
	@mv -f $@.tmp $@

airlock-worker-ssh: worker/wimage_ssh.o libworker.a libcommon.a
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@.tmp $^ $(WRK_LIBS) $(WRK_SSH_LIBS)
	@mv -f $@.tmp $@

# notls.o before the archive: its definitions keep tls.o out, and with it
# every OpenSSL symbol (a link without libssl and libcrypto proves it).
airlock-worker-plain: worker/wimage_plain.o worker/notls.o libworker.a \
    libcommon.a
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@.tmp $^ $(WRK_PLAIN_LIBS)
	@mv -f $@.tmp $@

regress/unit/unittest: $(UNIT_OBJS) libmonitor.a libworker.a libcommon.a
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LIBS)

regress/tools/%: regress/tools/%.c libcommon.a
	@echo "  CCLD    $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(ALL_LIBS) \
	    $(shell $(PKG_CONFIG) --libs $(TOOL_PKGS))

# sshkeytool runs the monitor's SSH key code (regress/t/sshkey-openssh.sh).
regress/tools/sshkeytool: regress/tools/sshkeytool.c libmonitor.a libcommon.a
	@echo "  CCLD    $@"
	@$(CC) $(CFLAGS) -Imonitor $(LDFLAGS) -o $@ $^ $(ALL_LIBS)

# provget runs the providers as airlockd does (regress/t/provider-*.sh).
regress/tools/provget: regress/tools/provget.c libmonitor.a libcommon.a
	@echo "  CCLD    $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(ALL_LIBS)

$(ROGUE_SSH) $(ROGUE_PLAIN): regress/tools/rogueworker
	@ln -sf rogueworker $@

regress/tools/preload/%.so: regress/tools/preload/%.c
	@echo "  CCLD    $@"
	@$(CC) $(OPT) -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -fPIC \
	    -shared -o $@ $< -ldl

%.o: %.c $(wildcard include/*.h monitor/*.h worker/*.h providers/*.h \
    regress/unit/*.h)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -Imonitor -Iworker -c -o $@ $<

# Everything the tests need, installed with apt-get (idempotent).
deps:
	sh contrib/install-deps.sh

check: deps
	$(MAKE) all
	sh regress/run.sh

# The suite again in a copy of the tree built elsewhere (the tree's own
# build is left alone): with ASan and UBSan (clang; workers keep their real
# sandbox), or with airlockd and the unit tests under valgrind memcheck.
# Each ends with its own "N passed, N failed"; .ci/run runs all three.
# regress/sanitize.sh says why each piece is there.
check-asan: deps
	sh regress/sanitize.sh asan

check-valgrind: deps
	sh regress/sanitize.sh valgrind

demo: deps
	$(MAKE) all
	sh regress/demo.sh

demo-mysql: deps
	$(MAKE) all
	sh regress/demo-mysql.sh

# libFuzzer harnesses (clang), FUZZ_SECONDS each (default 60).
fuzz: deps
	sh regress/fuzz/run.sh

bench: deps
	$(MAKE) all
	sh regress/bench/all.sh

install: programs
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR)
	install -m 0755 airlockd $(DESTDIR)$(SBINDIR)/airlockd
	install -m 0755 airlock-worker $(DESTDIR)$(LIBEXECDIR)/airlock-worker
	install -m 0755 airlock-worker-ssh \
	    $(DESTDIR)$(LIBEXECDIR)/airlock-worker-ssh
	install -m 0755 airlock-worker-plain \
	    $(DESTDIR)$(LIBEXECDIR)/airlock-worker-plain
	install -d $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 0644 man/airlock.yml.5 $(DESTDIR)$(MANDIR)/man5/airlock.yml.5
	install -m 0644 man/airlockd.8 $(DESTDIR)$(MANDIR)/man8/airlockd.8
	# The workers' empty root (airlock.chroot), as OpenSSH's /var/empty.
	install -d -m 0755 $(DESTDIR)$(CHROOTDIR)

# The Debian package (debian/), built in a copy of the tree's tracked
# files; the .deb and its .buildinfo and .changes go to dist/.
deb:
	sh contrib/mkdeb.sh dist

clean:
	rm -f $(PROGS) $(TOOLS) $(ROGUE_SSH) $(ROGUE_PLAIN) $(PRELOADS) \
	    regress/unit/unittest *.a \
	    privsep/*.o monitor/*.o worker/*.o providers/*.o regress/unit/*.o

.PHONY: all programs deps check check-asan check-valgrind demo demo-mysql \
	fuzz bench install deb \
	clean
