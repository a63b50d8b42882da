"""Mail parsers: mbox (Gmail Takeout, Thunderbird, Apple Mail, CRLF, missing dates), Outlook / Thunderbird
ImportExportTools NG / Microsoft 365 trace CSVs, the generic mapped CSV, and the fast mbox scanner."""

from __future__ import annotations

import io
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.errors import InputError
from analyzer.ingest import Ingested, ingest, make_sniff
from analyzer.ingest.collect import FileCollector, FileReport
from analyzer.ingest.inputs import InputFile
from analyzer.ingest.mail import (
    address_hint,
    folder_kind,
    generic_mail_csv_parser,
    gmail_labels,
    parse_addresses,
    parse_mail_date,
    separator_date,
)
from analyzer.ingest.mail.mbox_scan import iter_messages, looks_like_mbox
from analyzer.ingest.registry import detect
from tests.conftest import FIXTURES, real_sample

MAIL = FIXTURES / "mail"


def _report(result: Ingested, name: str) -> FileReport:
    (rep,) = [r for r in result.files if r.source_file.endswith(name)]
    assert rep.read == rep.used + rep.rejected + rep.ignored
    return rep


def _records_by_email(result: Ingested) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, object]]] = {}
    for row in result.records.iter_rows(named=True):
        for e in row["emails"]:
            out.setdefault(e, []).append(row)
    return out


def _message(result: Ingested, message_id: str) -> dict[str, Any]:
    (row,) = result.messages.filter(pl.col("message_id") == message_id).iter_rows(named=True)
    return row


def _email_of(result: Ingested, record_id: object) -> str:
    (row,) = result.records.filter(pl.col("record_id") == record_id).iter_rows(named=True)
    return str(row["emails"][0])


# ---- Gmail Takeout --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gmail() -> Ingested:
    return ingest([MAIL / "gmail_takeout.mbox"])


def test_gmail_counts_and_outcomes(gmail: Ingested) -> None:
    rep = _report(gmail, "gmail_takeout.mbox")
    assert rep.kind == "mail.mbox"
    assert (rep.read, rep.used, rep.rejected, rep.ignored) == (12, 8, 1, 3)
    # Spam, Papierkorb (de Trash) and Entwürfe (de Drafts) are ignored with one reason.
    assert dict(rep.ignored_reasons) == {"gmail spam/trash/draft": 3}
    assert gmail.messages.height == 8
    # The message without a From header is rejected at the line of its separator.
    assert gmail.rejects.select("line", "reason").rows() == [(131, "no sender address")]
    # Body lines (">From ", "From the desk ...", "To: ...") never make messages or records.
    assert sorted(gmail.messages.get_column("line").to_list()) == [1, 21, 36, 76, 85, 98, 109, 141]


def test_gmail_addresses_names_and_owner(gmail: Ingested) -> None:
    by_email = _records_by_email(gmail)
    juergen = by_email["juergen.mueller@example.de"]  # lower-cased, RFC 2047 name decoded
    assert [r["name"] for r in juergen] == ["Jürgen Müller"]
    assert juergen[0]["n_mentions"] == 2
    assert by_email["jane@corp.example"][0]["name"] == "Smith, Jane"
    # "Sent" (folded label header) and "Gesendet" both mark the From record as the owner.
    owner_flags = {(r["name"], r["owner_hint"]) for r in by_email["me@example.com"]}
    assert ("Alex Morgan", True) in owner_flags
    owner_rows = gmail.records.filter(pl.col("owner_hint"))
    assert owner_rows.get_column("emails").to_list() == [["me@example.com"]]
    assert owner_rows.get_column("n_mentions").to_list() == [2]
    # Nobody else is flagged as the owner, and spam/trash/draft senders got no record at all.
    assert "winner@spam.example" not in by_email
    assert "old@example.com" not in by_email
    assert "someone@example.com" not in by_email


def test_gmail_threads_replies_and_dates(gmail: Ingested) -> None:
    m1 = _message(gmail, "m1@example.de")
    m2 = _message(gmail, "m2@example.com")
    assert m1["thread_id"] == m2["thread_id"] == "1754000000000000001"  # X-GM-THRID
    assert m2["in_reply_to"] == "m1@example.de"
    assert m2["timestamp"] == datetime(2023, 1, 10, 8, 30, tzinfo=UTC)  # +0100 -> UTC
    assert m2["n_participants"] == 3
    assert {_email_of(gmail, r) for r in m2["recipient_ids"]} == {"juergen.mueller@example.de", "jane@corp.example"}
    assert m1["msg_key"] == "m1@example.de"
    # No X-GM-THRID: the thread is the root of References; In-Reply-To wins over the last reference.
    m12 = _message(gmail, "m12@example.org")
    assert m12["thread_id"] == "root0@example.org"
    assert m12["in_reply_to"] == "m3@example.com"


def test_gmail_chat_record(gmail: Ingested) -> None:
    (chat,) = gmail.messages.filter(pl.col("line") == 76).iter_rows(named=True)
    assert chat["timestamp"] == datetime(2020, 5, 28, 15, 8, 30, tzinfo=UTC)  # from the separator line
    assert chat["recipient_ids"] == []
    assert chat["n_participants"] == 2
    assert chat["message_id"] is None
    assert _email_of(gmail, chat["sender_id"]) == "dana@example.org"
    rep = _report(gmail, "gmail_takeout.mbox")
    assert any("1 Gmail chat record" in n for n in rep.notes)


def test_gmail_automated_hints_and_mass_mail(gmail: Ingested) -> None:
    by_email = _records_by_email(gmail)
    assert by_email["hello@weekly.example"][0]["automated_hint"] == "List-Unsubscribe"
    assert by_email["noreply@github.com"][0]["automated_hint"] == "noreply/notification address"
    assert by_email["eve@example.net"][0]["automated_hint"] is None
    assert by_email["juergen.mueller@example.de"][0]["automated_hint"] is None
    mass = _message(gmail, "mass1@example.net")
    assert mass["n_participants"] == 61  # Eve + 60 distinct recipients (To and folded Cc)
    assert len(mass["recipient_ids"]) == 60
    assert by_email["p59@bulk.example"][0]["line"] == 109


# ---- other mbox producers -------------------------------------------------------------------------------------


def test_thunderbird_from_dash_and_deleted_flag() -> None:
    r = ingest([MAIL / "thunderbird_from_dash.mbox"])
    rep = _report(r, "thunderbird_from_dash.mbox")
    assert (rep.read, rep.used, rep.ignored) == (3, 2, 1)
    assert dict(rep.ignored_reasons) == {"deleted message (Thunderbird folder not compacted)": 1}
    assert sorted(r.messages.get_column("message_id").to_list()) == ["nyt1@nytimes.com", "tb1@example.com"]
    tb1 = _message(r, "tb1@example.com")
    assert tb1["timestamp"] == datetime(2023, 8, 28, 18, 38, 50, tzinfo=UTC)
    assert tb1["line"] == 1
    # ImportExportTools NG's bogus ">From - ..." line after the separator does not hide the headers.
    nyt = _message(r, "nyt1@nytimes.com")
    assert nyt["line"] == 23
    assert _records_by_email(r)["nytdirect@nytimes.com"][0]["automated_hint"] == "Precedence: bulk"


def _thunderbird_message(n: int, sender: str, to: str) -> str:
    return (f"From - Mon Aug 0{n} 18:38:57 2023\nDate: Mon, 0{n} Aug 2023 20:38:50 +0200\nFrom: {sender}\n"
            f"To: {to}\nMessage-ID: <nfd{n}@example.com>\nSubject: s{n}\n\nbody\n\n")


@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_folder_names_written_decomposed_by_macos_are_known(tmp_path: Path, form: str) -> None:
    # a Thunderbird folder copied from a Mac keeps its decomposed names: the drafts of "Entwu\u0308rfe" were
    # read as mail sent (a person made of the draft's addressee) and "Envoye\u0301s" was not known as Sent
    import unicodedata

    folder = tmp_path / "Local Folders"
    folder.mkdir()
    (folder / "Inbox").write_text(_thunderbird_message(1, "Frank <frank@example.com>", "me@example.fr"))
    (folder / unicodedata.normalize(form, "Envoyés")).write_text(
        _thunderbird_message(2, "Me <me@example.fr>", "Frank <frank@example.com>"))
    (folder / unicodedata.normalize(form, "Entwürfe")).write_text(
        _thunderbird_message(3, "Me <me@example.fr>", "Bob <bob@example.com>"))
    r = ingest([folder])
    drafts = _report(r, unicodedata.normalize(form, "Entwürfe"))
    assert (drafts.used, dict(drafts.ignored_reasons)) == (0, {"spam/trash/draft folder": 1})
    sent = _report(r, unicodedata.normalize(form, "Envoyés"))
    assert sent.notes == ["folder named as Sent: every sender is taken as the owner"]
    assert "bob@example.com" not in _records_by_email(r)


