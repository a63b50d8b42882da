"""Tests for analyzer.sample_data (small profile only, so they stay fast)."""

from __future__ import annotations

import csv
import email.utils
import io
import json
import mailbox
import re
import zipfile
from collections import Counter
from datetime import date
from pathlib import Path
from urllib.parse import unquote

import pytest

from analyzer.sample_data import CATEGORIES, SampleDataSummary, generate_sample_data

EXPECTED_COUNTS = {
    "dormant_close": 10, "dormant_moderate": 14, "active_close": 6, "recent_collaborator": 8, "acquaintance": 18,
    "connection_only": 48, "recruiter": 8, "sales_pitch": 8, "cold_outbound": 6, "mass_mail_only": 90,
    "newsletter": 8, "notification": 8, "role_address": 3, "reconnected": 2, "awaiting_reply": 2, "went_quiet": 2,
}
ZIP_MEMBERS = {
    "Connections.csv": "First Name,Last Name,URL,Email Address,Company,Position,Connected On",
    "messages.csv": "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,"
                    "SUBJECT,CONTENT,FOLDER,ATTACHMENTS",
    "Invitations.csv": "From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl",
    "Endorsement_Received_Info.csv": "Endorsement Date,Skill Name,Endorser First Name,Endorser Last Name,"
                                     "Endorser Public Url,Endorsement Status",
    "Endorsement_Given_Info.csv": "Endorsement Date,Skill Name,Endorsee First Name,Endorsee Last Name,"
                                  "Endorsee Public Url,Endorsement Status",
    "Recommendations_Received.csv": "First Name,Last Name,Company,Job Title,Text,Creation Date,Status",
    "Recommendations_Given.csv": "First Name,Last Name,Company,Job Title,Text,Creation Date,Status",
    "Positions.csv": "Company Name,Title,Description,Location,Started On,Finished On",
    "Profile.csv": "First Name,Last Name,Maiden Name,Address,Birth Date,Headline,Summary,Industry,Zip Code,"
                   "Geo Location,Twitter Handles,Websites,Instant Messengers",
    "Email Addresses.csv": "Email Address,Confirmed,Primary,Updated On",
    "coach_messages.csv": "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,"
                          "DATE,SUBJECT,CONTENT,FOLDER",
    "LearningCoachMessages.csv": "No conversations found",
}
AS_OF = date(2026, 11, 1)
SEPARATOR = re.compile(rb"^From \d+@xxx [A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d \+0000 \d{4}$")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> SampleDataSummary:
    return generate_sample_data(tmp_path_factory.mktemp("gen") / "sample", "small", seed=7)


