#!/usr/bin/python3
"""The Debian package as another host gets it: CPack builds it from this build
tree into a temporary folder, `dpkg-deb -x` unpacks it under a temporary
root, and everything is run from there, never from the source tree: the
binary (--help, a loopback smoke run), the man page, the tools' commands,
the unit (systemd-analyze) and `net_bench serve` within the unit's limits.
Nothing is left behind.

usage: package_test.py BUILD_DIR   (a built tree: its CPackConfig.cmake)
"""
import gzip
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import unittest

BUILD_DIR = None
TMP = None       # everything the test makes
ROOT = None      # the unpacked package
DEB = None
UNIT = "usr/lib/systemd/system/net-bench-serve.service"
CONF = "etc/net-bench/serve.conf"


def read(path):
    with open(path) as f:
        return f.read()


def run(args, timeout=60, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kw)


def setUpModule():
    global TMP, ROOT, DEB
    TMP = tempfile.mkdtemp(prefix="net_bench_package_test.")
    out = os.path.join(TMP, "out")
    # CPack's install step writes the build tree's install_manifest.txt: it
    # goes again unless it was there before.
    manifest = os.path.join(BUILD_DIR, "install_manifest.txt")
    had_manifest = os.path.exists(manifest)
    # The tree is built already (tools/test builds it first), so this only
    # stages, strips and packs: a few seconds, where a release build would
    # take minutes.
    r = run(["cpack", "--config", os.path.join(BUILD_DIR, "CPackConfig.cmake"), "-B", out],
            timeout=120)
    if not had_manifest and os.path.exists(manifest):
        os.remove(manifest)
    if r.returncode != 0:
        raise RuntimeError("cpack failed:\n" + r.stdout + r.stderr)
    debs = [f for f in os.listdir(out) if f.endswith(".deb")]
    if len(debs) != 1:
        raise RuntimeError("cpack made %s, not one .deb" % debs)
    DEB = os.path.join(out, debs[0])
    ROOT = os.path.join(TMP, "root")
    subprocess.run(["dpkg-deb", "-x", DEB, ROOT], check=True)


def tearDownModule():
    if TMP:
        shutil.rmtree(TMP)


def field(name):
    return run(["dpkg-deb", "-f", DEB, name]).stdout.strip()


