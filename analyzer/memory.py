"""Keeping the process's resident memory close to what the stages hold (SPEC §9: 1.5 GB on the large profile).

The native allocators behind polars (jemalloc), pyarrow (mimalloc) and numpy (glibc malloc) keep memory
that was freed for later use. Between stages that is waste: the ingest of a 350 MB mailbox and of 500,000
LinkedIn messages leaves several hundred MB freed but still resident, which the next stages add to. So:

* :func:`configure_allocators` (called when ``analyzer`` is imported, before polars) asks polars' jemalloc
  to return freed memory after half a second instead of ten and to use one arena, unless the user set
  ``_RJEM_MALLOC_CONF``;
* :func:`use_arrow_jemalloc` (called when the mbox reader imports pyarrow) gives arrow a jemalloc pool instead
  of its default mimalloc, which kept about 130 MB more of the mbox reader's freed buffers resident;
* :func:`release_free_memory` (called between stages) returns what the allocators hold free to the system;
* :func:`clear_lookup_caches` (called once identity is resolved) empties the memo caches of the parsers.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import gc
import logging
import os
import sys

log = logging.getLogger(__name__)

#: jemalloc options for polars: purge freed pages after half a second, in a background thread; one arena for
#: all threads, so that the pages freed by ingest's reader threads are reused by the next stages instead of
#: staying resident in those threads' arenas until purged (on a quiet machine identity started 1 s after ingest
#: with 300 MB of them still resident: peak of the large profile ~1135 -> ~1085 MB, CPU time unchanged). The
#: mbox reader frees about 150 MB a second of temporary frames while LinkedIn's messages are parsed beside it:
#: 500 ms instead of 1000 ms took the large profile's peak from 1002-1043 to 978-996 MB (3 runs each) for about
#: 0.5 s more CPU (purging), 300 ms to 929-984 MB for 0.8 s more; 0 ms cost 7 s.
JEMALLOC_CONF = "background_thread:true,dirty_decay_ms:500,muzzy_decay_ms:0,narenas:1"


def configure_allocators() -> None:
    """Set polars' jemalloc options (only effective before polars is first imported)."""
    if "polars" not in sys.modules:
        os.environ.setdefault("_RJEM_MALLOC_CONF", JEMALLOC_CONF)


def use_arrow_jemalloc() -> None:
    """Make jemalloc pyarrow's default memory pool, unless the user chose one (``ARROW_DEFAULT_MEMORY_POOL``) or
    this pyarrow was built without it. The mbox reader builds arrow arrays piece by piece in two threads: with
    arrow's mimalloc pool the large profile's mbox alone peaked at 870 MB, with jemalloc at 740 MB (same CPU)."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    import pyarrow

    try:
        pyarrow.set_memory_pool(pyarrow.jemalloc_memory_pool())
    except (NotImplementedError, AttributeError):  # built without jemalloc (Windows, some conda builds)
        log.debug("pyarrow has no jemalloc pool; keeping %s", pyarrow.default_memory_pool().backend_name)


def release_free_memory() -> None:
    """Return the memory the allocators hold free to the system: Python's garbage, arrow's pool, glibc's heap.
    Best effort: anything a platform lacks is skipped."""
    # the young generations only: a full collection cost 0.2-0.7 s per call on the large profile (it walks every
    # object the run holds) and found 0 to 9 objects to free each time; polars' and arrow's buffers are freed
    # by reference counting, not by the collector
    gc.collect(1)
    if "pyarrow" in sys.modules:
        try:
            import pyarrow

            pyarrow.default_memory_pool().release_unused()
        except Exception:  # an older pyarrow, or a pool without the call
            log.debug("arrow memory pool release failed", exc_info=True)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # not glibc (musl)
            _libc().malloc_trim(0)


_LIBC: list[ctypes.CDLL] = []


def _libc() -> ctypes.CDLL:
    """The C library, looked up once (not an ``lru_cache``: :func:`clear_lookup_caches` empties those):
    ``find_library`` runs ``ldconfig -p``, about 1 ms a call, and memory is released after every stage."""
    if not _LIBC:
        _LIBC.append(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"))
    return _LIBC[0]


def clear_lookup_caches(package: str = "analyzer") -> int:
    """Empty the ``functools.lru_cache`` memos of ``package``'s modules (address, name and header parsers);
    returns the entries dropped.

    They pay during ingest and identity, where the same address or display name comes back thousands of
    times; afterwards they only hold memory, and the garbage collector walks every entry at each full
    collection, including the several it runs when the interpreter exits (0.35 s on a 100,000-message
    mailbox, more on the large profile). A later call simply fills them again.
    """
    dropped = 0
    prefix = package + "."
    for name, module in list(sys.modules.items()):
        if module is None or not (name == package or name.startswith(prefix)):
            continue
        for value in list(vars(module).values()):
            if isinstance(value, functools._lru_cache_wrapper):
                dropped += value.cache_info().currsize
                value.cache_clear()
    return dropped
