"""Every change to a self-inspection or an audit: one function each, atomic, with its
trail event in the same transaction. Bad input raises ValidationError and changes nothing.

- self_inspection.py: campaigns and their checklists, answering and submitting, reminders
- evidence_files.py: files attached to answers and findings
- corrections.py: corrective actions: opened, reported done, verified
- audits.py: audit plans, findings, follow-ups in other units
- common.py: what they share: the policy in force, links in mails
"""
