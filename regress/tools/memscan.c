/*
 * memscan: look for a secret in the memory of a live process.
 *
 *	memscan [-gmv] PID FILE	search every readable mapping of PID
 *	memscan -s FILE FILE2	search the regular file FILE2 (logs)
 *
 * The bytes to look for come from FILE (one trailing newline is dropped), so
 * that they never appear in our argv, where a scan of ourselves or a ps
 * listing would see them.  The tests use this to show that a credential never
 * rests in a worker's memory.  Reading another process's memory needs
 * CAP_SYS_PTRACE, or root, since the worker is not dumpable.
 *
 * Exit: 0 not found, 1 found (one line per match on stdout), 2 on error;
 * scanning nothing at all is an error, never a pass (3 and 4: -g, -m).
 *
 * -g tells guarded memory apart: a match in an anonymous read-write mapping
 * between two inaccessible ones, which is how libsodium's sodium_malloc
 * lays out the secrets of include/secret.h (guard pages on either side), is
 * marked "(guarded)"; the exit is then 3 when every match is guarded, 1
 * when one is not.
 *
 * -m tells memfd_secret(2) memory apart: a mapping of /secretmem, which
 * the kernel keeps out of its direct map, so that /proc/PID/mem cannot
 * read it (EIO).  Each one that cannot be read is named on stdout
 * ("unreadable secretmem at ...") and counts as not scanned, never as
 * memory without the needle; the exit is then 4 when the needle is found
 * nowhere readable and at least one such mapping was there (what holds
 * its secrets in memfd_secret shows), 0 when there was none.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* memmem */
#endif

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK		(1024 * 1024)
#define NEEDLE_MAX	4096
#define MAX_REPORTS	32

struct scan {
	const unsigned char *needle;
	size_t		 nlen;
	unsigned char	*buf;		/* carry (nlen - 1) + CHUNK */
	size_t		 carry;		/* bytes kept from the previous read */
	uint64_t	 carry_end;	/* address just after the carried bytes */
	unsigned long	 found;
	unsigned long	 found_guarded;
	int		 guarded;	/* the region being scanned is */
	uint64_t	 scanned;
};

/* A line of /proc/PID/maps. */
struct region {
	unsigned long long start, stop;
	char		 perms[8];
	char		*name;		/* "" for anonymous memory */
};

static int	verbose;
static int	guards;		/* -g */
static int	secretmem;	/* -m */

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: memscan [-gmv] pid file\n"
	    "       memscan -s file file2\n");
	exit(2);
}

/* The needle: FILE's bytes without one trailing newline (CRLF too). */
static int
read_needle(const char *path, unsigned char *out, size_t *outlen)
{
	ssize_t	 n;
	size_t	 len = 0;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "memscan: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == NEEDLE_MAX) {
			fprintf(stderr, "memscan: %s: longer than %d bytes\n",
			    path, NEEDLE_MAX);
			close(fd);
			return -1;
		}
		n = read(fd, out + len, NEEDLE_MAX - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			fprintf(stderr, "memscan: %s: %s\n", path,
			    strerror(errno));
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (len > 0 && out[len - 1] == '\n')
		len--;
	if (len > 0 && out[len - 1] == '\r')
		len--;
	/* A very short needle would match by chance and prove nothing. */
	if (len < 4) {
		fprintf(stderr, "memscan: %s: needle shorter than 4 bytes\n",
		    path);
		return -1;
	}
	*outlen = len;
	return 0;
}

/*
 * Search one block that starts at address addr and directly follows the
 * carried bytes when addr == carry_end, so that a match split across two
 * reads (or two adjacent mappings) is still seen.
 */
static void
scan_block(struct scan *s, uint64_t addr, size_t len, const char *where)
{
	unsigned char	*hay, *p;
	size_t		 hlen, keep;
	uint64_t	 base;

	if (s->carry > 0 && s->carry_end == addr) {
		hay = s->buf + (s->nlen - 1) - s->carry;
		hlen = s->carry + len;
		base = addr - s->carry;
	} else {
		/* Not contiguous: drop the carry, use the bytes as read. */
		hay = s->buf + (s->nlen - 1);
		hlen = len;
		base = addr;
	}
	s->scanned += len;

	for (p = hay; (size_t)(hay + hlen - p) >= s->nlen; p++) {
		p = memmem(p, (size_t)(hay + hlen - p), s->needle, s->nlen);
		if (p == NULL)
			break;
		if (s->found < MAX_REPORTS)
			printf("found at 0x%" PRIx64 " in %s%s\n",
			    base + (uint64_t)(p - hay), where,
			    s->guarded ? " (guarded)" : "");
		s->found++;
		s->found_guarded += s->guarded;
	}

	/* Keep the last nlen - 1 bytes just in front of the next read. */
	keep = s->nlen - 1;
	if (keep > hlen)
		keep = hlen;
	memmove(s->buf + (s->nlen - 1) - keep, hay + hlen - keep, keep);
	s->carry = keep;
	s->carry_end = base + hlen;
}

