"""Every change to an incident: one function each, in a transaction with the incident
row locked, written to the incident's timeline and to the trail.

- reporting.py: the kinds of incident, the report and its affected items, the chain of
  responsibility: acknowledgements and escalation (by hand and by the timer)
- handling.py: what the handlers do once it is reported: assessment, affected items, notes,
  records, tasks, status, the final report, the public-notice decision, closing, reopening
- emergency_plan.py: revisions of the organization's emergency response plan
"""
