"""The hostile-user matrix's machinery: run the binary, judge what it did (issue 22).

Each case runs `vlp` in a folder of its own and is judged by its exit status and output:
  crash   killed by a signal the case did not send, a trap's exit status (132-139), or the
          runtime's crash text (Fatal error, Stack dump, Illegal instruction, ...)
  hang    still running at its time limit (killed, with its process group)
  data    a line or step of the user's files lost or doubled, or a refused command that
          changed a file
  vague   a failure whose message names none of the file, line, field, key or option at fault,
          or shows a library's internals (NSCocoaErrorDomain, DecodingError, ...)
  wrong   the command succeeded where it had to refuse, or refused where it had to succeed
  ok      anything else
Only crash, hang, data and vague count against the issue's "Done when"; `wrong` is listed too.
"""

import os
import pty
import re
import resource
import select
import shutil
import signal
import subprocess
import time

CRASH_TEXT = ("Fatal error", "Stack dump", "Illegal instruction", "Segmentation fault",
              "Program crashed", "Current stack trace", "Trace/breakpoint", "Aborted",
              "Bus error", "Floating point exception")
INTERNAL_TEXT = ("NSCocoaErrorDomain", "DecodingError", "Error Domain=", "dataCorrupted",
                 "The operation could not be completed", "Swift.DecodingError", "keyNotFound(",
                 "typeMismatch(", "Optional(")
# Exit statuses of a run stopped by a signal it was sent on purpose (it saved first).
SAVED_BY_SIGNAL = {signal.SIGINT: 130, signal.SIGHUP: 129, signal.SIGQUIT: 131,
                   signal.SIGTERM: 143}


class Result:
    def __init__(self, rc, out, err, timed_out, seconds):
        self.rc, self.out, self.err, self.timed_out, self.seconds = rc, out, err, timed_out, seconds

    @property
    def text(self):
        return self.out + "\n" + self.err


class Workspace:
    """A fresh folder per case; `vlp` runs in it (sessions/ is relative to it)."""

    def __init__(self, vlp, path, fixtures):
        self.vlp, self.path, self.fixtures = vlp, path, fixtures
        os.makedirs(path, exist_ok=True)

    def file(self, relative):
        return os.path.join(self.path, relative)

    def write(self, relative, data):
        path = self.file(relative)
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data if isinstance(data, bytes) else data.encode())
        return path

    def copy_fixture(self, name, relative=None):
        source = os.path.join(self.fixtures, name)
        target = self.file(relative or name)
        if os.path.isdir(source):
            shutil.copytree(source, target, symlinks=True)
        else:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy(source, target)
        return target

    def start(self, args, env=None, limits=None):
        environment = dict(os.environ, NO_COLOR="1", **(env or {}))

        def prepare():
            os.setsid()
            for kind, value in (limits or {}).items():
                resource.setrlimit(kind, (value, value))

        return subprocess.Popen([self.vlp] + list(args), cwd=self.path, env=environment,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, preexec_fn=prepare)

    def finish(self, process, timeout, began=None):
        began = began or time.time()
        try:
            out, err = process.communicate(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            out, err = process.communicate()
            timed_out = True
        return Result(process.returncode, out.decode("utf-8", "replace"),
                      err.decode("utf-8", "replace"), timed_out, time.time() - began)

    def run(self, *args, timeout=30, env=None, limits=None):
        began = time.time()
        return self.finish(self.start(args, env, limits), timeout, began)

    def run_in_terminal(self, *args, seconds=2.0, keys=b"q", timeout=15, env=None):
        """Runs a full-screen command in a pseudo-terminal, types `keys` after `seconds`."""
        began = time.time()
        pid, fd = pty.fork()
        if pid == 0:
            os.chdir(self.path)
            os.environ.update({"TERM": "xterm-256color", "NO_COLOR": "1", "LINES": "24",
                               "COLUMNS": "80"}, **(env or {}))
            os.execv(self.vlp, [self.vlp] + list(args))
        output = b""
        sent = False
        status = None
        while time.time() - began < timeout:
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    output += os.read(fd, 65536)
                except OSError:
                    pass
            if not sent and time.time() - began >= seconds:
                os.write(fd, keys)
                sent = True
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            status = None
        timed_out = status is None
        if timed_out:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
        os.close(fd)
        rc = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        text = output.decode("utf-8", "replace")
        return Result(rc, text, "", timed_out, time.time() - began)


def crashed(result, sent=None):
    """A signal death or trap the case did not cause, or the runtime's crash text."""
    if result.timed_out:
        return False
    if result.rc < 0 and -result.rc != sent:
        return True
    if 132 <= result.rc <= 139 and result.rc != 128 + (sent or 0):
        return True
    return any(text in result.text for text in CRASH_TEXT)


def judge(result, expect="any", names=(), sent=None, data=None):
    """The class of one case (module docstring). `expect`: "fail", "ok" or "any";
    `names`: words of which the message must hold one when it fails (a file's name, a key,
    an option); `data`: a description of lost or doubled data, found by the case."""
    if result.timed_out:
        return "hang", f"still running after {result.seconds:.0f} s"
    if crashed(result, sent):
        return "crash", f"status {result.rc}: {last_lines(result.text)}"
    if data:
        return "data", data
    failed = result.rc != 0 and not (sent and result.rc in (128 + sent, -sent))
    if failed:
        if any(text in result.text for text in INTERNAL_TEXT):
            return "vague", "internal text: " + last_lines(result.err or result.out)
        # A report on stdout (`vlp data inspect` lists its problems there) counts too.
        message = result.err + "\n" + result.out
        located = re.search(r"\.(json|jsonl|tsv|csv|txt|npy):\d+", message)
        if names and not located and not any(name in message for name in names):
            return "vague", f"names none of {list(names)}: " + last_lines(message)
        if expect == "ok":
            return "wrong", "refused: " + last_lines(message)
        return "ok", last_lines(message)
    if expect == "fail":
        return "wrong", "accepted: " + last_lines(result.out)
    return "ok", f"status {result.rc}"


def last_lines(text, count=2):
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return " | ".join(lines[-count:])[:300]
