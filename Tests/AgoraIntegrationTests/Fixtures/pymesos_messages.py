"""A pymesos scheduler that runs one task on a custom executor (pymesos_executor.py, started by the agent),
sends it a framework message, prints the answer it gets back, then tells it to finish. Exits 0 once the task
finished after the answer came, 1 otherwise."""
import sys

from addict import Dict
from pymesos import decode_data, encode_data
from pymesos_support import OneTask, TERMINAL_FAILURES, drive, small_resources


class Messenger(OneTask):
    def __init__(self, executor_command):
        super().__init__()
        self.executor_command = executor_command
        self.answer = None
        self.failed = None

    def task_for(self, offer):
        task = Dict()
        task.task_id.value = "echo-task"
        task.agent_id.value = offer.agent_id.value
        task.name = "echo-task"
        task.executor.executor_id.value = "echo-executor"
        task.executor.command.value = self.executor_command
        task.executor.resources = [dict(name="mem", type="SCALAR", scalar={"value": 32})]
        task.resources = small_resources()
        return task

    def statusUpdate(self, driver, update):
        print("STATUS %s %s %s" % (update.task_id.value, update.state, update.get("message", "")), flush=True)
        if update.state == "TASK_RUNNING":
            driver.sendFrameworkMessage(update.executor_id, update.agent_id, encode_data(b"ping:hello"))
        elif update.state == "TASK_FINISHED":
            self.done.set()
        elif update.state in TERMINAL_FAILURES:
            self.failed = update.state
            self.done.set()

    def frameworkMessage(self, driver, executor_id, agent_id, message):
        self.answer = decode_data(message).decode("utf-8")
        print("MESSAGE %s from %s" % (self.answer, executor_id["value"]), flush=True)
        driver.sendFrameworkMessage(executor_id, agent_id, encode_data(b"finish"))


def main():
    master, executor_command = sys.argv[1], sys.argv[2]
    scheduler = Messenger(executor_command)
    if not drive(scheduler, "pymesos-messages", master, 90):
        return 1
    if scheduler.failed or scheduler.answer is None:
        print("FAILED %s answer=%s" % (scheduler.failed, scheduler.answer), flush=True)
        return 1
    print("DONE", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
