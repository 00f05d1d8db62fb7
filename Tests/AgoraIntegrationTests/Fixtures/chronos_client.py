"""Drives agora-cron with the unmodified chronos-python client (1.2.1): list, add, update, run,
add a dependent job, delete. Prints one line per step; exits non-zero on the first failure."""
import sys

import chronos

from polling import wait


def job(name):
    return next((j for j in client.list() if j["name"] == name), None)


client = chronos.connect(sys.argv[1])
print("LIST", len(client.list()), flush=True)
client.add({"name": "nightly report", "command": "echo report", "owner": "ops@example.com", "disabled": False,
            "schedule": "R/2036-01-01T00:00:00Z/P1D", "epsilon": "PT30M"})
print("ADDED", [j["name"] for j in client.list()], flush=True)
client.update({"name": "nightly report", "command": "echo report v2", "owner": "ops@example.com", "disabled": False,
               "schedule": "R/2036-01-01T00:00:00Z/P1D", "epsilon": "PT30M"})
print("UPDATED", job("nightly report")["command"], flush=True)
client.add({"name": "publish", "command": "echo publish", "owner": "ops@example.com", "disabled": False,
            "parents": ["nightly report"]})
print("DEPENDENT", job("publish")["parents"], flush=True)
client.run("nightly report")
wait("the manual run and its child", lambda: job("nightly report")["successCount"] >= 1 and job("publish")["successCount"] >= 1)
print("RAN", job("nightly report")["successCount"], job("publish")["successCount"], job("publish")["lastSuccess"] != "", flush=True)
print("SEARCH", [j["name"] for j in client.search(name="publish")], flush=True)
print("GRAPH", client.scheduler_graph().strip().replace("\n", " | "), flush=True)
print("STAT", client.job_stat("nightly report")["histogram"]["count"], flush=True)
print("MEDIAN", [row["jobNameLabel"] for row in client.scheduler_stat_median()], flush=True)
print("METRICS", "agora_cron_jobs" in client.metrics(), flush=True)
client.delete("publish")
client.delete("nightly report")
print("DELETED", len(client.list()), flush=True)
try:
    client.run("nightly report")
    print("RUN OF A DELETED JOB SUCCEEDED", flush=True)
    sys.exit(1)
except chronos.ChronosAPIError:
    # The client logs the server's message and raises its own "no remaining servers" error.
    print("MISSING True", flush=True)
print("OK", flush=True)
