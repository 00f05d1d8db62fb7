"""A small pymesos scheduler: subscribes over JSON, launches N command tasks into offers, and exits 0
once every task has finished (1 on any other terminal state). Used by the compatibility test."""
import sys
import threading

from addict import Dict
from pymesos import Scheduler
from pymesos_support import TERMINAL_FAILURES, drive, small_resources


class Copies(Scheduler):
    def __init__(self, count):
        self.count = count
        self.launched = 0
        self.finished = set()
        self.failed = None
        self.done = threading.Event()

    def resourceOffers(self, driver, offers):
        for offer in offers:
            cpus = sum(r.scalar.value for r in offer.resources if r.name == "cpus")
            mem = sum(r.scalar.value for r in offer.resources if r.name == "mem")
            tasks = []
            while self.launched < self.count and cpus >= 0.1 and mem >= 32:
                task = Dict()
                task.task_id.value = "pymesos-%d" % self.launched
                task.agent_id.value = offer.agent_id.value
                task.name = task.task_id.value
                task.command.value = "echo hello from $MESOS_TASK_ID"
                task.resources = small_resources()
                tasks.append(task)
                self.launched += 1
                cpus -= 0.1
                mem -= 32
            if tasks:
                driver.launchTasks(offer.id, tasks, filters={"refuse_seconds": 1})
            else:
                driver.declineOffer(offer.id, filters={"refuse_seconds": 60})

    def statusUpdate(self, driver, update):
        print("STATUS %s %s" % (update.task_id.value, update.state), flush=True)
        if update.state == "TASK_FINISHED":
            self.finished.add(update.task_id.value)
            if len(self.finished) == self.count:
                self.done.set()
        elif update.state in TERMINAL_FAILURES:
            self.failed = "%s %s" % (update.task_id.value, update.state)
            self.done.set()


def main():
    master, count = sys.argv[1], int(sys.argv[2])
    principal, secret = (sys.argv[3], sys.argv[4]) if len(sys.argv) > 4 else (None, None)
    scheduler = Copies(count)
    if not drive(scheduler, "pymesos-compat", master, 60, principal, secret):
        return 1
    if scheduler.failed:
        print("FAILED " + scheduler.failed, flush=True)
        return 1
    print("ALL FINISHED %d" % len(scheduler.finished), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
