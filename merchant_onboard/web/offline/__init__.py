"""The installable, offline-first volunteer app: manifest, service worker, outbox page, stall list for the device."""
