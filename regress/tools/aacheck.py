#!/usr/bin/python3
"""Which file accesses in an strace log would an AppArmor profile deny?

    aacheck.py [--map OLD=NEW]... PROFILE... LOG
    aacheck.py --glob PATTERN PATH        (0 if the glob matches the path)

The kernel has no AppArmor here, so the profiles cannot be enforced: this
replays what airlockd and its workers did (strace -f -y) against the file
and network rules of contrib/apparmor, as the kernel would check them, and
prints each access that no rule allows (exit 1).  It reads the subset of
the profile language that our profiles use: variables, "profile NAME
ATTACH {", file rules "[audit] [deny] [owner] PATH PERMS [-> TARGET],"
with AppArmor's globs, and "network [FAMILY] [TYPE],".  "owner" is not
checked (strace does not say who owns a file); includes are skipped.

What the kernel mediates, and so what is checked: open (not O_PATH),
stat and fstat (getattr needs r), mmap with PROT_EXEC (m), execve (x, and
the profile changes as the rule says), creating, removing, renaming,
linking, chmod and chown (w; l for a new link), binding and connecting a
Unix socket path (w), and socket and socketpair (network rules).  A call
that failed with ENOENT, ENOTDIR, ELOOP or EEXIST stopped before the hook.
--map rewrites a path prefix (first match wins), so that a run from the
build tree and a test's directories stands for an installed one.
"""
import re
import sys

# The tunables our profiles use, as apparmor.d's tunables/ set them.
TUNABLES = {"PROC": ["/proc/"], "pid": ["[1-9]", "[1-9]*[0-9]"],
            "sys": ["/sys/"], "run": ["/run/", "/var/run/"],
            "multiarch": ["*-linux-gnu*"]}
SKIP_ERRNO = ("ENOENT", "ENOTDIR", "ELOOP", "EEXIST")
# strace -yy's names of socket kinds: family and type.
SOCKS = {"TCP": ("inet", "stream"), "TCPv6": ("inet6", "stream"),
         "UDP": ("inet", "dgram"), "UDPv6": ("inet6", "dgram"),
         "UNIX-STREAM": ("unix", "stream"), "UNIX-DGRAM": ("unix", "dgram"),
         "UNIX-SEQPACKET": ("unix", "seqpacket")}


def glob_re(glob):
    """An AppArmor glob as a Python regular expression (whole match)."""
    out, depth, i = [], 0, 0
    while i < len(glob):
        c = glob[i]
        after_slash = i > 0 and glob[i - 1] == "/"
        if c == "*":
            star2 = glob[i + 1:i + 2] == "*"
            # After a "/" a star stands for at least one character, as the
            # parser has it: /dir/* does not match /dir/ itself.
            body = "[^/]*" if not star2 else ".*"
            out.append(("[^/]" if after_slash else "") + body)
            i += 2 if star2 else 1
            continue
        if c == "?":
            out.append("[^/]")
        elif c == "[":
            j = glob.index("]", i + 2 if glob[i + 1] == "^" else i + 1)
            out.append(glob[i:j + 1].replace("\\", "\\\\"))
            i = j
        elif c == "{":
            depth += 1
            out.append("(?:")
        elif c == "}" and depth:
            depth -= 1
            out.append(")")
        elif c == "," and depth:
            out.append("|")
        elif c == "\\":
            i += 1
            out.append(re.escape(glob[i]))
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z", re.S)


def expand(text, variables):
    """@{VAR} as {value,value}, then runs of / as one."""
    def one(m):
        vals = variables.get(m.group(1))
        if vals is None:
            sys.exit("aacheck: unknown variable @{%s}" % m.group(1))
        return vals[0] if len(vals) == 1 else "{" + ",".join(vals) + "}"
    while "@{" in text:
        text = re.sub(r"@\{(\w+)\}", one, text)
    return re.sub("/+", "/", text)


class Profile:
    def __init__(self, name, attach):
        self.name, self.attach, self.files, self.network = name, attach, [], []

    def file_perms(self, path):
        """The permissions the rules give path: allowed minus denied."""
        allow, deny, exe = set(), set(), None
        for rx, perms, is_deny, target in self.files:
            if rx.match(path):
                if is_deny:
                    deny |= set(perms)
                else:
                    allow |= set(perms)
                    if "x" in perms:
                        exe = (perms, target)
        return allow - deny, exe


RULE = re.compile(r'(?:audit\s+)?(deny\s+)?(?:owner\s+)?("[^"]*"|[/@]\S*)'
                  r"\s+([rwalkmixpuPUCI]+)\s*(?:->\s*(\S+))?\s*,$")
NET = re.compile(r"(deny\s+)?network(?:\s+(\w+))?(?:\s+(\w+))?\s*,$")
HEAD = re.compile(r"profile\s+(\S+)\s+(\S+)(?:\s+flags=\([^)]*\))?\s*\{$")


