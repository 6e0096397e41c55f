"""The user-data script of an ``ec2`` job: what the instance does, start to finish.

It is a bash script (cloud-init runs it as root at first boot) that

1. creates a venv (``python3 -m venv``) and installs boto3 there, to reach S3;
2. writes the ``started`` marker and uploads its log every 20 s;
3. downloads the job's wheels from the S3 wheelhouse, checks each SHA-256, and pip-installs
   exactly those files (third-party dependencies come from the package index);
4. downloads the pipeline file and runs ``basalt pipeline run`` with the job's arguments, the
   ledger in ``$WORK/state`` and every file output under ``$WORK/output``
   (``yesterday``/``today`` resolved in the schedule's timezone when the job is scheduled);
5. uploads the outputs, the ledger and the log under the job's prefix, writes ``done`` (exit 0)
   or ``failed`` (with the exit code), and powers the instance off (it then terminates).

S3 work is done by :mod:`basalt.jobs.ec2_agent`, embedded verbatim. Environment knobs for running
the script somewhere else than a fresh instance (the tests play the instance this way):
``BASALT_JOB_WORKDIR`` (default ``/var/lib/basalt-job``), ``BASALT_JOB_VENV`` (an existing venv
with the dependencies already installed: the wheels are then installed without dependencies),
``BASALT_JOB_NO_SHUTDOWN=1`` (do not power off).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from basalt.jobs.wheels import Wheel

MAX_USER_DATA_BYTES = 16 * 1024
"""EC2's limit on user data (before base64)."""

_TEMPLATE = r"""#!/bin/bash
# Basalt job script, written by `basalt job run|install --executor ec2`.
set -uo pipefail
export BASALT_JOB_BUCKET=@BUCKET@
@JOB_ID@
export BASALT_JOB_PREFIX=@PREFIX@/jobs/$BASALT_JOB_ID
@ENV@
WORK="${BASALT_JOB_WORKDIR:-/var/lib/basalt-job}"
mkdir -p "$WORK" "$WORK/output" "$WORK/state"
LOG="$WORK/job.log"
exec >>"$LOG" 2>&1
echo "basalt job $BASALT_JOB_ID on $(hostname) at $(date -u +%FT%TZ)"
cat > "$WORK/agent.py" <<'BASALT_AGENT_EOF'
@AGENT@
BASALT_AGENT_EOF
LOOP=""
PY=""
agent() { "$PY" "$WORK/agent.py" "$@"; }
finish() {
  code=$?
  trap - EXIT
  [ -n "$LOOP" ] && kill "$LOOP" 2>/dev/null
  echo "job $BASALT_JOB_ID finished with exit code $code at $(date -u +%FT%TZ)"
  if [ -n "$PY" ]; then
    if [ "$code" -eq 0 ]; then marker="done"; else marker="failed"; fi
    agent put "$LOG" log/job.log + marker "$marker" "$code"
  fi
  if [ "${BASALT_JOB_NO_SHUTDOWN:-}" != "1" ] && [ @SHUTDOWN@ = 1 ]; then shutdown -h now; fi
  exit "$code"
}
trap finish EXIT
if [ -n "${BASALT_JOB_VENV:-}" ]; then
  PY="$BASALT_JOB_VENV/bin/python"
  DEPS="--no-deps"
else
  @PYTHON@ -m venv "$WORK/venv" || exit 10
  DEPS=""
  "$WORK/venv/bin/python" -m pip install --quiet --upgrade pip boto3 || exit 11
  PY="$WORK/venv/bin/python"
fi
agent marker started + get-wheels "$WORK/wheels" @WHEELS@ \
  @GET_PIPELINE@ || exit $?
( while sleep 20; do agent put "$LOG" log/job.log; done ) &
LOOP=$!
"$PY" -m pip install --quiet $DEPS --force-reinstall @INSTALL@ || exit 14
"$PY" -c 'import basalt; print("basalt", basalt.__version__, "installed at", basalt.__file__)' || exit 14
@DATES@
cd "$WORK"
@TIMEOUT@"$PY" -m basalt pipeline run -p "$WORK/pipeline/@PIPELINE_NAME@" \
  --state-dir "$WORK/state" --output-root "$WORK/output" @ARGS@
RUN=$?
agent put-dir "$WORK/output" output + put-dir "$WORK/state" state || { [ "$RUN" -eq 0 ] && RUN=16; }
exit "$RUN"
"""


