"""LinkedIn archive parsers: every file kind and every known layout, asserted through ``ingest()``."""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from analyzer.identity import resolve
from analyzer.identity.features import connection_export_dates, export_name_date
from analyzer.ingest import Ingested, ingest, linkedin
from analyzer.ingest.collect import text_keys
from analyzer.ingest.linkedin.messages import _msg_key_text
from analyzer.ingest.linkedin.messages_frame import message_key_text
from analyzer.ingest.text import decode, read_table
from analyzer.normalize import canonical_linkedin_url
from analyzer.owner import identify_owner, to_events

FIX = Path(__file__).parent / "fixtures" / "linkedin"
REAL = Path(__file__).parents[2] / "shared" / "real-samples" / "linkedin"

OWNER_URL = "https://www.linkedin.com/in/olivia-owner"
ALICE_URL = "https://www.linkedin.com/in/alice-archer"
BOB_URL = "https://www.linkedin.com/in/bob-baker"
JANE_URL = "https://www.linkedin.com/in/janedoephd"


# ---- helpers --------------------------------------------------------------------------------------------------

#: A small used file given along with files that are recognised but not used (an input made only of those is
#: an error: it contains nothing to analyse).
ANCHOR = FIX / "connections_2018_no_preamble.csv"


def load(name: str) -> Ingested:
    return ingest([FIX / name])


def load_unused(*paths: Path) -> Ingested:
    """Ingest files that are recognised but not used, with :data:`ANCHOR` after them (reports 0.. are theirs)."""
    return ingest([*paths, ANCHOR])


def summary(r: Ingested, i: int = 0) -> dict[str, Any]:
    """The report of file ``i`` (the inputs are read in path order: a file of :func:`load_unused` is found by its
    name, not after :data:`ANCHOR`)."""
    reports = [f.as_dict() for f in r.files]
    others = [d for d in reports if not str(d["file"]).endswith(ANCHOR.name)]
    return others[i] if len(others) < len(reports) and i < len(others) else reports[i]


