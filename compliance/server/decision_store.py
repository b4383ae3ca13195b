"""An organisation's decisions in the database: recorded once and never changed, read for each check."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from compliance.models.decisions import Decision
from compliance.server import store
from compliance.server.db import DecisionRecord
from compliance.server.problems import Problem
from compliance.server.state import State
from compliance.server.tokens import Caller


def add_decisions(state: State, caller: Caller, decisions: list[Decision]) -> None:
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
        for d in decisions:
            session.add(DecisionRecord(organisation_id=caller.organisation_id, id=d.id, token_id=caller.token_id,
                                       created_at=store.now(), decision=d.model_dump(mode="json")))  # fmt: skip


def org_decisions(state: State, caller: Caller) -> list[Decision]:
    with state.sessions() as session:
        return decisions_of(session, caller.organisation_id)


def decisions_of(session: Session, organisation_id: int) -> list[Decision]:
    """An organisation's decisions, in the order they were recorded."""
    rows = session.scalars(
        select(DecisionRecord.decision).where(DecisionRecord.organisation_id == organisation_id)
        .order_by(DecisionRecord.created_at, DecisionRecord.id)
    )  # fmt: skip
    return [Decision.model_validate(r) for r in rows]
