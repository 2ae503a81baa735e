"""The ledger's queries of replies to citizens and notices to officials (notify/): the
``messages`` queue and its states, and who was told what (``official_notices``)."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from sqlalchemy import and_, case, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from ..core.models import MessageChannel, MessageKind, MessageState
from ..core.rerender import RenderKind
from .part import LedgerPart
from .records import MessageRecord, ResponseRecord
from .schema import items, messages, official_notices, outbox, responses, surat_keluar
from .values import chunks, utc_iso


class MessageQueries(LedgerPart):
    """Messages (queued, sent, failed) and official notices."""

    # --- writing ----------------------------------------------------------------------

    @staticmethod
    def add_messages(conn: Connection, rows: Sequence[Mapping[str, object]]) -> None:
        """Queue the message rows of notify.queue.rows_for inside the caller's transaction."""
        if rows:
            conn.execute(insert(messages), [dict(r) for r in rows])

    def update_message(self, msg_id: int, state: MessageState, *, conn: Connection | None = None,
                       if_state: str | None = None, attempts: int | None = None, last_error: str | None = None,
                       next_attempt_at: datetime | None = None, sent_at: datetime | None = None,
                       context: Mapping[str, object] | None = None) -> bool:
        """Move message *msg_id* to *state* (only from *if_state* when given) and set what is
        given; inside *conn*'s transaction when given, else in its own. True when it moved."""
        values: dict[str, object] = {"state": state}
        if attempts is not None:
            values["attempts"] = attempts
        if last_error is not None:
            values["last_error"] = last_error
        if next_attempt_at is not None:
            values["next_attempt_at"] = utc_iso(next_attempt_at)
        if sent_at is not None:
            values["sent_at"] = utc_iso(sent_at)
        if context is not None:
            values["context"] = json.dumps(dict(context), ensure_ascii=False, sort_keys=True)
        q = update(messages).where(messages.c.id == msg_id)
        if if_state is not None:
            q = q.where(messages.c.state == if_state)
        if conn is not None:
            return bool(conn.execute(q.values(**values)).rowcount)
        with self.tx() as own:
            return bool(own.execute(q.values(**values)).rowcount)

    @staticmethod
    def set_item_message_note(conn: Connection, key: str, pesan: str) -> None:
        """What the item's Kendali row says about a message that needs the operator (``items.pesan``)."""
        conn.execute(update(items).where(items.c.key == key).values(pesan=pesan))

    # --- reading ----------------------------------------------------------------------

    @staticmethod
    def message(conn: Connection, msg_id: int) -> MessageRecord | None:
        r = conn.execute(select(messages).where(messages.c.id == msg_id)).first()
        return MessageRecord.from_row(r) if r is not None else None

    @staticmethod
    def message_counts(conn: Connection, key: str, kind: str) -> dict[str, int]:
        """Channel → how many messages of *kind* were ever queued about *key*."""
        q = select(messages.c.channel, func.count()).where(
            messages.c.key == key, messages.c.kind == kind).group_by(messages.c.channel)
        return {c: n for c, n in conn.execute(q).all()}

    def message_records(self, key: str | None = None) -> list[MessageRecord]:
        """Every message (of item *key* when given), in queue order."""
        q = select(messages).order_by(messages.c.id)
        if key is not None:
            q = q.where(messages.c.key == key)
        with self.engine.connect() as conn:
            return [MessageRecord.from_row(r) for r in conn.execute(q)]

    def messages_after(self, channel: MessageChannel, after_id: int, limit: int) -> list[MessageRecord]:
        """A page of *channel*'s messages with an id above *after_id*, in queue order."""
        q = select(messages).where(messages.c.channel == channel, messages.c.id > after_id).order_by(
            messages.c.id).limit(limit)
        with self.engine.connect() as conn:
            return [MessageRecord.from_row(r) for r in conn.execute(q)]

    def message_states(self, channel: MessageChannel, ids: Collection[int] | None = None) -> dict[int, str]:
        """Message id → state, of every message on *channel* (of the *ids* only, when given)."""
        q = select(messages.c.id, messages.c.state).where(messages.c.channel == channel)
        with self.engine.connect() as conn:
            if ids is None:
                return {i: s for i, s in conn.execute(q).all()}
            out: dict[int, str] = {}
            for chunk in chunks(ids):
                out.update({i: s for i, s in conn.execute(q.where(messages.c.id.in_(chunk))).all()})
            return out

    def due_messages(self, channels: Mapping[MessageChannel, Collection[str] | None], now: datetime,
                     last_kinds: Collection[str], limit: int) -> list[MessageRecord]:
        """Up to *limit* messages due at *now* on *channels* (channel → the only kinds it
        sends, None: every kind), waiting, failed for now or interrupted; *last_kinds* after
        the others, then in queue order."""
        if not channels:
            return []
        sendable = or_(*[messages.c.channel == c if kinds is None else
                         and_(messages.c.channel == c, messages.c.kind.in_(list(kinds))) for c, kinds in channels.items()])
        waiting = (MessageState.ANTRI, MessageState.GAGAL_SEMENTARA, MessageState.MENGIRIM)
        q = select(messages).where(sendable, messages.c.state.in_(waiting),
                                   messages.c.next_attempt_at <= utc_iso(now)).order_by(
            case((messages.c.kind.in_(list(last_kinds)), 1), else_=0), messages.c.id).limit(limit)
        with self.engine.connect() as conn:
            return [MessageRecord.from_row(r) for r in conn.execute(q)]

    def waiting_messages_at(self, kinds: Collection[str]) -> list[tuple[MessageRecord, str]]:
        """(message, its item's stage now) of every waiting message (queued or failed for
        now, any channel) of *kinds*."""
        q = select(messages, items.c.tahap.label("item_tahap")).join(items, items.c.key == messages.c.key).where(
            messages.c.state.in_((MessageState.ANTRI, MessageState.GAGAL_SEMENTARA)), messages.c.kind.in_(list(kinds)))
        with self.engine.connect() as conn:
            return [(MessageRecord.from_row(r), r.item_tahap) for r in conn.execute(q)]

    def sent_count_since(self, start: datetime, channel: MessageChannel) -> int:
        """How many messages *channel* sent since *start*."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(messages).where(
                messages.c.sent_at >= utc_iso(start), messages.c.channel == channel)).scalar() or 0

    def sent_since(self, start: datetime, channel: MessageChannel, kinds: Collection[str]) -> list[tuple[str, str]]:
        """(recipient, item key) of each message of *kinds* *channel* sent since *start*."""
        with self.engine.connect() as conn:
            return [(r.recipient, r.key) for r in conn.execute(select(messages.c.recipient, messages.c.key).where(
                messages.c.sent_at >= utc_iso(start), messages.c.channel == channel,
                messages.c.kind.in_(list(kinds))))]

    def agendas_without_message(self, agendas: Sequence[str], kind: MessageKind,
                                channel: MessageChannel) -> list[str]:
        """The agenda numbers among *agendas* (known items) with no *kind* message on *channel*."""
        with self.engine.connect() as conn:
            keys = dict(conn.execute(select(items.c.agenda_no, items.c.key).where(
                items.c.agenda_no.in_(list(agendas)))).all())
            have = set(conn.execute(select(messages.c.key).where(
                messages.c.key.in_(list(keys.values())), messages.c.kind == kind,
                messages.c.channel == channel)).scalars())
        return [a for a in agendas if keys.get(a) and keys[a] not in have]

    def letter_rerender_pending(self, key: str) -> bool:
        """Whether item *key*'s final letter waits for its re-render (an undone ``balasan`` outbox entry)."""
        with self.engine.connect() as conn:
            return bool(conn.execute(select(func.count()).select_from(outbox).where(
                outbox.c.key == key, outbox.c.kind == RenderKind.BALASAN.value, outbox.c.done_at.is_(None))).scalar())

    @staticmethod
    def response_of(conn: Connection, key: str) -> ResponseRecord | None:
        """The form response *key* as recorded, or None."""
        r = conn.execute(select(responses).where(responses.c.key == key)).first()
        return ResponseRecord.from_row(r) if r is not None else None

    # --- officials --------------------------------------------------------------------

    def approved_letter_keys(self) -> set[str]:
        """The items whose final letter is approved (numbered)."""
        with self.engine.connect() as conn:
            return set(conn.execute(select(surat_keluar.c.key)).scalars())

    def official_notices_given(self) -> set[tuple[str, str, str]]:
        """(kind, recipient, ref) of everything officials were told."""
        q = select(official_notices.c.kind, official_notices.c.recipient, official_notices.c.ref)
        with self.engine.connect() as conn:
            return {(k, r, f) for k, r, f in conn.execute(q)}

    @staticmethod
    def add_official_notices(conn: Connection, kind: str, recipient: str, refs: Sequence[str], at: datetime) -> None:
        """Record that *recipient* was told *kind* about *refs* (each at most once)."""
        if refs:
            conn.execute(insert(official_notices), [{"kind": kind, "recipient": recipient, "ref": ref,
                                                     "at": utc_iso(at)} for ref in refs])