def ts(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def people(r: Ingested) -> dict[int, dict[str, Any]]:
    """record_id -> record row."""
    return {row["record_id"]: row for row in r.records.iter_rows(named=True)}


def by_name(r: Ingested, name: str) -> dict[str, Any]:
    rows = [row for row in r.records.iter_rows(named=True) if row["name"] == name]
    assert len(rows) == 1, f"{name!r}: {len(rows)} records"
    return rows[0]


def by_url(r: Ingested, url: str) -> dict[str, Any]:
    rows = [row for row in r.records.iter_rows(named=True) if row["linkedin_url"] == url]
    assert len(rows) == 1, f"{url!r}: {len(rows)} records"
    return rows[0]


def exchanges(r: Ingested) -> list[tuple[str | None, list[str | None], Any]]:
    """Per message, in file order: (sender label, recipient labels, timestamp); the owner record is 'OWNER'."""
    recs = people(r)

    def label(rid: int) -> str | None:
        rec = recs[rid]
        return "OWNER" if rec["owner_hint"] else rec["name"]

    return [(label(m["sender_id"]), [label(x) for x in m["recipient_ids"]], m["timestamp"])
            for m in r.messages.sort("line").iter_rows(named=True)]


def directions(r: Ingested) -> list[tuple[str | None, str]]:
    """(counterpart name, sent|received) for every event, seen from the owner (analyzer.owner)."""
    owner = identify_owner(r.records, r.owner)
    ev = to_events(r.messages, owner)
    names = dict(zip(r.records["record_id"].to_list(), r.records["name"].to_list(), strict=True))
    return sorted((names[e["record_id"]], e["direction"]) for e in ev.iter_rows(named=True))


def accounted(r: Ingested) -> None:
    for f in r.files:
        d = f.as_dict()
        assert d["read"] == d["used"] + d["rejected"] + d["ignored"]
        assert d["rejected"] == r.rejects.filter(pl.col("source_file") == d["file"]).height


# ---- every fixture: kind and row accounting --------------------------------------------------------------------

@pytest.mark.parametrize(("name", "kind", "read", "used", "rejected", "ignored"), [
    ("connections_2018_no_preamble.csv", "linkedin.connections", 2, 2, 0, 0),
    ("connections_preamble_no_url.csv", "linkedin.connections", 2, 2, 0, 0),
    ("connections_preamble_url.csv", "linkedin.connections", 3, 3, 0, 0),
    ("connections_excel_resaved.csv", "linkedin.connections", 2, 2, 0, 0),
    ("connections_placeholder_rows.csv", "linkedin.connections", 4, 2, 0, 2),
    ("connections_bad_rows.csv", "linkedin.connections", 4, 2, 2, 0),
    ("messages_2018_direction.csv", "linkedin.messages", 4, 3, 0, 1),
    ("messages_9col.csv", "linkedin.messages", 5, 5, 0, 0),
    ("messages_10col.csv", "linkedin.messages", 13, 9, 3, 1),
    ("messages_11col_attachments.csv", "linkedin.messages", 2, 2, 0, 0),
    ("messages_12col_drafts.csv", "linkedin.messages", 4, 2, 0, 2),
    ("messages_13col.csv", "linkedin.messages", 3, 2, 0, 1),
    ("messages_2026_quoted_multiline.csv", "linkedin.messages", 3, 3, 0, 0),
    ("messages_recipient_credentials.csv", "linkedin.messages", 5, 5, 0, 0),
    ("learningcoachmessages_not_csv.csv", "linkedin.coach_messages", 1, 0, 0, 1),
    ("coach_messages_header_only.csv", "linkedin.coach_messages", 0, 0, 0, 0),
    ("guide_messages_rows.csv", "linkedin.coach_messages", 2, 0, 0, 2),
    ("invitations_url.csv", "linkedin.invitations", 2, 2, 0, 0),
    ("invitations_urn.csv", "linkedin.invitations", 2, 2, 0, 0),
    ("invitations_old_5col.csv", "linkedin.invitations", 3, 2, 1, 0),
    ("endorsement_received_info.csv", "linkedin.endorsements_received", 2, 1, 0, 1),
    ("endorsement_received_2022_no_url.csv", "linkedin.endorsements_received", 2, 2, 0, 0),
    ("endorsement_received_utf16_tsv.csv", "linkedin.endorsements_received", 3, 2, 0, 1),
    ("endorsement_given_info.csv", "linkedin.endorsements_given", 1, 1, 0, 0),
    ("recommendations_received.csv", "linkedin.recommendations_received", 2, 2, 0, 0),
    ("recommendations_given.csv", "linkedin.recommendations_given", 1, 1, 0, 0),
    ("recommendations_received_cp1252_shifted.csv", "linkedin.recommendations_received", 1, 1, 0, 0),
    ("positions.csv", "linkedin.positions", 2, 2, 0, 0),
    ("profile_2018.csv", "linkedin.profile", 1, 1, 0, 0),
    ("profile_2022.csv", "linkedin.profile", 1, 1, 0, 0),
    ("email_addresses.csv", "linkedin.email_addresses", 3, 2, 1, 0),
    ("imported_contacts_2018.csv", "linkedin.imported_contacts", 2, 1, 0, 1),
    ("contacts_2022.csv", "linkedin.imported_contacts", 1, 1, 0, 0),
])
def test_fixture_kind_and_counts(name: str, kind: str, read: int, used: int, rejected: int, ignored: int) -> None:
    r = load_unused(FIX / name) if kind == "linkedin.coach_messages" else load(name)
    d = summary(r)
    assert (d["kind"], d["read"], d["used"], d["rejected"], d["ignored"]) == (kind, read, used, rejected, ignored)
    accounted(r)


# ---- Connections.csv ------------------------------------------------------------------------------------------

def test_connections_2018_no_preamble_us_dates() -> None:
    r = load("connections_2018_no_preamble.csv")
    alice, bob = by_name(r, "Alice Archer"), by_name(r, "Bob Baker")
    assert alice["role"] == "connection"
    assert (alice["first_name"], alice["last_name"]) == ("Alice", "Archer")
    assert alice["emails"] == ["alice.archer@example.com"]
    assert alice["linkedin_url"] is None
    assert alice["connected_on"] == date(2018, 1, 8)
    assert bob["company"] == "Baker, Sons & Co"
    assert bob["emails"] == []
    assert bob["connected_on"] == date(2017, 12, 24)
    assert (alice["line"], bob["line"]) == (2, 3)


def test_connections_preamble_without_url_and_trailing_newline() -> None:
    r = load("connections_preamble_no_url.csv")
    dan = by_name(r, "Dan Diaz")
    assert dan["connected_on"] == date(2022, 8, 28)  # last row, no newline after it
    assert dan["emails"] == ["dan@example.org"]
    assert dan["line"] == 6  # 3 preamble lines, header on line 4
    assert by_name(r, "Carla Chen")["line"] == 5


def test_connections_preamble_with_url_decodes_and_lowercases() -> None:
    r = load("connections_preamble_url.csv")
    jurgen = by_name(r, "Jürgen Müller")
    assert jurgen["linkedin_url"] == "https://www.linkedin.com/in/jürgen-müller-12ab"
    assert jurgen["company"] == "Müller, Schmidt & Partner"
    assert jurgen["position"] == "VP, Sales"
    assert jurgen["connected_on"] == date(2024, 12, 16)
    jane = by_url(r, JANE_URL)
    assert (jane["first_name"], jane["last_name"], jane["name"]) == ("Jane", "Doe, PhD", "Jane Doe, PhD")
    assert jane["position"] == 'Scientist "Lead"'
    eve = by_name(r, "Eve Evans")
    assert (eve["company"], eve["position"], eve["connected_on"]) == (None, None, date(2025, 1, 1))


def test_connections_excel_resaved_bom_crlf_short_dates() -> None:
    r = load("connections_excel_resaved.csv")
    frank, gina = by_name(r, "Frank Fischer"), by_name(r, "Gina Gold")
    assert frank["first_name"] == "Frank"  # no BOM left on the first cell
    assert frank["connected_on"] == date(2022, 2, 14)
    assert gina["connected_on"] == date(2022, 2, 4)
    assert gina["position"] == "Importer"  # no stray \r
    assert (frank["line"], gina["line"]) == (2, 3)


def test_connections_resaved_by_a_european_spreadsheet_read_day_first() -> None:
    # semicolons, Windows-1252, CRLF and dd/mm/yyyy: the 16th says the column is day first, so 03/02/2024 is
    # February 3, as in the file LinkedIn wrote (connections_preamble_url.csv)
    resaved, original = load("connections_excel_day_first.csv"), load("connections_preamble_url.csv")
    assert resaved.rejects.height == 0
    assert resaved.records.drop("source_file").equals(original.records.drop("source_file"))
    assert by_name(resaved, "Jane Doe, PhD")["connected_on"] == date(2024, 2, 3)


def test_messages_resaved_with_day_first_dates(tmp_path: Path) -> None:
    # a 2026 messages.csv whose DATE column a spreadsheet rewrote as dd/mm/yyyy hh:mm (no seconds, no zone)
    src = FIX / "messages_9col.csv"
    with open(src, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    i = rows[0].index("DATE")
    original = ingest([src])
    for row in rows[1:]:
        if len(row) > i and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", row[i]):
            row[i] = datetime.strptime(row[i], "%Y-%m-%d %H:%M:%S UTC").strftime("%d/%m/%Y %H:%M")
    assert any(int(row[i][:2]) > 12 for row in rows[1:] if len(row) > i and "/" in row[i])
    path = tmp_path / "messages.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    resaved = ingest([path])
    assert resaved.rejects.height == original.rejects.height
    got = resaved.messages.sort("line")["timestamp"].dt.truncate("1m").to_list()
    assert got == original.messages.sort("line")["timestamp"].dt.truncate("1m").to_list()


def test_connections_placeholder_rows_are_not_people() -> None:
    r = load("connections_placeholder_rows.csv")
    assert sorted(r.records["name"].to_list()) == ["Hana Hill", "Ivan Ivanov"]
    assert summary(r)["ignored_why"] == {"hidden profile (placeholder row)": 2}


def test_connections_linkedin_member_rows_are_hidden_profiles(tmp_path: Path) -> None:
    """A connection row named "LinkedIn Member" without URL or address is a hidden profile like an empty one: it
    was ranked as a person of that name ("Connected on LinkedIn in 2022; no messages"). With a URL it is kept."""
    p = tmp_path / "Connections.csv"
    p.write_text("First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
                 "LinkedIn,Member,,,,,05 May 2022\n"
                 "LinkedIn Member,,,,,,06 May 2022\n"
                 "Ann,Bell,https://www.linkedin.com/in/ann-bell,,Acme,Dev,07 May 2022\n"
                 "LinkedIn,Member,https://www.linkedin.com/in/linkedin-member-1,,,,08 May 2022\n",
                 encoding="utf-8")
    r = ingest([p])
    assert r.records.select("name", "linkedin_url").rows() == [
        ("Ann Bell", "https://www.linkedin.com/in/ann-bell"),
        ("LinkedIn Member", "https://www.linkedin.com/in/linkedin-member-1")]
    assert summary(r)["ignored_why"] == {"hidden profile (placeholder row)": 2}


@pytest.mark.parametrize(("name", "header", "row"), [
    ("Connections.csv", "First Name,Last Name,URL,Email Address,Company,Position,Connected On",
     "Ann,Bell,https://www.linkedin.com/in/ann-bell,,Acme,Dev,07 May 2022"),
    ("Invitations.csv", "From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl",
     "Ann Bell,Me Owner,\"5/7/22, 9:00 AM\",,INCOMING,https://www.linkedin.com/in/ann-bell,"
     "https://www.linkedin.com/in/me"),
    ("Recommendations_Received.csv", "First Name,Last Name,Company,Job Title,Text,Creation Date,Status",
     "Ann,Bell,Acme,Dev,Great,\"05/07/22, 09:00 AM\",VISIBLE"),
    ("messages.csv", "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,"
     "SUBJECT,CONTENT,FOLDER", "c1,,Ann Bell,https://www.linkedin.com/in/ann-bell,Me Owner,"
     "https://www.linkedin.com/in/me,2024-01-02 10:00:00 UTC,,hello,INBOX"),
])
def test_header_row_repeated_in_a_linkedin_csv_is_ignored(tmp_path: Path, name: str, header: str, row: str) -> None:
    """Two exports joined into one file repeat the header among the rows: ignored with its reason, as in the mail
    CSVs (it was rejected as an impossible date)."""
    p = tmp_path / name
    other = row.replace("ann-bell", "bo-park").replace("Ann,Bell", "Bo,Park").replace("Ann Bell", "Bo Park")
    p.write_text(f"{header}\n{row}\n{header}\n{other}\n", encoding="utf-8")
    rep = summary(ingest([p]))
    assert (rep["read"], rep["used"], rep["rejected"], rep["ignored"]) == (3, 2, 0, 1)
    assert rep["ignored_why"] == {"header row repeated (exports joined into one file)": 1}


def test_connections_bad_rows_rejected_with_reason_and_line() -> None:
    r = load("connections_bad_rows.csv")
    assert r.rejects.select("line", "reason").rows() == [
        (2, "impossible date '31 Feb 2024'"), (3, "row has 5 cells, header has 7")]
    assert by_name(r, "Mia Moore")["connected_on"] is None  # empty date: still a connection
    assert by_name(r, "Ned Nash")["connected_on"] == date(2024, 3, 7)


# ---- messages.csv -----------------------------------------------------------------------------------------------

def test_messages_2018_direction_gives_owner_side() -> None:
    r = load("messages_2018_direction.csv")
    assert exchanges(r) == [
        ("OWNER", ["Alice Archer"], ts(2018, 10, 16, 8, 36)),
        ("Alice Archer", ["OWNER"], ts(2018, 10, 17, 21, 0)),
        ("Bob Baker", ["OWNER"], ts(2018, 10, 18, 7, 15)),
    ]
    owner = r.records.filter(pl.col("owner_hint"))
    assert owner["name"].to_list() == ["Olivia Owner"]
    assert r.owner.names == {"Olivia Owner"}
    assert summary(r)["ignored_why"] == {"draft": 1}
    # no conversation ids in 2018: one thread per counterpart
    threads = r.messages.sort("line")["thread_id"].to_list()
    assert threads[0] == threads[1] != threads[2]
    assert set(r.messages["channel"]) == {"linkedin_message"}


def test_messages_9col_names_only_recipients_and_owner_by_name() -> None:
    r = load("messages_9col.csv")
    ex = exchanges(r)
    assert ex[3] == ("Carla Chen", ["Olivia Owner", "Dan Diaz"], ts(2022, 1, 5, 10))
    assert r.messages.sort("line")["n_participants"].to_list() == [2, 2, 2, 3, 2]
    assert r.messages.sort("line")["thread_id"].to_list() == ["c1==", "c1==", "c2==", "c3==", "c4=="]
    # the owner's URL is in only 1 of 4 conversations; the name is in all of them, and the URL is the one
    # written with that name
    assert r.owner.names == {"Olivia Owner"}
    assert r.owner.linkedin_urls == {OWNER_URL}
    assert directions(r) == [("Alice Archer", "received"), ("Alice Archer", "sent"), ("Bob Baker", "received"),
                             ("Carla Chen", "received"), ("Dan Diaz", "received")]


def test_messages_10col_members_sponsored_spam_drafts_rejects() -> None:
    r = load("messages_10col.csv")
    d = summary(r)
    assert d["ignored_why"] == {"draft": 1}  # the SPAM row is a real message: kept
    assert r.rejects.select("line", "reason").rows() == [
        (10, "unparseable date 'not a date'"),
        (12, "no sender (FROM and SENDER PROFILE URL are empty)"),
        (14, "row has 1 cells, header has 10"),
    ]
    assert r.owner.linkedin_urls == {OWNER_URL}
    assert r.owner.names == {"Olivia Owner"}
    member = by_name(r, "LinkedIn Member")
    assert member["automated_hint"] == "hidden LinkedIn member"
    assert member["linkedin_url"] is None
    assert member["n_mentions"] == 2  # sender on line 4, recipient on line 8: one unknown party
    assert by_name(r, "Rita Recruiter")["automated_hint"] == "linkedin sponsored message"  # spinmail HTML
    assert by_name(r, "Sam Sponsor")["automated_hint"] == "linkedin sponsored message"  # title, not the owner
    assert by_name(r, "Spammy Sam")["automated_hint"] is None  # spam folder kept; one-way senders rank low
    # a titled group message from the owner without URL is not sponsored
    owner_named = [x for x in r.records.iter_rows(named=True) if x["name"] == "Olivia Owner" and not x["linkedin_url"]]
    assert len(owner_named) == 1 and owner_named[0]["automated_hint"] is None
    alice = by_url(r, ALICE_URL)
    assert (alice["name"], alice["n_mentions"], alice["line"]) == ("Alice Archer", 3, 2)
    assert r.messages.height == 9
    assert r.messages.sort("line")["line"].to_list() == [2, 3, 4, 5, 6, 7, 8, 11, 13]  # line 7 is the SPAM row
    dirs = directions(r)
    assert ("Alice Archer", "sent") in dirs and ("Alice Archer", "received") in dirs
    assert ("Bob Baker", "received") in dirs


def test_messages_11col_attachments_column_is_ignored() -> None:
    r = load("messages_11col_attachments.csv")
    assert exchanges(r) == [("Alice Archer", ["Olivia Owner"], ts(2025, 8, 1, 12)),
                            ("Olivia Owner", ["Alice Archer"], ts(2025, 7, 31, 12))]
    assert sorted(r.records["linkedin_url"].to_list()) == [ALICE_URL, OWNER_URL]
    assert r.owner.linkedin_urls == set()  # one conversation: both sides tie, nobody is called the owner
    assert any("owner could not be recognised" in n for n in summary(r)["notes"])


def test_messages_12col_drafts_ignored() -> None:
    r = load("messages_12col_drafts.csv")
    assert [t for _, _, t in exchanges(r)] == [ts(2024, 12, 10, 10), ts(2024, 12, 9, 10)]
    assert summary(r)["ignored_why"] == {"draft": 2}
    assert r.owner.linkedin_urls == {OWNER_URL}


def test_messages_13col_conversation_draft_ignored() -> None:
    r = load("messages_13col.csv")
    assert [(s, rc) for s, rc, _ in exchanges(r)] == [("Alice Archer", ["Olivia Owner"]),
                                                       ("Bob Baker", ["Olivia Owner"])]
    assert summary(r)["ignored_why"] == {"draft": 1}


def test_messages_2026_fully_quoted_multiline_content() -> None:
    r = load("messages_2026_quoted_multiline.csv")
    assert r.messages.sort("line")["line"].to_list() == [2, 6, 7]
    assert exchanges(r)[0] == ("Alice Archer", ["Olivia Owner"], ts(2026, 3, 1, 10))
    assert r.owner.linkedin_urls == {OWNER_URL}
    assert directions(r) == [("Alice Archer", "received"), ("Alice Archer", "sent"), ("Bob Baker", "received")]


def test_messages_recipients_split_by_url_list() -> None:
    r = load("messages_recipient_credentials.csv")
    recs = people(r)
    msgs = r.messages.sort("line").iter_rows(named=True)
    got = [[(recs[x]["name"], recs[x]["linkedin_url"]) for x in m["recipient_ids"]] for m in msgs]
    assert got[0] == [("Jane Doe, PhD", JANE_URL)]
    assert got[1] == [("Alice Archer", ALICE_URL), ("Bob Baker", BOB_URL), ("Jane Doe, PhD", JANE_URL)]
    assert got[2] == [("LinkedIn Member", None), ("Alice Archer", ALICE_URL), ("Bob Baker", BOB_URL)]
    assert got[3] == [("Ann Berg, MBA, PMP (she/her).", "https://www.linkedin.com/in/ann-berg"),
                      ("Carl Dahl", "https://www.linkedin.com/in/carl-dahl"),
                      ("Eva Fox", "https://www.linkedin.com/in/eva-fox"),
                      ("Gus Hall", "https://www.linkedin.com/in/gus-hall")]
    # more URLs than names: the URLs are kept, names paired in order as far as they go
    assert got[4] == [("Carla Chen", "https://www.linkedin.com/in/carla-chen"),
                      ("Dan Diaz", "https://www.linkedin.com/in/dan-diaz"),
                      (None, "https://www.linkedin.com/in/zed-zimmer")]
    assert r.messages.sort("line")["n_participants"].to_list() == [2, 4, 4, 5, 4]
    assert by_url(r, JANE_URL)["n_mentions"] == 2
    assert by_name(r, "LinkedIn Member")["automated_hint"] == "hidden LinkedIn member"


def test_messages_impossible_dates_in_the_standard_format_are_rejected(tmp_path: Path) -> None:
    head = (FIX / "messages_10col.csv").read_text().splitlines()[0]
    row = f"x==,,Alice Archer,{ALICE_URL},Olivia Owner,{OWNER_URL},{{}},,hi,INBOX"
    p = tmp_path / "messages.csv"
    p.write_text("\n".join([head, *(row.format(d) for d in (
        "2024-02-31 10:00:00 UTC", "0001-01-01 00:00:00 UTC", "2999-01-01 00:00:00 UTC", "2024-02-29 23:59:59 UTC",
        "2024/02/28 10:00:00 UTC"))]) + "\n")
    r = ingest([p])
    assert r.rejects["line"].to_list() == [2, 3, 4]
    assert r.rejects["reason"][0] == "unparseable date '2024-02-31 10:00:00 UTC'"
    assert sorted(r.messages["timestamp"].to_list()) == [ts(2024, 2, 28, 10), datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC)]


def _generated_messages(path: Path, n_conv: int = 300) -> Path:
    """A messages.csv with every kind of row (groups, hidden members, sponsored, drafts, spam, multi-line
    content, credentials in names), deterministic."""
    rows = [["CONVERSATION ID", "CONVERSATION TITLE", "FROM", "SENDER PROFILE URL", "TO", "RECIPIENT PROFILE URLS",
             "DATE", "SUBJECT", "CONTENT", "FOLDER", "ATTACHMENTS", "IS MESSAGE DRAFT"]]
    for c in range(n_conv):
        cid = f"2-conv{c:05d}=="
        a = (f"Person {c}" + (", PhD" if c % 7 == 0 else ""), f"https://www.linkedin.com/in/p%C3%A9-{c}")
        b = (f"Other {c % 13}", f"https://www.linkedin.com/in/other-{c % 13}")
        for k in range(c % 5 + 1):
            when = f"2024-{(c % 12) + 1:02d}-{(k % 27) + 1:02d} {k % 24:02d}:{c % 60:02d}:00 UTC"
            folder = ["INBOX", "ARCHIVE", "SPAM", "", "INBOX"][(c + k) % 5] if c % 11 == 0 else "INBOX"
            content = "line one\nline two, with comma" if k % 3 == 0 else "plain"
            if c % 17 == 0:  # sponsored
                rows.append([cid, "Campaign", "Ad Person", "", "Olivia Owner", OWNER_URL, when, "",
                             '<p class="spinmail-x">hi</p>', "ARCHIVE", "", "No"])
            elif c % 19 == 0:  # hidden member
                rows.append([cid, "", "LinkedIn Member", "", "Olivia Owner", OWNER_URL, when, "", "x", "INBOX", "", "No"])
            elif k % 2 == 0:
                rows.append([cid, "", "Olivia Owner", OWNER_URL, f"{a[0]},{b[0]}" if c % 3 == 0 else a[0],
                             f"{a[1]},{b[1]}" if c % 3 == 0 else a[1], when, "", content, folder, "",
                             "Yes" if c % 23 == 0 else "No"])
            else:
                rows.append([cid, "", a[0], a[1], "Olivia Owner", OWNER_URL, when, "", content, folder, "", "No"])
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return path


def test_polars_fast_path_gives_exactly_the_csv_module_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gen = _generated_messages(tmp_path / "messages.csv")
    text = (FIX / "messages_12col_drafts.csv").read_bytes()
    cp1252 = tmp_path / "cp1252" / "messages.csv"  # Excel re-save: not UTF-8 after the first bytes
    cp1252.parent.mkdir()
    cp1252.write_bytes(text.replace(b"Hi,", b"It\x92s me,"))
    blank = tmp_path / "blank" / "messages.csv"  # a blank line between rows shifts the line numbers
    blank.parent.mkdir()
    head, first, rest = text.split(b"\n", 2)
    blank.write_bytes(head + b"\n" + first + b"\n\n" + rest)
    crlf = tmp_path / "crlf" / "messages.csv"  # CRLF everywhere, also inside the multi-line content
    crlf.parent.mkdir()
    crlf.write_bytes((FIX / "messages_2026_quoted_multiline.csv").read_bytes().replace(b"\n", b"\r\n"))
    lone_cr = tmp_path / "cr" / "messages.csv"  # a lone CR inside a cell is a line break for the csv module
    lone_cr.parent.mkdir()
    lone_cr.write_bytes((FIX / "messages_2026_quoted_multiline.csv").read_bytes().replace(b"Hi Olivia,\n", b"Hi\r"))
    # malformed quoting that polars reads without an error, otherwise than the csv module ("Alice" "Archer" is
    # Alice Archer for it, Alice "Archer" for the csv module; "Alice"x"" Alicex against Alicex"")
    malformed = []
    for k, cell in enumerate((b'"Alice" "Archer"', b'"Alice"x""')):
        bad = tmp_path / f"malformed{k}" / "messages.csv"
        bad.parent.mkdir()
        bad.write_bytes(text.replace(b",Alice Archer,https", b"," + cell + b",https", 1))
        malformed.append(bad)
    files = [*sorted(FIX.glob("messages_*.csv")), gen, cp1252, blank, crlf, lone_cr, *malformed]
    if REAL.is_dir():
        files.append(REAL / "kawsay_messages.csv")
    for path in files:
        monkeypatch.setattr(linkedin.messages, "FAST_PATH_MIN_BYTES", 0)
        fast = ingest([path])
        monkeypatch.setattr(linkedin.messages, "FAST_PATH_MIN_BYTES", 1 << 62)
        slow = ingest([path])
        assert fast.records.equals(slow.records), path.name
        assert fast.messages.equals(slow.messages), path.name
        assert fast.rejects.equals(slow.rejects), path.name
        assert [f.as_dict() for f in fast.files] == [f.as_dict() for f in slow.files], path.name
        assert fast.owner == slow.owner, path.name
    assert ingest([blank]).messages.sort("line")["line"].to_list() == [2, 6]
    crlf_read = ingest([crlf])
    assert crlf_read.messages.sort("line")["line"].to_list() == [2, 6, 7]
    assert by_url(crlf_read, BOB_URL)["name"] == "Bob Baker"  # no stray CR in the last-but-one cells
    r = ingest([gen])
    assert r.messages.height > 500 and summary(r)["ignored_why"].keys() == {"draft"}
    assert r.owner.linkedin_urls == {OWNER_URL}


@pytest.mark.parametrize(("name", "fast"), [
    ("messages_2026_quoted_multiline.csv", True), ("messages_12col_drafts.csv", True),
    ("messages_recipient_credentials.csv", True), ("messages_10col.csv", False),  # BADROW: the csv module rejects it
    ("connections_excel_resaved.csv", True),  # BOM and CRLF are fine
    ("endorsement_received_utf16_tsv.csv", False), ("connections_preamble_url.csv", False),
])
def test_polars_fast_path_only_when_it_provably_agrees(name: str, fast: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(linkedin.messages, "FAST_PATH_MIN_BYTES", 0)
    data = (FIX / name).read_bytes()
    table = read_table(decode(data, name), name, is_header=lambda keys: "FIRST NAME" in keys or "DATE" in keys
                       or "ENDORSEMENT DATE" in keys)
    assert (linkedin.messages._fast_message_rows(data, table, linkedin.messages._Cols(table)) is not None) is fast


def test_message_key_text_is_the_same_in_both_readers() -> None:
    # the 2018 reader (row by row) and the 2021+ builder (polars) must key the same message alike
    parts = {"cid": ["", "c"], "date": ["2024-01-01 00:00:00 UTC"] * 2, "who": ["u", "u"], "to": ["T", "T"],
             "dup": [0, 2]}
    got = pl.DataFrame(parts).select(message_key_text(*(pl.col(k) for k in parts))).to_series().to_list()
    assert got == [_msg_key_text("", "2024-01-01 00:00:00 UTC", "u", "T"),
                   _msg_key_text("c", "2024-01-01 00:00:00 UTC", "u", "T", "2")]
    assert got[0] == "li-msg\x1f\x1f2024-01-01 00:00:00 UTC\x1fu\x1fT\x1f"
    assert len(set(text_keys(got))) == 2 and all(len(k) == 12 for k in text_keys(got))


def test_same_messages_in_two_exports_and_layouts_count_once(tmp_path: Path) -> None:
    # the 2026 quoted file re-written as an unquoted 10-column 2024 export of the same account
    src = list(csv.reader(io.StringIO((FIX / "messages_2026_quoted_multiline.csv").read_text(), newline="")))
    older = tmp_path / "older" / "messages.csv"
    older.parent.mkdir()
    with older.open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        for row in src:
            w.writerow(row[:10])
    r = ingest([FIX / "messages_2026_quoted_multiline.csv", older])
    assert r.messages.height == 3
    assert r.duplicate_messages == 3
    assert summary(r, 1)["ignored_why"] == {"same message already read from another export": 3}
    accounted(r)


def test_messages_capitalised_name_and_wrong_name_still_detected(tmp_path: Path) -> None:
    p = tmp_path / "Messages.csv"
    shutil.copy(FIX / "messages_2018_direction.csv", p)
    assert summary(ingest([p]))["kind"] == "linkedin.messages"


# ---- coach / guide files -------------------------------------------------------------------------------------

@pytest.mark.parametrize("real_name", ["LearningCoachMessages.csv", "learning_coach_messages.csv"])
def test_learning_coach_not_csv_is_ignored(tmp_path: Path, real_name: str) -> None:
    p = tmp_path / real_name
    shutil.copy(FIX / "learningcoachmessages_not_csv.csv", p)
    r = load_unused(p)
    d = summary(r)
    assert d["kind"] == "linkedin.coach_messages"
    assert d["ignored_why"] == {"LinkedIn coach/guide messages are not person-to-person": 1}
    assert r.messages.height == 0 and set(r.records["source_file"]) == {str(ANCHOR)}


@pytest.mark.parametrize("real_name", ["guide_messages.csv", "learning_role_play_messages.csv", "coach_messages.csv"])
def test_coach_files_with_message_header_are_not_messages(tmp_path: Path, real_name: str) -> None:
    p = tmp_path / real_name
    shutil.copy(FIX / "guide_messages_rows.csv", p)
    r = load_unused(p)
    assert summary(r)["kind"] == "linkedin.coach_messages"
    assert summary(r)["ignored"] == 2
    assert r.messages.height == 0


# ---- Invitations.csv ----------------------------------------------------------------------------------------

def test_invitations_url_variant() -> None:
    r = load("invitations_url.csv")
    assert exchanges(r) == [("OWNER", ["Jürgen Müller"], ts(2026, 3, 7, 13, 7)),
                            ("Paula Park", ["OWNER"], ts(2026, 2, 1, 9, 15))]
    assert by_name(r, "Jürgen Müller")["linkedin_url"] == "https://www.linkedin.com/in/jürgen-müller-12ab"
    assert by_name(r, "Paula Park")["linkedin_url"] == "https://www.linkedin.com/in/paula-park"
    owner = r.records.filter(pl.col("owner_hint")).row(0, named=True)
    assert owner["linkedin_url"] == OWNER_URL
    assert r.owner.linkedin_urls == {OWNER_URL} and r.owner.names == {"Olivia Owner"}
    assert set(r.messages["channel"]) == {"linkedin_invitation"}


def test_invitations_urn_variant_has_no_urls() -> None:
    r = load("invitations_urn.csv")
    assert exchanges(r) == [("OWNER", ["Quinn Quarry"], ts(2024, 1, 5, 15, 30)),
                            ("Rob Reed", ["OWNER"], ts(2024, 1, 6, 8, 0))]
    assert r.records["linkedin_url"].null_count() == r.records.height
    assert r.owner.linkedin_urls == set()


def test_invitations_old_5col_and_unknown_direction() -> None:
    r = load("invitations_old_5col.csv")
    assert exchanges(r) == [("OWNER", ["Sara Stone"], ts(2021, 6, 1, 16, 10)),
                            ("Tom Trent", ["OWNER"], ts(2021, 5, 30, 9, 0))]
    assert r.rejects.select("line", "reason").rows() == [(4, "unknown direction 'SIDEWAYS'")]


# ---- Endorsements -------------------------------------------------------------------------------------------

def test_endorsements_received_with_public_url_without_scheme() -> None:
    r = load("endorsement_received_info.csv")
    assert exchanges(r) == [("Alice Archer", ["OWNER"], ts(2022, 9, 10, 10))]
    assert by_name(r, "Alice Archer")["linkedin_url"] == ALICE_URL
    assert summary(r)["ignored_why"] == {"endorsement status PENDING": 1}
    assert set(r.messages["channel"]) == {"linkedin_endorsement"}


def test_endorsements_received_utf16_tsv() -> None:
    r = load("endorsement_received_utf16_tsv.csv")
    assert exchanges(r) == [("Alice Archer", ["OWNER"], ts(2022, 9, 10, 10)),
                            ("Carla Chen", ["OWNER"], ts(2022, 8, 1, 9, 30))]
    alice = by_name(r, "Alice Archer")
    assert (alice["first_name"], alice["last_name"], alice["role"]) == ("Alice", "Archer", "endorser")
    assert summary(r)["ignored_why"] == {"endorsement status REDACTED": 1}


def test_endorsement_tsv_duplicate_dedupes_with_csv() -> None:
    r = ingest([FIX / "endorsement_received_2022_no_url.csv", FIX / "endorsement_received_utf16_tsv.csv"])
    assert r.messages.height == 2
    assert summary(r, 1)["ignored_why"]["same message already read from another export"] == 2
    accounted(r)


def test_endorsement_with_and_without_url_dedupe() -> None:
    r = ingest([FIX / "endorsement_received_info.csv", FIX / "endorsement_received_2022_no_url.csv"])
    assert r.messages.height == 2  # Alice/Python once, Carla/Leadership
    assert r.duplicate_messages == 1


def test_endorsements_given() -> None:
    r = load("endorsement_given_info.csv")
    assert exchanges(r) == [("OWNER", ["Dan Diaz"], ts(2024, 2, 2, 12))]
    assert by_name(r, "Dan Diaz")["linkedin_url"] == "https://www.linkedin.com/in/dan-diaz"


# ---- Recommendations ----------------------------------------------------------------------------------------

def test_recommendations_received_with_undated_row() -> None:
    r = load("recommendations_received.csv")
    assert exchanges(r) == [("Alice Archer", ["OWNER"], ts(2024, 5, 14, 10, 3)),
                            ("Bob Baker", ["OWNER"], None)]
    alice = by_name(r, "Alice Archer")
    assert (alice["role"], alice["company"], alice["position"]) == ("recommender", "Acme Corp", "Engineer")
    assert set(r.messages["channel"]) == {"linkedin_recommendation"}


def test_recommendations_given_told_apart_by_name() -> None:
    r = load("recommendations_given.csv")
    assert exchanges(r) == [("OWNER", ["Carla Chen"], ts(2023, 11, 2, 16, 45))]
    assert by_name(r, "Carla Chen")["role"] == "recommendee"


def test_recommendations_cp1252_and_pandas_suffix() -> None:
    r = load("recommendations_received_cp1252_shifted.csv")
    assert exchanges(r) == [("Okafor, PMP", ["OWNER"], ts(2021, 1, 25))]
    rec = by_name(r, "Okafor, PMP")
    assert (rec["company"], rec["position"]) == ("Northwind Consulting", "PMO Director")


# ---- Owner files ----------------------------------------------------------------------------------------------

def test_positions() -> None:
    r = load("positions.csv")
    assert r.owner.positions == [
        {"company": "Acme Corp", "title": "Senior Engineer", "started_on": date(2018, 6, 1), "finished_on": None},
        {"company": "Initech", "title": "Engineer", "started_on": date(2015, 1, 1), "finished_on": date(2018, 5, 1)},
    ]
    assert r.records.height == 0


def test_profile_2018_and_2022() -> None:
    assert load("profile_2022.csv").owner.names == {"Olivia Owner"}
    assert load("profile_2018.csv").owner.names == {"Olivia Owner", "Olivia Oldname"}


def test_email_addresses() -> None:
    r = load("email_addresses.csv")
    assert r.owner.emails == {"olivia@example.com", "olivia.owner@work.example"}
    assert r.rejects.select("line", "reason").rows() == [(4, "not an email address 'not-an-address'")]


# ---- Imported contacts --------------------------------------------------------------------------------------

def test_imported_contacts_2018() -> None:
    r = load("imported_contacts_2018.csv")
    vera = by_name(r, "Vera Vogel")
    assert (vera["role"], vera["emails"], vera["company"], vera["position"]) == (
        "contact", ["vera@example.net"], "Umbrella", "Chemist")


def test_contacts_2022() -> None:
    r = load("contacts_2022.csv")
    walt = by_name(r, "Walt Wong")
    assert walt["emails"] == ["walt.wong@work.example", "walt@example.com"]
    assert walt["company"] is None  # literally "null"
    assert walt["linkedin_url"] == "https://www.linkedin.com/in/walt-wong"


# ---- Files that are recognised but not used ------------------------------------------------------------------

def test_other_linkedin_files_ignored_by_name(tmp_path: Path) -> None:
    (tmp_path / "Skills.csv").write_text("Name\nPython\nSQL\nLeadership\n")
    (tmp_path / "Ad_Targeting.csv").write_bytes(
        b"\xff\xfe" + '"Member Age"\t"Company Names"\n"25 to 34"\t"Acme"\n'.encode("utf-16-le"))
    (tmp_path / "Rich_Media.csv").write_text('Date/Time,Media Description,Media Link\n"x, y",z,"unterminated\n')
    (tmp_path / "Comments_34875879.csv").write_text("Date,Link,Message\n2024-01-01,https://x,hi\n")
    (tmp_path / "Learning.csv").write_bytes(b"\x00\x01\x02binary")
    r = load_unused(tmp_path)
    by_file = {Path(f.source_file).name: f.as_dict() for f in r.files if f.source_file != str(ANCHOR)}
    assert by_file["Skills.csv"]["ignored_why"] == {"not used: Skills.csv does not describe relationships": 3}
    assert by_file["Ad_Targeting.csv"]["ignored"] == 1
    assert by_file["Rich_Media.csv"]["ignored"] == 1
    assert by_file["Comments_34875879.csv"]["ignored"] == 1
    assert by_file["Learning.csv"]["ignored"] == 1
    assert {f["kind"] for f in by_file.values()} == {"linkedin.other"}
    assert r.messages.height == 0 and set(r.records["source_file"]) == {str(ANCHOR)}


# ---- Real samples -------------------------------------------------------------------------------------------

needs_real = pytest.mark.skipif(not REAL.is_dir(), reason="real samples not available")


@needs_real
def test_real_kawsay_connections() -> None:
    r = ingest([REAL / "kawsay_Connections.csv"])
    assert r.records.height == 2
    jose = by_name(r, "José García")
    assert jose["linkedin_url"] == "https://www.linkedin.com/in/josegarcia"
    assert jose["company"] == "Acme, Inc."
    assert jose["connected_on"] == date(2024, 1, 15)
    aesop = by_name(r, "Æsop Fontaine")
    assert aesop["emails"] == ["aesop@example.com"]
    assert aesop["position"] == "Director, Operations"


@needs_real
def test_real_kawsay_messages_badrow_rejected() -> None:
    r = ingest([REAL / "kawsay_messages.csv"])
    assert exchanges(r) == [("Ana Lopez", ["Pedro Fuentes"], ts(2024, 3, 15, 9, 30)),
                            ("Pedro Fuentes", ["Ana Lopez"], ts(2024, 3, 15, 10, 0))]
    assert r.rejects.select("line", "reason").rows() == [(5, "row has 1 cells, header has 10")]
    assert by_name(r, "Ana Lopez")["linkedin_url"] == "https://www.linkedin.com/in/analopez"
    accounted(r)


@needs_real
def test_real_silkyrich_recommendations() -> None:
    r = ingest([REAL / "silkyrich_Recommendations_Received.csv"])
    d = summary(r)
    assert (d["kind"], d["read"], d["used"]) == ("linkedin.recommendations_received", 27, 27)
    assert r.messages.height == 27
    # 1833-1851 is before any plausible LinkedIn date: the recommendations are kept, undated, and noted
    assert r.messages["timestamp"].null_count() == 27
    assert any("impossible Creation Date" in n for n in d["notes"])
    charles = by_name(r, "Charles Babbage")
    assert (charles["company"], charles["position"]) == ("Analytical Engines (stealth)", "Founder & CTO")
    assert by_name(r, "Augustus De Morgan")["position"] == "Principal Tutor, Symbolic Logic"
    assert r.records.filter(pl.col("owner_hint")).height == 1


# ---- Whole archives: folder and zip ---------------------------------------------------------------------------

ARCHIVE = {
    "Connections.csv": "connections_placeholder_rows.csv",
    "messages.csv": "messages_recipient_credentials.csv",
    "Invitations.csv": "invitations_url.csv",
    "Endorsement_Received_Info.csv": "endorsement_received_info.csv",
    "Endorsement Received Info.csv": "endorsement_received_utf16_tsv.csv",
    "Endorsement_Given_Info.csv": "endorsement_given_info.csv",
    "Recommendations_Received.csv": "recommendations_received.csv",
    "Recommendations_Given.csv": "recommendations_given.csv",
    "Positions.csv": "positions.csv",
    "Profile.csv": "profile_2022.csv",
    "Email Addresses.csv": "email_addresses.csv",
    "coach_messages.csv": "coach_messages_header_only.csv",
    "LearningCoachMessages.csv": "learningcoachmessages_not_csv.csv",
}


def make_export(root: Path) -> Path:
    root.mkdir(parents=True)
    for real, fixture in ARCHIVE.items():
        shutil.copy(FIX / fixture, root / real)
    (root / "Skills.csv").write_text("Name\nPython\n")
    (root / "Jobs").mkdir()
    (root / "Jobs" / "Saved Jobs.csv").write_text("Saved Date,Job Url,Job Title,Company Name\n1/1/24,u,t,c\n")
    return root


def zip_dir(folder: Path, target: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                zf.write(p, prefix + p.relative_to(folder).as_posix())
    return target


def canonical(r: Ingested) -> tuple[pl.DataFrame, pl.DataFrame, list[tuple[str, int, int, int, int]]]:
    """What must not depend on how the export was packaged: records (without ids/paths), message keys,
    and per-file counts by base name."""
    rec = r.records.drop("record_id", "source_file").with_columns(pl.col("emails").list.join(";"))
    rec = rec.sort(rec.columns, nulls_last=True)
    msg = r.messages.select("msg_key", "timestamp", "channel", "thread_id", "n_participants", "line").sort("msg_key")
    files = sorted((re.split(r"[/\\!]", f.source_file)[-1], f.used, f.rejected, f.ignored, f.read)
                   for f in r.files)
    return rec, msg, files


def test_export_folder_reads_every_file(tmp_path: Path) -> None:
    r = ingest([make_export(tmp_path / "Complete_LinkedInDataExport_07-05-2026")])
    kinds = {Path(f.source_file).name: f.kind for f in r.files}
    assert kinds["Endorsement Received Info.csv"] == "linkedin.endorsements_received"
    assert kinds["LearningCoachMessages.csv"] == "linkedin.coach_messages"
    assert kinds["Saved Jobs.csv"] == "linkedin.other"
    assert r.skipped == []
    # Alice's Python endorsement is in both received files: counted once (+ Carla received, Dan given)
    assert r.messages.filter(pl.col("channel") == "linkedin_endorsement").height == 3
    assert r.duplicate_messages == 1
    assert r.owner.linkedin_urls == {OWNER_URL}
    assert r.owner.emails == {"olivia@example.com", "olivia.owner@work.example"}
    assert "Olivia Owner" in r.owner.names
    accounted(r)


@pytest.mark.parametrize("prefix", ["", "Complete_LinkedInDataExport_07-05-2026/"])
def test_zip_gives_same_records_as_folder(tmp_path: Path, prefix: str) -> None:
    folder = make_export(tmp_path / "export")
    archive = zip_dir(folder, tmp_path / "Complete_LinkedInDataExport_07-05-2026.zip.zip", prefix)
    from_folder, from_zip = canonical(ingest([folder])), canonical(ingest([archive]))
    assert from_zip[0].equals(from_folder[0])
    assert from_zip[1].equals(from_folder[1])
    assert from_zip[2] == from_folder[2]
    zipped = ingest([archive])
    assert all(f.source_file.startswith(str(archive) + "!" + prefix) for f in zipped.files)


def test_every_connection_url_in_a_zip_ends_up_in_the_records(tmp_path: Path) -> None:
    forms = ["https://www.linkedin.com/in/{s}", "https://www.linkedin.com/in/{s}/", "http://linkedin.com/in/{s}",
             "https://www.linkedin.com/in/{s}?trk=x", "www.linkedin.com/in/{s}"]
    slugs = [f"person-{i}" for i in range(150)] + [f"j%C3%BCrgen-{i}" for i in range(30)] + \
            [f"Ünïcode-{i}" for i in range(20)] + [f"UPPER-Case-{i}" for i in range(20)]
    body = io.StringIO()
    w = csv.writer(body, lineterminator="\n")
    w.writerow(["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"])
    expected = set()
    for i, s in enumerate(slugs):
        url = forms[i % len(forms)].format(s=s)
        w.writerow([f"First{i}", f"Last, Jr. {i}", url, "", "Co, Inc.", "Role", "16 Dec 2024"])
        expected.add(canonical_linkedin_url(url))
    w.writerow(["", "", "", "", "", "", "16 Dec 2024"])  # placeholder
    text = "Notes:\n\"Some note, with a comma\"\n\n" + body.getvalue()
    archive = tmp_path / "Basic_LinkedInDataExport_07-05-2026.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("Connections.csv", text)
    r = ingest([archive])
    got = set(r.records["linkedin_url"].to_list())
    assert got == expected and len(got) == len(slugs)
    assert "https://www.linkedin.com/in/jürgen-3" in got
    assert "https://www.linkedin.com/in/upper-case-0" in got
    assert summary(r)["ignored_why"] == {"hidden profile (placeholder row)": 1}


def test_invitations_edge_rows_records_by_first_mention_and_rejects_in_line_order() -> None:
    # built with polars: records are numbered by first mention as the row-by-row collector numbered them
    r = ingest([FIX / "invitations_edge_rows.csv"])
    assert r.records.select("role", "name", "linkedin_url", "n_mentions", "line").rows() == [
        ("owner", "Olivia Owner", "https://www.linkedin.com/in/olivia", 8, None),
        ("invitee", "Ann Lee", "https://www.linkedin.com/in/ann-lee", 3, 2),
        ("inviter", "Bob Roe", "https://www.linkedin.com/in/bob", 1, 3),
        ("invitee", "Carl Doe", None, 2, 10),  # "carl doe" on line 11 is the same person (no URL: by name)
        ("invitee", "Dee", None, 1, 12),  # a URN is not a profile URL
        ("inviter", "Eve Fox", "https://www.linkedin.com/in/eve", 1, 15),
    ]
    assert r.messages.select("sender_id", "recipient_ids", "line").rows() == [
        (0, [1], 2), (2, [0], 3), (0, [1], 9), (0, [3], 10), (0, [3], 11), (0, [4], 12), (5, [0], 15)]
    assert r.rejects.select("line", "reason").rows() == [
        (4, "no invitee (To is empty)"), (5, "no inviter (From is empty)"), (6, "unparseable date 'not a date'"),
        (7, "unknown direction 'SIDEWAYS'"), (8, "no direction"), (14, "row has 2 cells, header has 7")]
    assert r.duplicate_messages == 1  # line 13 repeats line 2
    assert r.owner.names == {"O. Owner", "Olivia Owner"}
    assert r.owner.linkedin_urls == {"https://www.linkedin.com/in/olivia", "https://www.linkedin.com/in/olivia2"}


def test_polars_fast_path_streams_a_large_file_with_multiline_cells_exactly(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # the fast path reads the cells in polars' streaming batches: a file of many batches, with quoted newlines,
    # commas and quotes in its cells (a batch boundary must never fall inside a cell), gives the csv module's rows
    monkeypatch.setattr(linkedin.messages, "FAST_PATH_MIN_BYTES", 0)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["CONVERSATION ID", "CONVERSATION TITLE", "FROM", "SENDER PROFILE URL", "TO",
                     "RECIPIENT PROFILE URLS", "DATE", "SUBJECT", "CONTENT", "FOLDER", "ATTACHMENTS"])
    pieces = ["hello", "a, b", "line\nbreak", 'say "hi"', "", "  lead", "é 中文", "\n\n", ",,"]
    for i in range(150_000):
        content = "".join(pieces[(i * k + k) % len(pieces)] for k in range(i % 4))
        writer.writerow([f"2-c{i % 4000}==", "Title, x" if i % 50 == 0 else "", f"Name {i % 97}",
                         f"https://www.linkedin.com/in/n{i % 97}", f"Other {i % 13}",
                         f"https://www.linkedin.com/in/o{i % 13}", "2025-04-14 22:31:12 UTC", pieces[i % 9],
                         content, ["INBOX", "SENT", ""][i % 3], ""])
    data = out.getvalue().encode()
    assert len(data) > 15_000_000 and data.count(b"\n") > 200_000
    table = read_table(decode(data, "messages.csv"), "messages.csv", is_header=lambda keys: "DATE" in keys)
    cols = linkedin.messages._Cols(table)
    fast = linkedin.messages._fast_message_rows(data, table, cols)
    rejects: list[tuple[int, str]] = []
    slow = pl.DataFrame(list(linkedin.messages._csv_message_rows(table, cols, rejects)),
                        schema=linkedin.messages.ROW_SCHEMA, orient="row")
    assert fast is not None and rejects == []
    assert fast.height == 150_000 and fast.equals(slow)


# ---- two exports of one account: the newer one shows the current job ------------------------------------------

CONN_HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
ALICE_ROW = "Alice,Anders,https://www.linkedin.com/in/alice-anders,,{co},{pos},16 Dec 2020\n"


def _export(folder: Path, rows: str) -> None:
    folder.mkdir(parents=True)
    (folder / "Connections.csv").write_text(CONN_HEADER + rows, encoding="utf-8")


def _alice(inputs: list[Path]) -> tuple[str | None, str | None]:
    r = ingest(inputs)
    people_ = resolve(r.records, identify_owner(r.records, r.owner, [], messages=r.messages),
                      messages=r.messages).people
    alice = people_.filter(pl.col("linkedin_urls").list.contains("https://www.linkedin.com/in/alice-anders"))
    assert alice.height == 1
    return alice.item(0, "company"), alice.item(0, "position")


@pytest.mark.parametrize("undated", ["A-linkedin-download", "linkedin-download"])  # before, after "Complete_"
@pytest.mark.parametrize("dated_is_newer", [False, True])
def test_two_exports_the_newest_ones_company_and_position_win(tmp_path: Path, undated: str,
                                                              dated_is_newer: bool) -> None:
    # one export dated by LinkedIn's name (MM-DD-YYYY), one in a folder without a date: its latest Connected On
    # dates it (an export holds every connection made up to its day). The newer one's job wins, whichever
    # way the folder names sort and whichever order the inputs are given in
    old, new = ALICE_ROW.format(co="OldCo", pos="Engineer"), ALICE_ROW.format(co="NewCo", pos="Director")
    if dated_is_newer:  # undated: connections up to 2023 -> older than 06-01-2026
        bob = "Bob,Baker,https://www.linkedin.com/in/bob-b,,Acme,Dev,03 Mar 2023\n"
        _export(tmp_path / "in" / undated, old + bob)
        _export(tmp_path / "in" / "Complete_LinkedInDataExport_06-01-2026", new)
    else:  # undated: a connection made in 2025 -> newer than 01-15-2024
        _export(tmp_path / "in" / "Complete_LinkedInDataExport_01-15-2024", old)
        carl = "Carl,Cox,https://www.linkedin.com/in/carl-c,,Initech,Dev,01 Feb 2025\n"
        _export(tmp_path / "in" / undated, new + carl)
    folders = sorted((tmp_path / "in").iterdir())
    assert _alice([tmp_path / "in"]) == ("NewCo", "Director")
    assert _alice(folders) == ("NewCo", "Director")
    assert _alice(folders[::-1]) == ("NewCo", "Director")


def test_export_dates_from_linkedins_names_else_the_latest_connection() -> None:
    assert export_name_date("/d/Complete_LinkedInDataExport_10-28-2026.zip!Connections.csv") == date(2026, 10, 28)
    assert export_name_date("/d/Basic_LinkedInDataExport_04-29-2021 (1)/connections.csv") == date(2021, 4, 29)
    assert export_name_date(r"C:\u\Complete_LinkedInDataExport_07-05-2026.zip.zip!Connections.csv") == \
        date(2026, 7, 5)
    assert export_name_date("/d/LinkedIn_06-01-2026/Connections.csv") is None  # not LinkedIn's name
    assert export_name_date("/d/Complete_LinkedInDataExport_13-01-2026/Connections.csv") is None  # no month 13
    recs = pl.DataFrame({"source_kind": ["linkedin.connections"] * 3 + ["mbox"],
                         "source_file": ["/a/Connections.csv", "/a/Connections.csv",
                                         "/Complete_LinkedInDataExport_01-15-2024/Connections.csv", "/m.mbox"],
                         "connected_on": [date(2020, 1, 1), date(2025, 2, 1), date(2023, 1, 1), None]})
    assert connection_export_dates(recs).sort("source_file").rows() == [
        ("/Complete_LinkedInDataExport_01-15-2024/Connections.csv", date(2024, 1, 15)),
        ("/a/Connections.csv", date(2025, 2, 1))]


# ---- found by hostile-input runs: the owner's second profile address, an export read twice ----------------------

MSG11 = ("CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,SUBJECT,"
         "CONTENT,FOLDER,ATTACHMENTS")
OWNER_URL_2 = "https://www.linkedin.com/in/olivia-owner-2"
NAMESAKE_URL = "https://www.linkedin.com/in/olivia-owner-nyc"


def _msg_row(cid: str, frm: tuple[str, str], to: tuple[str, str], day: int) -> str:
    return f"{cid},,{frm[0]},{frm[1]},{to[0]},{to[1]},2024-03-{day:02d} 09:30:00 UTC,,hello,INBOX,"


def test_the_owners_second_profile_address_is_the_owner_and_a_namesake_is_not(tmp_path: Path) -> None:
    # the owner's profile address changed: some conversations carry the old one, some the new (never both in
    # one message); a namesake writing to the owner is someone else. The second address was a ranked person
    # ("only one-way: N messages from them") and the people written to from it lost those messages
    me, me2, namesake = ("Olivia Owner", OWNER_URL), ("Olivia Owner", OWNER_URL_2), ("Olivia Owner", NAMESAKE_URL)
    people_ = [(f"Person {i}", f"https://www.linkedin.com/in/person-{i}") for i in range(6)]
    rows = [_msg_row("c1", me, people_[0], 1), _msg_row("c2", people_[1], me, 2), _msg_row("c3", me, people_[2], 3),
            _msg_row("c4", people_[3], me, 4), _msg_row("c5", me2, people_[4], 5), _msg_row("c6", people_[5], me2, 6),
            _msg_row("c7", namesake, me, 7)]
    path = tmp_path / "messages.csv"
    path.write_text("\n".join([MSG11, *rows]) + "\n", encoding="utf-8")
    r = ingest([path])
    own = identify_owner(r.records, r.owner, [], messages=r.messages)
    owner_urls = set(r.records.filter(pl.col("record_id").is_in(own.record_ids.implode()))
                     .get_column("linkedin_url").drop_nulls().to_list())
    assert owner_urls == {OWNER_URL, OWNER_URL_2}
    events = to_events(r.messages, own)
    sent = events.filter(pl.col("direction") == "sent").height
    assert sent == 3  # c1, c3 and c5 (from the second address): the owner's
    assert r.records.filter(pl.col("linkedin_url") == NAMESAKE_URL).height == 1  # the namesake stays a person


def test_the_owner_of_conversations_with_one_person_is_named_by_profile_csv(tmp_path: Path) -> None:
    # every conversation is with Alice: no profile takes part in more of them than the other, so the owner's was
    # not known; Olivia (named by Profile.csv) was ranked as a person and Alice's replies had no direction
    me, alice = ("Olivia Owner", OWNER_URL), ("Alice Archer", ALICE_URL)
    rows = [_msg_row("c1", me, alice, 1), _msg_row("c1", alice, me, 2), _msg_row("c2", alice, me, 3)]
    (tmp_path / "messages.csv").write_text("\n".join([MSG11, *rows]) + "\n", encoding="utf-8")
    (tmp_path / "Profile.csv").write_text("First Name,Last Name,Maiden Name,Headline\nOlivia,Owner,,Engineer\n",
                                          encoding="utf-8")
    r = ingest([tmp_path])
    own = identify_owner(r.records, r.owner, [], messages=r.messages)
    assert own.linkedin_urls == [OWNER_URL]
    events = to_events(r.messages, own)
    assert sorted(events.get_column("direction").to_list()) == ["received", "received", "sent"]


def test_two_profiles_with_the_owners_name_name_no_owner() -> None:
    from analyzer.owner import _profile_named_url

    norm = pl.DataFrame({"source_kind": ["linkedin.messages"] * 3, "linkedin_url": [OWNER_URL, NAMESAKE_URL, ALICE_URL],
                         "name": ["Olivia Owner", "Olivia Owner", "Alice Archer"]})
    assert _profile_named_url(norm, {"olivia owner"}, set()) is None  # a namesake: neither is taken
    assert _profile_named_url(norm.head(1).vstack(norm.tail(1)), {"olivia owner"}, set()) == OWNER_URL
    assert _profile_named_url(norm, {"olivia owner"}, {ALICE_URL}) is None  # the owner's URL is known otherwise


def test_automated_senders_of_an_export_read_twice_are_listed_once(tmp_path: Path) -> None:
    from analyzer.pipeline import analyze

    me, alice = ("Olivia Owner", OWNER_URL), ("Alice Archer", ALICE_URL)
    rows = [_msg_row("c1", alice, me, 1), _msg_row("c1", me, alice, 2), _msg_row("c3", ("LinkedIn Member", ""), me, 3),
            f"c4,Grow your career,Susan Ramos,,{me[0]},{me[1]},2024-03-04 09:30:00 UTC,,Hi Olivia,INBOX,"]
    src = tmp_path / "export" / "messages.csv"
    src.parent.mkdir()
    src.write_text("\n".join([MSG11, *rows]) + "\n", encoding="utf-8")
    once = analyze([src], as_of=date(2026, 11, 1), charts=False)
    copy = tmp_path / "again" / "messages.csv"
    copy.parent.mkdir()
    shutil.copy(src, copy)
    twice = analyze([src, copy], as_of=date(2026, 11, 1), charts=False)
    kinds = lambda a: a.people.group_by("kind").len().sort("kind").rows()  # noqa: E731
    assert kinds(twice) == kinds(once)
    assert once.people.filter(pl.col("kind") == "automated").height >= 2


def test_a_row_written_twice_in_one_file_is_said_so(tmp_path: Path) -> None:
    # (not one after the other: two rows alike in a row are two messages sent in the same second)
    row = _msg_row("c1", ("Alice Archer", ALICE_URL), ("Olivia Owner", OWNER_URL), 1)
    other = _msg_row("c2", ("Bob Baker", BOB_URL), ("Olivia Owner", OWNER_URL), 2)
    path = tmp_path / "messages.csv"
    path.write_text("\n".join([MSG11, row, other, row]) + "\n", encoding="utf-8")
    r = ingest([path])
    assert summary(r)["ignored_why"] == {"same message already read from this file (a repeated row)": 1}
    accounted(r)


@pytest.mark.parametrize(("encoding", "delimiter", "newline", "rows"), [
    # Excel (Russian Windows) "CSV (разделители - точка с запятой)": cp1251 and semicolons
    ("cp1251", ";", "\r\n", [("Иван", "Петров", "Яндекс", "Разработчик"),
                             ("Ольга", "Смирнова-Щукина", "ООО «Ромашка»", "Главный бухгалтер")]),
    # Excel for Mac "CSV (Macintosh)": Mac Roman and CR line ends
    ("mac_roman", ",", "\r", [("Jürgen", "Weiß", "Müller GmbH", "Geschäftsführer"),
                              ("Françoise", "Lefèvre", "Crédit Agricole", "Chargée d'études")]),
    # Excel (Western Windows): Windows-1252, as before
    ("cp1252", ",", "\r\n", [("José", "Núñez", "Telefónica", "Director – Ventas €"),
                             ("Seán", "O’Brien", "Müller & Söhne", "Geschäftsführer")]),
])
def test_connections_resaved_by_excel_in_a_code_page(tmp_path: Path, encoding: str, delimiter: str, newline: str,
                                                     rows: list[tuple[str, str, str, str]]) -> None:
    """A Connections.csv re-saved by Excel is in the code page of the machine: Russian (cp1251) and Mac Roman
    ones were read as Windows-1252 (``Èâàí``, ``JŸrgen Wei§``)."""
    header = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]
    lines = [delimiter.join(header)] + [
        delimiter.join([first, last, f"https://www.linkedin.com/in/p{i}", "", company, position, "16 Dec 2024"])
        for i, (first, last, company, position) in enumerate(rows)]
    path = tmp_path / "Connections.csv"
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    r = ingest([path])
    assert r.files[0].kind == "linkedin.connections"
    assert r.rejects.height == 0
    for first, last, company, position in rows:
        rec = by_name(r, f"{first} {last}")
        assert (rec["first_name"], rec["last_name"], rec["company"], rec["position"]) == (first, last, company,
                                                                                          position)
        assert rec["connected_on"] == date(2024, 12, 16)
