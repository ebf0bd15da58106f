"""A cecert home: the folder holding one bureau's configuration, keys and registry.

Found the same way by every command: ``--home DIR``, else ``$CECERT_HOME``, else ``./var``.
Layout (``docs/keys-and-home.md``)::

    cecert.json        bureau name, region code, province, default policy, verification address
    keys/              key ring (see keys.private.authority)
    registry.sqlite    the registry
    trust.json         the exported trust list (what verifiers need)
    certificates/      issued PDFs, by year
    published/         what the bureau hands out, kept fresh: status.cecs, the newest signed
                       status snapshot (``cecert snapshot publish``)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

from keys import CHINA_TZ as CHINA_TZ
from registry.errors import RegistryError
from registry.model import parse_region

DEFAULT_HOME = "var"
CONFIG = "cecert.json"


VERIFY_URL_MAX = 60
"""Longest verification address, in characters: printed on one line beside the QR code."""


@dataclass(frozen=True, slots=True)
class BureauConfig:
    """Who issues from this home."""

    bureau: str
    region: str
    province: str
    default_policy: str
    verify_url: str = ""
    """Where holders and verifiers check a certificate on the web (e.g. the bureau's
    ``cecert serve`` behind its proxy), printed beside the QR code; empty when the bureau
    has none, and the page then says to present the PDF to the bureau's verification
    service. An ``http://`` or ``https://`` address of printable ASCII, at most
    :data:`VERIFY_URL_MAX` characters. Printed only: the QR payload does not carry it, so
    changing it changes nothing already issued."""

    def __post_init__(self) -> None:
        parse_region(self.region)
        if not self.bureau.strip() or not self.province.strip():
            raise RegistryError("bad_config", "bureau and province names must not be empty")
        _check_verify_url(self.verify_url)


def _check_verify_url(url: object) -> None:
    """Raise ``RegistryError('bad_config')`` unless ``url`` is empty or an address the page
    can print whole on one line and a reader can type."""
    if not isinstance(url, str):
        raise RegistryError(
            "bad_config", f"核验网址须为文本 (verify_url must be a string): {url!r}"
        )
    if not url:
        return
    if len(url) > VERIFY_URL_MAX:
        raise RegistryError(
            "bad_config",
            f"核验网址过长，最多 {VERIFY_URL_MAX} 个字符，现为 {len(url)} 个 "
            f"(verify_url must fit one printed line: at most {VERIFY_URL_MAX} characters, "
            f"not {len(url)})",
        )
    if any(not ("!" <= char <= "~") for char in url):
        raise RegistryError(
            "bad_config",
            f"核验网址只能含可打印的 ASCII 字符，不能有空格或中文（中文域名请写作 xn-- 形式） "
            f"(verify_url must be printable ASCII without spaces): {url!r}",
        )
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        host = None
    if not url.lower().startswith(("http://", "https://")) or not host:
        raise RegistryError(
            "bad_config",
            f"核验网址须以 http:// 或 https:// 开头并写明主机 "
            f"(verify_url must be an http or https address with a host): {url!r}",
        )


@dataclass(frozen=True, slots=True)
class Home:
    """Paths of one home. Building one touches no file; :meth:`config` reads one."""

    root: Path

    @classmethod
    def resolve(cls, home: str | Path | None, environ: Mapping[str, str]) -> Home:
        """``home`` if given, else ``$CECERT_HOME``, else ``./var``."""
        chosen = home or environ.get("CECERT_HOME") or DEFAULT_HOME
        return cls(Path(chosen))

    @property
    def keys_dir(self) -> Path:
        return self.root / "keys"

    @property
    def registry_path(self) -> Path:
        return self.root / "registry.sqlite"

    @property
    def trust_list_path(self) -> Path:
        return self.root / "trust.json"

    @property
    def certificates_dir(self) -> Path:
        return self.root / "certificates"

    @property
    def proofs_dir(self) -> Path:
        """Proof files of declared records, named by their SHA-256 (``docs/portal.md``)."""
        return self.root / "proofs"

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG

    @property
    def published_snapshot_path(self) -> Path:
        """The newest published status snapshot (``cecert snapshot publish``)."""
        return self.root / "published" / "status.cecs"

    @property
    def published_checkpoint_path(self) -> Path:
        """The newest signed checkpoint of the event log, for the bureau to publish and for
        verifiers to keep (``cecert registry audit --checkpoint``)."""
        return self.root / "published" / "checkpoint.txt"

    def exists(self) -> bool:
        return self.config_path.is_file()

    def config(self) -> BureauConfig:
        """Read ``cecert.json``; raise ``RegistryError('no_home')`` for an uninitialised home."""
        try:
            raw = json.loads(self.config_path.read_text("utf-8"))
        except FileNotFoundError as exc:
            raise RegistryError(
                "no_home",
                f"{self.root}: not a cecert home (run `cecert init --home {self.root}`)",
            ) from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise RegistryError("bad_config", f"{self.config_path}: not readable JSON") from exc
        try:
            return BureauConfig(**raw)
        except TypeError as exc:
            raise RegistryError("bad_config", f"{self.config_path}: {exc}") from exc

    def write_config(self, config: BureauConfig) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        text = json.dumps(asdict(config), ensure_ascii=False, indent=2) + "\n"
        self.config_path.write_text(text, "utf-8")
