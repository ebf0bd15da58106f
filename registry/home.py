"""A cecert home: the folder holding one bureau's configuration, keys and registry.

Found the same way by every command: ``--home DIR``, else ``$CECERT_HOME``, else ``./var``.
Layout (``docs/keys-and-home.md``)::

    cecert.json        bureau name, region code, province, default policy
    keys/              key ring (see keys.private.authority)
    registry.sqlite    the registry
    trust.json         the exported trust list (what verifiers need)
    certificates/      issued PDFs, by year
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from keys.trust import CHINA_TZ as CHINA_TZ
from registry.errors import RegistryError
from registry.model import parse_region

DEFAULT_HOME = "var"
CONFIG = "cecert.json"


@dataclass(frozen=True, slots=True)
class BureauConfig:
    """Who issues from this home."""

    bureau: str
    region: str
    province: str
    default_policy: str

    def __post_init__(self) -> None:
        parse_region(self.region)
        if not self.bureau.strip() or not self.province.strip():
            raise RegistryError("bad_config", "bureau and province names must not be empty")


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
    def config_path(self) -> Path:
        return self.root / CONFIG

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
