"""Webhook delivery, run by the worker and never inside an API request.

Every tick (`tick.run_once`) first asks one cheap question (`gate`), whether any subscription
is active; if none is, that is all. Then three steps, each safe to run on several workers at
once and to repeat:
1. `reminders.raise_remedy_reminders` records `remedy.due_soon` / `remedy.overdue` events
   (once each), in one INSERT ... SELECT, when the day changes or a new remedy was stored;
2. `fanout.fan_out` turns each new event into one delivery row per matching subscription, in one
   statement with the subscriptions' filters in SQL;
3. `send.deliver_due` leases due deliveries, at most one per subscription in flight and at most
   LGSCO_WEBHOOK_CONCURRENCY at once, POSTs them concurrently, records every attempt, and
   schedules retries with exponential backoff for LGSCO_WEBHOOK_RETRY_HOURS, after which the
   subscription is suspended with the reason.
A delivery is a row with a lease, so a worker that dies mid-batch neither loses nor repeats one.

A receiver is untrusted: each delivery has a total deadline (LGSCO_WEBHOOK_TIMEOUT, a third of
its lease), connects only to the address its callback host was checked to resolve to (no second
DNS answer is asked for), asks for `Accept-Encoding: identity` and reads at most
MAX_RESPONSE_BYTES of the answer, which it never decodes. Deliveries of deleted or suspended
subscriptions are cancelled, never sent.

"""
