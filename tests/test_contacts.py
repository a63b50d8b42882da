"""Address books: Google/Outlook contact CSVs and vCards -> one `contact` record per contact."""

from __future__ import annotations

import base64
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from analyzer.ingest import ingest, make_sniff
from analyzer.ingest.inputs import discover
from analyzer.ingest.outlook_languages import english_keys
from analyzer.ingest.registry import detect

FIX = Path(__file__).parent / "fixtures" / "contacts"
REAL = Path(__file__).parents[2] / "shared" / "real-samples" / "vcard"


def load(path: Path) -> tuple[list[dict[str, Any]], list[tuple[int, str]], Any]:
    """(records as dicts, rejects as (line, reason), the file report) of one file; checks the accounting."""
    ing = ingest([path])
    assert len(ing.files) == 1
    rep = ing.files[0]
    assert rep.read == rep.used + rep.rejected + rep.ignored
    assert ing.records.height == rep.used  # one record per used contact
    assert ing.messages.height == 0  # contacts are identity evidence, never messages
    rejects = [(r["line"], r["reason"]) for r in ing.rejects.iter_rows(named=True)]
    assert len(rejects) == rep.rejected
    return list(ing.records.iter_rows(named=True)), rejects, rep


def by_name(records: list[dict[str, Any]]) -> dict[str | None, dict[str, Any]]:
    return {r["name"]: r for r in records}


# ---- Google -----------------------------------------------------------------------------------------------
def test_google_current_bom_multi_values_other_contacts_multiline_notes() -> None:
    recs, rejects, rep = load(FIX / "google_current_bom.csv")
    assert rep.kind == "contacts.google_csv"
    assert (rep.read, rep.used, rep.rejected, rep.ignored) == (5, 4, 0, 1)
    assert dict(rep.ignored_reasons) == {"contact without name, email or profile": 1}
    assert rejects == []
    assert [r["line"] for r in recs] == [2, 5, 6, 8]  # Anil's Notes span lines 2-4
    anil = recs[0]
    assert (anil["name"], anil["first_name"], anil["last_name"]) == ("Anil R. Kumar", "Anil R.", "Kumar")
    # ` ::: ` multi-values split, every address in ONE record, lower-cased
    assert anil["emails"] == ["anil.home@gmail.com", "anil.k@example.com", "anil@example.com"]
    # the profile from the website cell, not the other person's URL in the Notes
    assert anil["linkedin_url"] == "https://www.linkedin.com/in/anil-kumar-42"
    assert (anil["company"], anil["position"], anil["role"]) == ("Acme Corp", "Staff Engineer", "contact")
    other = recs[1]  # `* Other Contacts` row with an address only
    assert other["role"] == "contact_other"
    assert (other["name"], other["first_name"], other["emails"]) == (None, None, ["anonymous@test.com"])
    jose = recs[2]
    assert (jose["name"], jose["company"], jose["role"]) == ("José García", "Fundación Ñandú", "contact")
    assert jose["linkedin_url"] is None  # a Relation's profile is someone else's
    lin = recs[3]  # in both Other Contacts and My Contacts: a saved contact
    assert (lin["name"], lin["role"], lin["linkedin_url"]) == ("Lin Chen", "contact", None)  # URL only in Notes


def test_google_legacy_utf16() -> None:
    assert (FIX / "google_legacy_utf16.csv").read_bytes()[:4] == b"\xff\xfeN\x00"
    recs, _, rep = load(FIX / "google_legacy_utf16.csv")
    assert rep.kind == "contacts.google_legacy_csv"
    assert (rep.read, rep.used) == (3, 3)
    maria, shohei, other = recs
    assert (maria["name"], maria["first_name"], maria["last_name"]) == ("Maria Schmidt", "Maria", "Schmidt")
    assert maria["emails"] == ["maria.schmidt@firma.de", "maria@example.de"]
    assert maria["linkedin_url"] == "https://www.linkedin.com/in/maria-schmidt-é"
    assert (maria["company"], maria["position"], maria["line"]) == ("Firma GmbH", "CTO", 2)
    assert (shohei["name"], shohei["first_name"], shohei["last_name"]) == ("大谷 翔平", "翔平", "大谷")
    assert (other["role"], other["emails"], other["name"]) == ("contact_other", ["someone@example.net"], None)


def test_google_outlook_format_export() -> None:
    recs, _, rep = load(FIX / "google_outlook_format.csv")
    assert rep.kind == "contacts.outlook_csv"
    assert any("Outlook CSV" in n for n in rep.notes)
    greta, auto = recs
    assert greta["name"] == "Greta Lind"
    assert greta["emails"] == ["g.lind@volvo.example", "greta@lind.se"]
    assert greta["linkedin_url"] == "https://www.linkedin.com/in/greta-lind"  # se.linkedin.com, not the manager's
    assert (greta["company"], greta["position"], greta["role"]) == ("Volvo", "Designer", "contact")
    assert (auto["role"], auto["emails"]) == ("contact_other", ["auto@saved.example"])


# ---- Outlook ----------------------------------------------------------------------------------------------
def test_outlook_desktop_92_columns() -> None:
    header = (FIX / "outlook_desktop.csv").read_bytes().decode("cp1252").split("\r\n", 1)[0]
    assert header.count('","') == 91 and header.startswith('"Title","First Name"')
    recs, _, rep = load(FIX / "outlook_desktop.csv")
    assert rep.kind == "contacts.outlook_csv"
    assert rep.notes == ["layout: Outlook desktop (2007+, 92 columns)"]
    assert (rep.read, rep.used, rep.ignored) == (4, 3, 1)  # the company-and-phone-only row is ignored
    john, jane, pat = recs
    assert (john["name"], john["first_name"], john["last_name"], john["line"]) == ("John Q. Smith", "John Q.", "Smith",
                                                                                     2)
    assert john["emails"] == ["john.smith@contoso.com", "john@smith.family"]
    assert john["linkedin_url"] == "https://www.linkedin.com/in/johnsmith"
    assert (john["company"], john["position"]) == ("Contoso Ltd.", "VP Sales")
    # Exchange (EX) entry: the X.500 path is not an address; the SMTP one comes from the display name
    assert (jane["name"], jane["emails"], jane["line"]) == ("Jane Doe", ["jane.doe@contoso.com"], 4)
    # no name columns: the name comes from `E-mail Display Name` = `Pat Lee (pat@lee.org)`
    assert (pat["name"], pat["first_name"], pat["emails"]) == ("Pat Lee", None, ["pat@lee.org"])


