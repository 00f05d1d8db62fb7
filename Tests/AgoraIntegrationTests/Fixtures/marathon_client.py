"""Drives agora-services with the unmodified `marathon` client (0.13.0): create, list, get, scale,
update and delete apps, list tasks and deployments. Prints one line per step; exits 1 on the first failure."""
import collections
import collections.abc
import sys

# marathon 0.13.0 serialises nested objects with collections.Iterable, gone since Python 3.10 (a
# client bug, see ../shared/COMPAT.md); restore the alias before importing it.
collections.Iterable = collections.abc.Iterable

from marathon import MarathonClient  # noqa: E402
from marathon.models import MarathonApp  # noqa: E402
from polling import wait  # noqa: E402


def main():
    username, password = (sys.argv[2], sys.argv[3]) if len(sys.argv) > 3 else (None, None)
    client = MarathonClient(sys.argv[1], username=username, password=password)
    app = client.create_app("hello", MarathonApp(cmd="sleep 600", cpus=0.1, mem=16, instances=2))
    print("CREATED", app.id, flush=True)
    print("LIST", [a.id for a in client.list_apps()], flush=True)
    wait("two running tasks", lambda: client.get_app("hello").tasks_running == 2)
    got = client.get_app("hello")
    print("GET", got.id, got.instances, got.tasks_running, flush=True)
    print("TASKS", len(client.list_tasks("hello")), flush=True)
    client.scale_app("hello", instances=3)
    wait("three running tasks", lambda: client.get_app("hello").tasks_running == 3)
    print("SCALED", client.get_app("hello").tasks_running, flush=True)
    print("DEPLOYMENTS", type(client.list_deployments()).__name__, flush=True)
    updated = client.get_app("hello")
    updated.cmd = "sleep 601"
    client.update_app("hello", updated, force=True)
    wait("the update", lambda: all(t.version == client.get_app("hello").version for t in client.list_tasks("hello"))
         and client.get_app("hello").tasks_running == 3)
    print("UPDATED", client.get_app("hello").cmd, flush=True)
    print("ALL TASKS", len(client.list_tasks()), flush=True)
    client.delete_app("hello", force=True)
    wait("the app to go", lambda: all(a.id != "/hello" for a in client.list_apps()))
    print("DELETED", flush=True)
    print("OK", flush=True)


if __name__ == "__main__":
    main()
