"""The version of the content hash's definition (:func:`siapmas_sync.core.intake.rows.content_hash`).

Its own module, without imports, so that opening the ledger (which compares it with the
version its stored hashes were made with) does not load phone and e-mail parsing.
"""

#: raise when content_hash's fold of the answers changes: the ledger recomputes the hashes it
#: holds (ledger.store._rehash_contents), so resubmissions recorded before are still recognised
CONTENT_HASH_VERSION = "2"
