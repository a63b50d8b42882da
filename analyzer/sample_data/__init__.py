"""Deterministic synthetic exports with ground truth (``reconnect sample-data``).

`generate_sample_data` writes, for one invented owner ("Morgan Reyes") and a population of people with a hidden
relationship category, the exports a real user would hand to the tool, in the current real formats documented in
``formats.md``:

* ``linkedin/Complete_LinkedInDataExport_MM-DD-YYYY.zip`` -- a LinkedIn archive (CSVs at the zip root);
* ``mail/Takeout/Mail/All mail Including Spam and Trash.mbox`` -- a Gmail Takeout mbox;
* ``contacts/contacts.csv`` (Google Contacts), ``contacts/contacts.vcf`` (iPhone vCard 3.0) and
  ``contacts/outlook_contacts.csv`` (Outlook desktop).

The ground truth (who is who, what each person's category is and how high they should rank) goes to a separate
folder that the pipeline never reads. Output is a pure function of ``(size, seed, as_of)``: one
``random.Random(seed)`` drives everything, no clock is read and zip entries carry fixed timestamps.

Layout: `pools` (fixed pools and size profiles), `formats` (pure renderers), `model` (people, truth registry,
sinks), `world` (shared state), `people` / `specials` / `population` (the world model), `linkedin`, `mail`,
`contacts` (one writer per export format), `truth` (the truth writer) and `generate` (the entry point).
"""

from .generate import SampleDataSummary, generate_sample_data
from .pools import CATEGORIES, OWNER_ID, SIZES

__all__ = ["CATEGORIES", "OWNER_ID", "SIZES", "SampleDataSummary", "generate_sample_data"]
