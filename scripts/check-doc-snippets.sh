#!/usr/bin/env bash
# The Swift snippets of the docs (README.md, docs/*.md) built as a new user would build them: in a
# package of its own that depends on this one by path, with the products it needs. A snippet with
# `@Test` goes in as a test file; any other becomes the body of a function (its imports on top).
# Fails, naming the document and line, when a snippet does not compile as written.
#   SNIPPETS_DIR  where the consumer package is made (default: a temporary folder, removed after)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${SNIPPETS_DIR:-$(mktemp -d)}"
[ -n "${SNIPPETS_DIR:-}" ] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work/Sources/Snippets" "$work/Tests/SnippetTests"
python3 - "$root" "$work" <<'PY'
import pathlib, re, sys
root, work = map(pathlib.Path, sys.argv[1:3])
documents = [root / "README.md"] + sorted((root / "docs").glob("*.md"))
count = 0
for document in documents:
    lines = document.read_text(encoding="utf-8").split("\n")
    i = 0
    while i < len(lines):
        if lines[i].strip() != "```swift":
            i += 1
            continue
        start = i + 1
        end = start
        while lines[end].strip() != "```":
            end += 1
        body = lines[start:end]
        i = end + 1
        count += 1
        where = f"{document.relative_to(root)}:{start}"
        name = f"snippet{count}"
        source = "\n".join(body)
        # The origin of every line, so a compiler error points back at the document.
        header = f"// {where}\n#sourceLocation(file: \"{document.relative_to(root)}\", line: {start + 1})\n"
        if "@Test" in source:
            (work / "Tests/SnippetTests" / f"{name}.swift").write_text(header + source + "\n#sourceLocation()\n")
        else:
            imports = [l for l in body if l.startswith("import ")]
            code = [l if not l.startswith("import ") else "" for l in body]
            text = "\n".join(imports) + f"\n\nfunc {name}() async throws {{\n{header}" + "\n".join(code) + "\n#sourceLocation()\n}\n"
            (work / "Sources/Snippets" / f"{name}.swift").write_text(text)
print(f"snippets: {count} from {len(documents)} documents", file=sys.stderr)
PY
products='.product(name: "S3Wire", package: "RaceData"), .product(name: "S3Kit", package: "RaceData"),
                .product(name: "RaceData", package: "RaceData"), .product(name: "MockS3Server", package: "RaceData")'
cat > "$work/Package.swift" <<SWIFT
// swift-tools-version: 6.0
import PackageDescription
let package = Package(
    name: "Snippets",
    dependencies: [.package(name: "RaceData", path: "$root")],
    targets: [
        .target(name: "Snippets", dependencies: [$products]),
        .testTarget(name: "SnippetTests", dependencies: [$products]),
    ]
)
SWIFT
cd "$work"
if swift build --build-tests > build.log 2>&1; then
    echo "snippets: every one compiles" >&2
else
    grep -E "error:" build.log | sed "s|$work/||" | sort -u >&2
    echo "snippets: the snippets above do not compile as written (the consumer package is in $work)" >&2
    trap - EXIT
    exit 1
fi