@pytest.mark.parametrize("name", ["outlook_desktop_german.csv", "outlook_desktop_french.csv"])
def test_outlook_in_another_language_reads_as_in_english(name: str) -> None:
    # Outlook names the columns in its own language (Vorname, E-Mail-Adresse ...; Prénom, Adresse de
    # messagerie ..., the French file with semicolons): the same contacts as the English export
    header = (FIX / name).read_bytes().decode("cp1252").split("\r\n", 1)[0]
    assert "First Name" not in header and ("Vorname" in header or "Prénom" in header)
    localised, english = ingest([FIX / name]), ingest([FIX / "outlook_desktop.csv"])
    assert localised.files[0].kind == "contacts.outlook_csv"
    assert localised.files[0].notes == ["layout: Outlook desktop (2007+, 92 columns)"]
    assert localised.records.drop("source_file").equals(english.records.drop("source_file"))


def test_english_outlook_keys_only_for_an_outlook_header() -> None:
    german = ["VORNAME", "NACHNAME", "FIRMA", "POSITION", "E-MAIL-ADRESSE", "E-MAIL 2: ADRESSE", "TELEFON PRIVAT"]
    assert english_keys(german) == ["FIRST NAME", "LAST NAME", "COMPANY", "JOB TITLE", "E-MAIL ADDRESS",
                                    "E-MAIL 2 ADDRESS", "TELEFON PRIVAT"]
    assert english_keys(["FIRST NAME", "LAST NAME", "COMPANY", "E-MAIL ADDRESS"]) is None  # English already
    assert english_keys(["VORNAME", "NACHNAME", "FIRMA"]) is None  # no e-mail address column
    assert english_keys(["NOM", "DATE", "MONTANT"]) is None


def test_outlook_2003_country_cp1252() -> None:
    recs, _, rep = load(FIX / "outlook_2003_country.csv")
    assert rep.kind == "contacts.outlook_csv"
    assert rep.notes == ["layout: Outlook desktop (2003, 92 columns)"]
    (klaus,) = recs
    assert (klaus["name"], klaus["company"], klaus["position"]) == ("Klaus Weiß", "Müller & Söhne KG", "Prokurist")
    assert klaus["emails"] == ["klaus.weiss@mueller-soehne.example"]


def test_outlook_com_61_columns() -> None:
    header = (FIX / "outlook_com.csv").read_bytes().decode("utf-8-sig").split("\r\n", 1)[0]
    assert header.count(",") == 60
    recs, _, rep = load(FIX / "outlook_com.csv")
    assert rep.notes == ["layout: Outlook.com (61 columns)"]
    assert (rep.read, rep.used, rep.ignored) == (2, 1, 1)
    (aiko,) = recs
    assert aiko["name"] == "Aiko Tanaka"
    assert aiko["emails"] == ["aiko.t@work.example", "aiko@tanaka.example"]  # E-mail 3 too
    assert aiko["linkedin_url"] == "https://www.linkedin.com/in/aiko-tanaka"  # Personal Web Page
    assert (aiko["company"], aiko["position"]) == ("Fabrikam", "Researcher")


def test_linkedin_pre2017_outlook_export_is_tagged_by_name() -> None:
    recs, _, rep = load(FIX / "linkedin_connections_export_microsoft_outlook.csv")
    assert rep.kind == "contacts.linkedin_legacy_csv"
    (sam,) = recs
    assert (sam["name"], sam["company"], sam["position"], sam["emails"]) == (
        "Sam Rivera", "Initech", "Manager", ["sam.rivera@initech.example"])


def test_ragged_rows_are_rejected_with_line() -> None:
    recs, rejects, rep = load(FIX / "ragged.csv")
    assert (rep.read, rep.used, rep.rejected) == (5, 3, 2)
    assert rejects == [(3, "ragged row: 4 cells, header has 40"), (5, "ragged row: 42 cells, header has 40")]
    # one extra EMPTY trailing cell (a stray comma) is tolerated
    assert [(r["line"], r["name"]) for r in recs] == [(2, "Ok One"), (4, "Ok Two"), (6, "Trailing Comma")]


# ---- vCard ------------------------------------------------------------------------------------------------
def test_vcard21_quoted_printable_outlook() -> None:
    recs, _, rep = load(FIX / "vcard21_quoted_printable.vcf")
    assert rep.kind == "contacts.vcard"
    juergen, francois = recs
    # QP with CHARSET=Windows-1252 (N) and utf-8 (FN); the NOTE's soft line breaks do not break the card
    assert (juergen["name"], juergen["first_name"], juergen["last_name"]) == ("Jürgen Müller", "Jürgen", "Müller")
    assert juergen["emails"] == ["jm@privat.de", "juergen.mueller@acme.de"]
    assert juergen["linkedin_url"] == "https://www.linkedin.com/in/juergen-mueller"  # URL, not the NOTE's
    assert (juergen["company"], juergen["position"], juergen["line"]) == ("Acme GmbH", "Vertriebsleiter", 1)
    assert (francois["name"], francois["first_name"], francois["last_name"]) == ("François Lefèvre", "François", "Lefèvre")
    assert (francois["company"], francois["line"]) == ("Société Générale", 22)  # after the 2.1 base64 PHOTO


