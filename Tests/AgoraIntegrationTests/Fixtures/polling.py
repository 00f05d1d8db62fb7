"""What the client-driving fixtures share: waiting for a condition with a deadline."""
import time


def wait(what, condition, timeout=40):
    """Polls `condition` every 0.2 s; exits the script with TIMEOUT if it is not true in time."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise SystemExit("TIMEOUT waiting for " + what)