def test_a_zips_utf8_names_without_the_utf8_flag_are_read_as_utf8(tmp_path: Path) -> None:
    # macOS's Archive Utility writes UTF-8 names without the flag that says so: zipfile read them as cp437
    # ("Mail/Entw\u251c\u255drfe.mbox/mbox"), and the drafts folder was read as mail sent
    from tests.zipcraft import patch_member, write_zip

    archive = write_zip(tmp_path / "Mail.zip", {
        "Mail/Inbox.mbox/mbox": _thunderbird_message(1, "Frank <frank@example.com>", "me@example.fr").encode(),
        "Mail/Entwürfe.mbox/mbox": _thunderbird_message(3, "Me <me@example.fr>", "Bob <bob@example.com>").encode(),
        "Mail/Gel\u00f6scht/Über.csv": b"a,b\n1,2\n"})
    for name in ("Mail/Entwürfe.mbox/mbox", "Mail/Gel\u00f6scht/Über.csv"):
        patch_member(archive, name, flag_bits=0)
    r = ingest([archive])
    drafts = _report(r, "Mail.zip!Mail/Entwürfe.mbox/mbox")
    assert (drafts.used, dict(drafts.ignored_reasons)) == (0, {"spam/trash/draft folder": 1})
    assert "bob@example.com" not in _records_by_email(r)
    assert r.skipped == [(f"{archive}!Mail/Gelöscht/Über.csv", "not a supported format")]
    # a name written in cp437 (Windows' Explorer) is not valid UTF-8: it stays as zipfile reads it
    from analyzer.ingest.inputs import _zip_name

    assert _zip_name(zipfile.ZipInfo(b"Gel\x94schte Elemente.csv".decode("cp437"))) == "Gelöschte Elemente.csv"


def test_apple_mail_folder() -> None:
    r = ingest([MAIL / "apple_mail.mbox"])  # the folder: its `mbox` is read, table_of_contents skipped
    assert [f.source_file for f in r.files] == [str(MAIL / "apple_mail.mbox" / "mbox")]
    assert r.skipped == []
    assert r.messages.height == 2
    reply = _message(r, "apple2@example.com")  # "Message-Id" spelling
    assert reply["in_reply_to"] == "apple1@example.com"
    assert reply["thread_id"] == "apple1@example.com"
    assert reply["timestamp"] == datetime(2024, 1, 2, 16, 0, tzinfo=UTC)
    assert reply["line"] == 10


def test_apple_sent_messages_folder_marks_owner() -> None:
    r = ingest([MAIL / "apple_sent"])
    owner = r.records.filter(pl.col("owner_hint"))
    assert owner.get_column("emails").to_list() == [["alex.m@work.example"]]
    assert any("Sent" in n for n in r.files[0].notes)


def test_crlf_mbox() -> None:
    r = ingest([MAIL / "crlf.mbox"])
    rep = _report(r, "crlf.mbox")
    assert (rep.read, rep.used) == (2, 2)
    first = _message(r, "crlf1@example.ru")
    assert _email_of(r, first["sender_id"]) == "ivan@example.ru"  # folded From, CRLF
    by_email = _records_by_email(r)
    assert {x["name"] for x in by_email["ivan@example.ru"]} == {"Ivan Petrov"}
    reply = _message(r, "crlf2@example.com")
    assert reply["line"] == 12
    assert reply["in_reply_to"] == "crlf1@example.ru"
    assert any(x["owner_hint"] for x in by_email["me@example.com"])


def test_missing_or_garbage_date_uses_separator() -> None:
    r = ingest([MAIL / "missing_date.mbox"])
    assert _message(r, "nodate1@example.com")["timestamp"] == datetime(2023, 3, 1, 12, 0, tzinfo=UTC)
    assert _message(r, "nodate2@example.com")["timestamp"] == datetime(2023, 3, 2, 13, 14, 15, tzinfo=UTC)
    assert _message(r, "nodate3@example.com")["timestamp"] is None  # "From - " has no date either
    rep = _report(r, "missing_date.mbox")
    assert rep.used == 3
    assert any("2 messages" in n for n in rep.notes)
    assert any("undated" in n for n in rep.notes)


def test_no_valid_message_is_an_input_error() -> None:
    with pytest.raises(InputError) as err:
        ingest([MAIL / "no_valid_message.mbox"])
    assert "no_valid_message.mbox" in str(err.value)
    assert "no valid mail message" in str(err.value)


def test_same_message_in_two_mbox_files_counts_once(gmail: Ingested) -> None:
    r = ingest([MAIL / "gmail_takeout.mbox", MAIL / "overlap.mbox"])
    assert r.duplicate_messages == 1
    assert r.messages.height == gmail.messages.height + 1
    assert r.messages.filter(pl.col("message_id") == "m1@example.de").height == 1
    rep = _report(r, "overlap.mbox")
    assert (rep.used, rep.ignored) == (1, 1)
    assert rep.ignored_reasons["same message already read from another export"] == 1


def test_messages_of_two_senders_with_one_message_id_are_two(tmp_path: Path) -> None:
    """A server or script that writes the same Message-ID on every message (``<1@localhost>``): Bob's message
    was dropped as a repeat of Alice's, and Bob ranked one-way. A copy is the same id from the same sender; the
    same message twice in one file is still one."""
    def message(frm: str, day: int, mid: str) -> str:
        return (f"From x@y Mon Jan  1 10:00:00 2023\nFrom: {frm}\nTo: me@example.com\nSubject: s\n"
                f"Date: Mon, {day:02d} Jan 2023 10:00:00 +0000\nMessage-ID: <{mid}>\n\nhi\n\n")

    box = tmp_path / "dup.mbox"
    box.write_text(message("Alice Adams <alice@a.example>", 2, "1@localhost")
                   + message("Bob Brown <bob@b.example>", 6, "1@localhost")
                   + message("Bob Brown <bob@b.example>", 6, "1@localhost"), encoding="utf-8")
    r = ingest([box])
    assert r.messages.height == 2 and r.duplicate_messages == 1
    rep = _report(r, "dup.mbox")
    assert (rep.used, rep.ignored) == (2, 1)
    assert rep.ignored_reasons == {"same message already read from this file (a repeated row)": 1}


def test_a_mailing_lists_own_address_is_not_a_person(tmp_path: Path) -> None:
    """The owner posts to python-list@python.org (its List-Id is python-list.python.org): the list ranked as a
    person "you sent 6 messages, never answered", and without --me, being in every message, it was taken for
    the owner's address."""
    from datetime import date

    from analyzer.pipeline import analyze

    def message(frm: str, to: str, i: int, listed: bool) -> str:
        head = ("List-Id: Python users <python-list.python.org>\nList-Post: <mailto:python-list@python.org>\n"
                "Precedence: list\n") if listed else ""
        return (f"From - Mon Jan 02 10:00:00 2023\nFrom: {frm}\nTo: {to}\nSubject: s\n"
                f"Date: Mon, {2 + i:02d} Jan 2023 10:00:00 +0000\nMessage-ID: <l{i}@x.example>\n{head}\nhi\n\n")

    box = tmp_path / "lists.mbox"
    box.write_text("".join(
        [message("Me <me@example.com>", "python-list@python.org", i, True) for i in range(4)]
        + [message("Ned Batch <ned@n.example>", "python-list@python.org", 4 + i, True) for i in range(2)]
        + [message("Dana Wolf <dana@w.example>", "me@example.com", 6, False),
           message("Me <me@example.com>", "Dana Wolf <dana@w.example>", 7, False)]), encoding="utf-8")
    for me in (["me@example.com"], []):
        a = analyze([box], me=me, as_of=date(2024, 6, 1))
        kinds = {e: k for k, emails in a.people.select("kind", "emails").rows() for e in emails}
        assert kinds["python-list@python.org"] == "automated"
        assert "python-list@python.org" not in a.ranked.get_column("emails").explode().to_list()
        if me:
            assert kinds["me@example.com"] == "owner"
            assert a.ranked.get_column("name").to_list() == ["Dana Wolf"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])  # with a BOM, without (both orders)
def test_an_mbox_saved_as_utf16_reads_as_the_same_mail(tmp_path: Path, encoding: str) -> None:
    # SPEC §2 reads UTF-16 (LE/BE, with or without BOM): such an mbox was "not a format reconnect reads", and
    # skipped without a word inside a folder
    text = (MAIL / "overlap.mbox").read_bytes().decode("utf-8")
    (tmp_path / "utf8").mkdir()
    (tmp_path / "utf8" / "Inbox.mbox").write_text(text, encoding="utf-8")
    (tmp_path / "utf16").mkdir()
    (tmp_path / "utf16" / "Inbox.mbox").write_bytes(text.encode(encoding))
    a, b = ingest([tmp_path / "utf8"]), ingest([tmp_path / "utf16"])
    assert b.skipped == [] and b.messages.height == a.messages.height > 0
    cols = ["name", "emails", "role", "line"]
    assert b.records.select(cols).to_dicts() == a.records.select(cols).to_dicts()
    assert b.messages.drop("source_file").to_dicts() == a.messages.drop("source_file").to_dicts()


def test_real_mailbagit_sample() -> None:
    r = ingest([real_sample("mbox/mailbagit_sample1.mbox")])
    assert r.messages.height == 2
    ts = r.messages.get_column("timestamp").to_list()
    assert all(t.year == 2016 and t.month == 6 for t in ts)
    senders = r.records.filter(pl.col("role") == "sender")
    hints = dict(zip([e[0] for e in senders.get_column("emails").to_list()],
                     senders.get_column("automated_hint").to_list(), strict=True))
    assert hints == {"info@chuckschumer.com": "List-Unsubscribe",
                     "andy-noreply@google.com": "noreply/notification address"}
    assert sorted(r.messages.get_column("line").to_list()) == [1, 267]


