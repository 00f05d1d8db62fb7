"""A pymesos scheduler that launches one task in a MESOS container of IMAGE (a Docker/OCI image name, such as an
oci-archive: path) running a shell command, prints its statuses, and exits 0 once it finished (1 otherwise)."""
import logging
import sys
import threading

from addict import Dict
from pymesos import MesosSchedulerDriver, Scheduler


class OneContainer(Scheduler):
    def __init__(self, image, command):
        self.image = image
        self.command = command
        self.launched = False
        self.outcome = None
        self.done = threading.Event()

    def resourceOffers(self, driver, offers):
        for offer in offers:
            if self.launched:
                driver.declineOffer(offer.id, filters={"refuse_seconds": 60})
                continue
            task = Dict()
            task.task_id.value = "pymesos-container"
            task.agent_id.value = offer.agent_id.value
            task.name = "pymesos-container"
            task.command.value = self.command
            task.container.type = "MESOS"
            task.container.mesos.image.type = "DOCKER"
            task.container.mesos.image.docker.name = self.image
            task.resources = [
                dict(name="cpus", type="SCALAR", scalar={"value": 0.1}),
                dict(name="mem", type="SCALAR", scalar={"value": 32}),
            ]
            driver.launchTasks(offer.id, [task], filters={"refuse_seconds": 1})
            self.launched = True

    def statusUpdate(self, driver, update):
        print("STATUS %s %s %s" % (update.task_id.value, update.state, update.get("message", "")), flush=True)
        if update.state in ("TASK_FINISHED", "TASK_FAILED", "TASK_ERROR", "TASK_LOST", "TASK_KILLED", "TASK_DROPPED"):
            self.outcome = update.state
            self.done.set()


def main():
    logging.basicConfig(level=logging.WARNING)
    master, image, command = sys.argv[1], sys.argv[2], sys.argv[3]
    scheduler = OneContainer(image, command)
    framework = Dict(user="root", name="pymesos-container", hostname="localhost")
    driver = MesosSchedulerDriver(scheduler, framework, master, use_addict=True)
    driver.start()
    finished = scheduler.done.wait(60)
    driver.stop()
    if not finished:
        print("TIMEOUT", flush=True)
        return 1
    return 0 if scheduler.outcome == "TASK_FINISHED" else 1


if __name__ == "__main__":
    sys.exit(main())
