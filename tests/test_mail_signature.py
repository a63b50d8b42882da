"""Signature evidence read from mbox bodies (analyzer/ingest/mail/signature.py): tiny Gmail-Takeout-like
fixtures, one per case, asserting the values on the sender records."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from analyzer.ingest import ingest
from analyzer.ingest.mail.signature import SIG_COLUMNS, _cut_lines, title_line
from tests.conftest import FIXTURES

MAIL = FIXTURES / "mail"


def _signatures(name: str) -> dict[str, tuple[str | None, ...]]:
    """Sender display name -> (sig_name, sig_title, sig_company, sig_linkedin_url) of its record."""
    recs = ingest([MAIL / name]).records.filter(pl.col("role") == "sender")
    return {row[0]: tuple(row[1:]) for row in recs.select("name", *SIG_COLUMNS).iter_rows()}


def test_dash_delimiter_and_most_frequent_value() -> None:
    # Three messages: twice "Senior Data Engineer", once "Data Engineer": the most frequent pair wins.
    assert _signatures("sig_dash_delimiter.mbox") == {
        "Anna Schmidt": ("Anna Schmidt", "Senior Data Engineer", "Acme Analytics", None)}


def test_linkedin_url_with_and_without_scheme() -> None:
    assert _signatures("sig_linkedin_url.mbox") == {
        "Bob Jones": (None, None, None, "https://www.linkedin.com/in/bob-jones-7a1"),
        "Carla Ruiz": (None, None, None, "https://www.linkedin.com/in/carla-ruiz"),
    }


def test_title_company_forms() -> None:
    assert _signatures("sig_title_company.mbox") == {
        "Dana Lee": ("Dana Lee", "VP Engineering", "Hooli", None),
        "Eli Cohen": ("Eli Cohen", "Product Manager", "Stark Industries", None),
        "Fay Wong": ("Fay Wong", "Head of Sales", "Wayne Enterprises", None),
        "Gus Moore": ("Gus Moore", "Lead Architect", "Umbrella Corp.", None),
        # a sentence with "director, Paul Smith at", a closing "Thanks, Hal", a title without a company
        "Hal Berg": (None, None, None, None),
    }


def test_quoted_signature_is_not_the_senders() -> None:
    # The owner's signature quoted under "On ... wrote:", under "-----Original Message-----" or Outlook's German
    # "Von:" block (not quoted with ">"), under Gmail's German "Am ... schrieb Name <address>:" and in a forwarded
    # message is never attributed to the sender; a signature above the quote is.
    assert _signatures("sig_quoted_reply.mbox") == {
        "Ivy Park": (None, None, None, None),
        "Jon Ode": (None, None, None, None),
        "Kim Soto": (None, None, None, None),
        "Uma Berg": (None, None, None, None),
        "Vic Lam": (None, None, None, None),
        "Lea Roth": ("Lea Roth", "Chief Financial Officer", "Roth GmbH", None),
    }


def test_quoted_printable() -> None:
    # "--=20" delimiter, =C3=A9 accents, a soft line break inside the URL; a multipart text/plain part and a
    # single-part quoted-printable message.
    assert _signatures("sig_quoted_printable.mbox") == {
        "Zoé Lefèvre": ("Zoé Lefèvre", "Marketing Director", "Société Générale",
                        "https://www.linkedin.com/in/zoe-lefevre-3b"),
        "Max Ito": ("Max Ito", "Staff Engineer", "Example Org", None),
    }


def test_html_only_and_base64_are_skipped() -> None:
    assert _signatures("sig_html_only.mbox") == {
        "Nia Hale": (None, None, None, None),
        "Oto Kay": (None, None, None, None),
        "Pia Lund": (None, None, None, None),
    }


def test_native_name_above_english_name() -> None:
    assert _signatures("sig_native_name.mbox") == {
        "Kevin Zhang": ("Zhang Kaiwen", "Product Manager", "Hooli", None),
        "William Chen": ("Wei (William) Chen", "Data Scientist", "Globex", None),
    }


def test_url_in_the_middle_of_a_sentence_is_not_a_signature() -> None:
    assert _signatures("sig_url_mid_text.mbox") == {"Quinn Fox": (None, None, None, None)}


def test_no_signature() -> None:
    assert _signatures("sig_none.mbox") == {"Rae Dunn": (None, None, None, None),
                                            "Sam Tate": (None, None, None, None)}


@pytest.mark.parametrize(("line", "expected"), [
    ("Senior Engineer | Acme", ("Senior Engineer", "Acme")),
    ("Head of Product at Globex Corp", ("Head of Product", "Globex Corp")),
    ("Partner, Smith & Jones LLP", ("Partner", "Smith & Jones LLP")),
    ("Staff Engineer | Acme | Berlin", ("Staff Engineer", "Acme")),
    ("Director, Product Management", None),  # one title, no company
    ("See you at Noon", None),  # no job word
    ("The engineer at Acme said no.", None),  # a sentence
    ("Manager | acme", None),  # a company in lower case
])
def test_title_line(line: str, expected: tuple[str, str] | None) -> None:
    assert title_line(line) == expected


def test_no_body_text_is_kept() -> None:
    # Only the four evidence columns come out of the bodies: no column of RECORDS or MESSAGES holds body text.
    r = ingest([MAIL / "sig_dash_delimiter.mbox"])
    for frame in (r.records, r.messages):
        for col in frame.select(pl.col(pl.String)).columns:
            values = [v for v in frame.get_column(col).to_list() if v]
            assert not any("report is attached" in v or "Monday" in v for v in values), col


def _line_arrays(data: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(arr, starts, ends, body, first, length) of every line of ``data``, as read_signatures hands them over."""
    arr = np.frombuffer(data, dtype=np.uint8)
    starts, ends, pos = [], [], 0
    for line in data.split(b"\n"):
        starts.append(pos)
        ends.append(pos + len(line))
        pos += len(line) + 1
    st, en = np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)
    length = en - st
    first = np.where(length > 0, arr[np.minimum(st, len(arr) - 1)], 0)
    return arr, st, en, np.arange(len(st), dtype=np.int64), first, length