# ---- the scanner ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["gmail_takeout.mbox", "crlf.mbox", "thunderbird_from_dash.mbox",
                                  "missing_date.mbox"])
@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 4097])
def test_scanner_is_independent_of_chunk_size(name: str, chunk: int) -> None:
    data = (MAIL / name).read_bytes()
    expected = list(iter_messages(io.BytesIO(data)))
    assert list(iter_messages(io.BytesIO(data), chunk_size=chunk)) == expected


def test_scanner_skips_large_body_and_reports_progress() -> None:
    body = b"".join(b"line %d of a long body, From here on\n" % i for i in range(80_000))  # ~3 MB
    data = (b"From a@x.org Mon Jan  1 10:00:00 2024\nFrom: A <a@x.org>\nTo: b@y.org\n\n" + body +
            b"\nFrom b@y.org Tue Jan  2 10:00:00 2024\nFrom: B <b@y.org>\n\nshort\n")
    seen: list[int] = []
    msgs = list(iter_messages(io.BytesIO(data), advance=seen.append, chunk_size=65536))
    assert [m[0] for m in msgs] == [1, 80_006]
    assert msgs[1][2] == b"\nFrom: B <b@y.org>\n"
    assert max(len(m[2]) for m in msgs) < 100
    assert sum(seen) == len(data)


def test_looks_like_mbox() -> None:
    assert looks_like_mbox(b"From - Mon Aug 28 18:38:57 2023\nX-Mozilla-Status: 0001\n")
    assert looks_like_mbox(b"\xef\xbb\xbf\r\nFrom ???@??? Mon Jan 01 00:00:00 1997\r\nFrom: a@b.c\r\n")
    assert not looks_like_mbox(b"From the desk of the CEO\nDear all,\n")
    assert not looks_like_mbox(b"First Name,Last Name\n")


# Body lines that were not escaped: a "From " line after a blank line is a separator only when it looks like one.
_BODY_FROM = (b"From - Mon Jan 02 10:00:00 2023\nFrom: Bob Brown <bob@beta.com>\nTo: Me <me@example.com>\n"
              b"Date: Mon, 02 Jan 2023 10:00:00 +0000\nMessage-ID: <b1@x>\n\nHi,\n\n"
              b"From the recruiter's note, forwarded below:\nFrom: Jane Recruiter <jane@agency.com>\n"
              b"To: Team <team@beta.com>\n\nThey want someone who can start in March.\n\n"
              b"From - Tue Jan 03 10:00:00 2023\nFrom: Me <me@example.com>\nTo: Bob Brown <bob@beta.com>\n"
              b"Date: Tue, 03 Jan 2023 10:00:00 +0000\nMessage-ID: <b2@x>\n\nThanks!\n")


@pytest.mark.parametrize("eol", [b"\n", b"\r\n"], ids=["lf", "crlf"])
def test_unescaped_from_line_before_header_like_lines_is_body(eol: bytes, tmp_path: Path) -> None:
    """Bug M4: "From the recruiter's note, ..." after a blank line, then "From: Jane ...", "To: Team ..." in Bob's
    body made a third message (an undated one received from Jane, a record for team@beta.com)."""
    path = tmp_path / "body_from.mbox"
    path.write_bytes(_BODY_FROM.replace(b"\n", eol))
    r = ingest([path])
    rep = _report(r, "body_from.mbox")
    assert (rep.read, rep.used, rep.rejected) == (2, 2, 0)
    assert sorted(r.messages.get_column("line").to_list()) == [1, 15]
    emails = _records_by_email(r)
    assert "jane@agency.com" not in emails and "team@beta.com" not in emails
    assert not r.records.get_column("name").cast(pl.String).str.contains("Jane").any()


def test_unescaped_from_line_before_a_key_value_line_is_no_reject(tmp_path: Path) -> None:
    """"From next week the rota is:" then "Monday: Alice" was read as a message without a sender (a reject)."""
    path = tmp_path / "rota.mbox"
    path.write_bytes(b"From alice@example.com Sat Jan  3 01:05:34 2026\nFrom: Alice <alice@example.com>\n"
                     b"To: me@example.com\nMessage-ID: <rota@x>\n\nHello team,\n\nFrom next week the rota is:\n"
                     b"Monday: Alice\nTuesday: Bob\n\nCheers\n")
    r = ingest([path])
    rep = _report(r, "rota.mbox")
    assert (rep.read, rep.used, rep.rejected) == (1, 1, 0)
    assert r.rejects.height == 0


@pytest.mark.parametrize("prose", [b"From 9:00 on 3 May 2024:", b"From 2024 on, 9:30 is the start:"])
def test_dated_prose_from_line_inside_a_paragraph_is_body(prose: bytes, tmp_path: Path) -> None:
    """A body line starting "From " with a time and a year but no seconds, inside a paragraph and before a
    "Location: ..." line, split the message (a reject without a sender): a ctime date has seconds."""
    data = (b"From alice@example.com Sat Jan  3 01:05:34 2026\nFrom: Alice <alice@example.com>\n"
            b"To: me@example.com\nMessage-ID: <offsite@x>\n\nThe offsite is on.\n" + prose +
            b"\nLocation: Room 4\nAgenda: planning\n\nAlice\n")
    assert [m[0] for m in iter_messages(io.BytesIO(data))] == [1]
    path = tmp_path / "offsite.mbox"
    path.write_bytes(data)
    r = ingest([path])
    rep = _report(r, "offsite.mbox")
    assert (rep.read, rep.used, rep.rejected) == (1, 1, 0)
    assert r.rejects.height == 0


@pytest.mark.parametrize(("line", "separator"), [
    (b"From - Mon Jan 01 00:00:00 2024", True),  # Thunderbird
    (b"From 1234567890@xxx Mon Jan  1 10:00:00 +0000 2024", True),  # Gmail Takeout
    (b"From MAILER-DAEMON Fri Jul  8 12:08:34 2011", True),  # Python's mailbox, Apple
    (b"From alice@example.com Sat Jan 3 01:05:34 1996", True),  # Apple Mail, mboxcl
    (b"From ???@??? Mon Jan 01 00:00:00 1997", True),  # Eudora, KMail
    (b"From nytdirect@nytimes.com Fri Apr 11 15:36:11 2025", True),  # ImportExportTools NG (macOS)
    (b"From a@x.org", True),  # a sender without a date
    (b"From - ", True),  # neither sender nor date (formats.md 2.2, ImportExportTools NG)
    (b"From ", True),
    (b"From john at example.com  Mon Jan  1 10:00:00 2024", True),  # a date: a separator as before
    (b"From the recruiter's note, forwarded below:", False),
    (b"From next week the rota is:", False),
    (b"From my point of view", False),
    (b"From john@example.com said:", False),  # a sender, but no date after it
    (b"From  the rota in 2024", False),
])
@pytest.mark.parametrize("eol", [b"\n", b"\r\n"], ids=["lf", "crlf"])
def test_separator_lines_after_a_blank_line(line: bytes, separator: bool, eol: bytes) -> None:
    """The Python reference and the vectorised reader agree on which "From " lines after a blank line (and
    before a header-like line) start a message, and so does the detection of a file's first line."""
    from analyzer.ingest.mail.mbox_scan import header_table

    data = eol.join([b"From a@x.org Mon Jan  1 10:00:00 2024", b"From: A <a@x.org>", b"", b"Hi,", b"",
                     line, b"Subject: x", b"From: c@d.org", b"", b"body", b""])
    lines = [1, 6] if separator else [1]
    assert [m[0] for m in iter_messages(io.BytesIO(data))] == lines
    for chunk in (3, 64):
        assert [m[0] for m in iter_messages(io.BytesIO(data), chunk_size=chunk)] == lines
    table, _ = header_table(data, True, _NAMES, _JOINED)
    assert table.get_column("line").to_list() == lines
    assert table.to_dicts() == _reference_table(data)
    assert looks_like_mbox(line + eol + b"Subject: x" + eol) == separator


# ---- helpers --------------------------------------------------------------------------------------------------


def test_gmail_labels_parsing() -> None:
    quoted = gmail_labels(b'Inbox,Unread,"Travel, 2023",Category Updates')
    assert (quoted.ignore, quoted.sent, quoted.chat) == (None, False, False)
    assert gmail_labels(b"Important,\r\n Sent").sent
    for trash in (b"Papelera", b"Corbeille", b"Cestino", b"Lixeira", b"Prullenbak", b"Paperera", b"TRASH"):
        assert gmail_labels(trash).ignore == "gmail spam/trash/draft"
    for sent in (b"Enviados", b"Envoy\xc3\xa9s", b"Enviats", b"Posta inviata", b"Verzonden", b"Enviadas"):
        assert gmail_labels(sent).sent
    for other in (b"Correo no deseado", b"Ind\xc3\xa9sirables", b"Borradores", b"Brouillons"):
        assert gmail_labels(other).ignore
    assert gmail_labels(b"Chat").chat
    assert folder_kind("[Gmail]/Sent Mail") == "sent"
    assert folder_kind("Inbox") is None


