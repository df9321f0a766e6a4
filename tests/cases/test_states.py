"""The sub-item and case state machines of the public contract."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lianban.cases.states import (
    ITEM_TRANSITIONS,
    PROGRESS,
    TERMINAL,
    CaseStatus,
    IllegalTransition,
    ItemStatus,
    case_status,
    check_transition,
)

S = ItemStatus


def test_an_approved_or_rejected_item_never_changes_again() -> None:
    for end in TERMINAL:
        for target in ItemStatus:
            with pytest.raises(IllegalTransition):
                check_transition(end, target)


def test_a_correction_goes_back_to_the_queue_and_a_failure_can_be_retried() -> None:
    check_transition(S.CORRECTION_REQUIRED, S.QUEUED)
    check_transition(S.FAILED, S.QUEUED)
    with pytest.raises(IllegalTransition):
        check_transition(S.WAITING, S.APPROVED)


def test_an_item_waiting_for_a_refused_item_ends_refused() -> None:
    check_transition(S.WAITING, S.REJECTED)


@given(st.lists(st.sampled_from(list(ItemStatus)), max_size=40))
def test_only_dispatch_retries_ever_move_an_item_backwards(
    path: list[ItemStatus],
) -> None:
    state = S.QUEUED
    for target in path:
        if target not in ITEM_TRANSITIONS[state]:
            with pytest.raises(IllegalTransition):
                check_transition(state, target)
            continue
        check_transition(state, target)
        # only our own dispatch may step back: a send that failed, a retry, a resubmission after 补正
        retry = target in (S.QUEUED, S.FAILED) and state in (
            S.QUEUED,
            S.DISPATCHED,
            S.FAILED,
            S.CORRECTION_REQUIRED,
        )
        assert PROGRESS[target] >= PROGRESS[state] or retry
        state = target


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([S.APPROVED, S.APPROVED], CaseStatus.COMPLETED),
        ([S.APPROVED, S.REJECTED], CaseStatus.PARTIALLY_COMPLETED),
        ([S.REJECTED, S.REJECTED], CaseStatus.REJECTED),
        ([S.QUEUED, S.WAITING], CaseStatus.SUBMITTED),
        ([S.DISPATCHED, S.WAITING], CaseStatus.IN_PROGRESS),
        ([S.APPROVED, S.CORRECTION_REQUIRED], CaseStatus.IN_PROGRESS),
    ],
)
def test_the_case_status_follows_its_items(items: list[ItemStatus], expected: CaseStatus) -> None:
    assert case_status(items) is expected


def test_a_withdrawn_case_is_withdrawn_whatever_its_items() -> None:
    assert case_status([S.APPROVED], withdrawn=True) is CaseStatus.WITHDRAWN


@given(st.lists(st.sampled_from(list(ItemStatus)), max_size=8))
def test_a_case_with_an_item_dispatched_is_in_progress_whatever_its_other_items(
    others: list[ItemStatus],
) -> None:
    # the dispatcher keeps a case in step after a send without reading its other items' statuses
    assert case_status([*others, ItemStatus.DISPATCHED]) is case_status([ItemStatus.DISPATCHED])
    assert case_status([ItemStatus.DISPATCHED]) is CaseStatus.IN_PROGRESS
