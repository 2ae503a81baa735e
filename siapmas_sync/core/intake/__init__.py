"""The intake: pure functions from raw response-sheet values to Submissions.

Nothing here does network I/O; only :func:`match_local_evidence` reads a local folder.

* :mod:`.headers` — find the questions in the header row by name;
* :mod:`.timestamps` — read every timestamp shape (locale text, CSV, ISO, serials);
* :mod:`.contact` — phone (E.164) and e-mail normalisation, masking for logs;
* :mod:`.rows` — rows -> Submission / RowError, stable keys and content hashes;
* :mod:`.evidence` — Drive ids and the local evidence folder;
* :mod:`.completeness` — the booklet's four requirements as findings.
"""

from typing import TYPE_CHECKING

from ...lazy import exports

if TYPE_CHECKING:  # the names below, for the type checker; at run time each loads on first use
    from siapmas_sync.core.intake.completeness import check_completeness
    from siapmas_sync.core.intake.contact import check_email, mask_email, mask_phone, normalise_phone
    from siapmas_sync.core.intake.evidence import (
        DRIVE_ID_RE,
        extract_drive_id,
        match_local_evidence,
        sniff_mime,
    )
    from siapmas_sync.core.intake.headers import HeaderMap, QuestionTitles, map_headers, normalise_title
    from siapmas_sync.core.intake.rows import ParseOptions, ResponseParser, cell_text, parse_responses, split_bukti
    from siapmas_sync.core.intake.timestamps import TimestampError, parse_timestamp

#: name → the module that defines it: importing the package costs nothing until a name is
#: used (``config`` needs only the headers; phone and e-mail parsing load with the rows)
_LAZY = {
    "DRIVE_ID_RE": "siapmas_sync.core.intake.evidence",
    "HeaderMap": "siapmas_sync.core.intake.headers",
    "ParseOptions": "siapmas_sync.core.intake.rows",
    "QuestionTitles": "siapmas_sync.core.intake.headers",
    "ResponseParser": "siapmas_sync.core.intake.rows",
    "TimestampError": "siapmas_sync.core.intake.timestamps",
    "cell_text": "siapmas_sync.core.intake.rows",
    "check_completeness": "siapmas_sync.core.intake.completeness",
    "check_email": "siapmas_sync.core.intake.contact",
    "extract_drive_id": "siapmas_sync.core.intake.evidence",
    "map_headers": "siapmas_sync.core.intake.headers",
    "mask_email": "siapmas_sync.core.intake.contact",
    "mask_phone": "siapmas_sync.core.intake.contact",
    "match_local_evidence": "siapmas_sync.core.intake.evidence",
    "normalise_phone": "siapmas_sync.core.intake.contact",
    "normalise_title": "siapmas_sync.core.intake.headers",
    "parse_responses": "siapmas_sync.core.intake.rows",
    "parse_timestamp": "siapmas_sync.core.intake.timestamps",
    "sniff_mime": "siapmas_sync.core.intake.evidence",
    "split_bukti": "siapmas_sync.core.intake.rows",
}


__getattr__ = exports(__name__, _LAZY, globals())


__all__ = [
    "DRIVE_ID_RE",
    "HeaderMap",
    "ParseOptions",
    "QuestionTitles",
    "TimestampError",
    "cell_text",
    "check_completeness",
    "check_email",
    "extract_drive_id",
    "map_headers",
    "mask_email",
    "mask_phone",
    "match_local_evidence",
    "normalise_phone",
    "normalise_title",
    "parse_responses",
    "ResponseParser",
    "parse_timestamp",
    "sniff_mime",
    "split_bukti",
]
