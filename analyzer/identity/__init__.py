"""Stage 3 — identity resolution: one person per human across LinkedIn, mail and address books.

How (SPEC §5, design in ``research/identity.md`` §5; the settings are declared in :mod:`analyzer.linkage`):

1. **Features**, computed once per unique string (:mod:`analyzer.names`): name keys (cleaned of emoji,
   pronouns, taglines, credentials, titles; ``Last, First`` reordered; transliterated), middle initial,
   generational suffix, surname tokens, normalised personal emails (role addresses such as ``info@`` are not
   identities), work-domain and company tokens, name hints from email local parts. Set-valued features are
   kept as long ``(idx, tok)`` tables so that "do two records share a token" is a join, not a list operation.
2. **Corrections** from the ``[identity]`` config section: ``same`` (forced links), ``different``
   (cannot-link), ``ignore`` (records dropped; their ids are returned in ``settings["ignored_record_ids"]``).
3. **Deterministic links**: the same canonical LinkedIn URL; the same normalised personal address (a record —
   e.g. one contact card — listing several addresses links them all).
4. **Blocking** on *units* (one per deterministic cluster and name variant, so a person seen in five sources
   is compared once): a union of equi-joins (surname + first initial; first name + surname initial; nickname
   + surname initial; sorted names; company + first name; email local part ~ name patterns); oversized blocks
   are skipped and counted.
5. **Comparison** of the candidate pairs with Fellegi–Sunter levels and weights (term-frequency adjusted exact
   names; the company weight re-estimated on random pairs of this run), and a **decision**: merge at
   P ≥ threshold *and* with corroboration (same company or work domain for any record of either cluster, a
   shared thread, a shared address) — a name alone never merges.
6. **Clustering**: union-find over the links in order (config, URL, email, then probabilistic by descending
   weight) refusing unions that break a cannot-link rule (two LinkedIn URLs, Jr vs Sr, two rows of one
   Connections.csv, human with automated, incompatible first names, config ``different``; and, in
   :mod:`analyzer.identity.namesakes`, a numbered work address next to its twin or two personal addresses at one
   provider in use at once). Owner records are the single person ``owner``.
7. **Explanations**: every link used is a MATCHES row; candidate pairs that were close but not merged are kept
   in ``Resolved.near_misses``; :func:`explain_person` answers ``reconnect person``.
"""

from analyzer.identity.corrections import CONFIG_KEYS, Corrections
from analyzer.identity.explanations import NEAR_MISSES, Resolved, build_people, explain_person
from analyzer.identity.resolve import person_id_hash, resolve, score_pairs

__all__ = ["CONFIG_KEYS", "NEAR_MISSES", "Corrections", "Resolved", "build_people", "explain_person",
           "person_id_hash", "resolve", "score_pairs"]
