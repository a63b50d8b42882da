"""The optional TOML configuration file (``--config FILE``).

Sections (all optional)::

    [identity]            # corrections, applied before clustering (see README "Correcting identities")
    same = [["bob@example.com", "https://www.linkedin.com/in/robert-smith"]]
    different = [["David Lee <dlee@acme.com>", "https://www.linkedin.com/in/david-lee-2"]]
    ignore = ["newsletter@example.com"]

    [scoring]             # weights and windows of the score (see README "How the score works")
    dormant_after_days = 180

    [plan]                # follow-through (see README "Follow-through")
    done = ["jane@example.com"]               # people not to suggest again
    snooze = { "bob@example.com" = "2027-01-15" }   # not before this date

    [generic_mail_csv]    # a mail CSV with your own column names
    date = "Sent"
    from = "Sender"
    to = "Recipients"

Each stage reads its own section and validates it; unknown keys are errors so that typos do not pass silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analyzer.errors import InputError

SECTIONS = ("identity", "scoring", "plan", "generic_mail_csv")
#: The most of a config file that is read (a long [identity] list is a few hundred KB).
MAX_CONFIG_CHARS = 16 << 20


@dataclass(frozen=True)
class Config:
    """Raw sections of the configuration file (each validated by the stage that uses it)."""

    identity: dict[str, Any] = field(default_factory=dict)
    scoring: dict[str, Any] = field(default_factory=dict)
    generic_mail_csv: dict[str, Any] = field(default_factory=dict)
    plan: dict[str, Any] = field(default_factory=dict)
    path: str | None = None


def load_config(path: Path | str | None) -> Config:
    """Read ``path`` (None gives the defaults). Raises :class:`InputError` for unreadable or invalid TOML."""
    if path is None:
        return Config()
    import tomllib  # here, not at the top: most runs have no config file (start-up time, SPEC §9)

    p = Path(path)
    try:
        with open(p, encoding="utf-8-sig") as fh:  # (at most MAX_CONFIG_CHARS: `--config /dev/zero` filled the memory)
            text = fh.read(MAX_CONFIG_CHARS + 1)
        if len(text) > MAX_CONFIG_CHARS:
            raise InputError(str(path), "config file is larger than 16 MB: not a configuration file")
        data = tomllib.loads(text)
    except FileNotFoundError:
        raise InputError(str(path), "config file not found") from None
    except UnicodeDecodeError:
        raise InputError(str(path), "config file is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(str(path), f"invalid TOML ({exc})", hint="Fix the syntax; see the README's configuration section") from None
    except RecursionError:  # (arrays nested thousands deep: tomllib recurses)
        raise InputError(str(path), "invalid TOML (nested too deeply)") from None
    except OSError as exc:  # a folder, no read permission (the notebook API: the command line checks first)
        raise InputError(str(path), f"config file cannot be read ({exc.strerror or type(exc).__name__})") from None
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise InputError(str(path), f"unknown section(s) {', '.join(unknown)}", hint=f"Known sections: {', '.join(SECTIONS)}")
    for s in SECTIONS:
        if s in data and not isinstance(data[s], dict):
            raise InputError(str(path), f"[{s}] must be a table")
    return Config(identity=data.get("identity", {}), scoring=data.get("scoring", {}),
                  generic_mail_csv=data.get("generic_mail_csv", {}), plan=data.get("plan", {}),
                  path=str(path))


def reject_unknown_keys(section: str, config: dict[str, Any], known: tuple[str, ...]) -> None:
    """Raise :class:`InputError` (source "config") when the ``[section]`` table has keys outside ``known``."""
    unknown = sorted(set(config) - set(known))
    if unknown:
        raise InputError("config", f"unknown key(s) in [{section}]: {', '.join(unknown)}",
                         hint=f"Known keys: {', '.join(known)}")