def test_vcard40() -> None:
    recs, _, rep = load(FIX / "vcard40.vcf")
    assert (rep.read, rep.used, rep.ignored) == (3, 2, 1)  # the lower-case card with only a tel: URI is ignored
    kate, org = recs
    assert (kate["name"], kate["first_name"], kate["last_name"]) == ("Kate Bell", "Kate", "Bell")  # `FN: Kate  Bell`
    assert kate["emails"] == ["kate.bell@example.com", "kate@bell.example"]  # mailto: URI value too
    assert kate["linkedin_url"] == "https://www.linkedin.com/in/kate-bell-🌸"
    assert (kate["company"], kate["position"]) == ("Creative Consulting", "Producer")
    # KIND:org: FN is the organisation, not a person's name
    assert (org["name"], org["company"], org["emails"], org["line"]) == (None, "Viagenie Inc.", ["info@viagenie.example"], 12)


def test_vcard_grouped_items_and_socialprofile() -> None:
    recs, _, _ = load(FIX / "vcard_grouped_items.vcf")
    siobhan, company, tom = recs
    assert (siobhan["name"], siobhan["first_name"], siobhan["last_name"]) == ("Siobhán O'Brien", "Siobhán", "O'Brien")
    assert siobhan["emails"] == ["siobhan.obrien@globex.example", "siobhan@obrien.example"]  # item1./item2.EMAIL
    assert siobhan["linkedin_url"] == "https://www.linkedin.com/in/siobhan-obrien"  # X-SOCIALPROFILE, not spouse's
    assert (siobhan["company"], siobhan["position"]) == ("Globex, Inc.", "Principal Scientist")
    # X-ABShowAs:COMPANY: FN is the company
    assert (company["name"], company["company"], company["line"]) == (None, "Globex Inc.", 21)
    # X-SOCIALPROFILE;type=linkedin;x-user=...:x-apple:...  -> profile from x-user
    assert (tom["name"], tom["emails"], tom["linkedin_url"]) == ("Tom Ng", [], "https://www.linkedin.com/in/tom-ng-01")


def test_vcard_one_bad_card_is_rejected_the_rest_load() -> None:
    recs, rejects, rep = load(FIX / "vcard_one_bad_card.vcf")
    assert (rep.read, rep.used, rep.rejected) == (3, 2, 1)
    assert rejects == [(6, "malformed vCard (a property line cannot be read)")]
    assert [(r["line"], r["name"], r["emails"]) for r in recs] == [
        (1, "Good One", ["good.one@example.com"]), (13, "Good Two", ["good.two@example.com"])]


def test_vcard_without_end() -> None:
    recs, rejects, rep = load(FIX / "vcard_truncated.vcf")
    assert rejects == [(5, "vCard without END:VCARD"), (12, "vCard without END:VCARD (file truncated?)")]
    assert [(r["line"], r["name"]) for r in recs] == [(1, "Complete"), (8, "After Unclosed")]
    assert rep.read == 4


