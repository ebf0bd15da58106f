"""The tally of attacks the suites tried: each attack test records what the verifier said,
and the test run ends with a count of attacks tried and rejected (pytest's summary).

Use :func:`record_attack` in an attack test *after* asserting the verdict, so that the tally
only counts attacks whose rejection was checked; an attack that was not rejected fails its
test and is counted as not rejected.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Attempt:
    suite: str
    """``pdf`` or ``qr``."""
    name: str
    verdict: str
    reason: str | None


ATTEMPTS: list[Attempt] = []


def record_attack(suite: str, name: str, verdict: str, reason: str | None) -> None:
    """Record one attack and the verifier's answer (``invalid`` with its first reason)."""
    ATTEMPTS.append(Attempt(suite, name, verdict, reason))


def summary() -> list[str]:
    """Lines for the end of the test run: per suite, attacks tried and rejected."""
    lines = []
    for suite in sorted({a.suite for a in ATTEMPTS}):
        tried = [a for a in ATTEMPTS if a.suite == suite]
        rejected = [a for a in tried if a.verdict != "valid"]
        reasons = sorted({a.reason or "?" for a in rejected})
        lines.append(
            f"{suite} attacks: {len(tried)} tried, {len(rejected)} rejected "
            f"({len(reasons)} distinct reasons: {', '.join(reasons)})"
        )
    return lines
