"""Every change to a request, one function each, by stage:

- filing.py: the assets and systems referred to, required fields, validation; filing a
  request, changing a draft, submitting it (again)
- decisions.py: deciding a step, moving along the route, withdrawal, rerouting a step
- completions.py: recording the return or the disposal, and the ledger update after it
- emergencies.py: emergency exceptions: the report afterwards and its acknowledgement
- guards.py: what they share: the row lock, the state conflict, the requester check

Each runs in one transaction: it locks the request row (select_for_update), checks
the state machine and the actor's authority against the policy in force, saves, and
writes its trail event. Two approvers at once, a form posted twice or a withdrawal
during approval therefore end in exactly one valid state.

Refusals:
- `Refused` (mamori.access, a PermissionDenied): the actor has no authority
  (approvals/access.py says who has). It is written to the trail (access.denied) after the
  transaction rolled back; views answer 403.
- `StateConflict` (a ValidationError): the request is not in a state that allows
  this any more (already decided, completed, withdrawn); nothing changes.
- `ValidationError({field: message})`: bad or missing input, shown at its field.
"""