def read_profiles(files):
    variables, profiles = dict(TUNABLES), []
    for f in files:
        cur = None
        for line in open(f):
            line = re.sub(r"(^|\s)#.*", "", line).strip()
            m = re.match(r"@\{(\w+)\}\s*(\+?=)\s*(.*)$", line)
            if m:
                vals = variables.get(m.group(1), []) if m.group(2) == "+=" \
                    else []
                variables[m.group(1)] = vals + m.group(3).split()
            elif HEAD.match(line):
                name, attach = HEAD.match(line).groups()
                cur = Profile(name, glob_re(expand(attach, variables)))
                profiles.append(cur)
            elif cur and RULE.match(line):
                deny, path, perms, target = RULE.match(line).groups()
                cur.files.append((glob_re(expand(path.strip('"'), variables)),
                                  perms, bool(deny), target))
            elif cur and NET.match(line):
                deny, fam, typ = NET.match(line).groups()
                cur.network.append((bool(deny), fam, typ))
    return profiles


def calls(log):
    """(pid, name, args, result) of each call, unfinished ones joined."""
    pending = {}
    for line in open(log, errors="replace"):
        m = re.match(r"(\d+)\s+(.*)$", line.rstrip("\n"))
        if not m:
            continue
        pid, rest = int(m.group(1)), m.group(2)
        if rest.endswith("<unfinished ...>"):
            pending[pid] = rest[:-len("<unfinished ...>")]
            continue
        r = re.match(r"<\.\.\. \w+ resumed>(.*)$", rest)
        if r:
            rest = pending.pop(pid, "") + r.group(1)
        c = re.match(r"(\w+)\((.*)\)\s+= (.*)$", rest)
        if c:
            yield pid, c.group(1), c.group(2), c.group(3)


def fdpath(arg):
    """The path strace -y printed for a descriptor argument: 3</etc>."""
    m = re.match(r"\s*(?:\d+|AT_FDCWD)<(.*?)(?:<(?:char|block) [^>]*>)?>",
                 arg)
    return m.group(1) if m else None


