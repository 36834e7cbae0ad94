#!/usr/bin/env python3
"""check-layering: fails when a folder uses a layer above it.

The layers are those of docs/ARCHITECTURE.md ("Layers"); RULES below is the
one written form of what each folder may not use, and the only place to
change it. Two kinds of use are checked, by reading the source text (no
build needed):

  - an #include line of a .h/.cc file naming a header of a forbidden layer
    ("server/...", <grpcpp/...>, "x.grpc.pb.h", <rocksdb/...>);
  - a target_link_libraries() of a CMakeLists.txt naming a forbidden library
    (memoria_server, gRPC::grpc++, RocksDB::rocksdb, ...).

A file belongs to the deepest folder of RULES that holds it (ledger/verify/x.cc
to ledger/verify, ledger/log.cc to ledger); tests/ and proto/ are not checked.
A folder that does not exist yet has no files, so it cannot fail.

Each violation is printed as
    <file>:<line>: <folder> may not include <header> (layer rule)
    <file>:<line>: <folder> may not link <library> (layer rule)
A use listed in EXCEPTIONS is printed as a note and does not fail; an
exception that matches nothing is reported so that it can be removed.

Usage: tools/check-layering.py [--root DIR]   (default: the repository)
       tools/check-layering.py --self-test     (checks the checker on a made-up tree)
Exit: 0 no violation (self-test: passed), 1 violations (failed), 2 usage error.
"""

import argparse
import contextlib
import io
import os
import re
import sys
import tempfile
from dataclasses import dataclass


@dataclass(frozen=True)
class Layer:
    """What using one layer looks like in the text."""
    include_prefixes: tuple = ()  # an #include path starting with one of these
    include_suffixes: tuple = ()  # ... or ending with one of these
    link_names: tuple = ()        # a target_link_libraries item equal to one of these, or
                                  # starting with one ending in "::" (a package's targets)


# The layers a rule can forbid: our folders (their headers and libraries) and
# the third-party libraries some layers must stay free of.
LAYERS = {
    "server": Layer(("server/",), (), ("memoria_server",)),
    "client": Layer(("client/",), (), ("memoria_client",)),
    "tools": Layer(("tools/",), (), ("memoria_audit", "memoria_bench")),
    "ledger/sequencer": Layer(("ledger/sequencer/",), (), ("memoria_sequencer",)),
    "ledger/policy": Layer(("ledger/policy/",), (), ("memoria_policy",)),
    "ledger/query": Layer(("ledger/query/",), (), ("memoria_query",)),
    "witness": Layer(("witness/",), (), ("memoria_witness",)),
    "grpc": Layer(("grpcpp/", "grpc/", "grpc++/"), (".grpc.pb.h",), ("gRPC::",)),
    "rocksdb": Layer(("rocksdb/",), (), ("RocksDB::",)),
}

# folder -> the layers it may not use. Written once; docs/ARCHITECTURE.md's
# "Layers" table says the same in words.
RULES = {
    # The ledger core: hashing, proofs, keys, notes, checkpoints, records, the
    # store and the Log. Knows nothing of gRPC nor of what is built on it,
    # but for ledger/verify/: the store checker replays a store through the
    # auditor.
    "ledger": ["ledger/sequencer", "ledger/policy", "ledger/query",
               "server", "client", "tools", "grpc"],
    # Verification: what an auditor or a client runs without trusting the
    # server; no store, no transport, no policy (openings through an interface).
    "ledger/verify": ["rocksdb", "grpc", "ledger/policy", "ledger/query",
                      "ledger/sequencer", "server", "client", "tools"],
    "ledger/policy": ["ledger/query", "ledger/sequencer", "server", "client", "tools", "grpc"],
    "ledger/query": ["ledger/sequencer", "server", "client", "tools", "grpc"],
    # Sequencing: validation, the writer registry, group commit; no transport.
    "ledger/sequencer": ["server", "client", "tools", "grpc"],
    "server": ["client", "tools"],
    "client": ["server", "tools"],
    "tools": ["server"],
    # The witness: an independent party's server over the ledger core and
    # ledger/verify only (its own small state files, no RocksDB, no gRPC).
    "witness": ["rocksdb", "grpc", "ledger/sequencer", "ledger/policy", "ledger/query",
                "server", "client", "tools"],
}

