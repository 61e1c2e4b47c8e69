"""Durable local state that outlives the network: the encrypted blob cache and the outbox.

* :mod:`offline_cache.blobs`: a content-addressed blob store, AES-GCM encrypted at rest, with a
  size cap (least recently used blobs go first) and a retention limit; its index in SQLite.
* :mod:`offline_cache.outbox`: events written in the same transaction as the state change that
  caused them, then claimed, sent and marked, with back-off and idempotency keys.
* :mod:`offline_cache.sync`: the sender that drains the outbox over HTTP.
* :mod:`offline_cache.schema`: the tables (the application's migrations create the same ones).

This package never imports ``kiosk_app``: it takes SQLAlchemy engines and connections.
"""
