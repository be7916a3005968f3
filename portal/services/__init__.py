"""The domain: plain functions that take the session, the actor, plain data and ``now``.

Services flush but never commit: the route (or CLI command) commits once, so that audit
rows and outbox emails share the transaction of the change that caused them.
"""