# Uses that break a rule and are allowed for now: (path prefix, layer) ->
# why. Printed as notes; remove an entry once its use is gone.
EXCEPTIONS = {
}

SOURCE_SUFFIXES = (".h", ".hh", ".hpp", ".cc", ".cpp", ".cxx", ".inc")
CMAKE_NAMES = ("CMakeLists.txt",)
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]')
LINK_CALL = re.compile(r"\btarget_link_libraries\s*\(", re.IGNORECASE)
CMAKE_KEYWORDS = {"PUBLIC", "PRIVATE", "INTERFACE", "LINK_PUBLIC", "LINK_PRIVATE",
                  "LINK_INTERFACE_LIBRARIES", "debug", "optimized", "general"}


def folder_of(path):
    """The deepest folder of RULES holding `path` (relative, '/'-separated)."""
    best = None
    for folder in RULES:
        if path.startswith(folder + "/") and (best is None or len(folder) > len(best)):
            best = folder
    return best


def normalize_include(header, path):
    """An include path relative to the root ("../x.h" from ledger/y.cc is "x.h")."""
    if header.startswith("./") or header.startswith("../"):
        return os.path.normpath(os.path.join(os.path.dirname(path), header)).replace(os.sep, "/")
    return header


def includes_layer(header, layer):
    return header.startswith(layer.include_prefixes) or header.endswith(layer.include_suffixes)


def links_layer(item, layer):
    return any(item == name or (name.endswith("::") and item.startswith(name))
               for name in layer.link_names)


def includes(text):
    """(line number, header) of each #include line."""
    for number, line in enumerate(text.splitlines(), 1):
        match = INCLUDE.match(line)
        if match:
            yield number, match.group(1)


def linked_libraries(text):
    """(line number, library) of each item of each target_link_libraries(),
    the target itself and the keywords left out."""
    lines = [line.split("#", 1)[0] for line in text.splitlines()]
    flat = "\n".join(lines)
    for call in LINK_CALL.finditer(flat):
        end = flat.find(")", call.end())
        if end < 0:
            end = len(flat)
        first_line = flat.count("\n", 0, call.end()) + 1
        items = []
        for offset, part in enumerate(flat[call.end():end].split("\n")):
            items += [(first_line + offset, token) for token in part.split()]
        for number, token in items[1:]:  # items[0] is the target being linked
            if token not in CMAKE_KEYWORDS and not token.startswith("$<"):
                yield number, token


def files_under(root):
    """Every source and CMake file under the top folders of RULES, relative to root."""
    tops = sorted({folder.split("/")[0] for folder in RULES})
    for top in tops:
        for directory, subdirectories, names in os.walk(os.path.join(root, top)):
            subdirectories[:] = sorted(d for d in subdirectories
                                       if not d.startswith(".") and not d.startswith("build"))
            for name in sorted(names):
                if name.endswith(SOURCE_SUFFIXES) or name in CMAKE_NAMES:
                    full = os.path.join(directory, name)
                    yield os.path.relpath(full, root).replace(os.sep, "/")


def exception_for(path, layer_name):
    for (prefix, name), reason in EXCEPTIONS.items():
        if name == layer_name and path.startswith(prefix):
            return (prefix, name), reason
    return None, None


