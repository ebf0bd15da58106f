"""Run a fuzz target under atheris: ``python -m fuzz.run TARGET [libFuzzer options] [DIR...]``.

TARGET is ``payload`` or ``pdf`` (a module of this package with a ``check(data)``
function). The project's own packages are instrumented for coverage; for ``pdf`` also the
PDF and CMS parsers it relies on (pyHanko, its certificate validator, asn1crypto), since most
of the input is parsed there. ``scripts/fuzz`` is the usual way in.
"""

from __future__ import annotations

import importlib
import sys

import atheris

OURS = ["keys", "registry", "verifier", "fuzz"]
INSTRUMENT = {
    "payload": [*OURS, "cbor2"],
    "pdf": [*OURS, "pyhanko", "pyhanko_certvalidator", "asn1crypto"],
}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in INSTRUMENT:
        sys.exit(f"usage: python -m fuzz.run {{{','.join(INSTRUMENT)}}} [libFuzzer options]")
    target = sys.argv.pop(1)
    with atheris.instrument_imports(include=INSTRUMENT[target]):
        module = importlib.import_module(f"fuzz.{target}")
    check = module.check

    def one_input(data: bytes) -> None:
        check(data)

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
