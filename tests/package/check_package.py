#!/usr/bin/env python3
"""check_package: builds memoria's Debian package from an existing build and checks it.

Runs CPack (packaging/CMakeLists.txt) on the build directory's binaries into a
temporary directory (nothing is compiled: the ctest run follows the build),
then checks, with dpkg-deb, that the package holds exactly what an operator
needs and nothing of the development tree:

  - the control fields: name, architecture, the runtime libraries found by
    dpkg-shlibdeps (gRPC, protobuf, libsodium, ...), the conffiles and the
    maintainer scripts (postinst creates the memoria user);
  - the files: the four programs (stripped, executable), not memoria-bench,
    memoria-soak or a test; the configuration under /etc/memoria; the units;
    the sysusers.d file;
  - the units, with `systemd-analyze verify` (any warning fails: it exits 0 on
    unknown keys and bad values) and `systemd-analyze security --offline`
    (an exposure above 2.0 fails), when systemd-analyze is installed;
    otherwise that part is skipped with a message.

Usage: check_package.py --build-dir BUILD
Exit: 0 passed, 1 a check failed, 2 usage or tool error.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

PROGRAMS = ["memoria-server", "memoria", "memoria-audit", "memoria-witness"]
NOT_SHIPPED = ["memoria-bench", "memoria-soak"]
CONFFILES = ["/etc/memoria/memoria-server.toml", "/etc/memoria/memoria-witness.env",
             "/etc/memoria/witness-logs.txt"]
UNITS = ["memoria-server.service", "memoria-witness.service"]
UNIT_DIR = "lib/systemd/system"
# Libraries the programs link dynamically: dpkg-shlibdeps must have found them.
RUNTIME_DEPENDS = ["libgrpc++1.51", "libprotobuf32", "libsodium23", "libssl3", "libspdlog1.10"]
# Settings memoria-server.service must keep (the sandbox the brief promised).
SERVER_UNIT_SETTINGS = [
    "User=memoria", "StateDirectory=memoria", "ConfigurationDirectory=memoria",
    "ProtectSystem=strict", "ProtectHome=yes", "NoNewPrivileges=yes", "PrivateTmp=yes",
    "PrivateDevices=yes", "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
    "SystemCallFilter=@system-service", "CapabilityBoundingSet=",
    "ExecStart=/usr/bin/memoria-server --config /etc/memoria/memoria-server.toml",
]

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL: " + message)


def run(args, **kwargs):
    result = subprocess.run(args, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        print(f"error: {' '.join(args)} exited {result.returncode}:\n{result.stdout}{result.stderr}")
        sys.exit(2)
    return result.stdout


def control_field(info, name):
    for line in info.splitlines():
        if line.strip().startswith(name + ":"):
            return line.split(":", 1)[1].strip()
    return ""


def check_units(root, work):
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        print("SKIPPED: systemd-analyze is not installed: the units were not verified "
              "(apt install systemd)")
        return
    # verify checks that ExecStart's program exists: point it at the extracted package.
    units = os.path.join(work, "units")
    os.makedirs(units)
    paths = []
    for unit in UNITS:
        with open(os.path.join(root, UNIT_DIR, unit)) as f:
            text = f.read().replace("/usr/bin/", os.path.join(root, "usr/bin") + "/")
        path = os.path.join(units, unit)
        with open(path, "w") as f:
            f.write(text)
        paths.append(path)
    result = subprocess.run([analyze, "verify", "--man=no", *paths], capture_output=True, text=True)
    output = (result.stdout + result.stderr).strip()
    check(result.returncode == 0 and not output,
          f"systemd-analyze verify: exit {result.returncode}, output:\n{output}")
    for path in paths:
        result = subprocess.run([analyze, "security", "--offline=yes", "--threshold=20", path],
                                capture_output=True, text=True)
        last = (result.stdout.strip().splitlines() or [""])[-1]
        check(result.returncode == 0,
              f"systemd-analyze security {os.path.basename(path)}: exposure above 2.0: {last}")
        print(f"{os.path.basename(path)}: {last.lstrip('→ ').strip()}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", required=True)
    args = parser.parse_args()
    config = os.path.join(args.build_dir, "CPackConfig.cmake")
    if not os.path.exists(config):
        print(f"error: {config} is missing: configure the build first")
        return 2
    with tempfile.TemporaryDirectory(prefix="memoria-package-") as work:
        run(["cpack", "--config", config, "-G", "DEB", "-B", work])
        debs = [f for f in os.listdir(work) if f.endswith(".deb")]
        if len(debs) != 1:
            print(f"error: expected one .deb in {work}, found {debs}")
            return 2
        deb = os.path.join(work, debs[0])
        print(f"built {debs[0]} ({os.path.getsize(deb)} bytes)")

        info = run(["dpkg-deb", "-I", deb])
        check(control_field(info, "Package") == "memoria", "Package is not memoria")
        depends = control_field(info, "Depends")
        for lib in RUNTIME_DEPENDS:
            check(lib in depends, f"Depends lacks {lib} (dpkg-shlibdeps): {depends}")
        check("systemd-standalone-sysusers" in depends, "Depends lacks the sysusers provider")
        conffiles = run(["dpkg-deb", "-I", deb, "conffiles"]).split()
        check(sorted(conffiles) == sorted(CONFFILES), f"conffiles are {conffiles}")
        postinst = run(["dpkg-deb", "-I", deb, "postinst"])
        check("systemd-sysusers memoria.conf" in postinst, "postinst does not create the user")
        commands = "\n".join(l for l in postinst.splitlines() if not l.lstrip().startswith("#"))
        check("memoria-server " not in commands.replace("memoria-server.service", ""),
              "postinst must not run memoria-server (a log is created only on purpose)")

        listing = run(["dpkg-deb", "-c", deb])
        files = {}
        for line in listing.splitlines():
            fields = line.split()
            files[fields[-1].lstrip(".")] = fields[0]
        for program in PROGRAMS:
            mode = files.get("/usr/bin/" + program, "")
            check(mode.startswith("-rwxr-xr-x"), f"/usr/bin/{program} missing or mode {mode}")
        for program in NOT_SHIPPED:
            check(not any(p.endswith("/" + program) for p in files), f"{program} is shipped")
        check(not any("test" in os.path.basename(p) for p in files), "a test binary is shipped")
        for path in CONFFILES + ["/" + UNIT_DIR + "/" + u for u in UNITS] + [
                "/usr/lib/sysusers.d/memoria.conf", "/usr/share/doc/memoria/README.Debian"]:
            check(files.get(path, "").startswith("-rw-r--r--"), f"{path} missing or not 0644")

        root = os.path.join(work, "root")
        run(["dpkg-deb", "-x", deb, root])
        file_out = run(["file", "-b", os.path.join(root, "usr/bin/memoria-server")]) \
            if shutil.which("file") else "stripped"
        check("not stripped" not in file_out, f"memoria-server is not stripped: {file_out}")
        with open(os.path.join(root, UNIT_DIR, "memoria-server.service")) as f:
            unit_lines = {line.strip() for line in f}
        for setting in SERVER_UNIT_SETTINGS:
            check(setting in unit_lines, f"memoria-server.service lacks {setting}")
        with open(os.path.join(root, "usr/lib/sysusers.d/memoria.conf")) as f:
            check(any(line.startswith("u memoria ") for line in f), "sysusers.d lacks user memoria")
        with open(os.path.join(root, "etc/memoria/memoria-server.toml")) as f:
            config = f.read()
        check('data-dir = "/var/lib/memoria/data"' in config,
              "the configuration does not put the log under the StateDirectory")

        # The default configuration parses and validates: the packaged server,
        # given it and a data directory without a log, stops with the message
        # that tells the operator to run --init (exit 1), not a usage error (2).
        result = subprocess.run(
            [os.path.join(root, "usr/bin/memoria-server"), "--config",
             os.path.join(root, "etc/memoria/memoria-server.toml"),
             "--data-dir", os.path.join(work, "no-log")], capture_output=True, text=True)
        output = result.stdout + result.stderr
        check(result.returncode == 1 and "no log in the data directory" in output
              and "--init" in output,
              f"memoria-server on the default configuration: exit {result.returncode}:\n{output}")

        check_units(root, work)
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("package checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