/* Read [start, end) of fd in chunks; returns bytes read or -1 at once. */
static long long
scan_range(struct scan *s, int fd, uint64_t start, uint64_t end,
    const char *where)
{
	unsigned char	*dst = s->buf + (s->nlen - 1);
	uint64_t	 addr = start;
	long long	 total = 0;
	size_t		 want;
	ssize_t		 n;

	while (addr < end) {
		want = end - addr > CHUNK ? CHUNK : (size_t)(end - addr);
		n = pread(fd, dst, want, (off_t)addr);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			/*
			 * [vvar], [vsyscall], device mappings, or memory that
			 * vanished while we read: skip the rest of the region.
			 */
			if (verbose)
				fprintf(stderr, "memscan: skip %s at 0x%"
				    PRIx64 ": %s\n", where, addr,
				    n == 0 ? "eof" : strerror(errno));
			s->carry = 0;
			return total == 0 ? -1 : total;
		}
		scan_block(s, addr, (size_t)n, where);
		addr += (uint64_t)n;
		total += n;
	}
	return total;
}

/*
 * The mappings of /proc/PID/maps, in order; NULL on error (said).  *n is
 * their number.
 */
static struct region *
read_maps(FILE *maps, size_t *n)
{
	char		 line[PATH_MAX + 256], *name;
	struct region	*r = NULL, *nr;
	size_t		 l, alloc = 0;
	int		 consumed;

	*n = 0;
	while (fgets(line, sizeof(line), maps) != NULL) {
		l = strlen(line);
		if (l > 0 && line[l - 1] == '\n')
			line[--l] = '\0';
		if (*n == alloc) {
			alloc = alloc == 0 ? 256 : alloc * 2;
			if ((nr = realloc(r, alloc * sizeof(*r))) == NULL) {
				fprintf(stderr, "memscan: out of memory\n");
				goto fail;
			}
			r = nr;
		}
		consumed = 0;
		if (sscanf(line, "%llx-%llx %7s %*s %*s %*s%n", &r[*n].start,
		    &r[*n].stop, r[*n].perms, &consumed) != 3 ||
		    consumed == 0) {
			fprintf(stderr, "memscan: cannot parse maps line: "
			    "%s\n", line);
			goto fail;
		}
		name = line + consumed;
		name += strspn(name, " \t");
		if ((r[*n].name = strdup(name)) == NULL) {
			fprintf(stderr, "memscan: out of memory\n");
			goto fail;
		}
		(*n)++;
	}
	return r;
 fail:
	while (*n > 0)
		free(r[--(*n)].name);
	free(r);
	return NULL;
}

/* sodium_malloc's data: anonymous, read-write, between two guard pages. */
static int
is_guarded(const struct region *r, size_t n, size_t i)
{
	return strcmp(r[i].perms, "rw-p") == 0 && r[i].name[0] == '\0' &&
	    i > 0 && r[i - 1].stop == r[i].start &&
	    strcmp(r[i - 1].perms, "---p") == 0 &&
	    i + 1 < n && r[i + 1].start == r[i].stop &&
	    strcmp(r[i + 1].perms, "---p") == 0;
}

/* memfd_secret's pages: "/secretmem (deleted)" in /proc/PID/maps. */
static int
is_secretmem(const struct region *r)
{
	return strncmp(r->name, "/secretmem", 10) == 0 &&
	    (r->name[10] == '\0' || r->name[10] == ' ');
}