@pytest.fixture(scope="module")
def identities(small: SampleDataSummary) -> dict[tuple[str, str], str]:
    with (small.truth_dir / "identities.csv").open(encoding="utf-8", newline="") as f:
        return {(r["key_type"], r["key"]): r["truth_id"] for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def people(small: SampleDataSummary) -> dict[str, dict[str, str]]:
    with (small.truth_dir / "people.csv").open(encoding="utf-8", newline="") as f:
        return {r["truth_id"]: r for r in csv.DictReader(f)}


def _member(small: SampleDataSummary, name: str) -> str:
    with zipfile.ZipFile(small.linkedin_zip) as zf:
        return zf.read(name).decode("utf-8")


def _canonical(url: str) -> str:
    u = unquote(url).lower().rstrip("/").split("://")[-1]
    return "https://www." + (u[4:] if u.startswith("www.") else u)


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_layout_and_default_truth_dir(small: SampleDataSummary) -> None:
    assert small.truth_dir == small.out_dir.parent / "sample_truth"
    assert small.linkedin_zip == small.out_dir / "linkedin" / "Complete_LinkedInDataExport_10-28-2026.zip"
    assert small.mbox == small.out_dir / "mail" / "Takeout" / "Mail" / "All mail Including Spam and Trash.mbox"
    for p in (small.google_contacts_csv, small.vcard, small.outlook_contacts_csv, *small.truth_files):
        assert p.is_file() and p.stat().st_size > 0
    total = sum(len(b) for b in _tree(small.out_dir).values())
    assert total < 2_500_000


def test_byte_identical_across_runs(small: SampleDataSummary, tmp_path: Path) -> None:
    again = generate_sample_data(tmp_path / "sample", "small", seed=7)
    assert _tree(again.out_dir) == _tree(small.out_dir)
    assert _tree(again.truth_dir) == _tree(small.truth_dir)


def test_other_seed_differs(small: SampleDataSummary, tmp_path: Path) -> None:
    other = generate_sample_data(tmp_path / "sample", "small", seed=8)
    assert other.mbox.read_bytes() != small.mbox.read_bytes()
    assert dict(other.category_counts) == EXPECTED_COUNTS


def test_zip_members_and_headers(small: SampleDataSummary) -> None:
    with zipfile.ZipFile(small.linkedin_zip) as zf:
        infos = zf.infolist()
        assert {i.filename for i in infos} == set(ZIP_MEMBERS)
        assert {i.date_time for i in infos} == {(2026, 10, 28, 8, 30, 0)}
        assert all("/" not in i.filename for i in infos)
    for name, header in ZIP_MEMBERS.items():
        text = _member(small, name)
        lines = text.split("\n")
        if name == "Connections.csv":
            assert lines[0] == "Notes:"
            assert lines[1].startswith('"When exporting your connection data') and lines[1].endswith('answer/261"')
            assert lines[2] == ""
            assert lines[3] == header
            assert not text.endswith("\n")
        elif name == "LearningCoachMessages.csv":
            assert text == "No conversations found\n\n"
        else:
            assert lines[0] == header
    assert _member(small, "coach_messages.csv") == ZIP_MEMBERS["coach_messages.csv"] + "\n"
    assert not _member(small, "Email Addresses.csv").endswith("\n")


def test_connections_content(small: SampleDataSummary, identities: dict[tuple[str, str], str]) -> None:
    rows = list(csv.DictReader(io.StringIO(_member(small, "Connections.csv").split("\n", 3)[3])))
    assert len(rows) == small.n_connections == 120
    placeholders = [r for r in rows if not r["First Name"]]
    assert len(placeholders) == 5
    assert all(not any(v for k, v in r.items() if k != "Connected On") for r in placeholders)
    assert all(re.fullmatch(r"\d\d [A-Z][a-z]{2} \d{4}", r["Connected On"]) for r in rows)
    assert sum(1 for r in rows if r["Email Address"]) < len(rows) * 0.15
    encoded = [r["URL"] for r in rows if "%" in r["URL"]]
    assert encoded, "non-ASCII slugs are percent-encoded in Connections.csv"
    messages = _member(small, "messages.csv")
    assert any(unquote(u) in messages for u in encoded), "the same profile appears raw in messages.csv"
    for r in rows:
        if r["URL"]:
            assert ("linkedin_url", _canonical(r["URL"])) in identities
    assert any(", PhD" in r["Last Name"] or "🚀" in r["Last Name"] for r in rows)


def test_messages_csv_shape(small: SampleDataSummary) -> None:
    rows = list(csv.reader(io.StringIO(_member(small, "messages.csv"))))[1:]
    assert len(rows) == small.n_linkedin_messages
    assert all(len(r) == 11 for r in rows)
    assert {r[9] for r in rows} <= {"INBOX", "ARCHIVE", "SPAM", ""}
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", r[6]) for r in rows)
    # one conversation is contiguous and newest first
    seen: set[str] = set()
    prev, last_date = None, ""
    for r in rows:
        if r[0] != prev:
            assert not r[0] or r[0] not in seen
            seen.add(r[0])
        elif prev:
            assert r[6] <= last_date
        prev, last_date = r[0], r[6]
    owner_rows = [r for r in rows if r[2] == "Morgan Reyes"]
    assert owner_rows and {r[9] for r in owner_rows} <= {"INBOX", "ARCHIVE", ""}
    assert any(r[2] == "LinkedIn Member" and r[3] == "" for r in rows)
    assert any(r[3] == "" and r[1] and r[8].startswith('<p class="spinmail-quill-editor__spin-break">') for r in rows)
    assert any(r[9] == "" and r[0] == "" for r in rows)                  # drafts without a conversation
    groups = [r for r in rows if r[1] and r[5].count(",") >= 2]
    assert groups and all(len(r[5].split(",")) >= 2 for r in groups)
    assert any(r[4].endswith(", PhD") and "," not in r[5] for r in rows)
    big = max(len(r[5].split(",")) for r in rows)
    assert big >= 40


def test_mbox_separators_match_truth(small: SampleDataSummary) -> None:
    manifest = json.loads((small.truth_dir / "manifest.json").read_text(encoding="utf-8"))
    lines = small.mbox.read_bytes().split(b"\n")
    separators = [ln for ln in lines if SEPARATOR.match(ln)]
    assert len(separators) == manifest["emails"] == small.n_emails == 1200
    # every other line starting "From " is escaped, so the separators are unambiguous
    assert all(SEPARATOR.match(ln) for ln in lines if ln.startswith(b"From "))
    assert any(ln.startswith(b">From ") for ln in lines)
    assert lines[0].startswith(b"From ") and lines[1].startswith(b"X-GM-THRID: ")
    assert lines[2].startswith(b"X-Gmail-Labels: ")


def test_mbox_headers(small: SampleDataSummary, identities: dict[tuple[str, str], str],
                      people: dict[str, dict[str, str]]) -> None:
    labels: Counter[str] = Counter()
    missing: list[str] = []
    chats = bulk = replies = sent_from = 0
    senders_of_sent: set[str] = set()
    for msg in mailbox.mbox(small.mbox, create=False):
        row = next(csv.reader([msg["X-Gmail-Labels"]]))
        labels.update(row)
        if "Chat" in row:
            chats += 1
            assert msg["Date"] is None and msg["To"] is None and msg["Message-ID"] is None
        else:
            assert email.utils.parsedate_to_datetime(msg["Date"]) is not None
        if msg["Precedence"] == "bulk":
            bulk += 1
            assert msg["List-Unsubscribe"] and msg["List-Id"]
        if msg["In-Reply-To"]:
            replies += 1
        for header in ("From", "To", "Cc"):
            for _, addr in email.utils.getaddresses([str(v) for v in msg.get_all(header) or []]):
                if ("email", addr.lower()) not in identities:
                    missing.append(addr)
        if "Sent" in row:
            sent_from += 1
            senders_of_sent.add(email.utils.parseaddr(str(msg["From"]))[1])
    assert missing == []
    assert chats >= 1 and bulk >= 20 and replies >= 100
    assert senders_of_sent == {"morgan.reyes.ops@gmail.com", "morgan.reyes@northwindlogistics.com"}
    for label in ("Inbox", "Sent", "Important", "Opened", "Unread", "Spam", "Trash", "Travel, 2019"):
        assert labels[label] > 0, label
    assert sent_from > 200


def test_category_counts_and_priorities(small: SampleDataSummary, people: dict[str, dict[str, str]]) -> None:
    assert dict(small.category_counts) == EXPECTED_COUNTS
    assert set(EXPECTED_COUNTS) == set(CATEGORIES)
    counts = Counter(r["category"] for r in people.values())
    assert counts.pop("owner") == 1
    assert dict(counts) == EXPECTED_COUNTS
    assert small.n_people == sum(EXPECTED_COUNTS.values())
    prio: dict[str, list[float]] = {}
    for r in people.values():
        prio.setdefault(r["category"], []).append(float(r["expected_priority"]))
        assert (r["should_rank_high"] == "true") == (r["category"] in ("dormant_close", "dormant_moderate"))
        assert (r["is_automated"] == "true") == (r["category"] in ("newsletter", "notification", "role_address"))
    assert min(prio["dormant_close"]) > max(prio["dormant_moderate"])
    warm = prio["active_close"] + prio["recent_collaborator"] + prio["acquaintance"]
    assert min(prio["dormant_moderate"]) > max(warm)
    assert min(warm) > max(prio["connection_only"]) > 0
    for c in ("recruiter", "sales_pitch", "cold_outbound", "mass_mail_only", "newsletter", "notification"):
        assert max(prio[c]) == 0


def test_activity_matches_categories(small: SampleDataSummary, people: dict[str, dict[str, str]]) -> None:
    with (small.truth_dir / "activity.csv").open(encoding="utf-8", newline="") as f:
        activity = {r["truth_id"]: r for r in csv.DictReader(f)}
    for tid, a in activity.items():
        cat = people[tid]["category"]
        sent = int(a["li_sent"]) + int(a["email_sent"])
        received = int(a["li_received"]) + int(a["email_received"])
        if cat in ("dormant_close", "dormant_moderate", "active_close", "recent_collaborator", "acquaintance"):
            assert sent and received, (tid, cat)
        if cat in ("recruiter", "sales_pitch"):
            assert received and not sent, tid
        if cat == "cold_outbound":
            assert sent and not received, tid
        if cat == "connection_only":
            assert not sent and not received and a["mass_messages"] == "0", tid
        if cat == "mass_mail_only":
            assert not sent and not received and int(a["mass_messages"]) >= 1, tid
        if cat == "dormant_close":
            days = (AS_OF - date.fromisoformat(a["last_direct_contact"])).days
            assert 365 <= days <= 4 * 366 + 10, (tid, days)
            assert int(a["li_sent"]) + int(a["email_sent"]) + int(a["li_received"]) + int(a["email_received"]) >= 40
        if cat == "active_close":
            assert (AS_OF - date.fromisoformat(a["last_direct_contact"])).days <= 30


def test_identity_traps(small: SampleDataSummary, identities: dict[tuple[str, str], str],
                        people: dict[str, dict[str, str]]) -> None:
    def tid(key: str) -> str:
        return identities[("email", key)]

    bob = tid("bob.smith.1984@gmail.com")
    assert tid("robert.smith@northwindlogistics.com") == bob and people[bob]["name"] == "Robert Smith"
    assert b"Bob Smith <bob.smith.1984@gmail.com>" in small.mbox.read_bytes()
    assert b'"Smith, Robert" <robert.smith@northwindlogistics.com>' in small.mbox.read_bytes()
    google = small.google_contacts_csv.read_text(encoding="utf-8-sig")
    bob_row = next(r for r in csv.DictReader(io.StringIO(google)) if r["First Name"] == "Robert" and r["Last Name"] == "Smith")
    assert {bob_row["E-mail 1 - Value"], bob_row["E-mail 2 - Value"]} == {"robert.smith@northwindlogistics.com",
                                                                          "bob.smith.1984@gmail.com"}
    jen = tid("jen.walsh.pm@gmail.com")
    for spelling in ("jenwalshpm@gmail.com", "jen.walsh.pm+linkedin@gmail.com", "jen.walsh.pm@googlemail.com"):
        assert tid(spelling) == jen
    emily = tid("emily.novak.home@gmail.com")
    mbox = small.mbox.read_bytes()
    assert b"Emily Novak <emily.novak.home@gmail.com>" in mbox and b"Emily Carter <emily.novak.home@gmail.com>" in mbox
    assert people[emily]["name"] == "Emily Carter"
    lees = {t for (k, _), t in identities.items() if k == "linkedin_url" and people.get(t, {}).get("name") == "David Lee"}
    assert len(lees) == 2
    browns = {r["truth_id"] for r in people.values() if r["name"].startswith("Michael Brown")}
    assert len(browns) == 2
    for role in ("info@hubly.io", "team@launchpadhq.com"):
        assert people[tid(role)]["category"] == "role_address"
    group = tid("product-leaders@googlegroups.com")
    assert people[group]["is_automated"] == "true"
    assert re.search(rb"^From: [^<\n]+ via Product Leaders <product-leaders@googlegroups.com>$", mbox, re.M)
    owner = json.loads((small.truth_dir / "owner.json").read_text(encoding="utf-8"))
    assert owner["emails"] == ["morgan.reyes.ops@gmail.com", "morgan.reyes@northwindlogistics.com"]
    assert all(identities[("email", e.lower())] == "P00000" for e in owner["emails"] + owner["email_spellings_in_mail"])
    names = [k for (kind, k) in identities if kind == "name_in_source"]
    assert any(k.startswith("Recommendations_Received.csv|") for k in names)
    assert any(k.startswith("messages.csv|") for k in names)


def test_linkedin_urls_in_truth(small: SampleDataSummary, identities: dict[tuple[str, str], str]) -> None:
    rows = list(csv.reader(io.StringIO(_member(small, "messages.csv"))))[1:]
    for r in rows:
        for url in [r[3], *(r[5].split(",") if r[5] else [])]:
            if url:
                assert ("linkedin_url", _canonical(url)) in identities, url
    for name, cols in (("Invitations.csv", ("inviterProfileUrl", "inviteeProfileUrl")),
                       ("Endorsement_Received_Info.csv", ("Endorser Public Url",)),
                       ("Endorsement_Given_Info.csv", ("Endorsee Public Url",))):
        for r in csv.DictReader(io.StringIO(_member(small, name))):
            for c in cols:
                assert ("linkedin_url", _canonical(r[c])) in identities
                if name.startswith("Endorsement"):
                    assert r[c].startswith("www.linkedin.com/in/")
    assert all(k == k.lower() for (kind, k) in identities if kind in ("email", "linkedin_url"))


def test_contact_files(small: SampleDataSummary, identities: dict[tuple[str, str], str]) -> None:
    raw = small.google_contacts_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfFirst Name,Middle Name,Last Name,")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert any(" ::: " in r["Labels"] for r in rows) and any(r["Labels"] == "* Other Contacts" for r in rows)
    assert any(" ::: " in r["E-mail 1 - Value"] for r in rows)
    for r in rows:
        for col in ("E-mail 1 - Value", "E-mail 2 - Value", "E-mail 3 - Value"):
            for addr in filter(None, r[col].split(" ::: ")):
                assert ("email", addr.lower()) in identities
    vcf = small.vcard.read_bytes()
    assert vcf.startswith(b"BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iPhone OS")
    assert b"\n" not in vcf.replace(b"\r\n", b"")
    assert vcf.count(b"BEGIN:VCARD") == vcf.count(b"END:VCARD") >= 5
    assert b"X-SOCIALPROFILE;type=linkedin" in vcf and b"item1.EMAIL;type=INTERNET:" in vcf
    outlook = small.outlook_contacts_csv.read_bytes().decode("utf-8")
    header = outlook.split("\r\n", 1)[0]
    assert header.startswith('"Title","First Name","Middle Name","Last Name","Suffix","Company"')
    assert header.endswith('"User 4","Web Page"') and len(next(csv.reader([header]))) == 92
    body = [ln for ln in outlook.split("\r\n")[1:] if ln]
    assert body and all(ln.startswith('"') and ln.endswith('"') for ln in body)


def test_unknown_size_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown sample-data size"):
        generate_sample_data(tmp_path / "x", "huge")