def test_vcard_file_with_only_a_truncated_card_is_an_error(tmp_path: Path) -> None:
    """A file in which no card ends (cut short while exporting or copying) is unusable: one line naming it and
    exit 1 (it exited 0 with an empty report). A truncated LAST card stays a reject (test_vcard_without_end),
    as does a complete card that cannot be read."""
    from click.testing import CliRunner

    from analyzer.cli import main
    from analyzer.errors import InputError

    p = tmp_path / "trunc.vcf"
    p.write_bytes(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Trunc Ated\r\nEMAIL:tr")
    with pytest.raises(InputError) as err:
        ingest([p])
    assert str(err.value) == (f"{p}: is truncated: no vCard in it ends (the one on line 1 has no END:VCARD). "
                              "Export the file again")
    res = CliRunner().invoke(main, ["analyze", str(p), "--out", str(tmp_path / "out"), "--as-of", "2026-12-01", "-q"])
    assert res.exit_code == 1, res.output
    assert res.output.strip().splitlines() == [f"Error: {err.value}"]
    assert not (tmp_path / "out").exists()
    # two cards, neither ends: the same error, naming the last
    p.write_bytes(b"BEGIN:VCARD\r\nFN:One\r\nBEGIN:VCARD\r\nFN:Two\r\n")
    with pytest.raises(InputError, match=r"no vCard in it ends \(the one on line 3 has no END:VCARD\)"):
        ingest([p])
    # a complete card that is rejected, then a truncated one: both in rejects.csv, as before
    p.write_bytes(b"BEGIN:VCARD\r\nVERSION:3.0\r\n no colon\r\n@@@\r\nEND:VCARD\r\nBEGIN:VCARD\r\nFN:Cut")
    recs, rejects, _ = load(p)
    assert (recs, rejects) == ([], [(1, "malformed vCard (a property line cannot be read)"),
                                    (6, "vCard without END:VCARD (file truncated?)")])


def test_vcard21_8bit_values_in_their_charset(tmp_path: Path) -> None:
    """vCard 2.1 raw 8-bit values are read in their CHARSET (Russian Windows-1251, Shift_JIS as Japanese phones
    write it, with cp932's 髙; folded lines too): they were read as cp1252 mojibake ("Èâàí Ïåòðîâ"). Without a
    CHARSET, with an unknown one, or with bytes that are not in it, a line is read as before (UTF-8, else cp1252)."""
    p = tmp_path / "charset.vcf"
    p.write_bytes(b"\r\n".join([
        b"BEGIN:VCARD", b"VERSION:2.1", b"N;CHARSET=WINDOWS-1251:" + "Петров;Иван".encode("cp1251"),
        b"FN;CHARSET=WINDOWS-1251:" + "Иван Петров".encode("cp1251"),
        b"ORG;CHARSET=WINDOWS-1251:" + "Яндекс".encode("cp1251"), b"EMAIL;INTERNET:ivan@yandex.ru", b"END:VCARD",
        b"BEGIN:VCARD", b"VERSION:2.1", b"N;CHARSET=SHIFT_JIS:" + "髙橋;太郎".encode("cp932"),
        b"FN;CHARSET=SHIFT_JIS:" + "髙橋 太郎".encode("cp932"),
        b"TITLE;CHARSET=SHIFT_JIS:" + "営業".encode("shift_jis"), b" " + "部長".encode("shift_jis"),
        b"EMAIL;INTERNET:taro@docomo.ne.jp", b"END:VCARD",
        b"BEGIN:VCARD", b"VERSION:2.1", b"FN;CHARSET=X-UNKNOWN:" + "Zoë Brønn".encode("cp1252"),
        b"TITLE;CHARSET=SHIFT_JIS:" + "Geschäftsführer".encode("cp1252"),  # not Shift_JIS bytes
        b"ORG:" + "Société Générale".encode("cp1252"), b"END:VCARD",
        b"BEGIN:VCARD", b"VERSION:2.1", b"FN;CHARSET=UTF-8:" + "Björn Ångström".encode(), b"END:VCARD", b""]))
    recs, rejects, _ = load(p)
    assert rejects == []
    assert [(r["name"], r["first_name"], r["last_name"], r["company"], r["position"]) for r in recs] == [
        ("Иван Петров", "Иван", "Петров", "Яндекс", None), ("髙橋 太郎", "太郎", "髙橋", None, "営業部長"),
        ("Zoë Brønn", None, None, "Société Générale", "Geschäftsführer"), ("Björn Ångström", None, None, None, None)]


def test_vcard_encodings_agent_and_unindented_base64(tmp_path: Path) -> None:
    """UTF-16 and cp1252 files, an embedded 2.1 AGENT card (not read) and 2.1 base64 lines without indent."""
    card = "\r\n".join([
        "BEGIN:VCARD", "VERSION:2.1", "N:Müller;Zoë", "FN:Zoë Müller", "EMAIL;INTERNET:zoe@example.de",
        "AGENT:", "BEGIN:VCARD", "VERSION:2.1", "FN:Her Assistant", "EMAIL:assistant@example.de", "END:VCARD",
        "PHOTO;ENCODING=BASE64;TYPE=JPEG:/9j/4AAQSkZJRgABAQEAYABgAAD", "AAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRof", "",
        "TITLE:Chefin", "END:VCARD", ""])
    for enc in ("utf-16", "cp1252", "utf-8"):
        p = tmp_path / f"card_{enc}.vcf"
        p.write_bytes(card.encode(enc))
        (rec,), rejects, _ = load(p)
        assert rejects == []
        assert (rec["name"], rec["first_name"], rec["emails"], rec["position"]) == (
            "Zoë Müller", "Zoë", ["zoe@example.de"], "Chefin"), enc


def test_vcard21_qp_folded_with_space_and_stray_soft_break(tmp_path: Path) -> None:
    p = tmp_path / "qp.vcf"
    p.write_bytes("\r\n".join([
        "BEGIN:VCARD", "VERSION:2.1",
        "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Bj=C3=B6rn =C3=85",  # folded with a space, not a soft break
        " ngstr=C3=B6m",
        "EMAIL;INTERNET:bjorn@example.se",
        "TITLE;ENCODING=QUOTED-PRINTABLE:Chef=",  # a soft break right before END:VCARD
        "END:VCARD",
        "BEGIN:VCARD", "VERSION:2.1", "FN:Next Card", "END:VCARD", ""]).encode("ascii"))
    recs, rejects, _ = load(p)
    assert rejects == []
    assert [(r["name"], r["line"]) for r in recs] == [("Björn Ångström", 1), ("Next Card", 8)]
    assert recs[0]["position"] == "Chef="


def test_vcard_base64_text_values(tmp_path: Path) -> None:
    """Names and titles in base64 (3.0 ``ENCODING=b``, folded; 2.1 ``ENCODING=BASE64`` with a CHARSET; a bare
    2.1 ``BASE64``) are decoded: they were read as names made of base64 letters ("V2Vpw587...") or lost. A
    value that is not base64 is dropped, not shown."""
    import base64

    def b64(text: str, charset: str = "utf-8") -> str:
        return base64.b64encode(text.encode(charset)).decode("ascii")

    n = b64("Weiß;Jürgen;;;")
    p = tmp_path / "b64.vcf"
    p.write_bytes("\r\n".join([
        "BEGIN:VCARD", "VERSION:3.0", f"FN;ENCODING=b:{b64('Jürgen Weiß')}", f"N;ENCODING=b:{n[:8]}", f" {n[8:]}",
        "EMAIL:jw@x.example", "END:VCARD",
        "BEGIN:VCARD", "VERSION:2.1", f"FN;ENCODING=BASE64;CHARSET=ISO-8859-1:{b64('Zoë Brønn', 'latin-1')}",
        f"TITLE;BASE64:{b64('Leiterin Einkauf')}", "EMAIL;INTERNET:zoe@y.example", "END:VCARD",
        "BEGIN:VCARD", "VERSION:3.0", "FN;ENCODING=b:not base64!", "EMAIL:odd@z.example", "END:VCARD", ""])
        .encode("ascii"))
    recs, rejects, _ = load(p)
    assert rejects == []
    assert [(r["name"], r["first_name"], r["last_name"], r["position"]) for r in recs] == [
        ("Jürgen Weiß", "Jürgen", "Weiß", None), ("Zoë Brønn", None, None, "Leiterin Einkauf"),
        (None, None, None, None)]
    assert [r["emails"] for r in recs] == [["jw@x.example"], ["zoe@y.example"], ["odd@z.example"]]


def test_vcard_group_cards_are_not_people(tmp_path: Path) -> None:
    """iCloud's group cards (X-ADDRESSBOOKSERVER-KIND:group, folded member list) and vCard 4.0 KIND:group are
    lists of contacts: they were ranked as people named "Friends" and "Book club"."""
    p = tmp_path / "groups.vcf"
    p.write_bytes("\r\n".join([
        "BEGIN:VCARD", "VERSION:3.0", "N:;Friends;;;", "FN:Friends", "X-ADDRESSBOOKSERVER-KIND:group",
        "X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:1234", "END:VCARD",
        "BEGIN:VCARD", "VERSION:4.0", "KIND:group", "FN:Book club", "MEMBER:mailto:someone@club.example",
        "END:VCARD",
        "BEGIN:VCARD", "VERSION:4.0", "KIND:individual", "FN:Ann Bell", "EMAIL:ann@bell.example", "END:VCARD",
        ""]).encode("ascii"))
    recs, rejects, rep = load(p)
    assert rejects == []
    assert [(r["name"], r["emails"]) for r in recs] == [("Ann Bell", ["ann@bell.example"])]
    assert dict(rep.ignored_reasons) == {"contact group (a list of contacts, not a person)": 2}


def test_vcard_names_and_titles_with_bare_commas_are_read_whole(tmp_path: Path) -> None:
    """vCard 2.1 has no comma escape and many 3.0 writers leave commas bare: ``FN:Smith, Robert`` was read as a
    list and shown as the name "Smith", ``TITLE:Senior Engineer, Platform`` as "Senior Engineer". Escaped commas,
    folded values and the comma lists of other properties are read as before."""
    p = tmp_path / "commas.vcf"
    p.write_bytes("\r\n".join([
        "BEGIN:VCARD", "VERSION:2.1", "FN:Smith, Robert", "TITLE:Senior Engineer, Platform",
        "EMAIL;INTERNET:rs@acme.example", "END:VCARD",
        "BEGIN:VCARD", "VERSION:3.0", "FN:Doe, Jane", "N:Doe;Jane;;;", "ORG:Acme\\, Inc.;R&D",
        "TITLE:VP\\, Sales", "EMAIL:jd@acme.example", "END:VCARD",
        "BEGIN:VCARD", "VERSION:3.0", "FN:Kay, Lee", "TITLE:Head of Ops,", "  EMEA",
        "EMAIL;TYPE=INTERNET,WORK:kl@acme.example", "END:VCARD", ""]).encode("utf-8"))
    recs, rejects, _ = load(p)
    assert rejects == []
    assert [(r["name"], r["first_name"], r["last_name"], r["company"], r["position"], r["emails"]) for r in recs] == [
        ("Smith, Robert", None, None, None, "Senior Engineer, Platform", ["rs@acme.example"]),
        ("Doe, Jane", "Jane", "Doe", "Acme, Inc.", "VP, Sales", ["jd@acme.example"]),
        ("Kay, Lee", None, None, None, "Head of Ops, EMEA", ["kl@acme.example"])]


def test_a_middle_name_field_keeps_namesakes_apart(tmp_path: Path) -> None:
    """A card's middle initial in its own field (vCard N's additional name, a CSV's Middle Name) was dropped, so
    "Robert J. Smith" (N:Smith;Robert;J.) was merged with the connection "Robert K. Smith": different middle
    initials are contradicting evidence (SPEC §5)."""
    import analyzer

    (tmp_path / "a.vcf").write_bytes(b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Smith;Robert;J.;;\r\nFN:Robert J. Smith\r\n"
                                     b"EMAIL:rsmith1970@gmail.com\r\nEND:VCARD\r\n")
    (tmp_path / "g.csv").write_text("\ufeffFirst Name,Middle Name,Last Name,Labels,E-mail 1 - Label,E-mail 1 - Value\n"
                                    "Ann,Q.,Lee,* myContacts,* Home,annlee@gmail.com\n", encoding="utf-8")
    (tmp_path / "Connections.csv").write_text(
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Robert K.,Smith,https://www.linkedin.com/in/robert-k-smith,,Acme,Dev,01 Feb 2022\n"
        "Ann T.,Lee,https://www.linkedin.com/in/ann-t-lee,,Acme,Dev,01 Feb 2022\n", encoding="utf-8")
    recs = ingest([tmp_path / "a.vcf", tmp_path / "g.csv"]).records
    assert recs.select("first_name", "last_name").rows() == [("Robert J.", "Smith"), ("Ann Q.", "Lee")]
    people = analyzer.analyze([tmp_path], as_of="2026-12-01").people.filter(pl.col("kind") == "person")
    assert sorted(people.select("name", "emails", "linkedin_urls").rows()) == [
        ("Ann Q. Lee", ["annlee@gmail.com"], []), ("Ann T. Lee", [], ["https://www.linkedin.com/in/ann-t-lee"]),
        ("Robert J. Smith", ["rsmith1970@gmail.com"], []),
        ("Robert K. Smith", [], ["https://www.linkedin.com/in/robert-k-smith"])]


def test_real_sample_iphone_vcard() -> None:
    path = REAL / "ezvcard_John_Doe_IPHONE.vcf"
    if not path.exists():
        pytest.skip("real samples not present")
    (rec,), rejects, rep = load(path)
    assert rejects == [] and rep.kind == "contacts.vcard"
    # N:Doe;John;Richter,James;Mr.;Sr.  FN:Mr. John Richter James Doe Sr.  (CR CR LF line ends, 40 KB PHOTO)
    # (the middle names stay with the given name, as FN writes them: Robert J. Smith is not Robert K. Smith)
    assert (rec["first_name"], rec["last_name"]) == ("John Richter James", "Doe")
    assert rec["name"] == "Mr. John Richter James Doe Sr."
    assert rec["emails"] == ["john.doe@ibm.com"]  # item1.EMAIL;type=INTERNET;type=pref
    assert (rec["company"], rec["position"]) == ("IBM", "Money Counter")  # ORG:IBM;Accounting
    assert rec["linkedin_url"] is None  # item5.URL is http://www.ibm.com
    assert rec["line"] == 1


def test_real_sample_gmail_vcard() -> None:
    path = REAL / "ezvcard_gmail-single.vcf"
    if not path.exists():
        pytest.skip("real samples not present")
    (rec,), _, _ = load(path)
    assert (rec["name"], rec["first_name"], rec["last_name"]) == ("Greg Dartmouth", "Greg", "Dartmouth")
    assert rec["emails"] == ["gdartmouth@hotmail.com"]
    assert (rec["company"], rec["position"], rec["linkedin_url"]) == ("TheCompany", "TheJobTitle", None)


# ---- detection by content -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("fixture", "new_name", "kind"), [
    ("google_current_bom.csv", "foo.csv", "contacts.google_csv"),
    ("google_current_bom.csv", "export.txt", "contacts.google_csv"),
    ("google_legacy_utf16.csv", "data", "contacts.google_legacy_csv"),
    ("outlook_desktop.csv", "addresses.csv", "contacts.outlook_csv"),
    ("vcard_grouped_items.vcf", "contacts.txt", "contacts.vcard"),
])
def test_detected_by_content_not_name(tmp_path: Path, fixture: str, new_name: str, kind: str) -> None:
    p = tmp_path / new_name
    shutil.copy(FIX / fixture, p)
    ing = ingest([p])
    assert ing.files[0].kind == kind
    assert ing.records.height == load(FIX / fixture)[2].used


