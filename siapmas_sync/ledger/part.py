"""What a query mixin of the :class:`~siapmas_sync.ledger.Ledger` may use: its engine (for
reads) and its write transaction. The mixins (:mod:`.items`, :mod:`.registration`,
:mod:`.recovery`, :mod:`.messages`, :mod:`.kelengkapan`, :mod:`.letters`, :mod:`.reports`) each own the queries of one part of the product."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection, Engine


class LedgerPart:
    """The base of the Ledger's query mixins (typed: ``engine`` and ``tx``)."""

    engine: Engine

    if TYPE_CHECKING:
        def tx(self) -> AbstractContextManager[Connection]: ...
