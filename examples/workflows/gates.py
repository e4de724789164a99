"""Gate nodes: a signal the workflow waits for (wait_for_input) and an approval of an upstream value (approve),
ordered with >>. (``sleep`` is covered by tests: pyflyte gives it a one-hour node timeout that autoc's own
flavor leaves out.)"""

import datetime

from autoc import approve, task, wait_for_input, workflow


@task
def propose(n: int) -> int:
    return n * 10


@task
def publish(amount: int, note: str) -> str:
    return f"{note}: {amount}"


@workflow
def reviewed(n: int) -> str:
    amount = propose(n=n)
    note = wait_for_input("note", timeout=datetime.timedelta(hours=2), expected_type=str)
    approved = approve(amount, "approve-amount", timeout=datetime.timedelta(minutes=30))
    note >> approved
    return publish(amount=approved, note=note)