@pytest.mark.parametrize("header", [
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On",  # LinkedIn Connections.csv
    "First Name,Last Name,Companies,Title,Email Address,Phone Numbers,Created At,Instant Message Handles,"
    "Addresses,Sites,Full Name,Birthday,Location,Bookmarked At,Profiles",  # LinkedIn Imported Contacts.csv
    '"Subject","Body","From: (Name)","From: (Address)","From: (Type)","To: (Name)","To: (Address)"',  # Outlook mail
])
def test_other_csvs_are_not_claimed(tmp_path: Path, header: str) -> None:
    p = tmp_path / "contacts.csv"
    p.write_text(header + "\r\n", encoding="utf-8")
    parser = detect(make_sniff(discover([p]).files[0]))
    assert parser is None or not parser.kind.startswith("contacts.")


def test_vcard_inside_zip(tmp_path: Path) -> None:
    z = tmp_path / "export.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(FIX / "vcard21_quoted_printable.vcf", "Contacts/all.vcf")
    ing = ingest([z])
    assert ing.files[0].source_file.endswith("!Contacts/all.vcf")
    assert ing.records["name"].to_list() == ["Jürgen Müller", "François Lefèvre"]


# ---- speed ----------------------------------------------------------------------------------------------------
def test_big_vcard_with_photos_is_fast(tmp_path: Path) -> None:
    """5 000 iPhone-style cards with folded base64 photos (~4 KiB each). Measured on the dev box: 1.6-2.0 s
    (and ~2.7 s CPU for 5 000 cards with 40 KiB photos, a 287 MB file). The bound only catches regressions
    such as decoding the photos."""
    photo = base64.b64encode(bytes(range(256)) * 16).decode()
    folded = "PHOTO;ENCODING=b;TYPE=JPEG:" + "\r\n ".join(photo[i:i + 74] for i in range(0, len(photo), 74))
    p = tmp_path / "big.vcf"
    with open(p, "w", newline="") as fh:
        for i in range(5000):
            fh.write("\r\n".join([
                "BEGIN:VCARD", "VERSION:3.0", f"N:Last{i};First{i};;;", f"FN:First{i} Last{i}", f"ORG:Co {i % 97};",
                f"item1.EMAIL;type=INTERNET;type=pref:first{i}@example.com", "item1.X-ABLabel:_$!<Work>!$_",
                "TEL;type=CELL:+1 555 0100", f"X-SOCIALPROFILE;type=linkedin:https://www.linkedin.com/in/first{i}",
                folded, "END:VCARD", ""]))
    ing = ingest([p])
    assert ing.records.height == 5000
    assert ing.records["linkedin_url"][4999] == "https://www.linkedin.com/in/first4999"
    assert ing.records["line"][1] == 1 + folded.count("\n") + 11