static int
scan_process(struct scan *s, const char *pidarg)
{
	char		 path[64], where[PATH_MAX + 64], *end;
	unsigned long	 regions = 0, skipped = 0, unreadable = 0;
	struct region	*r;
	size_t		 i, n;
	long		 pid;
	FILE		*maps;
	int		 fd;

	errno = 0;
	pid = strtol(pidarg, &end, 10);
	if (errno != 0 || *end != '\0' || pid <= 0 || pid > INT_MAX) {
		fprintf(stderr, "memscan: bad pid %s\n", pidarg);
		return 2;
	}
	snprintf(path, sizeof(path), "/proc/%ld/maps", pid);
	if ((maps = fopen(path, "re")) == NULL) {
		fprintf(stderr, "memscan: %s: %s\n", path, strerror(errno));
		return 2;
	}
	snprintf(path, sizeof(path), "/proc/%ld/mem", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "memscan: %s: %s\n", path, strerror(errno));
		fclose(maps);
		return 2;
	}
	r = read_maps(maps, &n);
	fclose(maps);
	if (r == NULL) {
		close(fd);
		return 2;
	}

	for (i = 0; i < n; i++) {
		/*
		 * A readable mapping of 64 GiB or more is a sanitizer shadow
		 * (AddressSanitizer reserves terabytes of it, untouched and
		 * zero): no process of ours holds data there, and reading it
		 * would take hours.
		 */
		if (r[i].stop - r[i].start >= (1ULL << 36))
			continue;
		if (r[i].perms[0] != 'r')
			continue;
		snprintf(where, sizeof(where), "%s %s", r[i].perms,
		    r[i].name[0] != '\0' ? r[i].name : "[anon]");
		s->guarded = guards && is_guarded(r, n, i);
		regions++;
		if (scan_range(s, fd, r[i].start, r[i].stop, where) < 0) {
			skipped++;
			if (secretmem && is_secretmem(&r[i])) {
				printf("unreadable secretmem at 0x%llx-0x%llx "
				    "(%llu bytes)\n", r[i].start, r[i].stop,
				    r[i].stop - r[i].start);
				unreadable++;
			}
		}
	}
	for (i = 0; i < n; i++)
		free(r[i].name);
	free(r);
	close(fd);

	if (verbose || s->scanned == 0)
		fprintf(stderr, "memscan: pid %ld: %lu readable regions, "
		    "%lu skipped, %" PRIu64 " bytes scanned\n", pid, regions,
		    skipped, s->scanned);
	if (s->scanned == 0) {
		fprintf(stderr, "memscan: nothing could be read: no "
		    "verdict\n");
		return 2;
	}
	if (s->found > 0 && s->found == s->found_guarded)
		return 3;
	if (s->found == 0 && unreadable > 0)
		return 4;
	return s->found > 0 ? 1 : 0;
}

static int
scan_file(struct scan *s, const char *path)
{
	struct stat	 st;
	long long	 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "memscan: %s: %s\n", path, strerror(errno));
		return 2;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "memscan: %s: not a regular file\n", path);
		close(fd);
		return 2;
	}
	/* Offsets in the file play the part of addresses. */
	n = scan_range(s, fd, 0, (uint64_t)st.st_size, path);
	close(fd);
	if (n < 0 && st.st_size > 0) {
		fprintf(stderr, "memscan: %s: read failed\n", path);
		return 2;
	}
	return s->found > 0 ? 1 : 0;
}

int
main(int argc, char *argv[])
{
	static unsigned char needle[NEEDLE_MAX];
	struct scan	 s;
	int		 ch, filemode = 0, rv;

	while ((ch = getopt(argc, argv, "gmsv")) != -1) {
		switch (ch) {
		case 'g':
			guards = 1;
			break;
		case 'm':
			secretmem = 1;
			break;
		case 's':
			filemode = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2)
		usage();

	memset(&s, 0, sizeof(s));
	if (read_needle(argv[1], needle, &s.nlen) == -1)
		return 2;
	s.needle = needle;
	if ((s.buf = malloc(s.nlen - 1 + CHUNK)) == NULL) {
		fprintf(stderr, "memscan: out of memory\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	rv = filemode ? scan_file(&s, argv[0]) : scan_process(&s, argv[0]);
	if (s.found > MAX_REPORTS)
		printf("... %lu matches in all\n", s.found);

	/* Our own copy of the needle is not the point; wipe it anyway. */
	explicit_bzero(needle, sizeof(needle));
	explicit_bzero(s.buf, s.nlen - 1 + CHUNK);
	free(s.buf);
	return rv;
}