class Checker:
    def __init__(self, profiles, maps):
        self.profiles, self.maps = profiles, maps
        self.parent, self.prof, self.cwd = {}, {}, {}
        self.denied, self.count = [], {}

    def mapped(self, path, pid):
        path = re.sub(r"^/proc/(self|thread-self)(?=/|$)", "/proc/%d" % pid,
                      path.replace(" (deleted)", ""))
        for old, new in self.maps:
            if path == old or path.startswith(old.rstrip("/") + "/"):
                return new + path[len(old):]
        return path

    def join(self, pid, dirfd, name):
        name = name.strip('"')
        if name.startswith("/"):
            return name
        base = fdpath(dirfd) if dirfd else None
        base = base or self.cwd.get(pid, "/")
        return base.rstrip("/") + "/" + name if name else base

    def need(self, pid, path, perms, line, is_dir=False):
        prof = self.prof.get(pid)
        if prof is None or not path.startswith("/") or \
                path.startswith("/memfd:"):
            return
        path = re.sub("/+", "/", self.mapped(path, pid) +
                      ("/" if is_dir else ""))
        allowed, _ = prof.file_perms(path)
        missing = [p for p in perms if p not in allowed and
                   not (p == "a" and "w" in allowed)]
        if missing:
            self.denied.append("%s: %s %s (%s)" % (prof.name, path,
                               "".join(missing), line))

    def run(self, log):
        every = list(calls(log))
        for pid, name, args, res in every:
            if name in ("clone", "clone3", "fork", "vfork") and \
                    res.split()[0].isdigit():
                self.parent[int(res.split()[0])] = pid
        for pid, name, args, res in every:
            if pid not in self.prof and pid in self.parent:
                self.prof[pid] = self.prof.get(self.parent[pid])
                self.cwd[pid] = self.cwd.get(self.parent[pid], "/")
            # "?": the process ended inside the call (SIGKILL).
            if res.startswith("?") or res.startswith("-1") and \
                    res.split()[1] in SKIP_ERRNO:
                continue
            prof = self.prof.get(pid)
            if prof:
                self.count[prof.name] = self.count.get(prof.name, 0) + 1
            self.one(pid, name, args, res, "%s(%s) = %s" % (name, args[:120],
                                                           res[:40]))

    def one(self, pid, name, args, res, line):
        a = [x.strip() for x in re.split(r",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)",
                                         args)]
        ok = not res.startswith("-1")
        dirfd = a[0] if name.endswith("at") or name == "openat2" else None
        arg0 = a[1] if dirfd else a[0]
        if name in ("open", "openat", "openat2", "creat"):
            flags = a[2] if dirfd else a[1]
            if "O_PATH" in flags:
                return
            path = fdpath(res) if ok else None
            path = path or self.join(pid, dirfd, arg0)
            perms = {"O_RDONLY": "r", "O_WRONLY": "w", "O_RDWR": "rw"}
            need = perms[re.match(r"O_\w+", flags).group(0)] \
                if re.match(r"O_(RDONLY|WRONLY|RDWR)", flags) else "r"
            if re.search(r"O_(CREAT|TRUNC)", flags) or name == "creat":
                need += "w"
            need = "".join(dict.fromkeys(need))
            if "O_APPEND" in flags and need == "w":
                need = "a"
            self.need(pid, path, need, line, "O_DIRECTORY" in flags)
        elif name in ("stat", "lstat", "newfstatat", "statx", "fstat"):
            path = fdpath(a[0]) if name == "fstat" or \
                (dirfd and arg0 == '""') else self.join(pid, dirfd, arg0)
            self.need(pid, path or "", "r", line, "S_IFDIR" in args)
        elif name == "mmap" and "PROT_EXEC" in args:
            self.need(pid, fdpath(a[4]) or "", "m", line)
        elif name in ("execve", "execveat") and ok:
            self.execve(pid, self.join(pid, dirfd, arg0), line)
        elif name in ("unlink", "unlinkat", "rmdir", "mkdir", "mkdirat"):
            is_dir = "AT_REMOVEDIR" in args or name.startswith(("mk", "rm"))
            self.need(pid, self.join(pid, dirfd, arg0), "w", line, is_dir)
        elif name in ("rename", "renameat", "renameat2", "link", "linkat"):
            old = self.join(pid, dirfd, arg0)
            new = self.join(pid, a[2], a[3]) if dirfd else \
                self.join(pid, None, a[1])
            if name.startswith("link"):
                self.need(pid, new, "l", line)
            else:
                self.need(pid, old, "rw", line)
                self.need(pid, new, "w", line)
        elif name in ("chmod", "fchmodat", "chown", "lchown", "fchownat"):
            self.need(pid, self.join(pid, dirfd, arg0), "w", line)
        elif name in ("bind", "connect"):
            m = re.search(r'sun_path="([^"]*)"', args)
            if m:
                self.need(pid, self.join(pid, None, m.group(1)), "w", line)
        elif name in ("socket", "socketpair"):
            self.socket(pid, a[0], a[1], line)
        elif name == "recvmsg" and ok:
            # A descriptor received is checked (file_receive) against the
            # network rules as if the process had made it: strace -yy
            # names its kind, cmsg_data=[4<TCP:[...]>].
            for data in re.findall(r"SCM_RIGHTS, cmsg_data=\[(.*?)\]\}", args):
                for tag in re.findall(r"\d+<([\w-]+):\[", data):
                    if tag in SOCKS:
                        self.socket(pid, *SOCKS[tag], line)
        elif name == "chdir" and ok:
            self.cwd[pid] = self.join(pid, None, arg0)
        elif name == "fchdir" and ok:
            self.cwd[pid] = fdpath(a[0]) or "?"

    def socket(self, pid, fam, typ, line):
        prof = self.prof.get(pid)
        if prof is None:
            return
        fam = fam.replace("AF_", "").lower().replace("local", "unix")
        typ = typ.split("|")[0].replace("SOCK_", "").lower()
        ok = [not d for d, f, t in prof.network
              if f in (None, fam) and t in (None, typ)]
        if not ok or not all(ok):
            self.denied.append("%s: network %s %s (%s)" % (prof.name, fam,
                               typ, line))

    def execve(self, pid, path, line):
        path = self.mapped(path, pid)
        cur = self.prof.get(pid)
        if cur is None:		# from outside: the profile that attaches
            self.prof[pid] = next((p for p in self.profiles
                                   if p.attach.match(path)), None)
            return
        allowed, exe = cur.file_perms(path)
        if "x" not in allowed or exe is None:
            self.denied.append("%s: %s x (%s)" % (cur.name, path, line))
            return
        perms, target = exe
        mode = re.search(r"[pcui]*x", perms.lower()).group(0)
        if mode.startswith(("p", "c")):
            nxt = next((p for p in self.profiles if (p.name == target if
                        target else p.attach.match(path))), None)
            if nxt is None and "i" not in mode:
                self.denied.append("%s: %s %s to no profile (%s)" % (
                    cur.name, path, mode, line))
            self.prof[pid] = nxt or cur
        elif mode.startswith("u"):
            self.prof[pid] = None


def main(argv):
    if argv[:1] == ["--glob"]:
        return 0 if glob_re(expand(argv[1], TUNABLES)).match(argv[2]) else 1
    maps = []
    while argv[:1] == ["--map"]:
        maps.append(tuple(argv[1].split("=", 1)))
        argv = argv[2:]
    if len(argv) < 2:
        sys.exit(__doc__.split("\n\n")[1])
    chk = Checker(read_profiles(argv[:-1]), maps)
    chk.run(argv[-1])
    seen = set()
    for d in chk.denied:
        key = d.split(" (")[0]
        if key not in seen:
            seen.add(key)
            print("denied: " + d)
    # What was checked: a log in which nothing ran under a profile
    # proves nothing.
    print("checked: " + ", ".join("%s %d calls" % kv for kv in
                                  sorted(chk.count.items())))
    return 1 if chk.denied else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