# Lines the plain-card reader takes without vobject, with vobject's own reading of them (its quirks included: a
# text value is the first of its comma-separated values, N and ORG are split into fields, escapes resolved).
_PLAIN_CASES = [
    ["N:O\\,Brien;Ann,Marie;;Dr.;", "FN:Smith\\, Ann", "ORG:Acme\\, Inc.;Sales", "TITLE:Director, Sales",
     "EMAIL;type=INTERNET;type=WORK:ann@acme.test", "item1.EMAIL;PREF:ann2@acme.test"],
    ["N:;;;;", "FN:", "X-ABSHOWAS:COMPANY", "ORG:Globex;", "URL:http\\://www.linkedin.com/in/globex-co"],
    ["FN:Bo Lee", "X-SOCIALPROFILE;type=linkedin;x-user=bo-lee-1:x-apple:bo-lee-1", "NOTE:linkedin.com/in/not-bo",
     "X-FOO:see linkedin.com/in/bo-lee-2", "EMAIL:bo@x.test,other@x.test", "FN:trailing\\"],
]


@pytest.mark.parametrize("lines", _PLAIN_CASES)
def test_plain_vcard_reader_reads_as_vobject(lines: list[str]) -> None:
    import vobject

    from analyzer.ingest.collect import FileCollector
    from analyzer.ingest.contacts import _vcard_record
    from analyzer.ingest.vcard_plain import plain_card

    card = ["BEGIN:VCARD", "VERSION:3.0", *lines, "END:VCARD"]
    plain = plain_card(card)
    assert plain is not None
    fast, slow = FileCollector("a.vcf", "contacts.vcard"), FileCollector("a.vcf", "contacts.vcard")
    _vcard_record(plain, 1, fast)
    _vcard_record(vobject.readOne("\r\n".join(card) + "\r\n", transform=True), 1, slow)
    assert fast._rec == slow._rec
    assert fast._rec["name"][0] or fast._rec["company"][0]


