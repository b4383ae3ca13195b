"""An organisation's decisions in the database, with four eyes: a decision is recorded `pending` by one
person (a preparer) and applies to checks only once another person (an approver) approves it. A
decision is never changed otherwise; a refused one stays, refused, for the record."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from compliance.models.decisions import Decision
from compliance.server import store
from compliance.server.db import DecisionRecord
from compliance.server.problems import Problem
from compliance.server.state import State
from compliance.server.tokens import Caller

#: What a pending decision's `approved_by` holds until someone approves it (the service, not the
#: uploaded file, says who approved).
AWAITING = "(awaiting approval)"


def add_decisions(state: State, caller: Caller, decisions: list[Decision]) -> list[dict[str, Any]]:
    """Record decisions, pending: whatever `approved_by` the file names, the approval is recorded here.
    Returns them as the API shows them."""
    with state.sessions() as session, session.begin():
        taken = set(
            session.scalars(
                select(DecisionRecord.id).where(
                    DecisionRecord.organisation_id == caller.organisation_id,
                    DecisionRecord.id.in_([d.id for d in decisions]),
                )
            )
        )
        if taken:
            raise Problem(409, "Decision exists", f"decision id(s) already recorded: {', '.join(sorted(taken))}; "
                          "a decision is never changed: record a new one with a new id")  # fmt: skip
        records = [
            DecisionRecord(organisation_id=caller.organisation_id, id=d.id, token_id=caller.token_id,
                           created_at=store.now(), decision=d.model_copy(update={"approved_by": AWAITING}).model_dump(mode="json"),
                           state="pending", prepared_by=caller.actor, prepared_by_name=caller.name)
            for d in decisions
        ]  # fmt: skip
        session.add_all(records)
        return [described(r) for r in records]


def review(state: State, caller: Caller, decision_id: str, *, approve: bool) -> dict[str, Any]:
    """Approve or refuse a pending decision; never by the person who recorded it."""
    with state.sessions() as session, session.begin():
        record = session.get(DecisionRecord, (caller.organisation_id, decision_id))
        if record is None:  # another organisation's decision is not found, never forbidden
            raise Problem(404, "Not found", f"no decision {decision_id}")
        if record.state != "pending":
            raise Problem(409, "Decision reviewed", f"decision {decision_id} is {record.state} already",
                          state=record.state)  # fmt: skip
        if record.prepared_by == caller.actor:
            raise Problem(403, "Forbidden", f"decision {decision_id} was recorded by you: another person "
                          "must approve or refuse it (four eyes)", reason="own-decision")  # fmt: skip
        record.state = "approved" if approve else "refused"
        record.reviewed_by, record.reviewed_by_name, record.reviewed_at = (
            caller.actor,
            caller.name,
            store.now(),
        )
        if approve:
            record.decision = {**record.decision, "approved_by": caller.name}
        session.flush()
        return described(record)


def described(record: DecisionRecord) -> dict[str, Any]:
    """A decision as the API shows it: the decision, its state and who did what when."""
    return {
        "decision": record.decision,
        "state": record.state,
        "prepared_by": record.prepared_by_name or record.prepared_by,
        #: `user:<id>` or `token:<id>`: the same person as a name may not be.
        "prepared_by_actor": record.prepared_by,
        "recorded_at": record.created_at.isoformat(),
        "reviewed_by": record.reviewed_by_name,
        "reviewed_at": record.reviewed_at.isoformat() if record.reviewed_at else None,
    }


def listing(state: State, caller: Caller, decision_state: str | None = None) -> list[dict[str, Any]]:
    with state.sessions() as session:
        query = select(DecisionRecord).where(DecisionRecord.organisation_id == caller.organisation_id)
        if decision_state is not None:
            query = query.where(DecisionRecord.state == decision_state)
        rows = session.scalars(query.order_by(DecisionRecord.created_at, DecisionRecord.id))
        return [described(r) for r in rows]


def org_decisions(state: State, caller: Caller) -> list[Decision]:
    with state.sessions() as session:
        return decisions_of(session, caller.organisation_id)


def decisions_of(session: Session, organisation_id: int) -> list[Decision]:
    """An organisation's approved decisions (the only ones that apply), in the order they were recorded."""
    rows = session.scalars(
        select(DecisionRecord.decision).where(
            DecisionRecord.organisation_id == organisation_id, DecisionRecord.state == "approved"
        ).order_by(DecisionRecord.created_at, DecisionRecord.id)
    )  # fmt: skip
    return [Decision.model_validate(r) for r in rows]