@pytest.mark.parametrize("padding", [b"\n" + b"." * 16, b""])
def test_cut_lines_every_kind_and_length(padding: bytes) -> None:
    """The lines where a text ends (found by an 8-byte word first, then tested): suffixes shorter and longer than a
    word, lines shorter than the text tested, a cut line at the very start of the buffer, case that must match."""
    lines = [b"wrote:", b"De: x", b":", b"e:", b"text", b"--boundary", b"-- ", b"--=20", b"_____", b"____",
             b"Fr\xc3\xa5n: a", b"*From:* b", b"Von:", b"x Von: y", b"Am Montag schrieb:", b"Le lundi a \xc3\xa9crit :",
             b"El lunes escribi\xc3\xb3:", b"---------- Forwarded message:", b"Begin forwarded message:",
             b"egin forwarded message:", b"<a@b.c>:", b"<a@b.c> :", b"Wrote:", b"Hi De: x", b"hello"]
    cuts = _cut_lines(*_line_arrays(b"\n".join(lines) + padding)).tolist()
    assert cuts == sorted(cuts)  # sorted; a line may be given twice (a dash line ending with a colon)
    assert sorted(set(cuts)) == [0, 1, 5, 8, 10, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21]


def test_plain_quoted_printable_windows_read_as_decoded() -> None:
    """The quoted-printable windows read in numpy (no "=", printable ASCII and tabs) give the lines _qp_lines gives
    them; the others are left to it. Random lines: trailing blanks, "=", non-ASCII, lone "\\r", other line breaks,
    quoted lines, sentence ends, lengths around the limits, LF and CRLF."""
    import random

    from analyzer.ingest.mail.signature import _plain_qp_lines, _qp_lines

    rnd = random.Random(5)
    pieces = [b"Jane Doe", b"x", b"CEO | Acme", b"  ", b"\t", b"=20", b"=", b"=C3=A9", b"\xc3\xa9", b"\xe9", b"\r",
              b"\x0b", b"\x0c", b"\x1c", b"\x1f", b"\x7f", b">", b"!", b"?", b",", b";", b":", b".", b"a" * 60,
              b"https://linkedin.com/in/jane", b" ", b"-- "]
    plain = [b"Jane Doe", b"CEO | Acme", b"  ", b"\t", b">", b"!", b",", b".", b"a" * 60, b" ", b"x"]
    lines = [b"".join(rnd.choice(plain if rnd.random() < 0.8 else pieces) for _ in range(rnd.randint(0, 4)))
             for _ in range(20000)]
    data = b"".join(line + rnd.choice([b"\n", b"\r\n"]) for line in lines)
    arr = np.frombuffer(data, dtype=np.uint8)
    nl = np.flatnonzero(arr == 10)
    starts = np.r_[0, nl[:-1] + 1].astype(np.int64)
    ends = nl.astype(np.int64)
    ends -= (ends > starts) & (arr[np.maximum(ends - 1, 0)] == 13)
    w0 = np.arange(0, len(starts) - 20, 7, dtype=np.int64)
    w1 = w0 + np.array([rnd.randint(1, 6) for _ in w0], dtype=np.int64)
    msgs = np.arange(len(w0), dtype=np.int64) * 3
    done, owner, text = _plain_qp_lines(data, arr, starts, ends, msgs, w0, w1)
    assert 0.1 < done.mean() < 0.9
    want_owner, want_text = _qp_lines(data, starts, ends, msgs[done], w0[done], w1[done])
    assert owner.tolist() == want_owner.tolist()
    assert text.to_pylist() == want_text.to_pylist()
    assert len(owner) > 100