@dataclass(frozen=True)
class UserData:
    """Everything the script needs to know, fixed when the job (or schedule) is created."""

    bucket: str
    prefix: str
    """Base prefix in the bucket; the job writes under ``{prefix}/jobs/{job_id}/``."""
    wheels: list[tuple[str, Wheel]]
    """(S3 key, wheel) of every wheel to install."""
    pipeline_key: str
    pipeline_name: str
    run_args: list[str]
    """``basalt pipeline run`` options (dates excluded when ``relative_date`` is set)."""
    companions: tuple[str, ...] = ()
    """Keys of files placed beside the pipeline (its schema lock), named by their last part."""
    job_id: str | None = None
    """Fixed job id; None: made at run time from ``job_id_prefix`` and the UTC time (schedules)."""
    job_id_prefix: str = "job"
    relative_date: str | None = None
    """``yesterday``/``today``: resolved on the instance, in ``timezone``, when the job runs."""
    timezone: str = "UTC"
    extras: tuple[str, ...] = ("aws",)
    requirements: tuple[str, ...] = ()
    """More pip requirements (third-party plugins), installed with the wheels."""
    python: str = "python3"
    region: str | None = None
    endpoint_url: str | None = None
    shutdown: bool = True
    timeout_seconds: int | None = None
    env: dict[str, str] = field(default_factory=dict)

    def render(self) -> str:
        """The bash script."""
        from basalt.jobs import ec2_agent

        q = shlex.quote
        if self.job_id is not None:
            job_id = f"export BASALT_JOB_ID={q(self.job_id)}"
        else:
            stamp = "$(date -u +%Y%m%dT%H%M%SZ)-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \\n')"
            job_id = f'export BASALT_JOB_ID="${{BASALT_JOB_ID:-{self.job_id_prefix}-{stamp}}}"'
        env = dict(self.env)
        if self.region:
            env.setdefault("AWS_DEFAULT_REGION", self.region)
        if self.endpoint_url:
            env.setdefault("AWS_ENDPOINT_URL", self.endpoint_url)
        installs = []
        unsafe = [w.name for _, w in self.wheels if not re.fullmatch(r"[A-Za-z0-9_.+-]+\.whl", w.name)]
        if unsafe or not all(re.fullmatch(r"[a-z0-9_]+", extra) for extra in self.extras):
            raise ValueError(f"unexpected characters in wheel names or extras: {unsafe or self.extras}")
        for _, wheel in self.wheels:
            extras = (
                f"[{','.join(self.extras)}]" if wheel.distribution == "bmll-basalt" and self.extras else ""
            )
            installs.append(f'"$WORK/wheels/{wheel.name}{extras}"')  # names checked: [A-Za-z0-9_.+-]
        if self.relative_date is not None:
            dates = (
                f'DAY=$("$PY" -m basalt.jobs.dates {q(self.relative_date)} '
                f"--timezone {q(self.timezone)}) || exit 18\n"
                'echo "dates resolved in ' + self.timezone + ': $DAY"'
            )
            args = ['--date "$DAY"', *map(q, self.run_args)]
        else:
            dates = ":"
            args = list(map(q, self.run_args))
        replacements = {
            "@BUCKET@": q(self.bucket),
            "@JOB_ID@": job_id,
            "@PREFIX@": q(self.prefix.strip("/")),
            "@ENV@": "\n".join(f"export {name}={q(value)}" for name, value in sorted(env.items())) or ":",
            "@AGENT@": Path(ec2_agent.__file__).read_text().rstrip("\n"),
            "@SHUTDOWN@": "1" if self.shutdown else "0",
            "@PYTHON@": q(self.python),
            "@WHEELS@": " ".join(q(f"{key}={wheel.sha256}") for key, wheel in self.wheels),
            "@INSTALL@": " ".join([*installs, *map(q, self.requirements)]),
            "@GET_PIPELINE@": " ".join(
                f'+ get {q(key)} "$WORK/pipeline/{_safe(key.rsplit("/", 1)[-1])}"'
                for key in (self.pipeline_key, *self.companions)
            ),
            "@PIPELINE_NAME@": _safe(self.pipeline_name),
            "@DATES@": dates,
            "@TIMEOUT@": f"timeout {int(self.timeout_seconds)} " if self.timeout_seconds else "",
            "@ARGS@": " ".join(args),
        }
        script = _TEMPLATE
        for token, value in replacements.items():
            script = script.replace(token, value)
        return script


def _safe(name: str) -> str:
    """A file name with nothing the shell could read (spaces, quotes, ``$``…) in it."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


__all__ = ["MAX_USER_DATA_BYTES", "UserData"]
