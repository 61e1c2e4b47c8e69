"""Durable local state that outlives the network: the encrypted blob cache and the outbox.

Nothing is here yet: the cloud-outage issue builds it. The package exists so the import
contracts (it never imports ``kiosk_app``) hold from the start.
"""
