"""A custom executor on pymesos' unmodified MesosExecutorDriver: reports its task running, answers every framework
message "ping:X" with "pong:X" (and the task id), and finishes the task when told "finish"."""
import logging
import sys
import threading

from pymesos import Executor, MesosExecutorDriver, decode_data, encode_data


class Echo(Executor):
    def __init__(self):
        self.task_id = None
        self.done = threading.Event()

    def launchTask(self, driver, task):
        self.task_id = task["task_id"]
        driver.sendStatusUpdate(dict(task_id=self.task_id, state="TASK_RUNNING", message="echo executor is up"))

    def frameworkMessage(self, driver, message):
        text = decode_data(message).decode("utf-8")
        if text == "finish":
            driver.sendStatusUpdate(dict(task_id=self.task_id, state="TASK_FINISHED", message="told to finish"))
            self.done.set()
        elif text.startswith("ping:"):
            answer = "pong:%s:%s" % (text[5:], self.task_id["value"])
            driver.sendFrameworkMessage(encode_data(answer.encode("utf-8")))

    def killTask(self, driver, task_id):
        driver.sendStatusUpdate(dict(task_id=task_id, state="TASK_KILLED"))
        self.done.set()


def main():
    logging.basicConfig(level=logging.WARNING)
    executor = Echo()
    driver = MesosExecutorDriver(executor, use_addict=False)
    driver.start()
    executor.done.wait(120)
    # Give the agent a moment to take the last update before the driver goes.
    threading.Event().wait(1)
    driver.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