def test_parse_addresses_shapes() -> None:
    assert parse_addresses('Alice <A@X.org>, "Smith, Jane" <jane@y.org>') == (
        ("a@x.org", "Alice"), ("jane@y.org", "Smith, Jane"))
    assert parse_addresses("=?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <j@x.de>") == (("j@x.de", "Jürgen Müller"),)
    assert parse_addresses("a@x.org; b@y.org") == (("a@x.org", None), ("b@y.org", None))
    assert parse_addresses("Smith, John <j@x.com>") == (("j@x.com", "Smith, John"),)
    assert parse_addresses("undisclosed-recipients:;") == ()
    assert parse_addresses("bob@x.org (Bob)") == (("bob@x.org", "Bob"),)


def test_address_hints() -> None:
    assert address_hint("no-reply@accounts.example", None) == "noreply/notification address"
    assert address_hint("notifications@github.com", "Alice Smith") == "noreply/notification address"
    assert address_hint("update+abc@facebookmail.com", None) is not None
    assert address_hint("team@e.shop.example", None) == "bulk-mail subdomain"
    assert address_hint("group@googlegroups.com", "Bob via Hiking") is not None
    assert address_hint("list@lists.example", "Bob via Hiking") == "sent via a group or service"
    assert address_hint("info@company.example", None) is None  # a role address, often a person
    assert address_hint("octavia@example.com", "Octavia Smith") is None


def test_date_forms() -> None:
    assert parse_mail_date(b" Thu, 30 Jun 2016 12:22:39 +0000 (GMT)") == datetime(2016, 6, 30, 12, 22, 39, tzinfo=UTC)
    assert parse_mail_date(b"8 Aug 2023 23:59:59 -0700") == datetime(2023, 8, 9, 6, 59, 59, tzinfo=UTC)
    assert parse_mail_date(b"Tue, 8 Aug 2023 12:36 +0200") == datetime(2023, 8, 8, 10, 36, tzinfo=UTC)
    assert parse_mail_date(b"Fri, 1 Jan 99 10:00:00 EST") == datetime(1999, 1, 1, 15, 0, tzinfo=UTC)
    assert parse_mail_date(b"Mon, 32 Jan 2020 10:00:00 +0000") is None
    assert parse_mail_date(b"garbage") is None
    # a damaged time whose colons are in place: unusable, not a crash (found by mutating gmail_takeout.mbox)
    assert parse_mail_date(b"Mon, 6 Feb 2023 :2:00:00 +0000") is None
    assert separator_date(b"From 1773664405479613283@xxx Tue Aug 08 12:36:29 +0000 2023") == datetime(
        2023, 8, 8, 12, 36, 29, tzinfo=UTC)
    assert separator_date(b"From - Mon Aug 28 18:38:57 2023") == datetime(2023, 8, 28, 18, 38, 57, tzinfo=UTC)
    assert separator_date(b"From ???@??? Mon Jan  1 00:00:00 1997") == datetime(1997, 1, 1, tzinfo=UTC)
    assert separator_date(b"From - ") is None
    assert separator_date(b"From - Sat Dec 31 23:59:60 2016") == datetime(2017, 1, 1, tzinfo=UTC)  # a leap second


# ---- CSV exports ----------------------------------------------------------------------------------------------


def test_outlook_mail_csv_undated() -> None:
    r = ingest([MAIL / "outlook_mail.csv"])
    rep = _report(r, "outlook_mail.csv")
    assert rep.kind == "mail.outlook_csv"
    assert rep.notes == ["no dates in Outlook mail CSV: identities only"]
    # 4 rows: 2 used, the row without a sender rejected, the repeated row counted once.
    assert (rep.read, rep.used, rep.rejected, rep.ignored) == (4, 2, 1, 1)
    assert r.rejects.select("line", "reason").rows() == [(6, "no sender")]
    assert r.messages.get_column("timestamp").null_count() == 2
    kickoff = r.messages.filter(pl.col("line") == 2).row(0, named=True)
    assert kickoff["n_participants"] == 4
    assert {_email_of(r, x) for x in kickoff["recipient_ids"]} == {"me@example.com", "ben@example.com",
                                                                   "cleo@example.com"}
    by_email = _records_by_email(r)
    assert by_email["ben@example.com"][0]["name"] == "Ben Ode"
    # An Exchange (EX) sender has a name and no address.
    dan = r.records.filter(pl.col("name") == "Dan Exchange").row(0, named=True)
    assert dan["emails"] == []


def test_thunderbird_ietng_csv() -> None:
    r = ingest([MAIL / "thunderbird_ietng.csv"])
    rep = _report(r, "thunderbird_ietng.csv")
    assert rep.kind == "mail.thunderbird_csv"
    assert (rep.read, rep.used, rep.rejected) == (4, 2, 2)
    assert r.rejects.select("line", "reason").rows() == [(3, "no sender address"), (4, "unreadable date")]
    ts = sorted(r.messages.get_column("timestamp").to_list())
    assert ts == [datetime(2020, 3, 13, 9, 5, tzinfo=UTC), datetime(2020, 3, 27, 15, 26, tzinfo=UTC)]
    reply = r.messages.filter(pl.col("line") == 2).row(0, named=True)
    assert {_email_of(r, x) for x in reply["recipient_ids"]} == {"cleidigh@gmail.com", "jane@corp.example"}
    assert _records_by_email(r)["jane@corp.example"][0]["name"] == "Smith, Jane"  # IETNG drops the quotes


def test_thunderbird_ietng_resaved_by_a_spreadsheet_reads_like_the_original() -> None:
    """Excel saves the index again with quotes only where a cell needs them, CRLF and its own date form
    (``3/13/2020 9:05``): the same messages, rejects and names as the add-on's own file."""
    original, resaved = ingest([MAIL / "thunderbird_ietng.csv"]), ingest([MAIL / "thunderbird_ietng_excel_resaved.csv"])
    rep = _report(resaved, "thunderbird_ietng_excel_resaved.csv")
    assert rep.kind == "mail.thunderbird_csv"
    assert (rep.read, rep.used, rep.rejected) == (4, 2, 2)
    assert resaved.rejects.select("line", "reason").rows() == original.rejects.select("line", "reason").rows()
    assert sorted(resaved.messages.get_column("timestamp").to_list()) == \
        sorted(original.messages.get_column("timestamp").to_list())
    assert _records_by_email(resaved)["jane@corp.example"][0]["name"] == "Smith, Jane"


def test_thunderbird_ietng_semicolon_day_first_with_folder_column() -> None:
    r = ingest([MAIL / "thunderbird_ietng_semicolon.csv"])
    rep = _report(r, "thunderbird_ietng_semicolon.csv")
    assert (rep.read, rep.used, rep.ignored) == (3, 2, 1)  # the Junk folder row is ignored
    assert sorted(r.messages.get_column("timestamp").to_list()) == [
        datetime(2020, 3, 27, 15, 26, tzinfo=UTC), datetime(2020, 3, 28, 8, 1, tzinfo=UTC)]
    owner = r.records.filter(pl.col("owner_hint"))  # the "Local Folders/Sent" row
    assert owner.get_column("emails").to_list() == [["me@example.com"]]
    assert _records_by_email(r)["joerg@example.de"][0]["name"] == "Jörg Weiß"


@pytest.mark.parametrize("first", [
    '"Delivery failure","Mail Delivery System","me@example.com",3/26/2020 15:26, ,""',  # author without address
    '"Lunch","Kim Lee <kim@example.com>","me@example.com",,*,""',  # no date
], ids=["author_without_address", "no_date"])
def test_ietng_index_whose_first_message_cannot_be_used_reads_the_others(first: str, tmp_path: Path) -> None:
    """The add-on writes the messages in the folder's order: the first one may have an author without an
    address or no date. That row is rejected; the file was refused whole as 'not a format reconnect reads'."""
    path = tmp_path / "messages.csv"
    path.write_text(first + '\r\n"Re: Lunch","Kim Lee <kim@example.com>","me@example.com",3/27/2020 15:26, ,""\r\n'
                    '"Plans","Ann Able <ann@able.example>","me@example.com",3/28/2020 9:05,*,""\r\n', encoding="utf-8")
    r = ingest([path])
    rep = _report(r, "messages.csv")
    assert rep.kind == "mail.thunderbird_csv"
    assert (rep.read, rep.used, rep.rejected) == (3, 2, 1)
    assert r.rejects.get_column("line").to_list() == [1]
    assert sorted(r.messages.get_column("timestamp").to_list()) == [
        datetime(2020, 3, 27, 15, 26, tzinfo=UTC), datetime(2020, 3, 28, 9, 5, tzinfo=UTC)]


