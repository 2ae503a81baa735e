"""The intake: pure functions from raw response-sheet values to Submissions.

Nothing here does network I/O; only :func:`match_local_evidence` reads a local folder.

* :mod:`.headers` — find the questions in the header row by name;
* :mod:`.timestamps` — read every timestamp shape (locale text, CSV, ISO, serials);
* :mod:`.contact` — phone (E.164) and e-mail normalisation, masking for logs;
* :mod:`.rows` — rows -> Submission / RowError, stable keys and content hashes;
* :mod:`.evidence` — Drive ids and the local evidence folder;
* :mod:`.completeness` — the booklet's four requirements as findings.
"""

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