@pytest.mark.parametrize("line", [" folded continuation", "EMAIL;ENCODING=QUOTED-PRINTABLE:a=40b.test",
                                  'EMAIL;TYPE="work":a@b.test', "ADR:;;Main St;linkedin.com/in/x;;;",
                                  "UID:linkedin.com/in/x", "no colon here", "BEGIN:VCARD"])
def test_plain_vcard_reader_leaves_other_cards_to_vobject(line: str) -> None:
    from analyzer.ingest.vcard_plain import plain_card

    assert plain_card(["BEGIN:VCARD", "FN:Ann", line, "END:VCARD"]) is None


def test_google_email_cells_edited_by_hand_keep_their_addresses(tmp_path: Path) -> None:
    # a cell holding "Name <address>" or two addresses was dropped whole, the row still counted as used
    header = "First Name,Last Name,E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value"
    rows = ["Bob,Ray,* Work,Bob Ray <bob@example.com>,,",
            "Ann,Lee,* Home,ann@example.com; ann.lee@example.org,Work,\"ann@work.example, a.lee@work.example\"",
            "Cat,Day,* Home,not an address,,"]
    path = tmp_path / "contacts.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    records, rejects, _ = load(path)
    got = by_name(records)
    assert got["Bob Ray"]["emails"] == ["bob@example.com"]
    assert sorted(got["Ann Lee"]["emails"]) == ["a.lee@work.example", "ann.lee@example.org", "ann@example.com",
                                                "ann@work.example"]
    assert got["Cat Day"]["emails"] == [] and rejects == []


@pytest.mark.parametrize(("cell", "url"), [
    ("https://evil.example/redirect?to=https://www.linkedin.com/in/victim", None),  # another host's query
    ("evil.example/?linkedin.com/in/victim", None),
    ("https://notlinkedin.com/in/victim", None),
    ("LinkedIn: linkedin.com/in/ann-lee", "https://www.linkedin.com/in/ann-lee"),  # a note
    ("(https://uk.linkedin.com/in/ann-lee)", "https://www.linkedin.com/in/ann-lee"),  # without the bracket
])
def test_a_profile_url_is_taken_from_linkedins_host_only(cell: str, url: str | None, tmp_path: Path) -> None:
    # a URL naming LinkedIn inside another site's address made its contact the profile's owner ("same linkedin
    # url": the victim's row took the stranger's address)
    p = tmp_path / "contacts.csv"
    p.write_text("First Name,Last Name,E-mail 1 - Value,Website 1 - Type,Website 1 - Value\n"
                 f'Evan,Vale,evan@vale.example,Profile,"{cell}"\n', encoding="utf-8")
    recs, _, _ = load(p)
    assert [r["linkedin_url"] for r in recs] == [url]


@pytest.mark.parametrize(("n", "used"), [(20, True), (21, False)])
def test_a_contact_with_more_addresses_than_a_person_has_is_rejected(n: int, used: bool, tmp_path: Path) -> None:
    # 2,000 cards of 500 addresses took 11 GB in identity resolution, 50 of 1,000 took 46 s: a list pasted
    # into a contact is not one person (listed in rejects.csv with its line, not lost)
    p = tmp_path / "c.csv"
    cells = ",".join(f"x{k}@list.example" for k in range(n))
    p.write_text(",".join(["First Name", "Last Name", *(f"E-mail {k + 1} - Value" for k in range(n))])
                 + f"\nAnn,Lee,{cells}\nBob,Roe,{','.join([''] * (n - 1))},bob@roe.example\n", encoding="utf-8")
    recs, rejects, _ = load(p)
    assert [r["name"] for r in recs] == (["Ann Lee", "Bob Roe"] if used else ["Bob Roe"])
    assert rejects == ([] if used else [(2, f"a contact with {n} addresses (more than 20: a mailing list or a "
                                            "merge gone wrong, not one person)")])


def test_company_token_prefixes_stop_at_forty_letters() -> None:
    # every prefix of an 800-letter "company" made 4 GB for 5,000 connections
    from analyzer.names import MAX_PREFIX, MIN_PREFIX, token_prefixes

    assert token_prefixes("acmewidgets") == ("acme", "acmew", "acmewi", "acmewid", "acmewidg", "acmewidge",
                                             "acmewidget")
    assert len(token_prefixes("x" * 800)) == MAX_PREFIX - MIN_PREFIX
    # no prefix ends inside a number: company1 is not company10 (200 Maria Garcias at numbered domains were one
    # company, and 111 of them one person), but "company" still prefixes both, and 3m prefixes 3mhealth
    assert token_prefixes("company10") == ("comp", "compa", "compan", "company")
    assert "company1" not in token_prefixes("company100") and "company10" not in token_prefixes("company100")
    assert token_prefixes("3mhealth")[0] == "3mhe" and "acme2" in token_prefixes("acme2go")


# ---- Code pages other than Windows-1252 ------------------------------------------------------------------------
#: Outlook's column names (first name, last name, company, job title, e-mail address, type, display name) in
#: four of its languages, and a contact in each.
_OUTLOOK_LOCALISED = {
    "pl": (["Imię", "Nazwisko", "Firma", "Stanowisko", "Adres e-mail", "Typ poczty e-mail",
            "Wyświetlana nazwa e-mail"],
           ["Łukasz", "Żółć", "Spółka Akcyjna", "Kierownik działu", "l@test.pl", "SMTP", "Łukasz Żółć (l@test.pl)"]),
    "ru": (["Имя", "Фамилия", "Организация", "Должность", "Адрес эл. почты", "Тип эл. почты",
            "Краткое имя эл. почты"],
           ["Иван", "Петров", "Рога и копыта", "Директор", "ivan@test.ru", "SMTP", "Иван Петров (ivan@test.ru)"]),
    "ja": (["名", "姓", "会社名", "役職", "電子メール アドレス", "電子メールの種類", "電子メール表示名"],
           ["太郎", "山田", "株式会社テスト", "部長", "taro@test.jp", "SMTP", "山田 太郎 (taro@test.jp)"]),
    "de": (["Vorname", "Nachname", "Firma", "Position", "E-Mail-Adresse", "E-Mail-Typ", "E-Mail: Angezeigter Name"],
           ["Jürgen", "Weiß", "Müller & Söhne GmbH", "Geschäftsführer", "jw@test.de", "SMTP",
            "Jürgen Weiß (jw@test.de)"]),
    "fr": (["Prénom", "Nom", "Société", "Titre", "Adresse de messagerie", "Type de messagerie",
            "Nom complet de l'adresse de messagerie"],
           ["Françoise", "O’Brien-Núñez", "Société Générale", "Directrice financière", "f@test.fr", "SMTP",
            "Françoise O’Brien-Núñez (f@test.fr)"]),
}