def test_a_headed_csv_of_messages_is_not_taken_for_an_ietng_index(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text('"Subject","From","To","Date","Att","Body"\r\n'
                    '"Lunch","Kim Lee <kim@example.com>","me@example.com",3/27/2020 15:26, ,""\r\n', encoding="utf-8")
    f = InputFile(display=str(path), name=path.name, size=path.stat().st_size, path=path)
    assert detect(make_sniff(f)) is None


def test_m365_trace_summary() -> None:
    r = ingest([MAIL / "m365_trace_summary.csv"])
    rep = _report(r, "m365_trace_summary.csv")
    assert rep.kind == "mail.m365_trace"
    assert (rep.read, rep.used, rep.rejected, rep.ignored) == (5, 3, 1, 1)
    assert dict(rep.ignored_reasons) == {"spam/quarantined (message trace)": 1}
    hello = _message(r, "abc123@contoso.com")  # two rows (one per recipient) -> one message
    assert hello["n_participants"] == 3
    assert hello["timestamp"] == datetime(2022, 11, 29, 5, 35, 8, tzinfo=UTC)  # to the second
    assert {_email_of(r, x) for x in hello["recipient_ids"]} == {"bob@fabrikam.com", "carol@fabrikam.com"}
    assert r.messages.height == 2


def test_m365_trace_extended_utf16le_without_bom() -> None:
    path = MAIL / "m365_trace_extended_utf16le_nobom.csv"
    assert path.read_bytes()[:2] == b'"\x00'  # really UTF-16LE, no BOM
    r = ingest([path])
    rep = _report(r, path.name)
    assert (rep.read, rep.used, rep.ignored) == (4, 2, 2)
    assert dict(rep.ignored_reasons) == {"repeated trace event of the same message": 2}
    plan = _message(r, "m365a@contoso.com")
    assert plan["n_participants"] == 3
    assert plan["timestamp"] == datetime(2023, 5, 2, 8, 15, 1, tzinfo=UTC)
    assert _email_of(r, _message(r, "m365b@fabrikam.com")["sender_id"]) == "dave@fabrikam.com"


def test_generic_mail_csv_with_mapping() -> None:
    parser = generic_mail_csv_parser({"date": "Sent On", "from": "sender", "to": "Recipients", "cc": "Copy",
                                      "thread": "Conversation", "message_id": "Internet Message ID"})
    path = MAIL / "generic_mail.csv"
    f = InputFile(display=str(path), name=path.name, size=path.stat().st_size, path=path)
    sniff = make_sniff(f)
    assert parser.matches(sniff)
    assert detect(sniff) is None  # nothing else claims the file; registered, the mapping would
    out = FileCollector(str(path), parser.kind)
    parser.parse(f, out)
    _rec, msg, rej = out.frames(0)
    assert (out.report.read, out.report.used, out.report.rejected) == (4, 2, 2)
    assert rej.select("line", "reason").rows() == [(4, "unreadable date"), (5, "no sender address")]
    first = msg.filter(pl.col("message_id") == "g1@example.com").row(0, named=True)
    assert first["thread_id"] == "c-1"
    assert first["timestamp"] == datetime(2024, 2, 1, 9, 0, tzinfo=UTC)
    assert first["n_participants"] == 3
    second = msg.filter(pl.col("message_id") == "g2@example.com").row(0, named=True)
    assert second["n_participants"] == 3  # to + cc
    with pytest.raises(ValueError, match="from"):
        generic_mail_csv_parser({"date": "Sent On"})
    with pytest.raises(ValueError, match="unknown"):
        generic_mail_csv_parser({"from": "Sender", "subject": "Subject"})


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    return path


def _times(result: Ingested) -> list[datetime]:
    return sorted(result.messages.get_column("timestamp").to_list())


_GENERIC_SENT = generic_mail_csv_parser({"date": "Sent", "from": "Sender", "to": "Recipients"})


def _day(month: int, day: int, hour: int = 8) -> datetime:
    return datetime(2022, month, day, hour, tzinfo=UTC)


def test_m365_trace_received_column_written_day_first(tmp_path: Path) -> None:
    """PowerShell's Export-Csv writes Received in the machine's order: a column where a date can only be day
    first (29/11/2022) is read day first throughout (03/11/2022 is 3 November, not 11 March)."""
    head = '"MessageId","Received","SenderAddress","RecipientAddress","Subject","Status"\n'
    r = ingest([_write(tmp_path / "trace_dayfirst.csv", head + (
        '"<t1@a.com>","29/11/2022 08:00:00","ann@a.com","me@example.com","a","Delivered"\n'
        '"<t2@a.com>","03/11/2022 08:00:00","ann@a.com","me@example.com","b","Delivered"\n'
        '"<t3@me>","30/11/2022 09:00:00","me@example.com","ann@a.com","c","Delivered"\n'))])
    rep = _report(r, "trace_dayfirst.csv")
    assert (rep.kind, rep.read, rep.used, rep.rejected) == ("mail.m365_trace", 3, 3, 0)
    assert _times(r) == [_day(11, 3), _day(11, 29), _day(11, 30, 9)]
    # month first as before: a column that shows it (11/29/2022), and one that cannot tell (every day <= 12)
    r = ingest([_write(tmp_path / "us" / "trace.csv", head + (
        '"<t1@a.com>","11/29/2022 08:00:00","ann@a.com","me@example.com","a","Delivered"\n'
        '"<t2@a.com>","11/03/2022 08:00:00","ann@a.com","me@example.com","b","Delivered"\n')),
        _write(tmp_path / "either" / "trace.csv", head + (
            '"<t3@a.com>","03/11/2022 08:00:00","ann@a.com","me@example.com","a","Delivered"\n'))])
    assert _times(r) == [_day(3, 11), _day(11, 3), _day(11, 29)]


def test_generic_mail_csv_date_column_written_day_first(tmp_path: Path) -> None:
    path = _write(tmp_path / "generic.csv", "Sent,Sender,Recipients,Subject\n"
                  "29/11/2022 08:00,Ann <ann@a.com>,me@example.com,hi\n"
                  "03/11/2022 08:00,Ann <ann@a.com>,me@example.com,hi2\n"
                  "30/11/2022 09:00,me@example.com,Ann <ann@a.com>,re\n")
    r = ingest([path], extra_parsers=[_GENERIC_SENT])
    rep = _report(r, "generic.csv")
    assert (rep.kind, rep.read, rep.used, rep.rejected) == ("mail.generic_csv", 3, 3, 0)
    assert _times(r) == [_day(11, 3), _day(11, 29), _day(11, 30, 9)]
    path.write_text("Sent,Sender,Recipients\n11/29/2022 08:00,ann@a.com,me@example.com\n"
                    "11/03/2022 08:00,ann@a.com,me@example.com\n")  # month first: as before
    assert _times(ingest([path], extra_parsers=[_GENERIC_SENT])) == [_day(11, 3), _day(11, 29)]


def _same_minute_twice(tmp_path: Path, name: str, text: str, n: int, parsers: list[Any] | None = None) -> None:
    """Two messages of one sender in the same minute to the same people are two messages; the same file read
    again (an overlapping export of the same kind) adds none of them. Their keys carry no subject."""
    one = _write(tmp_path / "a" / name, text)
    r = ingest([one], extra_parsers=parsers or [])
    rep = _report(r, name)
    assert (rep.used, rep.ignored) == (n, 0)
    assert r.messages.height == n
    assert all(len(k) == 24 and int(k, 16) >= 0 for k in r.messages.get_column("msg_key"))
    two = _write(tmp_path / "b" / name, text)
    r2 = ingest([one, two], extra_parsers=parsers or [])
    assert r2.messages.height == n
    reps = sorted(r2.files, key=lambda x: x.source_file)
    assert [(x.used, x.ignored) for x in reps] == [(n, 0), (0, n)]
    assert dict(reps[1].ignored_reasons) == {"same message already read from another export": n}


def test_ietng_two_messages_in_the_same_minute_with_other_subjects(tmp_path: Path) -> None:
    _same_minute_twice(tmp_path, "ietng_same_minute.csv", (
        '"Quick question","Ann Smith <ann@a.com>","me@example.com",3/27/2020 15:26, ,"1234",""\n'
        '"Forgot the attachment","Ann Smith <ann@a.com>","me@example.com",3/27/2020 15:26,*,"88000",""\n'
        '"Re: Quick question","Me <me@example.com>","Ann Smith <ann@a.com>",3/28/2020 09:05, ,"1500",""\n'), 3)


def test_generic_mail_csv_two_messages_in_the_same_minute_with_other_subjects(tmp_path: Path) -> None:
    _same_minute_twice(tmp_path, "generic_same.csv", (
        "Sent,Sender,Recipients,Subject\n2022-11-03 08:00,Ann <ann@a.com>,me@example.com,first\n"
        "2022-11-03 08:00,Ann <ann@a.com>,me@example.com,second\n"), 2, [_GENERIC_SENT])


def test_m365_trace_messages_without_message_id_told_apart_by_trace_id(tmp_path: Path) -> None:
    _same_minute_twice(tmp_path, "trace_no_mid.csv", (
        '"MessageId","Received","SenderAddress","RecipientAddress","Subject","Status","MessageTraceId"\n'
        '"","2022-11-29T09:00:00","eve@e.com","me@example.com","no mid","Delivered",'
        '"66666666-1111-1111-1111-111111111111"\n'
        '"","2022-11-29T09:00:00","eve@e.com","me@example.com","no mid 2","Delivered",'
        '"77777777-1111-1111-1111-111111111111"\n'), 2)


@pytest.mark.parametrize(("name", "kind"), [
    ("gmail_takeout.mbox", "mail.mbox"), ("crlf.mbox", "mail.mbox"), ("outlook_mail.csv", "mail.outlook_csv"),
    ("thunderbird_ietng.csv", "mail.thunderbird_csv"), ("thunderbird_ietng_semicolon.csv", "mail.thunderbird_csv"),
    ("m365_trace_summary.csv", "mail.m365_trace"), ("m365_trace_extended_utf16le_nobom.csv", "mail.m365_trace"),
])
def test_detection_by_content(name: str, kind: str, tmp_path: Path) -> None:
    # Renamed to something meaningless: detection does not depend on the name.
    target = tmp_path / "export.dat"
    shutil.copy(MAIL / name, target)
    f = InputFile(display=str(target), name=target.name, size=target.stat().st_size, path=target)
    parser = detect(make_sniff(f))
    assert parser is not None
    assert parser.kind == kind


# ---- the vectorised mbox reader ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["gmail_takeout.mbox", "crlf.mbox", "thunderbird_from_dash.mbox",
                                  "missing_date.mbox"])
