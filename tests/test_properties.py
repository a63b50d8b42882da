"""Property-based tests: whatever bytes or rows a file holds, ingest raises nothing but InputError.

For every registered parser, files named the way the parser expects are filled with (a) arbitrary bytes,
(b) the parser's header followed by arbitrary bytes and (c) the header followed by arbitrary CSV-ish rows (or
mbox messages / vCards), and fed through ``analyzer.ingest.ingest``. When ingest succeeds its accounting must
hold: read = used + rejected + ignored per file, one rejects row per rejected row.

Set RECONNECT_FUZZ_EXAMPLES to run more examples (default 30 per parser and strategy).
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import warnings
import zipfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import analyzer.ingest
from analyzer.errors import InputError
from analyzer.ingest import ingest
from analyzer.ingest.inputs import discover
from analyzer.ingest.registry import REGISTRY
from analyzer.ingest.text import decode, read_table
from analyzer.report.csvsafe import to_csv_frame
from tests.conftest import FUZZ_RANDOM

EXAMPLES = int(os.environ.get("RECONNECT_FUZZ_EXAMPLES", "30"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not FUZZ_RANDOM,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])

# kind -> (file name the parser expects, header text). An empty header: the format has none.
LINKEDIN_MSG = ("CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,SUBJECT,"
                "CONTENT,FOLDER")
HEADERS: dict[str, tuple[str, str]] = {
    "linkedin.connections": ("Connections.csv",
                             "First Name,Last Name,URL,Email Address,Company,Position,Connected On"),
    "linkedin.messages": ("messages.csv", LINKEDIN_MSG),
    "linkedin.coach_messages": ("coach_messages.csv", LINKEDIN_MSG),
    "linkedin.invitations": ("Invitations.csv",
                             "From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl"),
    "linkedin.endorsements_received": (
        "Endorsement_Received_Info.csv",
        "Endorsement Date,Skill Name,Endorser First Name,Endorser Last Name,Endorser Public Url,Endorsement Status"),
    "linkedin.endorsements_given": (
        "Endorsement_Given_Info.csv",
        "Endorsement Date,Skill Name,Endorsee First Name,Endorsee Last Name,Endorsee Public Url,Endorsement Status"),
    "linkedin.recommendations_received": ("Recommendations_Received.csv",
                                          "First Name,Last Name,Company,Job Title,Text,Creation Date,Status"),
    "linkedin.recommendations_given": ("Recommendations_Given.csv",
                                       "First Name,Last Name,Company,Job Title,Text,Creation Date,Status"),
    "linkedin.positions": ("Positions.csv", "Company Name,Title,Description,Location,Started On,Finished On"),
    "linkedin.profile": ("Profile.csv",
                         "First Name,Last Name,Maiden Name,Address,Birth Date,Headline,Summary,Industry,Zip Code,"
                         "Geo Location,Twitter Handles,Websites,Instant Messengers"),
    "linkedin.email_addresses": ("Email Addresses.csv", "Email Address,Confirmed,Primary,Updated On"),
    "linkedin.imported_contacts": ("ImportedContacts.csv",
                                   "Source,FirstName,LastName,Companies,Title,Emails,PhoneNumbers,CreatedAt,"
                                   "Addresses,Sites,InstantMessageHandles,FullName,Birthday,Location,BookmarkedAt,"
                                   "Profiles"),
    "linkedin.other": ("Logins.csv", "Login Date,IP Address,User Agent,Login Type"),
    "contacts.linkedin_legacy_csv": ("linkedin_connections_export_microsoft_outlook.csv",
                                     "Title,First Name,Middle Name,Last Name,Suffix,E-mail Address,Company,"
                                     "Job Title,Web Page"),
    "contacts.google_csv": ("contacts.csv",
                            "First Name,Middle Name,Last Name,Nickname,Organization Name,Organization Title,Notes,"
                            "Labels,E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,"
                            "Website 1 - Label,Website 1 - Value"),
    "contacts.google_legacy_csv": ("google.csv",
                                   "Name,Given Name,Additional Name,Family Name,Nickname,Notes,Group Membership,"
                                   "E-mail 1 - Type,E-mail 1 - Value,Organization 1 - Name,Organization 1 - Title,"
                                   "Website 1 - Type,Website 1 - Value"),
    "contacts.outlook_csv": ("contacts_outlook.csv",
                             '"Title","First Name","Middle Name","Last Name","Suffix","Company","Department",'
                             '"Job Title","E-mail Address","E-mail Type","E-mail Display Name","E-mail 2 Address",'
                             '"Notes","Web Page"'),
    "contacts.vcard": ("contacts.vcf", ""),
    "mail.mbox": ("All mail Including Spam and Trash.mbox", ""),
    "mail.outlook_csv": ("Inbox.csv",
                         '"Subject","Body","From: (Name)","From: (Address)","From: (Type)","To: (Name)",'
                         '"To: (Address)","To: (Type)","CC: (Name)","CC: (Address)","CC: (Type)","BCC: (Name)",'
                         '"BCC: (Address)","BCC: (Type)","Billing Information","Categories","Importance",'
                         '"Mileage","Sensitivity"'),
    "mail.thunderbird_csv": ("index.csv", ""),
    "mail.m365_trace": ("MessageTrace.csv",
                        "Received,SenderAddress,RecipientAddress,Subject,Status,ToIP,FromIP,Size,MessageId,"
                        "MessageTraceId"),
}

KINDS = sorted({p.kind for p in REGISTRY})

# ---- strategies -------------------------------------------------------------------------------------------
_TRICKY = ["", " ", '"', '""', ",", ";", "\t", "\n", "\r\n", "\r", "\x00", "\ufeff", "=1+1", "-2", "@x",
           "LinkedIn Member", "2024-02-31 10:00:00 UTC", "0001-01-01 00:00:00 UTC", "2024-03-15 09:30:00 UTC",
           "15 Jan 2024", "31 Feb 2024", "14-Feb-22", "3/7/26, 1:07 PM", "13/45/26, 9:99 PM", "Jun 2018",
           "2022/09/10 10:00:00 UTC", "Tue, 08 Aug 2023 12:36:28 GMT", "2022-11-29T05:35:08.2652371",
           "https://www.linkedin.com/in/ada-lovelace", "www.linkedin.com/in/%E2%82%AC", "linkedin.com/in/",
           "ada@example.com", "Ada <ada@example.com>", "a@b@c", "@", "<>", "INBOX", "SENT", "INCOMING",
           "OUTGOING", "Yes", "No", "ACCEPTED", "VISIBLE", "null", "* myContacts ::: * starred", " ::: ",
           "urn:li:member:123", "x" * 300, "é" * 50, "\u202e", "José García", "Jane Doe, PhD"]
# NUL is rare in generated text: a NUL in the first 8 KiB makes the file binary, which would hide the parsers
_NO_NUL = st.characters(codec="utf-8", exclude_characters="\x00")
cell = st.one_of(st.sampled_from(_TRICKY), st.text(alphabet=_NO_NUL, max_size=40),
                 st.text(alphabet=st.characters(codec="utf-8"), max_size=15))


def _csv_line(cells: list[str], delim: str) -> str:
    out = []
    for c in cells:
        if any(ch in c for ch in (delim, '"', "\n", "\r")) or (c and c[0] == " "):
            out.append('"' + c.replace('"', '""') + '"')
        else:
            out.append(c)
    return delim.join(out)


@st.composite
def csv_rows(draw: st.DrawFn, width: int, delim: str = ",") -> str:
    """Rows of about ``width`` cells: sometimes properly quoted, sometimes raw (broken quoting on purpose)."""
    n_rows = draw(st.integers(0, 8))
    lines = []
    for _ in range(n_rows):
        n = max(0, width + draw(st.integers(-3, 2)))
        cells = draw(st.lists(cell, min_size=n, max_size=n))
        lines.append(_csv_line(cells, delim) if draw(st.booleans()) else delim.join(cells))
    ending = draw(st.sampled_from(["\n", "\r\n", ""]))
    return "\n".join(lines) + ending


@st.composite
def mbox_text(draw: st.DrawFn) -> str:
    """mbox messages with arbitrary headers (and sometimes a broken separator or no blank line)."""
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        sep = draw(st.sampled_from(["From 1@xxx Thu Jun 30 12:31:44 +0000 2016", "From MAILER-DAEMON Thu Jan  1 "
                                    "00:00:00 2024", "From ", "From x", ">From nobody"]))
        headers = []
        if draw(st.booleans()):
            headers += ["From: Ada Lovelace <ada@example.com>", "To: pat@example.com",
                        "Date: Thu, 30 Jun 2016 12:31:44 +0000"]
        for _ in range(draw(st.integers(0, 6))):
            name = draw(st.sampled_from(["From", "To", "Cc", "Date", "Message-ID", "In-Reply-To", "References",
                                         "Subject", "X-Gmail-Labels", "X-GM-THRID", "Content-Type", "List-Id",
                                         "Precedence", "Reply-To", "Sender", ""]))
            headers.append(f"{name}: {draw(cell)}")
        if draw(st.booleans()):
            headers.append(" folded" + draw(cell))
        body = draw(st.text(max_size=80))
        parts.append("\n".join([sep, *headers, "", body]))
    return "\n".join(parts) + draw(st.sampled_from(["\n", ""]))


@st.composite
def vcard_text(draw: st.DrawFn) -> str:
    """vCards with arbitrary properties, some without END, some with broken lines."""
    cards = []
    for _ in range(draw(st.integers(1, 4))):
        version = draw(st.sampled_from(["2.1", "3.0", "4.0", "9", ""]))
        lines = ["BEGIN:VCARD", f"VERSION:{version}"]
        for _ in range(draw(st.integers(0, 6))):
            prop = draw(st.sampled_from(["FN", "N", "EMAIL", "EMAIL;TYPE=INTERNET", "ORG", "TITLE", "URL",
                                         "item1.URL", "X-SOCIALPROFILE;TYPE=linkedin", "NOTE",
                                         "FN;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8", "PHOTO;ENCODING=b", "",
                                         "BEGIN", "END"]))
            lines.append(f"{prop}:{draw(cell)}" if prop else draw(cell))
        if draw(st.booleans()):
            lines.append("END:VCARD")
        cards.append("\r\n".join(lines))
    return "\r\n".join(cards) + "\r\n"


@st.composite
def thunderbird_text(draw: st.DrawFn) -> str:
    """Header-less ImportExportTools rows: quoted subject/author/recipients, a date, attachment flag, size."""
    # the first row has the shape detection looks for (an author address and a date); the rest is arbitrary
    lines = ['"hello","Ada Lovelace <ada@example.com>","Pat <pat@example.com>",3/27/2020 15:26, ,1234']
    for _ in range(draw(st.integers(0, 6))):
        subj, author, rcpt = draw(cell), draw(cell), draw(cell)
        date = draw(st.sampled_from(["3/27/2020 15:26", "27.3.2020 15:26", "2020-03-27 15:26", "", "99/99/9999 99:99",
                                     "31.2.2020 25:61"]))
        rest = draw(st.lists(cell, max_size=3))
        lines.append(",".join([f'"{subj}"', f'"{author}"', f'"{rcpt}"', date, *rest]))
    return "\r\n".join(lines) + "\r\n"


def _text_for(kind: str) -> st.SearchStrategy[str]:
    if kind == "mail.mbox":
        return mbox_text()
    if kind == "contacts.vcard":
        return vcard_text()
    if kind == "mail.thunderbird_csv":
        return thunderbird_text()
    header = HEADERS[kind][1]
    width = len(header.split(","))
    return csv_rows(width).map(lambda rows: header + "\n" + rows)


ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252"])


# ---- the check ---------------------------------------------------------------------------------------------
def _ingest_only_input_errors(name: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / name
        p.write_bytes(data)
        try:
            ing = ingest([str(p)])
        except InputError as exc:
            msg = str(exc)
            assert "\n" not in msg and "\r" not in msg
            assert name in msg or tmp in msg, msg
            return
        for f in ing.files:
            assert f.read == f.used + f.rejected + f.ignored
            assert min(f.used, f.rejected, f.ignored) >= 0, f
            n_rejects = ing.rejects.filter(pl.col("source_file") == f.source_file).height
            assert n_rejects == f.rejected, (f, ing.rejects)
        assert data == p.read_bytes(), "the input file was modified"


def test_every_parser_has_a_fuzz_header() -> None:
    missing = [k for k in KINDS if k not in HEADERS]
    assert not missing, f"add the expected file name and header of {missing} to HEADERS"
    assert analyzer.ingest.REGISTRY is REGISTRY


@pytest.mark.parametrize("kind", KINDS)
@FUZZ
@given(data=st.binary(max_size=3000))
def test_arbitrary_bytes(kind: str, data: bytes) -> None:
    name = HEADERS.get(kind, (f"{kind}.csv", ""))[0]
    _ingest_only_input_errors(name, data)


@pytest.mark.parametrize("kind", KINDS)
@FUZZ
@given(tail=st.binary(max_size=2000), enc=ENCODINGS)
def test_header_then_arbitrary_bytes(kind: str, tail: bytes, enc: str) -> None:
    name, header = HEADERS.get(kind, (f"{kind}.csv", ""))
    head = header or {"mail.mbox": "From 1@xxx Thu Jun 30 12:31:44 +0000 2016", "contacts.vcard": "BEGIN:VCARD"}.get(
        kind, "")
    _ingest_only_input_errors(name, (head + "\n").encode(enc, "replace") + tail)


@pytest.mark.parametrize("kind", [k for k in KINDS if k in HEADERS])
@FUZZ
@given(data=st.data(), enc=ENCODINGS)
def test_arbitrary_rows(kind: str, data: st.DataObject, enc: str) -> None:
    text = data.draw(_text_for(kind))
    _ingest_only_input_errors(HEADERS[kind][0], text.encode(enc, "replace"))


# ---- archives and the core helpers ---------------------------------------------------------------------------
def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("Connections.csv", HEADERS["linkedin.connections"][1] + "\nAda,Lovelace,"
                   "https://www.linkedin.com/in/ada,,Acme,Eng,15 Jan 2024\n" * 20)
        z.writestr("messages.csv", LINKEDIN_MSG + "\nc1,,Ada,https://www.linkedin.com/in/ada,Me,"
                   "https://www.linkedin.com/in/me,2024-03-15 09:30:00 UTC,,hi,INBOX\n")
    return buf.getvalue()


ZIP = _zip_bytes()
#: Where the first member's name starts in the central directory: a NUL there leaves zipfile an empty name.
_CENTRAL_NAME = ZIP.find(b"PK\x01\x02") + 46


@FUZZ
@example(edits=[(_CENTRAL_NAME, 0)], cut=None)  # found by this test: ZipInfo.is_dir() failed on the empty name
@example(edits=[(7, 8), (30, 128)], cut=None)  # found by this test: a local header flagged UTF-8, its name not
@given(edits=st.lists(st.tuples(st.integers(0, len(ZIP) - 1), st.integers(0, 255)), min_size=1, max_size=12),
       cut=st.one_of(st.none(), st.integers(4, len(ZIP))))
def test_damaged_zip(edits: list[tuple[int, int]], cut: int | None) -> None:
    data = bytearray(ZIP)
    for pos, value in edits:
        data[pos] = value
    if cut is not None:
        data = data[:cut]
    data[:4] = b"PK\x03\x04"  # always looks like a zip
    _ingest_only_input_errors("export.zip", bytes(data))


@FUZZ
@given(data=st.binary(max_size=4000))
def test_decode_and_read_table(data: bytes) -> None:
    try:
        text = decode(data, "f.csv")
        table = read_table(text, "f.csv")
        for _line, _cells in table.rows():
            pass
    except InputError:
        pass


@FUZZ
@given(names=st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=5))
def test_member_names_never_escape(names: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        z = Path(tmp) / "x.zip"
        with zipfile.ZipFile(z, "w") as zf, warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # duplicate names are part of the test
            for n in names:
                try:
                    zf.writestr(n, b"a,b\n1,2\n")
                except (ValueError, UnicodeEncodeError, IndexError):  # zipfile cuts names at NUL
                    continue
        with zipfile.ZipFile(z) as zf:
            if not zf.infolist():
                return  # an empty archive does not even start like a zip
        before = sorted(p.name for p in Path(tmp).iterdir())
        try:
            found = discover([str(z)])
        except InputError:
            return
        for f in found.files:
            assert f.path == z and f.member is not None
            assert not re.search(r"[\x00-\x1f\x7f]", f.display)
            f.read_bytes()
        assert sorted(p.name for p in Path(tmp).iterdir()) == before


_FORMULA_START = ("=", "+", "@", "\t", "\r")


@FUZZ
@given(values=st.lists(st.one_of(st.none(), st.text(max_size=20), st.sampled_from(
    ["=1+1", "+1", "-1", "-1.5", "-1e5", "-2+3", "@SUM(1)", "\t=1", "\r=1", "-", "--1", "-x", "'=1", " =1"])),
    min_size=1, max_size=20))
def test_csv_cells_never_start_a_formula(values: list[str | None]) -> None:
    df = pl.DataFrame({"v": values, "l": [[v] if v is not None else None for v in values]},
                      schema={"v": pl.String, "l": pl.List(pl.String)})
    out = to_csv_frame(df)
    for col in ("v", "l"):
        for original, got in zip(df[col].to_list(), out[col].to_list(), strict=True):
            if original is None:
                assert got is None
                continue
            value = original if col == "v" else ";".join(original)
            assert got in (value, "'" + value)
            assert not got.startswith(_FORMULA_START)
            if got.startswith("-"):
                assert re.match(r"^-\d", got), got


@FUZZ
@given(rows=st.integers(1, 6).flatmap(lambda w: st.lists(st.lists(cell, min_size=w, max_size=w), max_size=8)
                                       .map(lambda rs: (w, rs))),
       quote_all=st.booleans(), crlf=st.booleans())
def test_well_formed_csv_reads_back_exactly(rows: tuple[int, list[list[str]]], quote_all: bool, crlf: bool) -> None:
    """The recovery from unclosed quotes never fires on a well-formed file: every row comes back as written,
    at the physical line where it starts."""
    width, data = rows
    data = [[c.replace("\x00", "") for c in r] for r in data]
    end = "\r\n" if crlf else "\n"

    def line_of(cells: list[str]) -> str:
        if quote_all:
            return ",".join('"' + c.replace('"', '""') + '"' for c in cells) + end
        return _csv_line(cells, ",") + end

    text = line_of([f"H{i}" for i in range(width)])
    expected = []
    line = 2
    for r in data:
        written = line_of(r)
        text += written
        if any(c.strip() for c in r):
            expected.append((line, r))
        line += len(re.findall(r"\r\n|\r|\n", written))
    table = read_table(text, "f.csv")
    assert list(table.rows()) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('A,B,C\n1,"2,3\n4,5,6\n7,8,9\n', [(2, ["1", "2,3"]), (3, ["4", "5", "6"]), (4, ["7", "8", "9"])]),
        ('A,B,C\r\n1,"2,3\r\n4,5,6\r\n', [(2, ["1", "2,3"]), (3, ["4", "5", "6"])]),
        ('A,B,C\n1,2,3\n4,5,"6\n7,8,9\n', [(2, ["1", "2", "3"]), (3, ["4", "5", "6"]), (4, ["7", "8", "9"])]),
        ('A,B,C\n1,"x\ny",3\n4,5,6\n', [(2, ["1", "x\ny", "3"]), (4, ["4", "5", "6"])]),
        ('A,B,C\n1,2,"a\nb"\n', [(2, ["1", "2", "a\nb"])]),
    ],
    ids=["short-row-swallows", "crlf", "open-quote-at-end", "multiline-ok", "multiline-last-cell-ok"],
)
def test_rows_recover_after_an_unclosed_quote(text: str, expected: list[tuple[int, list[str]]]) -> None:
    assert list(read_table(text, "f.csv").rows()) == expected
