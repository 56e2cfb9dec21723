"""Build translations/en.json from strings.json, resolving its [%key:...%] references.

Home Assistant resolves such references when it builds its own integrations; for a custom
integration it loads translations/en.json as it is. So strings.json may say a text once and
refer to it elsewhere (`[%key:component::camupload::config::error::unknown%]`) or use
Home Assistant's common texts (`[%key:common::config_flow::data::host%]`), and this script
writes the resolved English file.

    .venv/bin/python scripts/translations.py           # write translations/en.json
    .venv/bin/python scripts/translations.py --check   # exit 1 if it is not up to date
"""

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import homeassistant

DOMAIN = "camupload"
PACKAGE = Path(__file__).resolve().parent.parent / "custom_components" / DOMAIN
REFERENCE = re.compile(r"\[%key:([a-z0-9_]+(?:::[a-z0-9_-]+)+)%\]")
# A reference chain longer than this is a loop.
MAX_DEPTH = 10


class BadReferenceError(Exception):
    """A reference names no text, or references loop."""


def _lookup(tree: dict[str, Any], path: list[str], reference: str) -> str:
    node: Any = tree
    for part in path:
        if not isinstance(node, dict) or part not in node:
            msg = f"{reference} names no text"
            raise BadReferenceError(msg)
        node = node[part]
    if not isinstance(node, str):
        msg = f"{reference} names a group, not a text"
        raise BadReferenceError(msg)
    return node


def resolve_text(text: str, strings: dict[str, Any], common: dict[str, Any], depth: int = 0) -> str:
    """Text with every reference replaced by what it names, recursively."""
    if depth > MAX_DEPTH:
        msg = f"references loop in {text!r}"
        raise BadReferenceError(msg)

    def replace(match: re.Match[str]) -> str:
        reference = match.group(0)
        head, *path = match.group(1).split("::")
        if head == "common":
            target = _lookup(common, path, reference)
        elif head == "component" and path[:1] == [DOMAIN]:
            target = _lookup(strings, path[1:], reference)
        else:
            msg = f"{reference}: only common:: and component::{DOMAIN}:: references resolve"
            raise BadReferenceError(msg)
        return resolve_text(target, strings, common, depth + 1)

    return REFERENCE.sub(replace, text)


def resolve(strings: dict[str, Any], common: dict[str, Any]) -> dict[str, Any]:
    """Strings with every text resolved."""

    def walk(node: Any) -> Any:  # noqa: ANN401 - a JSON tree
        if isinstance(node, dict):
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, str):
            return resolve_text(node, strings, common)
        return node

    resolved: dict[str, Any] = walk(strings)
    return resolved


def home_assistant_common() -> dict[str, Any]:
    """Home Assistant's common texts, from the installed package's strings.json."""
    path = Path(homeassistant.__file__).parent / "strings.json"
    common: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["common"]
    return common


def render(tree: dict[str, Any]) -> str:
    """The file's text, formatted as the repository keeps it."""
    return json.dumps(tree, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write (or --check) the English translation; 1 on a stale file or a bad reference."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check, write nothing")
    parser.add_argument("--strings", type=Path, default=PACKAGE / "strings.json")
    parser.add_argument("--out", type=Path, default=PACKAGE / "translations" / "en.json")
    options = parser.parse_args(argv)
    strings = json.loads(options.strings.read_text(encoding="utf-8"))
    try:
        text = render(resolve(strings, home_assistant_common()))
    except BadReferenceError as err:
        print(f"error: {err}", file=sys.stderr)  # noqa: T201 - a command's error
        return 1
    if options.check:
        current = options.out.read_text(encoding="utf-8") if options.out.exists() else ""
        if current != text:
            print(  # noqa: T201 - a command's verdict
                f"{options.out} is not strings.json resolved: run scripts/translations.py",
                file=sys.stderr,
            )
            return 1
        return 0
    options.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