@pytest.mark.parametrize("chunk", [1, 7, 64, 4097])
def test_mbox_result_is_independent_of_chunk_size(name: str, chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from analyzer.ingest.mail import mbox_scan

    expected = ingest([MAIL / name])
    monkeypatch.setattr(mbox_scan, "LINE_CHUNK", chunk)
    got = ingest([MAIL / name])
    assert got.records.equals(expected.records)
    assert got.messages.equals(expected.messages)
    assert got.rejects.equals(expected.rejects)
    assert [f.as_dict() for f in got.files] == [f.as_dict() for f in expected.files]


def test_line_chunks_end_after_blank_lines() -> None:
    from analyzer.ingest.mail.mbox_scan import iter_line_chunks

    data = (MAIL / "gmail_takeout.mbox").read_bytes()
    pieces = [(a, bytes(p)) for a, p in iter_line_chunks(io.BytesIO(data), chunk_size=100)]
    assert b"".join(p for _, p in pieces) == data
    assert all(p.endswith((b"\n\n", b"\n\r\n")) for _, p in pieces[:-1])
    assert [a for a, _ in pieces] == [True] * len(pieces)


def test_mbox_8bit_header_read_as_windows_1252(tmp_path: Path) -> None:
    path = tmp_path / "latin.mbox"
    path.write_bytes(b"From a@x.org Mon Jan  1 10:00:00 2024\nFrom: Jos\xe9 Garc\xeda <jose@x.org>\nTo: b@y.org\n"
                     b"Date: Mon, 1 Jan 2024 10:00:00 +0000\nMessage-ID: <cp1@x.org>\n\nhola \xe9\n")
    r = ingest([path])
    assert _records_by_email(r)["jose@x.org"][0]["name"] == "José García"


@pytest.mark.parametrize("value", [
    b"Thu, 29 Feb 2024 23:59:59 -0800", b"Fri, 29 Feb 2023 10:00:00 +0000", b"Sat, 31 Dec 2022 23:00:00 +1300",
    b"Mon, 01 Jan 1900 00:00:00 +0000", b"Tue, 08 Aug 2023 24:36:29 +0000", b"Wed, 08 Aug 2023 12:36:29 +0530",
    b"Tue, 8 Aug 2023 12:36:29 +0000", b"8 Aug 2023 12:36:29 GMT", b"Tue, 08 Aug 23 12:36:29 +0000",
    b"Wed, 04 Aug 2021 22:03:54 +0000 (GMT)", b"Fri, 3 Jun 2022 05:32:04 -0500 (CDT)", b"Sun, 9 Jul 2023 04:16:10 EDT",
    b"Sun, 9 Jul 2023 04:16:10 UT", b"9 Jul 2023 4:16 PST", b"Sun, 9 July 2023 04:16:10 +0000", b"Mon, 32 Jan 2024 10:00:00 +0000",
    b"Fri, 1 Mar 2024 22:00:00 +9999", b"Fri, 1 Mar 2024 22:00 +9960",
])
def test_vectorised_dates_agree_with_parse_mail_date(value: bytes, tmp_path: Path) -> None:
    path = tmp_path / "d.mbox"
    path.write_bytes(b"From - Mon Jan  1 10:00:00 2024\nFrom: a@x.org\nDate: " + value + b"\nMessage-ID: <d@x.org>\n\n")
    r = ingest([path])
    expected = parse_mail_date(value) or datetime(2024, 1, 1, 10, 0, tzinfo=UTC)  # else the separator's date
    assert r.messages.get_column("timestamp").to_list() == [expected]


@pytest.mark.parametrize(
    ("address", "automated"),
    [
        ("shipment-tracking@amazon.com", True),
        ("order.confirmation@shop.example", True),
        ("billing@saas.example", True),
        ("no-reply@accounts.google.com", True),
        ("jane.doe@acme.example", False),
        ("bill.hammond@billhammond.example", False),
        ("morgan.reyes@northwindlogistics.example", False),
    ],
)
def test_machine_addresses_are_marked_automated(address: str, automated: bool) -> None:
    from analyzer.ingest.mail import address_hint

    assert (address_hint(address, None) is not None) is automated


# ---- header_table (numpy) against a plain Python reading of the same header blocks --------------------------

_NAMES = ("from", "date", "message-id", "references", "x-gmail-labels", "to", "cc")
_JOINED = frozenset({"to", "cc"})


def _reference_table(data: bytes) -> list[dict[str, object]]:
    """What header_table must give, read message by message with iter_messages and plain Python."""
    rows = []
    for line, sep, block in iter_messages(io.BytesIO(data)):
        values: dict[str, list[str]] = {}
        current: list[bytes] | None = None
        for raw in block.split(b"\n")[1:]:
            raw = raw[:-1] if raw.endswith(b"\r") else raw
            if not raw:
                break
            if raw[:1] in (b" ", b"\t"):
                if current is not None:
                    current.append(raw)
                continue
            colon = raw.find(b":")
            name = raw[:colon].rstrip(b" \t").lstrip(b">").lower() if colon >= 0 else b""
            if colon >= 0 and name.decode("latin-1") in _NAMES:
                current = [raw[colon + 1:]]
                values.setdefault(name.decode(), []).append(current)  # type: ignore[arg-type]
            else:
                current = None
        row: dict[str, object] = {"line": line, "sep": sep.decode("utf-8", "reconnect-cp1252")}
        for name in _NAMES:
            texts = [b" ".join([parts[0], *(p.lstrip(b" \t") for p in parts[1:])]).strip()  # type: ignore[union-attr]
                     .decode("utf-8", "reconnect-cp1252") for parts in values.get(name, [])]
            row[name] = (",".join(texts) if name in _JOINED else texts[0]) if texts else None
        rows.append(row)
    return rows


_header_lines = st.sampled_from([
    b"From: Ann <a@x.org>", b"from : b@y.org", b"To: c@z.org", b"TO:d@z.org, e@z.org", b"Cc: f@z.org",
    b"Date: Tue, 8 Aug 2023 12:36:29 +0000", b"Message-ID: <id@x>", b"References: <r1@x>", b"  <r2@x>",
    b"\t<r3@x>", b"X-Gmail-Labels: Inbox,\"a, b\"", b"Subject: From here", b"X-Received: by 10.0.0.1",
    b">From: quoted@x.org", b"Received: from a by b", b"Content-Type: text/plain", b"Jos\xe9: x", b"To: Jos\xe9 <j@x>",
    b"no colon here", b"X-Very-Long-Header-Name-Beyond-Thirty-Two-Bytes: v", b"Message-ID:",
])
_body_lines = st.sampled_from([b"hello", b"", b">From the start", b"From my point of view", b"To: not a header",
                               b"From x@y Mon Jan  1 10:00:00 2024", b"--boundary", b"Date: in a body",
                               b"From next week the rota is:", b"Monday: Alice", b"From - ", b"From b@y said:",
                               b"From b@y 2024"])


@st.composite
def _mbox_bytes(draw: st.DrawFn) -> bytes:
    eol = draw(st.sampled_from([b"\n", b"\r\n"]))
    out = []
    for i in range(draw(st.integers(1, 6))):
        out.append(draw(st.sampled_from([b"From - Mon Jan  1 10:00:00 2024", b"From 1773@xxx Tue Aug 08 12:36:29 +0000 2023",
                                         b"From ???@??? Mon Jan  1 10:00:00 2024", f"From a{i}@x.org".encode()])))
        out.extend(draw(st.lists(_header_lines, min_size=1, max_size=8)))
        if draw(st.booleans()):
            out.append(b"")
            out.extend(draw(st.lists(_body_lines, max_size=6)))
        out.append(b"")
    return eol.join(out) + (eol if draw(st.booleans()) else b"")


@settings(max_examples=300, deadline=None)
@given(_mbox_bytes())
def test_header_table_agrees_with_a_plain_python_reading(data: bytes) -> None:
    from analyzer.ingest.mail.mbox_scan import header_table

    table, n_lines = header_table(data, True, _NAMES, _JOINED)
    assert n_lines == data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    assert table.to_dicts() == _reference_table(data)


@pytest.mark.parametrize("name", ["crlf.mbox", "missing_date.mbox"])
def test_header_table_reads_every_prefix_of_a_file(name: str) -> None:
    """A file cut anywhere (even right after a header's colon, as in `To:` at the very end) is read, not crashed on."""
    from analyzer.ingest.mail.mbox_scan import header_table

    data = (FIXTURES / "mail" / name).read_bytes()
    for k in range(1, len(data) + 1):
        table, _ = header_table(data[:k], True, _NAMES, _JOINED)
        assert table.to_dicts() == _reference_table(data[:k]), k
    assert header_table(b"From a@x.org Mon Jan  1 10:00:00 2024\nTo:", True, _NAMES, _JOINED)[0]["to"].to_list() == [""]


@st.composite
def _date_values(draw: st.DrawFn) -> str:
    weekday = draw(st.sampled_from(["Mon, ", "Tue,", "Wed ", "", "Thursday, ", "mon, "]))
    day = draw(st.sampled_from(["1", "01", "9", "31", "30", "29", "0", "32"]))
    month = draw(st.sampled_from(["Jan", "feb", "MAR", "Sept", "Dec", "Foo", "May."]))
    year = draw(st.sampled_from(["2023", "1999", "2024", "1900", "2100", "23", "0999"]))
    time = draw(st.sampled_from(["12:36:29", "9:05:00", "23:59:60", "24:00:00", "12:36", "12:61:00", "12:36:29.5"]))
    zone = draw(st.sampled_from([" +0000", " -0500", " +0530", " GMT", " UT", " EST", " pdt", " CEST", " XYZ", " Z", "",
                                 " +0000 (UTC)", " -0800 (PST)", " +9999", " +0000(UTC)", " (GMT)"]))
    space = draw(st.sampled_from([" ", "  ", "\t"]))
    return f"{weekday}{day}{space}{month}{space}{year} {time}{zone}{draw(st.sampled_from(['', ' ', '  x']))}"


@settings(max_examples=400, deadline=None)
@given(st.lists(_date_values(), min_size=1, max_size=20))
def test_vectorised_dates_are_parse_mail_date_or_left_to_it(values: list[str]) -> None:
    from analyzer.ingest.mail.message_dates import _vector_dates

    got = _vector_dates(pl.Series(values, dtype=pl.String())).to_list()
    for value, ts in zip(values, got, strict=True):
        if ts is not None:  # what the vectorised reading gives, the per-value parser gives too
            assert ts == parse_mail_date(value.encode()), value


def _utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


# Date header forms as real mailers write them, and the UTC instant each stands for (None: no date, so the
# separator line's date is used)
_DATE_FORMS: list[tuple[str, datetime | None]] = [
    ("Fri, 01 Mar 2024 10:00:00 +1400", _utc(2024, 2, 29, 20)),
    ("Fri, 01 Mar 2024 10:00:00 -1200", _utc(2024, 3, 1, 22)),
    ("Fri, 01 Mar 2024 10:00:00 +0530", _utc(2024, 3, 1, 4, 30)),
    ("Fri, 01 Mar 2024 10:00:00 +0545", _utc(2024, 3, 1, 4, 15)),
    ("Fri, 01 Mar 2024 10:00:00 -0330", _utc(2024, 3, 1, 13, 30)),
    ("Fri, 01 Mar 2024 10:00:00 +0000 (UTC)", _utc(2024, 3, 1, 10)),
    ("Fri, 01 Mar 2024 10:00:00 -0700 (PDT)", _utc(2024, 3, 1, 17)),
    ("Fri, 01 Mar 2024 10:00:00 EST", _utc(2024, 3, 1, 15)),
    ("Fri, 01 Mar 2024 10:00:00 PDT", _utc(2024, 3, 1, 17)),
    ("Fri, 01 Mar 2024 10:00:00 CET", _utc(2024, 3, 1, 9)),
    ("Fri, 01 Mar 2024 10:00:00 CEST", _utc(2024, 3, 1, 8)),
    ("Fri, 01 Mar 2024 10:00:00 BST", _utc(2024, 3, 1, 9)),
    ("Fri, 01 Mar 2024 10:00:00 UT", _utc(2024, 3, 1, 10)),
    ("Fri, 01 Mar 2024 10:00:00 Z", _utc(2024, 3, 1, 10)),
    ("Fri, 01 Mar 2024 10:00:00 XYZ", _utc(2024, 3, 1, 10)),  # an unknown zone counts as UTC (RFC 5322 4.3)
    ("(sent from my phone) Fri, 01 Mar 2024 10:00:00 +0100", _utc(2024, 3, 1, 9)),  # a comment first (was none)
    ("(a) (b) 1 Mar 2024 10:00:00 -0500", _utc(2024, 3, 1, 15)),
    ("Fri, 01 Mar 2024 10:00 +0100", _utc(2024, 3, 1, 9)),
    ("Fri, 01 Mar 2024 10:00:00 +01:00", _utc(2024, 3, 1, 9)),  # (PHP's date("D, d M Y H:i:s P"))
    ("Fri, 01 Mar 2024 10:00:00 -05:00", _utc(2024, 3, 1, 15)),
    ("Fri, 01 Mar 2024 10:00:00 GMT+0100", _utc(2024, 3, 1, 9)),
    ("Fri, 01 Mar 2024 10:00:00 UTC-0330", _utc(2024, 3, 1, 13, 30)),
    ("Fri, 01 Mar 2024 10:00:00 PM -0500", _utc(2024, 3, 2, 3)),  # a 12-hour clock
    ("Fri, 01 Mar 2024 12:15:00 AM +0000", _utc(2024, 3, 1, 0, 15)),
    ("Fri, 01 Mar 2024 12:15 PM EST", _utc(2024, 3, 1, 17, 15)),
    ("Fri, 01 Mar 2024 9:05 pm", _utc(2024, 3, 1, 21, 5)),
    ("Fri, 01 Mar 2024 13:05:00 PM +0000", None),
    ("Fri, 01 Mar 2024 10:00:00 AMT", _utc(2024, 3, 1, 10)),  # a zone (unknown), not "AM"
    ("Sat, 31 Dec 2016 23:59:60 +0000", _utc(2017, 1, 1)),
    ("Sat, 31 Dec 2016 9:59:60 +0000", _utc(2016, 12, 31, 10)),
    ("Sat,31 Dec 2016 23:59:60 -0100", _utc(2017, 1, 1, 1)),
    ("Sat, 31 Dec 2016 23:59:61 +0000", None),
    ("Fri, 1 Mar 2024 9:05:07 +0000", _utc(2024, 3, 1, 9, 5, 7)),
    ("Fri, 1 Jan 99 10:00:00 -0500", _utc(1999, 1, 1, 15)),
    ("Mon, 1 Jan 00 10:00:00 +0000", _utc(2000, 1, 1, 10)),
    ("Sat, 1 Jan 100 10:00:00 +0000", _utc(2000, 1, 1, 10)),
    ("Fri, 1 March 2024 10:00:00 +0000", _utc(2024, 3, 1, 10)),
    ("fri, 1 mar 2024 10:00:00 +0000", _utc(2024, 3, 1, 10)),
    ("1 Mar 2024 10:00:00 +0000", _utc(2024, 3, 1, 10)),
    ("Mon, 1 Mar 2024 10:00:00 +0000", _utc(2024, 3, 1, 10)),  # a wrong weekday is not checked
    ("Fri,\t1  Mar\t2024  10:00:00\t+0000 ", _utc(2024, 3, 1, 10)),
    ("2024-03-01T10:00:00Z", _utc(2024, 3, 1, 10)),
    ("2024-03-01T10:00:00+01:00", _utc(2024, 3, 1, 9)),
    ("Sun, 10 Mar 2024 03:30:00 -0400", _utc(2024, 3, 10, 7, 30)),
    ("Sun, 27 Oct 2024 02:30:00 +0100", _utc(2024, 10, 27, 1, 30)),
    ("Thu, 1 Jan 1970 00:00:01 +0000", _utc(1970, 1, 1, 0, 0, 1)),
    ("Wed, 31 Dec 1969 23:59:59 +0000", None),
    ("Fri, 31 Dec 2100 23:59:59 +0000", _utc(2100, 12, 31, 23, 59, 59)),
    ("Sat, 1 Jan 2101 00:00:00 +0000", None),
    ("Wed, 1 Mar 2028 10:00:00 +0000", _utc(2028, 3, 1, 10)),
    # an offset no place has (a broken mailer's): an unknown zone, the time as UTC (was shifted by four days)
    ("Fri, 1 Mar 2024 22:00:00 +9999", _utc(2024, 3, 1, 22)),
    ("Fri, 1 Mar 2024 22:00:00 -0075", _utc(2024, 3, 1, 22)),
    ("Fri, 1 Mar 2024 22:00 +1500 (XYZ)", _utc(2024, 3, 1, 22)),
    ("Fri, 1 Mar 2024 22:00:00 -1400", _utc(2024, 3, 2, 12)),  # (the largest offsets in use are +-14:00)
    ("Fri, 1 Mar 2024 22:00:00 +1400", _utc(2024, 3, 1, 8)),
]


@pytest.mark.parametrize(("value", "expected"), _DATE_FORMS)
def test_date_forms_read_alike_by_both_paths(value: str, expected: datetime | None) -> None:
    from analyzer.ingest.mail.message_dates import _vector_dates

    assert parse_mail_date(value.encode()) == expected
    assert _vector_dates(pl.Series([value])).to_list()[0] in (expected, None)  # (None: left to parse_mail_date)


@pytest.mark.parametrize("body", [b"QUJD" * 40 + b"\n" + b"REVG" * 200 + b"\n", b"x" * 900],
                         ids=["base64-without-blank-lines", "no-line-end-at-all"])
def test_line_chunks_stay_bounded_without_blank_lines(body: bytes, monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    from analyzer.ingest.mail import mbox_scan

    head = b"From a@x.org Mon Jan  1 10:00:00 2024\nFrom: a@x.org\nTo: b@y.org\nMessage-ID: <%d@x>\n\n"
    data = head % 1 + body + b"\n\n" + head % 2 + b"hello\n"
    monkeypatch.setattr(mbox_scan, "MAX_LINE_CHUNK", 200)
    pieces = [bytes(p) for _, p in mbox_scan.iter_line_chunks(io.BytesIO(data), chunk_size=16)]
    assert b"".join(pieces) == data
    assert max(len(p) for p in pieces) <= 200 + 16
    path = tmp_path / "long.mbox"
    path.write_bytes(data)
    monkeypatch.setattr(mbox_scan, "LINE_CHUNK", 16)
    got = ingest([path])
    assert sorted(got.messages.get_column("msg_key").to_list()) == ["1@x", "2@x"]
    # the line numbers after it are the file's (a piece cut inside a line counted it twice: one more per cut)
    lines = dict(zip(got.messages.get_column("msg_key"), got.messages.get_column("line"), strict=True))
    assert lines["2@x"] == data[:data.rindex(b"From a@x.org")].count(b"\n") + 1


def test_an_unquoted_name_that_is_an_address_or_has_brackets(tmp_path: Path) -> None:
    """``From: bob@x.example <alice@y.example>`` (a display name that is another address, unquoted) made the
    message Bob's (the standard library reads two addresses, Bob's first) and Alice nameless and one-way;
    ``Alan Turing [ACME] <aturing@acme.com>`` lost its name; ``"carol@z.example" <dave@w.example>`` showed
    Carol's address as Dave's name."""
    from datetime import date

    from analyzer.pipeline import analyze

    def message(frm: str, to: str, i: int) -> str:
        return (f"From - Mon Jan 02 10:00:00 2023\nFrom: {frm}\nTo: {to}\nSubject: s\n"
                f"Date: Mon, {2 + i:02d} Jan 2023 10:00:00 +0000\nMessage-ID: <u{i}@x.example>\n\nhi\n\n")

    me = "Me <me@example.com>"
    box = tmp_path / "names.mbox"
    box.write_text("".join([
        message("bob@x.example <alice@y.example>", me, 0), message(me, "Alice <alice@y.example>", 1),
        message("Bob Brown <bob@x.example>", me, 2), message(me, "Bob Brown <bob@x.example>", 3),
        message("Alan Turing [ACME] <aturing@acme.com>", me, 4), message(me, "aturing@acme.com", 5),
        message('"carol@z.example" <dave@w.example>', me, 6), message(me, "dave@w.example", 7)]),
        encoding="utf-8")
    a = analyze([box], me=["me@example.com"], as_of=date(2024, 6, 1))
    ranked = {emails[0]: (name, sent, received) for name, emails, sent, received in
              a.ranked.select("name", "emails", "messages_sent", "messages_received").rows()}
    assert ranked == {"alice@y.example": ("Alice", 1, 1), "bob@x.example": ("Bob Brown", 1, 1),
                      "aturing@acme.com": ("Alan Turing", 1, 1), "dave@w.example": (None, 1, 1)}


def test_a_date_of_the_unix_epoch_is_a_broken_clock(tmp_path: Path) -> None:
    """"Date: Thu, 01 Jan 1970 00:00:00 +0000" (a mail clock at zero) made a two-way tie since 1970; the
    separator's date is used instead, as for a message without a Date."""
    path = tmp_path / "epoch.mbox"
    path.write_bytes(b"From bob@beta.com Mon Jan  2 10:00:00 2023\nFrom: Bob <bob@beta.com>\nTo: me@example.com\n"
                     b"Date: Thu, 01 Jan 1970 00:00:00 +0000\nMessage-ID: <e1@x>\n\nHi\n\n"
                     b"From bob@beta.com Tue Jan  3 10:00:00 2023\nFrom: Bob <bob@beta.com>\nTo: me@example.com\n"
                     b"Date: Wed, 31 Dec 1969 19:00:00 -0500\nMessage-ID: <e2@x>\n\nHi again\n\n"
                     b"From - Wed Jan  4 10:00:00 2023\nFrom: Bob <bob@beta.com>\nTo: me@example.com\n"
                     b"Date: Thu, 01 Jan 1970 00:00:01 +0000\nMessage-ID: <e3@x>\n\nA second later\n")
    r = ingest([path])
    got = sorted(r.messages.get_column("timestamp").to_list())
    assert got == [datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC), datetime(2023, 1, 2, 10, tzinfo=UTC),
                   datetime(2023, 1, 3, 10, tzinfo=UTC)]


def test_one_senders_messages_that_reuse_one_message_id_are_several(tmp_path: Path) -> None:
    """A mailer that writes one Message-ID on every message (``<1@localhost>``): Bob's three messages of three
    days were counted as one (100,000 messages of 3,000 senders gave 3,000). A copy also has the same date; the
    same message twice in a file, or in a second export, is still one."""
    def message(day: int) -> str:
        return (f"From x@y Mon Jan  1 10:00:00 2023\nFrom: Bob Brown <bob@b.example>\nTo: me@example.com\n"
                f"Subject: s\nDate: Mon, {day:02d} Jan 2023 10:00:00 +0000\nMessage-ID: <1@localhost>\n\nhi\n\n")

    box = tmp_path / "a.mbox"
    box.write_text(message(2) + message(3) + message(4) + message(4), encoding="utf-8")
    r = ingest([box])
    assert sorted(t.day for t in r.messages.get_column("timestamp").to_list()) == [2, 3, 4]
    assert r.duplicate_messages == 1
    other = tmp_path / "b.mbox"
    other.write_text(message(3) + message(5), encoding="utf-8")
    r = ingest([box, other])
    assert r.duplicate_messages == 2  # the 4th twice in a.mbox, and b.mbox's copy of the 3rd; its 5th is new
    assert _report(r, "b.mbox").ignored_reasons == {"same message already read from another export": 1}
    assert r.messages.height == 4


def test_mail_csvs_joined_into_one_file_skip_the_repeated_header(tmp_path: Path) -> None:
    """Two exports concatenated: the second header (and PowerShell's ``#TYPE`` line) is no message. In an
    Outlook CSV it made a message from "From" to people named "To", "CC" and "BCC"."""
    head = (MAIL / "outlook_mail.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    row = ('"Hi","b","Zed Zulu","zed@z.example","SMTP","Alex Morgan","me@example.com","SMTP",'
           '"","","","","","","","","Normal","","Normal"')
    r = ingest([_write(tmp_path / "outlook.csv", f"{head}\n{row}\n{head}\n{row.replace('Hi', 'Yo')}\n")])
    rep = _report(r, "outlook.csv")
    assert (rep.read, rep.used, rep.rejected, rep.ignored) == (3, 2, 0, 1)
    assert dict(rep.ignored_reasons) == {"header row repeated (exports joined into one file)": 1}
    assert sorted(n for n in r.records.get_column("name").to_list() if n) == ["Alex Morgan", "Zed Zulu"]
    head = '"Received","SenderAddress","RecipientAddress","Subject","Status","MessageId"'
    typ = "#TYPE Deserialized.Microsoft.Exchange.Management.FfoReporting.MessageTrace"
    r = ingest([_write(tmp_path / "trace.csv", (
        f'{typ}\n{head}\n"2024-05-01T08:00:00","ann@a.com","me@example.com","a","Delivered","<t1@a.com>"\n'
        f'{typ}\n{head}\n"2024-05-02T08:00:00","ann@a.com","me@example.com","b","Delivered","<t2@a.com>"\n'))])
    rep = _report(r, "trace.csv")
    assert (rep.read, rep.used, rep.rejected, rep.ignored) == (4, 2, 0, 2)
    r = ingest([_write(tmp_path / "generic.csv", "Sent,Sender,Recipients\n2022-11-03 08:00,ann@a.com,me@example.com\n"
                       "Sent,Sender,Recipients\n2022-11-04 08:00,ann@a.com,me@example.com\n")],
               extra_parsers=[_GENERIC_SENT])
    rep = _report(r, "generic.csv")
    assert (rep.read, rep.used, rep.rejected, rep.ignored) == (3, 2, 0, 1)


def test_m365_trace_distribution_group_row_is_no_recipient(tmp_path: Path) -> None:
    """A message to a distribution group has a row for the group (Status Expanded) and one per member: the
    group was a recipient (a person, counted in the message's size) beside its members."""
    head = '"Received","SenderAddress","RecipientAddress","Subject","Status","MessageId"\n'
    r = ingest([_write(tmp_path / "trace.csv", head + (
        '"2024-05-02T08:00:00","me@example.com","sales-emea@example.com","a","Expanded","<m2@example.com>"\n'
        '"2024-05-02T08:00:00","me@example.com","bob@example.com","a","Delivered","<m2@example.com>"\n'
        '"2024-05-02T08:00:00","me@example.com","carl@example.com","a","Delivered","<m2@example.com>"\n'))])
    msg = _message(r, "m2@example.com")
    assert msg["n_participants"] == 3
    assert {_email_of(r, x) for x in msg["recipient_ids"]} == {"bob@example.com", "carl@example.com"}
    assert "sales-emea@example.com" not in _records_by_email(r)
