"""Power cuts under a running batch (``scripts/powercut``; root, a few minutes).

Each trial puts a home on an ext4 file system in a loop-mounted image file, starts
`cecert issue` on it, and at a random moment freezes every process of the batch (SIGSTOP)
and copies the image file as it stands — no ``sync``. The copy is exactly what the disk
held: a block the kernel had not yet written to the (loop) device is missing from it, as
after a power cut. The batch is then killed, the copy mounted in its place (ext4 replays its
journal) and checked:

* the registry file is sound (``integrity_check``);
* every certificate the batch printed as issued before the cut is in the registry, its PDF
  in place with the recorded SHA-256 (or the batch's own log shows that it was not
  printed);
* the checkpoint printed before the batch is still stored and verifies;
* the audit finds nothing but ``log_unsigned`` (the cut batch had not signed yet);
* after a rerun to completion, every person holds exactly one document, no number was drawn
  twice, every number printed before the cut still names the document it named, and the
  audit is clean.

    scripts/powercut                       # 3 trials: workers 1, 2, 1; 400 people
    scripts/powercut --trials 6 --people 800 --workers 1,2 --seed 7 --keep /tmp/cuts

Exit status 0 when every trial holds, 1 (with the broken invariant) otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.faults import (
    FaultHome,
    cecert_env,
    inspect_home,
    issue_args,
    make_fault_home,
    parse_issue_output,
    run_cecert,
    serial_of,
)

IMAGE_MB = 512
_ISSUED = re.compile(r"已签发 (?P<number>\S+) 第(?P<edition>\d+)版（")


class Broken(Exception):
    """An invariant that did not hold after a power cut."""


@dataclass(frozen=True)
class Cut:
    trial: int
    workers: int
    printed: int
    """Certificates the batch had printed as issued when the power went."""
    kept: int
    """Documents the registry holds after the cut (at least ``printed``)."""
    seconds: float


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, check=check)


@contextmanager
def loop_mounted(image: Path, mount_point: Path) -> Iterator[Path]:
    mount_point.mkdir(parents=True, exist_ok=True)
    run("mount", "-o", "loop", str(image), str(mount_point))
    try:
        yield mount_point
    finally:
        for _attempt in range(50):  # a killed process may hold it for a moment
            if run("umount", str(mount_point), check=False).returncode == 0:
                break
            time.sleep(0.1)
        else:
            run("umount", "-l", str(mount_point), check=False)


def kill_group(leader: subprocess.Popen[bytes]) -> None:
    """SIGKILL every process of ``leader``'s group; reap the leader and wait (a few seconds
    at most) until the rest are gone, so that the file system can be unmounted."""
    pgid = leader.pid
    os.killpg(pgid, signal.SIGKILL)
    leader.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.02)


def cecert(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cecert(*args, timeout=1800)


def printed_issued(log: Path) -> list[str]:
    """Numbers the batch printed as issued (edition 1), in order."""
    text = log.read_text("utf-8", "replace")
    return [m["number"] for m in _ISSUED.finditer(text) if m["edition"] == "1"]


def trial(work: Path, index: int, *, people: int, workers: int, rng: random.Random) -> Cut:
    image, mount_point = work / "disk.img", work / "mnt"
    with image.open("wb") as out:
        out.truncate(IMAGE_MB << 20)
    run("mkfs.ext4", "-q", "-F", str(image))
    log = work / f"batch{index}.log"
    with loop_mounted(image, mount_point):
        fault_home = make_fault_home(mount_point / "home", people, seed=index)
        signed = cecert("registry", "checkpoint", "--home", str(fault_home.home.root))
        if signed.returncode != 0:
            raise Broken(f"checkpoint before the batch failed: {signed.stderr}")
        handed_out = signed.stdout
        run("sync", "-f", str(mount_point))  # the home as set up is on the disk
        target = rng.randint(3, max(4, people * 2 // 3))
        env = cecert_env() | {"PYTHONUNBUFFERED": "1"}  # each line in the log as printed
        start = time.monotonic()
        with log.open("wb") as out:
            batch = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "cecert",
                    *issue_args(fault_home, "--workers", str(workers)),
                ],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            while len(printed_issued(log)) < target and batch.poll() is None:
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 0.3))
            os.killpg(batch.pid, signal.SIGSTOP)  # the batch and its workers, at once
            cut = work / "cut.img"
            shutil.copyfile(image, cut)  # what the disk holds now; nothing is synced
            seconds = time.monotonic() - start
        finally:
            kill_group(batch)
    printed = printed_issued(log)
    if batch.returncode != -signal.SIGKILL or not printed:
        raise Broken(f"trial {index}: the batch was not cut while issuing ({len(printed)})")
    image.unlink()
    with loop_mounted(work / "cut.img", mount_point):  # the same path: recorded PDF paths hold
        kept = check_after_cut(fault_home, printed, handed_out)
        check_after_rerun(fault_home, printed, kept)
    (work / "cut.img").unlink()
    return Cut(index, workers, len(printed), len(kept), seconds)


def check_after_cut(fault_home: FaultHome, printed: list[str], handed_out: str) -> dict[str, str]:
    """The invariants right after the cut; return ``{number: pdf_sha256}`` of what is kept."""
    path = fault_home.registry_path
    with closing(sqlite3.connect(path)) as conn:
        integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        kept = dict(conn.execute("SELECT number, pdf_sha256 FROM documents WHERE edition = 1"))
        paths = dict(conn.execute("SELECT number, pdf_path FROM documents WHERE edition = 1"))
        stored = [r[0] for r in conn.execute("SELECT text FROM checkpoints")]
    if integrity != ["ok"]:
        raise Broken(f"the registry is damaged after the cut: {integrity[:5]}")
    lost = [n for n in printed if n not in kept]
    if lost:
        raise Broken(
            f"{len(lost)} of {len(printed)} certificates printed as issued are not in the "
            f"registry after the cut (the first {lost[:5]}): their numbers would be drawn "
            "again for other people"
        )
    for number in printed:
        pdf = Path(paths[number])
        if not pdf.is_file() or hashlib.sha256(pdf.read_bytes()).hexdigest() != kept[number]:
            raise Broken(f"{number} was printed as issued, but its PDF is missing or differs")
    if handed_out not in stored:
        raise Broken("the checkpoint printed before the batch is not stored any more")
    audited = cecert("registry", "audit", "--home", str(fault_home.home.root), "--json")
    report = json.loads(audited.stdout)
    kinds = {p["kind"] for p in report["problems"]}
    if not kinds <= {"log_unsigned"}:
        raise Broken(f"the audit after the cut: {report['problems'][:3]}")
    return kept


def check_after_rerun(fault_home: FaultHome, printed: list[str], kept: dict[str, str]) -> None:
    rerun = cecert(*issue_args(fault_home, "--workers", "2"))
    if rerun.returncode != 0:
        raise Broken(f"the rerun after the cut failed: {rerun.stderr[-2000:]}")
    output = parse_issue_output(rerun.stdout)
    twice = set(output.issued) & set(kept)
    if twice:
        raise Broken(f"numbers drawn twice after the cut: {sorted(twice)[:5]}")
    inspection = inspect_home(fault_home)
    by_person = {k: len(v) for k, v in inspection.by_person.items()}
    if set(by_person) != set(fault_home.people) or set(by_person.values()) != {1}:
        raise Broken("after the rerun, not everyone holds exactly one document")
    numbers = sorted(d.number for d in inspection.documents)
    if [serial_of(n) for n in numbers] != list(range(1, len(fault_home.people) + 1)):
        raise Broken("after the rerun, the serials are not 1..N")
    recorded = {d.number: d.pdf_sha256 for d in inspection.documents}
    changed = [n for n in printed if recorded.get(n) != kept[n]]
    if changed:
        raise Broken(f"numbers printed before the cut now name other documents: {changed[:5]}")
    if inspection.bad_rows:
        raise Broken(f"after the rerun: {inspection.bad_rows[:3]}")
    audited = cecert("registry", "audit", "--home", str(fault_home.home.root), "--json")
    report = json.loads(audited.stdout)
    if audited.returncode != 0:
        raise Broken(f"the audit after the rerun: {report['problems'][:3]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--people", type=int, default=400)
    parser.add_argument("--workers", default="1,2", help="cycled through the trials")
    parser.add_argument("--seed", type=int, default=20_261_205)
    parser.add_argument("--keep", type=Path, default=None, help="keep the work folder here")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("scripts/powercut needs root (loop mounts)", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    cycle = [int(w) for w in args.workers.split(",")]
    work = args.keep or Path(tempfile.mkdtemp(prefix="cecert-powercut-"))
    work.mkdir(parents=True, exist_ok=True)
    cuts: list[Cut] = []
    try:
        for index in range(args.trials):
            workers = cycle[index % len(cycle)]
            cut = trial(work, index, people=args.people, workers=workers, rng=rng)
            cuts.append(cut)
            print(
                f"trial {index}: workers={workers}, power cut after {cut.printed} certificates "
                f"printed ({cut.seconds:.1f} s into the batch); {cut.kept} in the registry "
                "after the cut, none printed lost; rerun consistent, no number drawn twice",
                flush=True,
            )
    except Broken as exc:
        print(f"POWER CUT BROKE AN INVARIANT: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{len(cuts)} power cuts: every invariant held")
    return 0


if __name__ == "__main__":
    sys.exit(main())
