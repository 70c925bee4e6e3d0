"""Which pages may back a fact (refused ones may not), and which are primary.

knowledge/source_policy.yml lists the primary domains (operators, administrations, Régions,
pôles) and the refused ones (document-sharing sites, pre-production addresses…). A source is
primary when its host is one of the primary domains or a sub-domain of one; secondary
otherwise. Replies attribute a fact whose sources are all secondary, so the user knows that
no official page backs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import yaml

POLICY_FILE = "source_policy.yml"
POLICY_KIND = "source_policy"
_DOMAIN = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")


class PolicyError(ValueError):
    """knowledge/source_policy.yml is malformed; the message is French."""


@dataclass(frozen=True)
class Refusal:
    reason: str
    domain: str = ""
    host_pattern: str = ""

    def matches(self, host: str) -> bool:
        if self.domain:
            return _under(host, self.domain)
        return re.search(self.host_pattern, host) is not None


@dataclass(frozen=True)
class SourcePolicy:
    primary: tuple = ()
    refused: tuple = field(default_factory=tuple)

    def refusal(self, url: str) -> str | None:
        """Why `url` may not be cited, or None when it may."""
        host = host_of(url)
        for rule in self.refused:
            if rule.matches(host):
                return rule.reason
        return None

    def is_primary(self, url: str) -> bool:
        host = host_of(url)
        return self.refusal(url) is None and any(_under(host, domain) for domain in self.primary)


def host_of(url: str) -> str:
    host = (urlparse(url).hostname or "").lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def domain_of(url: str) -> str:
    """The host as users read it in an attribution (« lemoci.com »)."""
    return host_of(url)


def _under(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def parse(content) -> SourcePolicy:
    if (
        not isinstance(content, dict)
        or set(content) - {"kind", "primary", "refused"}
        or content.get("kind", POLICY_KIND) != POLICY_KIND
    ):
        raise PolicyError(
            f"le fichier doit contenir « kind: {POLICY_KIND} » et les clés « primary » et « refused » (et rien d'autre)"
        )
    primary = content.get("primary") or []
    if not isinstance(primary, list):
        raise PolicyError("« primary » doit être une liste de domaines")
    for domain in primary:
        if not isinstance(domain, str) or not _DOMAIN.match(domain):
            raise PolicyError(
                f"domaine principal mal écrit : {domain!r} (ex. « douane.gouv.fr », sans https:// ni www)"
            )
    rules = []
    for position, rule in enumerate(content.get("refused") or [], start=1):
        if not isinstance(rule, dict) or set(rule) - {"domain", "host_pattern", "reason"}:
            raise PolicyError(f"refus n° {position} : un objet {{domain ou host_pattern, reason}} est attendu")
        if bool(rule.get("domain")) == bool(rule.get("host_pattern")):
            raise PolicyError(f"refus n° {position} : indiquez soit « domain », soit « host_pattern »")
        if not isinstance(rule.get("reason"), str) or not rule["reason"].strip():
            raise PolicyError(f"refus n° {position} : la raison (« reason ») est obligatoire")
        if rule.get("domain") and not _DOMAIN.match(str(rule["domain"])):
            raise PolicyError(f"refus n° {position} : domaine mal écrit : {rule['domain']!r}")
        if rule.get("host_pattern"):
            try:
                re.compile(rule["host_pattern"])
            except re.error as exc:
                raise PolicyError(f"refus n° {position} : expression régulière invalide ({exc})") from None
        rules.append(
            Refusal(
                reason=rule["reason"].strip(),
                domain=rule.get("domain") or "",
                host_pattern=rule.get("host_pattern") or "",
            )
        )
    return SourcePolicy(primary=tuple(primary), refused=tuple(rules))


def read_policy(root: Path) -> SourcePolicy:
    """The policy of the knowledge folder `root`; an empty one (nothing primary, nothing
    refused) when the folder has no policy file, so that test fixtures stay small."""
    path = Path(root) / POLICY_FILE
    if not path.exists():
        return SourcePolicy()
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PolicyError(f"YAML illisible : {getattr(exc, 'problem', exc)}") from None
    return parse(content)