# ---- a profile URL passed on is not the sender's ------------------------------------------------------------
def _profile_mail(tmp_path: Path, messages: list[tuple[str, str]]) -> Path:
    """An mbox of one message per (From, body) to me@example.com, a day apart, and a Connections.csv beside it."""
    box = tmp_path / "mail.mbox"
    box.write_text("".join(
        f"From x@y Mon Jan  1 10:00:00 2024\nFrom: {frm}\nTo: me@example.com\nSubject: s{i}\n"
        f"Date: Mon, {1 + i:02d} Jan 2024 10:00:00 +0000\nMessage-ID: <p{i}@x.example>\n\n{body}\n\n"
        for i, (frm, body) in enumerate(messages)), encoding="utf-8")
    (tmp_path / "Connections.csv").write_text(
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Jane,Doe,https://www.linkedin.com/in/jane-doe-42,,Globex,CTO,01 Jan 2020\n"
        "Tony,Li,https://www.linkedin.com/in/yuxuan-li-740a9a,,Initech,Engineer,01 Jan 2020\n", encoding="utf-8")
    return tmp_path


def test_a_profile_passed_on_at_the_end_of_a_message_is_not_the_senders(tmp_path: Path) -> None:
    """Two people who each passed on Jane's profile ("here is her profile", the URL on the last line) were made
    one person, Jane: the URL was read as their signature's. A slug that names another person is not evidence;
    one that can name the sender is (their own name, a native given name beside an English one, or their address
    spelled: ``tli@`` would not, ``tony.li@`` does)."""
    from datetime import date

    from analyzer.pipeline import analyze

    passed_on = "Hi,\n\nYou should really talk to Jane about the role.\nHere is her profile\n" \
                "https://www.linkedin.com/in/jane-doe-42"
    folder = _profile_mail(tmp_path, [
        ("Bob Brown <bob@beta.example>", passed_on),
        ("Carl Cox <carl@gamma.example>", passed_on),
        ("Tony Li <tony.li@initech.example>", "Thanks!\n\n-- \nTony Li\nEngineer | Initech\n"
                                               "https://www.linkedin.com/in/yuxuan-li-740a9a"),
        ("Jane Doe <jane@globex.example>", "See you.\n\n-- \nJane Doe\nCTO | Globex\nlinkedin.com/in/jane-doe-42"),
    ])
    a = analyze([folder], me=["me@example.com"], as_of=date(2024, 6, 1))
    rows = {name: (sorted(emails), urls) for name, emails, urls in
            a.people.filter(pl.col("kind") == "person").select("name", "emails", "linkedin_urls").rows()}
    assert rows == {
        "Bob Brown": (["bob@beta.example"], []),
        "Carl Cox": (["carl@gamma.example"], []),
        "Jane Doe": (["jane@globex.example"], ["https://www.linkedin.com/in/jane-doe-42"]),
        "Tony Li": (["tony.li@initech.example"], ["https://www.linkedin.com/in/yuxuan-li-740a9a"]),
    }


@pytest.mark.parametrize(("slug", "first", "last", "names"), [
    ("jane-doe-42", "jane", "doe", True),
    ("jdoe", "jane", "doe", True),
    ("jess-doyle", "jessica", "doyle", True),  # a nickname
    ("yuxuan-li-740a9a", "tony", "li", True),  # a native given name (not one the nickname table knows)
    ("huixu-007aea9d", "frank", "xu", True),
    ("jane-doe-42", "bob", "brown", False),  # another family name
    ("jane-smith", "bob", "smith", False),  # another given name
    ("alice-wang", "tony", "li", False),  # "li" only inside another word
])
def test_slug_names_the_person(slug: str, first: str, last: str, names: bool) -> None:
    from analyzer.identity.features import slug_names_the_person

    assert slug_names_the_person(f"https://www.linkedin.com/in/{slug}", first, last) is names
