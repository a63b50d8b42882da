"""Entry point: `generate_sample_data` writes the exports and their truth for one (size, seed, as_of)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from .contacts import ContactsWriter
from .formats import _DAY, _li_date
from .linkedin import LinkedInWriter
from .mail import MailWriter
from .model import _LinkedInSink, _MailSink
from .pools import _PROFILES, CATEGORIES, SIZES
from .population import PopulationMixin
from .truth import TruthWriter


class _Generator(PopulationMixin, LinkedInWriter, MailWriter, ContactsWriter, TruthWriter):
    """The world and every writer of its exports, driven by one `random.Random(seed)`."""


@dataclass(frozen=True)
class SampleDataSummary:
    """What `generate_sample_data` wrote: the paths, and counts that match the truth files."""

    out_dir: Path
    truth_dir: Path
    size: str
    seed: int
    linkedin_zip: Path
    mbox: Path
    google_contacts_csv: Path
    vcard: Path
    outlook_contacts_csv: Path
    truth_files: tuple[Path, ...]
    n_people: int
    n_connections: int
    n_linkedin_messages: int
    n_emails: int
    n_contacts: int
    category_counts: tuple[tuple[str, int], ...]



# ---------------------------------------------------------------------------------------------------------------
# Entry point


def generate_sample_data(out_dir: Path, size: str = "small", seed: int = 7, truth_dir: Path | None = None,
                         as_of: date = date(2026, 11, 1), as_of_earlier: int = 0) -> SampleDataSummary:
    """Write synthetic LinkedIn, Gmail and address-book exports to `out_dir` and their ground truth to `truth_dir`.

    The output is byte-identical for the same (size, seed, as_of). `size` is ``small`` (about 120 connections,
    1 500 LinkedIn message rows and 1 200 emails, under 2.5 MB), ``medium`` (3 000 / 50 000 / 30 000) or
    ``large`` (the SPEC §9 reference: 30 000 / about 500 000 / 300 000 in an mbox of about 350 MB). `truth_dir`
    defaults to a sibling folder named ``<out_dir name>_truth``. The LinkedIn archive is dated four days before
    `as_of`, and nothing in the exports is later than that.

    `as_of_earlier` = DAYS > 0 writes the export of the same world (same size and seed) as it was DAYS days
    before: later connections absent, Connections.csv showing the job held then, messages, mails, invitations
    and cards only up to then; its truth also gets ``changes.csv`` (what changes up to the full export).
    """
    if as_of_earlier < 0:
        raise ValueError("--as-of-earlier takes a number of days >= 0")
    if size not in _PROFILES:
        raise ValueError(f"unknown sample-data size {size!r}; choose one of {', '.join(SIZES)}")
    out_dir = Path(out_dir).absolute()
    truth = Path(truth_dir).absolute() if truth_dir is not None else out_dir.parent / f"{out_dir.name}_truth"
    gen = _Generator(_PROFILES[size], seed, as_of)
    gen.build_population()
    export_day = gen.export_day
    if as_of_earlier:
        gen.visible_until = gen.cutoff - as_of_earlier * _DAY
        export_day = gen.export_day - timedelta(days=as_of_earlier)

    li_dir = out_dir / "linkedin"
    mail_dir = out_dir / "mail" / "Takeout" / "Mail"
    contacts_dir = out_dir / "contacts"
    for d in (li_dir, mail_dir, contacts_dir):
        d.mkdir(parents=True, exist_ok=True)
    zip_path = li_dir / f"Complete_LinkedInDataExport_{export_day:%m-%d-%Y}.zip"
    mbox_path = mail_dir / "All mail Including Spam and Trash.mbox"
    stamp = (export_day.year, export_day.month, export_day.day, 8, 30, 0)

    def info(name: str) -> zipfile.ZipInfo:
        zi = zipfile.ZipInfo(name, date_time=stamp)
        zi.compress_type = zipfile.ZIP_DEFLATED
        zi.create_system = 0
        zi.external_attr = 0
        return zi

    static = gen.linkedin_static()
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf, \
            mbox_path.open("wb") as mbox:
        for name in sorted([*static, "messages.csv"]):
            if name != "messages.csv":
                zf.writestr(info(name), static[name].encode("utf-8"))
        with zf.open(info("messages.csv"), "w") as raw, \
                io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
            li = _LinkedInSink(text, gen.rng, visible_until=_li_date(gen.visible_until) if as_of_earlier else "~")
            li.w.writerow(["CONVERSATION ID", "CONVERSATION TITLE", "FROM", "SENDER PROFILE URL", "TO",
                           "RECIPIENT PROFILE URLS", "DATE", "SUBJECT", "CONTENT", "FOLDER", "ATTACHMENTS"])
            mail = _MailSink(mbox, gen.rng, visible_until=gen.visible_until)
            for p in gen.people:
                gen._li_person(p, li)
                gen._mail_person(p, mail)
                gen._chats(p, mail)
            gen._li_specials(li)
            gen._mass_mails(mail)
            gen._automated_mail(mail, gen.prof.emails - mail.count)
            li.flush()
            mail.flush()
            text.flush()
    google, vcf, outlook = gen.contacts(contacts_dir)

    counts = {c: sum(1 for p in gen.people if p.category == c) for c in CATEGORIES}
    summary = {
        "size": size, "seed": seed, "as_of": (as_of - timedelta(days=as_of_earlier)).isoformat(),
        "export_date": export_day.isoformat(), "as_of_earlier_days": as_of_earlier, "full_as_of": as_of.isoformat(),
        "people": len(gen.people), "category_counts": counts, "connections": gen.n_connections,
        "connection_placeholders": gen.prof.placeholders, "linkedin_message_rows": li.written,
        "linkedin_drafts": gen.n_li_drafts, "emails": mail.written, "contacts": gen.n_contacts,
        "mails_from_people": gen.person_messages, "mails_from_people_signed": gen.signed_messages,
        "files": [str(p.relative_to(out_dir)) for p in (zip_path, mbox_path, google, vcf, outlook)],
    }
    truth_files = gen.write_truth(truth, summary)
    return SampleDataSummary(
        out_dir=out_dir, truth_dir=truth, size=size, seed=seed, linkedin_zip=zip_path, mbox=mbox_path,
        google_contacts_csv=google, vcard=vcf, outlook_contacts_csv=outlook, truth_files=truth_files,
        n_people=len(gen.people), n_connections=gen.n_connections, n_linkedin_messages=li.written,
        n_emails=mail.written, n_contacts=gen.n_contacts, category_counts=tuple(counts.items()))
