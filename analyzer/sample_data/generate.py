"""Entry point: `generate_sample_data` writes the exports and their truth for one (size, seed, as_of)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .contacts import ContactsWriter
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
                         as_of: date = date(2026, 11, 1)) -> SampleDataSummary:
    """Write synthetic LinkedIn, Gmail and address-book exports to `out_dir` and their ground truth to `truth_dir`.

    The output is byte-identical for the same (size, seed, as_of). `size` is ``small`` (about 120 connections,
    1 500 LinkedIn message rows and 1 200 emails, under 2.5 MB), ``medium`` (3 000 / 50 000 / 30 000) or
    ``large`` (the SPEC §9 reference: 30 000 / about 500 000 / 300 000 in an mbox of about 350 MB). `truth_dir`
    defaults to a sibling folder named ``<out_dir name>_truth``. The LinkedIn archive is dated four days before
    `as_of`, and nothing in the exports is later than that.
    """
    if size not in _PROFILES:
        raise ValueError(f"unknown sample-data size {size!r}; choose one of {', '.join(SIZES)}")
    out_dir = Path(out_dir).absolute()
    truth = Path(truth_dir).absolute() if truth_dir is not None else out_dir.parent / f"{out_dir.name}_truth"
    gen = _Generator(_PROFILES[size], seed, as_of)
    gen.build_population()

    li_dir = out_dir / "linkedin"
    mail_dir = out_dir / "mail" / "Takeout" / "Mail"
    contacts_dir = out_dir / "contacts"
    for d in (li_dir, mail_dir, contacts_dir):
        d.mkdir(parents=True, exist_ok=True)
    zip_path = li_dir / f"Complete_LinkedInDataExport_{gen.export_day:%m-%d-%Y}.zip"
    mbox_path = mail_dir / "All mail Including Spam and Trash.mbox"
    stamp = (gen.export_day.year, gen.export_day.month, gen.export_day.day, 8, 30, 0)

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
            li = _LinkedInSink(text, gen.rng)
            li.w.writerow(["CONVERSATION ID", "CONVERSATION TITLE", "FROM", "SENDER PROFILE URL", "TO",
                           "RECIPIENT PROFILE URLS", "DATE", "SUBJECT", "CONTENT", "FOLDER", "ATTACHMENTS"])
            mail = _MailSink(mbox, gen.rng)
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
        "size": size, "seed": seed, "as_of": as_of.isoformat(), "export_date": gen.export_day.isoformat(),
        "people": len(gen.people), "category_counts": counts, "connections": gen.n_connections,
        "connection_placeholders": gen.prof.placeholders, "linkedin_message_rows": li.count,
        "linkedin_drafts": gen.n_li_drafts, "emails": mail.count, "contacts": gen.n_contacts,
        "files": [str(p.relative_to(out_dir)) for p in (zip_path, mbox_path, google, vcf, outlook)],
    }
    truth_files = gen.write_truth(truth, summary)
    return SampleDataSummary(
        out_dir=out_dir, truth_dir=truth, size=size, seed=seed, linkedin_zip=zip_path, mbox=mbox_path,
        google_contacts_csv=google, vcard=vcf, outlook_contacts_csv=outlook, truth_files=truth_files,
        n_people=len(gen.people), n_connections=gen.n_connections, n_linkedin_messages=li.count,
        n_emails=mail.count, n_contacts=gen.n_contacts, category_counts=tuple(counts.items()))
