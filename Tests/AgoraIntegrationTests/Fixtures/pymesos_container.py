"""A pymesos scheduler that launches one task in a MESOS container of IMAGE (a Docker/OCI image name, such as an
oci-archive: path) running a shell command, prints its statuses, and exits 0 once it finished (1 otherwise)."""
import sys

from addict import Dict
from pymesos_support import OneTask, TERMINAL_FAILURES, drive, small_resources


class OneContainer(OneTask):
    def __init__(self, image, command):
        super().__init__()
        self.image = image
        self.command = command
        self.outcome = None

    def task_for(self, offer):
        task = Dict()
        task.task_id.value = "pymesos-container"
        task.agent_id.value = offer.agent_id.value
        task.name = "pymesos-container"
        task.command.value = self.command
        task.container.type = "MESOS"
        task.container.mesos.image.type = "DOCKER"
        task.container.mesos.image.docker.name = self.image
        task.resources = small_resources()
        return task

    def statusUpdate(self, driver, update):
        print("STATUS %s %s %s" % (update.task_id.value, update.state, update.get("message", "")), flush=True)
        if update.state == "TASK_FINISHED" or update.state in TERMINAL_FAILURES:
            self.outcome = update.state
            self.done.set()


def main():
    master, image, command = sys.argv[1], sys.argv[2], sys.argv[3]
    scheduler = OneContainer(image, command)
    if not drive(scheduler, "pymesos-container", master, 60):
        return 1
    return 0 if scheduler.outcome == "TASK_FINISHED" else 1


if __name__ == "__main__":
    sys.exit(main())