@pytest.mark.parametrize(("lang", "encoding", "delimiter"), [
    ("pl", "cp1250", ","), ("ru", "cp1251", ","), ("ja", "cp932", ","),
    ("de", "cp1252", ","), ("fr", "cp1252", ";"),
])
def test_outlook_export_in_its_windows_code_page(tmp_path: Path, lang: str, encoding: str, delimiter: str) -> None:
    """Outlook writes its CSV export in the Windows code page of its language: Polish (cp1250), Russian (cp1251)
    and Japanese (cp932) ones were read as Windows-1252 (``£ukasz ¯ó³æ``, ``Spó³ka``; the Russian and Japanese
    headers not recognised: "not a format reconnect reads"). Western ones (cp1252) read as before."""
    header, row = _OUTLOOK_LOCALISED[lang]
    text = "\r\n".join(delimiter.join(f'"{c}"' for c in cells) for cells in (header, row)) + "\r\n"
    path = tmp_path / "contacts.csv"
    path.write_bytes(text.encode(encoding))
    recs, rejects, rep = load(path)
    assert (rep.kind, rejects) == ("contacts.outlook_csv", [])
    (rec,) = recs
    first, last, company, title, email = row[:5]
    assert (rec["first_name"], rec["last_name"], rec["company"], rec["position"]) == (first, last, company, title)
    assert rec["emails"] == [email]


def test_a_folder_of_many_one_card_vcards_is_one_table(tmp_path: Path) -> None:
    """A folder of 50,000 one-card vCards gave tables of 50,000 chunks (one per file): 22 GB and 130 s, the
    joins of identity on them the most of it. The files' frames are now joined as they are read, into one
    contiguous table; every card is read, in file order, with its own record id."""
    n = 600  # more than two runs of 256 files, and some left over
    for i in range(n):
        sub = tmp_path / f"d{i // 100}"
        sub.mkdir(exist_ok=True)
        (sub / f"c{i:04d}.vcf").write_text(
            f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person{i} Card\r\nEMAIL:p{i}@example.com\r\nEND:VCARD\r\n")
    ing = ingest([tmp_path])
    recs = ing.records
    assert (recs.height, len(ing.files), ing.rejects.height) == (n, n, 0)
    assert recs.n_chunks() == 1 and ing.rejects.n_chunks() == 1
    assert recs.get_column("record_id").to_list() == list(range(n))
    assert recs.get_column("emails").list.first().to_list() == [f"p{i}@example.com" for i in range(n)]
    assert recs.get_column("source_file").n_unique() == n


def _nest(top: Path, depth: int, leaf: tuple[str, str]) -> None:
    """``depth`` folders ``d`` one in another under ``top``, the file ``leaf`` (name, text) in the deepest (made
    through folder descriptors: the path grows past what the system takes)."""
    cur = os.open(top, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=cur)
            nxt = os.open("d", os.O_RDONLY, dir_fd=cur)
            os.close(cur)
            cur = nxt
        fd = os.open(leaf[0], os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=cur)
        os.write(fd, leaf[1].encode())
        os.close(fd)
    finally:
        os.close(cur)


def _unnest(top: Path, depth: int, leaf: str) -> None:
    """Remove what :func:`_nest` made, from the deepest folder up (shutil.rmtree recurses once per folder)."""
    cur = os.open(top, os.O_RDONLY)
    for _ in range(depth):
        nxt = os.open("d", os.O_RDONLY, dir_fd=cur)
        os.close(cur)
        cur = nxt
    os.unlink(leaf, dir_fd=cur)
    for _ in range(depth):
        parent = os.open("..", os.O_RDONLY, dir_fd=cur)
        os.close(cur)
        os.rmdir("d", dir_fd=parent)
        cur = parent
    os.close(cur)


@pytest.mark.parametrize("depth", [1_200, 2_100])
def test_a_folder_tree_thousands_deep_beside_a_vcard(tmp_path: Path, depth: int) -> None:
    """Folders nested 3,000 deep beside a vCard: the walk recursed once per folder (RecursionError: the run
    ended as an "internal error" after 11 s of resolving every folder's whole path again), and a path longer
    than the system allows stopped the run ("File name too long"). The tree is walked without recursion and
    the part too deep to name is skipped as unreadable: the vCard and the files that can be named are read."""
    (tmp_path / "c.vcf").write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nEMAIL:ann@example.com\r\nEND:VCARD\r\n")
    _nest(tmp_path, depth, ("deep.vcf", "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bob Stone\r\nEMAIL:bob@example.com\r\n"
                                        "END:VCARD\r\n"))
    try:
        found = discover([tmp_path])
        names = [f.name for f in found.files]
        if depth * 2 + len(str(tmp_path)) < 4000:  # the deepest file can be named: read
            assert (names, found.skipped) == (["c.vcf", "deep.vcf"], [])
        else:
            assert names == ["c.vcf"]
            assert [why for _, why in found.skipped] == ["cannot be read (File name too long)"]
        recs = ingest([tmp_path]).records
        assert recs.get_column("name").to_list()[0] == "Ann Lee"
    finally:
        _unnest(tmp_path, depth, "deep.vcf")
