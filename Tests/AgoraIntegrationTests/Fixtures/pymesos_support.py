"""What the pymesos fixture schedulers share: one task launched into the first offer, and a driver run until the
scheduler says it is done."""
import logging
import threading

from addict import Dict
from pymesos import MesosSchedulerDriver, Scheduler

TERMINAL_FAILURES = ("TASK_FAILED", "TASK_ERROR", "TASK_LOST", "TASK_KILLED", "TASK_DROPPED")


def small_resources():
    """0.1 CPU and 32 MB, as the fixtures' tasks ask."""
    return [
        dict(name="cpus", type="SCALAR", scalar={"value": 0.1}),
        dict(name="mem", type="SCALAR", scalar={"value": 32}),
    ]


class OneTask(Scheduler):
    """Launches the task `task_for(offer)` builds into the first offer and declines every later one."""

    def __init__(self):
        self.launched = False
        self.done = threading.Event()

    def task_for(self, offer):
        raise NotImplementedError

    def resourceOffers(self, driver, offers):
        for offer in offers:
            if self.launched:
                driver.declineOffer(offer.id, filters={"refuse_seconds": 60})
                continue
            self.launched = True
            driver.launchTasks(offer.id, [self.task_for(offer)], filters={"refuse_seconds": 1})


def drive(scheduler, name, master, timeout, principal=None, secret=None):
    """Runs a driver for `scheduler` until its `done` event is set or `timeout` seconds pass; False (after printing
    TIMEOUT) when the time ran out."""
    logging.basicConfig(level=logging.WARNING)
    framework = Dict(user="root", name=name, hostname="localhost")
    driver = MesosSchedulerDriver(scheduler, framework, master, use_addict=True, principal=principal, secret=secret)
    driver.start()
    finished = scheduler.done.wait(timeout)
    driver.stop()
    if not finished:
        print("TIMEOUT", flush=True)
    return finished
