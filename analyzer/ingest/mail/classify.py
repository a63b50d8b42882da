"""The automated-sender classifier: why an address (no-reply, notification platforms, bulk-mail subdomains,
``Name via Group``) or a message's headers (Auto-Submitted, Precedence, List-Id ...) mark a sender as a machine.

Header signals describe a message, not an address: the mbox reader keys a person's list posts apart from their
personal mail so that one list post does not mark the person as automated."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import lru_cache

import polars as pl

from analyzer.ingest.collect import map_distinct

log = logging.getLogger(__name__)

_NOREPLY_EXACT = frozenset({
    "notifications", "notification", "notify", "notifier", "mailer-daemon", "mailerdaemon", "postmaster",
    "bounce", "bounces", "alerts", "alert", "news", "newsletter", "newsletters", "updates", "update", "digest",
    "marketing", "automated", "auto-reply", "autoreply", "auto-confirm", "invitations", "jobs-listings",
    "member", "hit-reply", "inmail-hit-reply", "calendar", "reminders", "reminder", "mailer", "nobody",
})
# Words that, as one part of a local part (shipment-tracking@, order.confirmation@), mean a machine sender.
_MACHINE_TOKENS = frozenset({
    "tracking", "shipment", "shipments", "shipping", "order", "orders", "receipt", "receipts", "confirmation",
    "confirmations", "confirm", "verification", "verify", "billing", "invoice", "invoices", "statement",
    "statements", "delivery", "notifications", "notification", "alerts", "alert", "digest", "newsletter",
    "auto", "automated", "autoreply", "mailer", "daemon", "bounce", "bounces", "updates", "reminders",
})
_LOCAL_SEPARATORS = re.compile(r"[-._]")
_NOREPLY_PARTS = ("noreply", "no-reply", "no_reply", "donotreply", "do-not-reply", "do_not_reply",
                  "mailer-daemon", "notification", "newsletter", "bounce")
_NOREPLY_RX = re.compile("|".join(map(re.escape, _NOREPLY_PARTS)))
# Domains (and their subdomains) that only send machine mail: notification services and bulk-mail senders.
# Not the platforms' own domains (linkedin.com, github.com, slack.com): their employees write from those.
_PLATFORM_DOMAINS = (
    "facebookmail.com", "googlegroups.com", "amazonses.com", "sendgrid.net", "mcsv.net", "mcdlv.net",
    "mailchimpapp.net", "mandrillapp.com", "hubspotemail.net", "mktomail.com", "intercom-mail.com",
    "bounces.google.com", "docs.google.com", "reply.github.com", "noreply.github.com", "linkedin.email",
    "mail.linkedin.com", "sparkpostmail.com", "rsgsv.net", "list-manage.com", "ccsend.com", "discoursemail.com",
)
# Services whose customers get subdomains that send tickets and notifications (acme.zendesk.com).
_PLATFORM_PARENTS = (".zendesk.com", ".freshdesk.com", ".atlassian.net")
_PLATFORM_DOMAIN_SET = frozenset(_PLATFORM_DOMAINS)
_PLATFORM_SUFFIXES = tuple("." + d for d in _PLATFORM_DOMAINS) + _PLATFORM_PARENTS
_BULK_SUBDOMAINS = frozenset({
    "e", "em", "email", "emails", "news", "newsletter", "newsletters", "mailer", "mailers", "mailing",
    "mailings", "bounce", "bounces", "notifications", "notification", "notify", "marketing", "campaign",
    "campaigns", "updates", "alerts", "reply", "mkt", "promo", "offers",
})
_VIA = re.compile(r"\S\s+via\s+\S|\(via\s")


@lru_cache(maxsize=100_000)
def address_hint(addr: str, name: str | None) -> str | None:
    """Why an address (with its display name) is automated, from the address alone, else None."""
    local, _, domain = addr.rpartition("@")
    local = local.split("+", 1)[0]
    if local in _NOREPLY_EXACT or _NOREPLY_RX.search(local):
        return "noreply/notification address"
    if _MACHINE_TOKENS.intersection(_LOCAL_SEPARATORS.split(local)):
        return "machine-mail address (tracking, orders, receipts ...)"
    if domain in _PLATFORM_DOMAIN_SET or domain.endswith(_PLATFORM_SUFFIXES):
        return "notification platform domain"
    labels = domain.split(".")
    if len(labels) >= 3 and labels[0] in _BULK_SUBDOMAINS:
        return "bulk-mail subdomain"
    if name and _VIA.search(name):
        return "sent via a group or service"
    return None



def _alternatives(words: Iterable[str]) -> str:
    """A regex alternation of ``words``, literally, the longest first."""
    return "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))


# address_hint's tests as Rust regexes, for printable ASCII addresses (one "@", as clean_email keeps them).
_RX_LOCAL = r"^([^+@]*)"
_RX_NOREPLY = f"^(?:{_alternatives(_NOREPLY_EXACT)})$|{_alternatives(_NOREPLY_PARTS)}"
_RX_MACHINE = f"(?:^|[-._])(?:{_alternatives(_MACHINE_TOKENS)})(?:$|[-._])"
_RX_PLATFORM = (f"^(?:.*\\.)?(?:{_alternatives(_PLATFORM_DOMAINS)})$"
                f"|(?:{_alternatives(_PLATFORM_PARENTS)})$")
_RX_BULK = f"^(?:{_alternatives(_BULK_SUBDOMAINS)})\\..*\\."
_RX_VIA = r"\S\s+via\s+\S|\(via\s"
# Where the regexes give address_hint's answer: a printable ASCII address with one "@", a name of printable
# ASCII and the plain non-ASCII letters (no white space but the space).
_RX_HINT_ADDR = r"^[\x21-\x3f\x41-\x7e]*@[\x21-\x3f\x41-\x7e]*$"


def address_hints(addr: pl.Series, name: pl.Series) -> pl.Series:
    """:func:`address_hint` of each (address, display name) pair (null address: null), vectorised for printable
    ASCII addresses and plain names; the other pairs go through the Python function, once per distinct pair."""
    from analyzer.normalize import PLAIN_NON_ASCII

    a, n = pl.col("a"), pl.col("n")
    local = a.str.extract(_RX_LOCAL, 1)
    domain = a.str.extract(r"@(.*)$", 1)
    frame = pl.DataFrame([addr.alias("a"), name.alias("n")])
    res = frame.select(
        ok=a.is_null() | (a.str.contains(_RX_HINT_ADDR)
                          & (n.is_null() | n.str.contains(f"^[\\x20-\\x7e{PLAIN_NON_ASCII}]*$"))),
        hint=pl.when(local.str.contains(_RX_NOREPLY)).then(pl.lit("noreply/notification address"))
        .when(local.str.contains(_RX_MACHINE)).then(pl.lit("machine-mail address (tracking, orders, receipts ...)"))
        .when(domain.str.contains(_RX_PLATFORM)).then(pl.lit("notification platform domain"))
        .when(domain.str.contains(_RX_BULK)).then(pl.lit("bulk-mail subdomain"))
        .when(n.str.contains(_RX_VIA)).then(pl.lit("sent via a group or service")),
    )
    ok = res.get_column("ok")
    hint = res.get_column("hint")
    if bool(ok.all()):
        return hint.alias("hint")
    idx = (~ok).arg_true()
    fixed = map_distinct(frame[idx], ["a", "n"], lambda x, y: (address_hint(x, y),), {"hint": pl.String()})
    return hint.scatter(idx, fixed.get_column("hint")).alias("hint")


_BULK_PRECEDENCE = ("bulk", "list", "junk")
_WS = " \t\r\n\x0b\x0c"  # what bytes.strip() and bytes.split() treat as whitespace


def _header_hint_expr() -> pl.Expr:
    """Why a message's headers mark it automated (Auto-Submitted, Precedence, List-Id, ...), else null."""
    auto = pl.col("auto-submitted").str.strip_chars(_WS).str.to_lowercase()
    prec = pl.col("precedence").str.strip_chars(_WS).str.to_lowercase()
    return (
        pl.when(auto.is_not_null() & ~auto.is_in(["no", ""])).then(pl.lit("Auto-Submitted"))
        .when(prec.is_in(list(_BULK_PRECEDENCE))).then(pl.lit("Precedence: ") + prec)
        .when(pl.col("list-id").is_not_null()).then(pl.lit("List-Id"))
        .when(pl.col("list-unsubscribe").is_not_null()).then(pl.lit("List-Unsubscribe"))
        .when(pl.col("x-auto-response-suppress").is_not_null()).then(pl.lit("X-Auto-Response-Suppress"))
        .when(pl.col("return-path").str.strip_chars(_WS) == "<>").then(pl.lit("null Return-Path"))
        .otherwise(None)
    )
