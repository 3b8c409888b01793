"""Several OCPP-J worker processes behind one central system (`ampyre serve --workers N`).

One primary process serves the operator API, OCPP-S, webhooks, events and metrics; N worker
processes share the OCPP-J port (SO_REUSEPORT) and the PostgreSQL database. The seam:

- `registry.StationRegistry`: which worker holds which station, fed by connects and
  disconnects (claims and releases), serialised per station;
- `remote_link.RemoteLink`: a station held by a worker, seen from the primary as any other
  `StationLink`, so the command gateway routes to it unchanged;
- `wire`: the framed messages between primary and workers (msgpack over a Unix socket);
- `primary.Primary` and `worker.WorkerChannel`: the two ends; `supervisor.Supervisor`
  starts, restarts and stops the worker processes.

Everything crosses the seam through these interfaces, so a twin over a shared store (Redis)
for workers on several hosts can replace the memory registry and the Unix socket later.
"""
