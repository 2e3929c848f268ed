"""Writes of the ingest worker, by table family: idempotent upserts keyed by reference. Never
commits: the caller (a job, a command) owns the transaction.

Every write for one reference happens under a transaction-scoped advisory lock on that
reference (`state.lock_reference`), so two workers never write the same decision at once. The
writes are Core statements on the transaction's connection: the ORM's unit of work (identity
map, flushes, re-reading generated keys) costs more CPU than storing a decision otherwise does,
and adds nothing to rows written once and never read back in the same transaction.

- `state`: what is stored of a reference, and the marks a fetch leaves (fetched, taken down);
- `pages`: raw pages as fetched, and failures recorded against them;
- `decisions`: a decision's row and its versions;
- `organisations`: the bodies a decision is about, and its links to them;
- `remedies`: remedies matched to the stored ones, keeping councils' tracking;
- `events`: the webhook outbox, written in the same transaction;
- `runs`: counts of what a run did.
"""