def check(root):
    """Prints violations and notes; returns the number of violations."""
    violations = 0
    used_exceptions = set()
    scanned = 0
    for path in files_under(root):
        folder = folder_of(path)
        if folder is None:
            continue
        scanned += 1
        with open(os.path.join(root, path), encoding="utf-8", errors="replace") as file:
            text = file.read()
        if path.endswith(CMAKE_NAMES):
            uses = [(n, lib, "link", lambda item, layer: links_layer(item, layer))
                    for n, lib in linked_libraries(text)]
        else:
            uses = [(n, normalize_include(h, path), "include",
                     lambda item, layer: includes_layer(item, layer))
                    for n, h in includes(text)]
        for number, item, verb, matches in uses:
            for layer_name in RULES[folder]:
                if not matches(item, LAYERS[layer_name]):
                    continue
                message = f"{path}:{number}: {folder} may not {verb} {item} (layer rule)"
                key, reason = exception_for(path, layer_name)
                if key is not None:
                    used_exceptions.add(key)
                    print(f"{message}; allowed for now: {reason}")
                else:
                    print(message)
                    violations += 1
                break
    for key in EXCEPTIONS:
        if key not in used_exceptions:
            print(f"note: the exception for {key[0]} using {key[1]} matches nothing now; "
                  "remove it from EXCEPTIONS in tools/check-layering.py")
    if violations:
        print(f"check-layering: {violations} violation(s) of the layers of docs/ARCHITECTURE.md "
              "(rules: RULES in tools/check-layering.py)")
    else:
        print(f"check-layering: {scanned} files follow the layers of docs/ARCHITECTURE.md")
    return violations


# A made-up tree for --self-test: path -> text, and the lines it must print.
SELF_TEST_TREE = {
    "ledger/log.cc": '#include "ledger/log.h"\n#include "server/server.h"\n',
    "ledger/grpc_user.h": "// one\n#include <grpcpp/grpcpp.h>\n",
    "ledger/verify/auditor.cc": '#include "ledger/hash.h"\n#include <rocksdb/db.h>\n'
                                '#include "../policy/commitment.h"\n',
    "ledger/query/query.cc": '#include "ledger/policy/inventory.h"\n',
    "client/ok.cc": '#include "ledger/log.h"\n#include "memoria/v1/ledger.grpc.pb.h"\n',
    "server/uses_client.cc": '  #  include "client/receipt.h"\n',
    "tools/audit/CMakeLists.txt": "target_link_libraries(memoria-audit  # the tool\n"
                                  "  PRIVATE memoria_client\n  memoria_server)\n",
}
SELF_TEST_EXPECTED = [
    "ledger/grpc_user.h:2: ledger may not include grpcpp/grpcpp.h (layer rule)",
    "ledger/log.cc:2: ledger may not include server/server.h (layer rule)",
    "ledger/verify/auditor.cc:2: ledger/verify may not include rocksdb/db.h (layer rule)",
    "ledger/verify/auditor.cc:3: ledger/verify may not include ledger/policy/commitment.h (layer rule)",
    "server/uses_client.cc:1: server may not include client/receipt.h (layer rule)",
    "tools/audit/CMakeLists.txt:3: tools may not link memoria_server (layer rule)",
]


def self_test():
    """Runs check() on SELF_TEST_TREE; True if it prints exactly the expected violations."""
    with tempfile.TemporaryDirectory() as root:
        for path, text in SELF_TEST_TREE.items():
            os.makedirs(os.path.join(root, os.path.dirname(path)), exist_ok=True)
            with open(os.path.join(root, path), "w", encoding="utf-8") as file:
                file.write(text)
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            violations = check(root)
    printed = sorted(line for line in output.getvalue().splitlines()
                     if line.endswith("(layer rule)"))
    if printed == SELF_TEST_EXPECTED and violations == len(SELF_TEST_EXPECTED):
        print(f"check-layering self-test: the {violations} violations of the made-up tree found")
        return True
    print("check-layering self-test FAILED\nexpected:\n  " + "\n  ".join(SELF_TEST_EXPECTED)
          + "\nprinted:\n" + output.getvalue())
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=os.path.join(os.path.dirname(__file__), ".."),
                        help="the source tree to check (default: this repository)")
    parser.add_argument("--self-test", action="store_true",
                        help="check the checker on a made-up tree holding violations")
    args = parser.parse_args()
    if args.self_test:
        return 0 if self_test() else 1
    if not os.path.isdir(args.root):
        print(f"check-layering: {args.root} is not a directory", file=sys.stderr)
        return 2
    return 1 if check(os.path.abspath(args.root)) else 0


if __name__ == "__main__":
    sys.exit(main())
