"""What a build did: one outcome per report, and the build's result with its summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from netlab.exceptions import BuildError

FAILED = "failed"
HELD = "held"  # rendered, then kept back by the publish gate (the privacy check)


@dataclass
class ReportOutcome:
    """What happened to one report of a build."""

    id: str
    kind: str
    title: str
    html: str
    status: str = "pending"
    seconds: float = 0.0
    error: str | None = None
    notebook: str | None = None
    key: str = ""
    phases: dict[str, float] = field(default_factory=dict)
    sha256: str = ""
    xlsx: str | None = None
    pdf: str | None = None


@dataclass
class BuildResult:
    """The outcome of :func:`build`: one :class:`ReportOutcome` per report."""

    run: str
    reports: list[ReportOutcome]
    seconds: float
    prepared: bool
    out_dir: Path
    jobs: int = 1
    notes: list[str] = field(default_factory=list)
    kept: Path | None = None
    pdf_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when no report failed."""
        return not self.failures

    @property
    def failures(self) -> list[ReportOutcome]:
        """The reports that failed or were held back: none of them is sent out."""
        return [r for r in self.reports if r.status in (FAILED, HELD)]

    @property
    def rendered(self) -> list[ReportOutcome]:
        """The reports rendered in this build (not skipped)."""
        return [r for r in self.reports if r.status == "ok"]

    @property
    def skipped(self) -> list[ReportOutcome]:
        """The reports left as they were (inputs, parameters and code unchanged)."""
        return [r for r in self.reports if r.status == "skipped"]

    @property
    def index(self) -> Path:
        """The run's ``index.html``."""
        return self.out_dir / "index.html"

    def summary(self) -> str:
        """A few lines for the terminal: counts, rate, each failure and where to look."""
        n_done = len(self.rendered)
        rate = n_done / self.seconds * 60 if self.seconds > 0 and n_done else 0.0
        lines = [
            f"Run {self.run!r}: {len(self.reports)} reports — {n_done} rendered, "
            f"{len(self.skipped)} unchanged, {len(self.failures)} failed or held back "
            f"in {self.seconds:.1f} s ({rate:.0f} reports/min, {self.jobs} at a time)"
            + ("; data prepared" if self.prepared else "; data already prepared")
        ]
        lines += [f"  {note}" for note in self.notes]
        for r in self.failures:
            word = "HELD BACK" if r.status == HELD else "FAILED"
            lines.append(f"  {word} {r.title} [{r.id}]: {r.error}")
            if r.notebook:
                lines.append(f"         executed notebook kept at {r.notebook}")
        if self.failures:
            lines.append(
                f"  Failed reports are not in {self.out_dir} (nothing half-done is sent out; "
                "nor is a report held back by the privacy check)."
            )
        if self.kept is not None:
            lines.append(f"  The last good reports of this run are kept in {self.kept}")
        lines.append(f"Index: {self.index}")
        return "\n".join(lines)

    def raise_for_failures(self) -> None:
        """Raise :class:`~netlab.exceptions.BuildError` naming every failed report."""
        if self.failures:
            names = ", ".join(f"{r.id} ({r.error})" for r in self.failures)
            raise BuildError(
                f"{len(self.failures)} report(s) of run {self.run!r} failed: {names}",
                hint="Open the executed notebooks named in the summary, fix, and build again; "
                "only the failed reports are rendered again.",
            )