def tool_env():
    """The environment of a host without the source tree: nothing on
    PYTHONPATH, and no bytecode written into the unpacked tree."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


class Control(unittest.TestCase):
    def test_file_name_is_debian_default(self):
        version = re.search(r'set\(CPACK_PACKAGE_VERSION "([^"]+)"\)',
                            read(os.path.join(BUILD_DIR, "CPackConfig.cmake"))).group(1)
        arch = run(["dpkg", "--print-architecture"]).stdout.strip()
        self.assertEqual(os.path.basename(DEB), "net-bench_%s_%s.deb" % (version, arch))

    def test_depends_come_from_shlibdeps(self):
        depends = field("Depends")
        # dpkg-shlibdeps names each library's package with a minimum version.
        for package in ("libnl-3-200", "libnl-route-3-200", "liburing2", "libbenchmark1debian",
                        "libssl3"):
            self.assertRegex(depends, re.escape(package) + r" \(>= [^)]+\)", depends)
        self.assertRegex(depends, r"(^|, )python3(,|$)")
        recommends = field("Recommends")
        for package in ("python3-matplotlib", "python3-scipy"):
            self.assertIn(package, recommends)

    def test_serve_conf_is_a_conffile_of_commented_defaults(self):
        control = os.path.join(TMP, "control")
        subprocess.run(["dpkg-deb", "-e", DEB, control], check=True)
        self.assertEqual(read(os.path.join(control, "conffiles")).split(), ["/" + CONF])
        conf = read(os.path.join(ROOT, CONF))
        active = [l for l in conf.splitlines() if l.strip() and not l.startswith("#")]
        self.assertEqual(active, [], "serve.conf should only document the defaults")
        # Each commented default is the one the unit sets.
        unit = read(os.path.join(ROOT, UNIT))
        defaults = dict(v.split("=", 1) for v in
                        re.search(r"^Environment=(.*)$", unit, re.M).group(1).split())
        documented = {}
        for name, value in re.findall(r"^#([A-Z_]+)=(.*)$", conf, re.M):
            documented.setdefault(name, value)
        self.assertEqual(documented, defaults)
        self.assertEqual(defaults["LISTEN"], "127.0.0.1:5301")


class Key(unittest.TestCase):
    def test_the_unit_hands_serve_the_key_as_a_credential(self):
        unit = read(os.path.join(ROOT, UNIT))
        self.assertIn("LoadCredential=net-bench.key:/etc/net-bench/key", unit)
        (exec_start,) = unit_settings("ExecStart")
        self.assertIn("--auth_key_file=%d/net-bench.key", exec_start)

    def test_postinst_makes_a_private_key_once_and_purge_removes_it(self):
        control = os.path.join(TMP, "control-key")
        subprocess.run(["dpkg-deb", "-e", DEB, control], check=True)
        postinst = read(os.path.join(control, "postinst"))
        self.assertRegex(postinst, r"umask 077 && head -c 32 /dev/urandom > /etc/net-bench/key")
        self.assertIn('[ ! -e /etc/net-bench/key ]', postinst)
        self.assertIn("rm -f /etc/net-bench/key", read(os.path.join(control, "postrm")))


class Binary(unittest.TestCase):
    def test_help(self):
        r = run([os.path.join(ROOT, "usr/bin/net_bench"), "--help"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("--modes=", r.stdout)
        self.assertIn("--benchmark_filter", r.stdout)

    def test_loopback_smoke_run(self):
        r = run([os.path.join(ROOT, "usr/bin/net_bench"), "--topology=loopback",
                 "--modes=OneCopy", "--sizes=1K", "--threads=1", "--patterns=Stream",
                 "--benchmark_min_time=0.01"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Stream/OneCopy/size:1024/", r.stdout)
        self.assertNotIn("ERROR OCCURRED", r.stdout)

    def test_man_page_is_readable(self):
        path = os.path.join(ROOT, "usr/share/man/man1/net_bench.1.gz")
        self.assertTrue(os.path.exists(path), "no man page")
        with gzip.open(path, "rt") as f:
            page = f.read()
        self.assertIn("net_bench \\- what it costs to move a message", page)
        self.assertIn(".SH SYNOPSIS", page)
        self.assertIn("/etc/net-bench/serve.conf", page)
        # Google Benchmark's usage line was split into one entry per flag,
        # not filled into a single paragraph.
        self.assertIn('.SS "Google Benchmark\'s flags:"', page)
        for flag in ("benchmark_filter", "benchmark_min_time", "benchmark_out_format"):
            self.assertRegex(page, r"\.HP\n\\fB\\-\\-%s=" % flag)


class Tools(unittest.TestCase):
    def test_commands_run_from_the_installed_tree(self):
        tools = os.path.join(ROOT, "usr/share/net-bench/tools")
        for command in ("net-bench-report", "net-bench-compare", "net-bench-sweep",
                        "net-bench-stability"):
            with self.subTest(command=command):
                path = os.path.join(ROOT, "usr/bin", command)
                self.assertTrue(os.path.realpath(path).startswith(tools + os.sep),
                                os.path.realpath(path))
                r = run([path, "--help"], cwd=TMP, env=tool_env())
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn("usage", r.stdout)


def unit_for_this_root(directory):
    """The packaged unit, its ExecStart pointed at the unpacked binary (the
    host has none in /usr/bin), written into `directory`."""
    text = read(os.path.join(ROOT, UNIT)).replace(
        "ExecStart=/usr/bin/net_bench", "ExecStart=" + os.path.join(ROOT, "usr/bin/net_bench"))
    path = os.path.join(directory, os.path.basename(UNIT))
    os.makedirs(directory, exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return path


def unit_settings(key):
    return re.findall(r"^%s=(.*)$" % key, read(os.path.join(ROOT, UNIT)), re.M)


def syscall_groups():
    """@group -> its entries, as this systemd defines them."""
    groups, current = {}, None
    for line in run(["systemd-analyze", "syscall-filter", "--no-pager"]).stdout.splitlines():
        if line.startswith("@"):
            current = groups.setdefault(line.split()[0], [])
        elif current is not None and line.strip() and not line.strip().startswith("#"):
            current.append(line.strip())
    return groups


def expand(names, groups):
    out = set()
    for name in names:
        out |= expand(groups[name], groups) if name.startswith("@") else {name}
    return out


def stop_traced(strace):
    """SIGTERM to the process strace runs (strace itself would detach and
    leave it running), then waits for both; SIGKILL to both past 20 s."""
    try:
        with open("/proc/%d/task/%d/children" % (strace.pid, strace.pid)) as f:
            children = [int(pid) for pid in f.read().split()]
    except OSError:
        children = []
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in children:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        try:
            strace.wait(timeout=20)
            break
        except subprocess.TimeoutExpired:
            strace.kill()
    strace.wait()
    strace.stderr.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@unittest.skipUnless(shutil.which("systemd-analyze"),
                     "systemd-analyze is not installed (package systemd): the unit is not checked")
class Unit(unittest.TestCase):
    def test_verify(self):
        path = unit_for_this_root(os.path.join(TMP, "verify"))
        # --man=no: the page is in the unpacked root, not where man looks.
        r = run(["systemd-analyze", "verify", "--man=no", path])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout + r.stderr, "", "systemd-analyze verify warns")

    def test_exposure_stays_low(self):
        path = unit_for_this_root(os.path.join(TMP, "security"))
        # Exposure is 0..10 (the threshold 0..100): 1.2 when written.
        r = run(["systemd-analyze", "security", "--offline=yes", "--threshold=20",
                 "--no-pager", path])
        self.assertEqual(r.returncode, 0, r.stdout[-2000:] + r.stderr)

    @unittest.skipUnless(shutil.which("strace"),
                         "strace is not installed: serve's syscalls are not checked "
                         "against the unit's filter")
    def test_serve_stays_within_the_unit_limits(self):
        """serve, traced while a client runs every mode in both patterns (RR
        sends with the mode under test from the server) and --rx=zerocopy,
        makes only the syscalls, socket families and mappings the unit
        allows. Where systemd is not PID 1 (containers, this VM) the unit
        cannot be started; this is the next best evidence."""
        net_bench = os.path.join(ROOT, "usr/bin/net_bench")
        log = os.path.join(TMP, "serve.strace")
        port = free_port()
        # With a key, as the unit runs it: the handshake's HMAC and nonces
        # (OpenSSL: getrandom) are traced too.
        key = os.path.join(TMP, "serve.key")
        with open(os.open(key, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as f:
            f.write(os.urandom(32))
        serve = subprocess.Popen(
            ["strace", "-f", "-qq", "-o", log, net_bench, "serve",
             "--listen=127.0.0.1:%d" % port, "--auth_key_file=" + key],
            stderr=subprocess.PIPE, text=True)
        try:
            self.assertIn("listening on", serve.stderr.readline())
            peer = "--topology=peer:127.0.0.1:%d" % port
            for args in (["--sizes=64K"], ["--sizes=4K", "--rx=zerocopy", "--modes=OneCopy",
                                           "--patterns=Stream"]):
                args.append("--auth_key_file=" + key)
                r = run([net_bench, peer, "--threads=1", "--benchmark_min_time=0.01", *args],
                        timeout=120)
                self.assertEqual(r.returncode, 0, r.stdout[-2000:] + r.stderr)
        finally:
            stop_traced(serve)
        trace = read(log)
        used = set(re.findall(r"^\d+ +(\w+)\(", trace, re.M))

        groups = syscall_groups()
        allowed, denied = set(), set()
        for line in unit_settings("SystemCallFilter"):
            if line.startswith("~"):
                denied |= expand(line[1:].split(), groups)
            else:
                allowed |= expand(line.split(), groups)
        self.assertIn("io_uring_setup", used, "the trace missed io_uring")
        self.assertIn("getrandom", used, "the trace missed the handshake's nonces")
        self.assertEqual(sorted(used - (allowed - denied)), [],
                         "syscalls of serve that SystemCallFilter= refuses")

        families = set(re.findall(r"\bsocket(?:pair)?\((AF_\w+)", trace))
        (restricted,) = unit_settings("RestrictAddressFamilies")
        self.assertEqual(sorted(families - set(restricted.split())), [],
                         "socket families of serve that RestrictAddressFamilies= refuses")

        # MemoryDenyWriteExecute=: no mapping both writable and executable,
        # no mprotect to executable. RestrictNamespaces=: no new namespace.
        self.assertNotRegex(trace, r"mmap\([^)]*PROT_WRITE\|PROT_EXEC")
        self.assertNotRegex(trace, r"mprotect\([^)]*PROT_EXEC")
        self.assertNotRegex(trace, r"CLONE_NEW|^\d+ +(unshare|setns)\(")


if __name__ == "__main__":
    BUILD_DIR = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
