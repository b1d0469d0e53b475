"""Running a study in partitions: in this process, or on a Dask cluster.

The per-event work (alignment, panel, estimation sample, model fit) splits by
security: every partition holds all events of its securities, so that the
exclusion of a security's other events stays exact. Partitions run one after the
other (``engine="numpy"``) or on the workers of a ``dask.distributed`` client
(``engine="dask"``); their panels and fits are then concatenated in the events'
original order, and the pooled statistics run once on the whole sample, so both
engines give identical numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

import numpy as np

from ..errors import EventStudyError, SpecificationError
from ..events.event import Event
from ..progress import progress_bar
from .diagnostics import Diagnostics
from .models import ModelFit
from .panel import EventPanel
from .series import SeriesStore

ENGINES = ("numpy", "dask")


def partition_events(events: Sequence[Event], partitions: int) -> list[list[int]]:
    """Event positions split into at most ``partitions`` groups of whole securities.

    Securities are dealt largest first to the currently smallest group, which keeps
    the groups' event counts close.
    """
    if partitions <= 1:
        return [list(range(len(events)))]
    by_ticker: dict[str, list[int]] = {}
    for i, event in enumerate(events):
        by_ticker.setdefault(event.ticker, []).append(i)
    groups: list[list[int]] = [[] for _ in range(max(1, min(partitions, len(by_ticker))))]
    for members in sorted(by_ticker.values(), key=len, reverse=True):
        min(groups, key=len).extend(members)
    return [sorted(g) for g in groups if g]


def run_partitions(
    work: Callable[[list[int]], tuple],
    groups: list[list[int]],
    engine: str,
    client=None,
    progress: bool | None = None,
) -> list[tuple]:
    """Apply ``work`` to every group, locally or on the Dask ``client``; keep the order."""
    if engine not in ENGINES:
        raise SpecificationError(f"engine must be one of {ENGINES}, not {engine!r}")
    bar = progress_bar(len(groups), progress, "event study", "partition")
    try:
        if engine == "numpy":
            out = []
            for group in groups:
                out.append(work(group))
                if bar is not None:
                    bar.update()
            return out
        return _run_on_dask(work, groups, client, bar)
    finally:
        if bar is not None:
            bar.close()


def _run_on_dask(work, groups, client, bar) -> list[tuple]:
    try:
        from distributed import as_completed, get_client
    except ImportError as exc:
        raise SpecificationError(
            "engine='dask' needs dask.distributed: pip install 'policy-eventstudy[dask]'"
        ) from exc
    if client is None:
        try:
            client = get_client()
        except ValueError as exc:
            raise SpecificationError(
                "engine='dask' needs a client: pass client=Client('tcp://scheduler:8786') "
                "or create one first"
            ) from exc
    futures = client.map(work, groups, pure=False)
    for _ in as_completed(futures):
        if bar is not None:
            bar.update()
    return client.gather(futures)


def _dask_threads(client) -> int:
    """Threads of all workers of ``client`` (or of the current client)."""
    if client is None:
        from distributed import get_client

        client = get_client()
    return max(1, sum(client.nthreads().values()))


def merge(
    parts: Iterable[tuple[EventPanel | None, ModelFit | None, Diagnostics]],
    events: Sequence[Event],
) -> tuple[EventPanel, ModelFit, Diagnostics]:
    """Concatenate partition results and put the rows back in the events' order.

    Partition panels come without their events (see :func:`detach_events`); their
    rows' ``event`` are positions in ``events``, which the merged panel refers to.
    """
    parts = list(parts)
    diagnostics = Diagnostics([r for _, _, d in parts for r in d.records])
    done = [(replace(p, events=tuple(events)), f) for p, f, _ in parts if p is not None]
    if not done:
        raise EventStudyError(diagnostics.none_left())
    if len(done) == 1:
        return done[0][0], done[0][1], diagnostics
    panel = _concat_panels([p for p, _ in done])
    fit = ModelFit.concat([f for _, f in done])
    order = np.argsort(panel.event, kind="stable")
    return panel.take(order), fit.subset(order), diagnostics


def detach_events(panel: EventPanel, positions: Sequence[int]) -> EventPanel:
    """The panel of a partition whose events were ``events[positions]``, without them.

    Its rows then refer to the study's events by position, and a Dask worker does
    not send the events back with its results.
    """
    return replace(panel, events=(), event=np.asarray(positions, dtype=np.int64)[panel.event])


def _concat_panels(panels: list[EventPanel]) -> EventPanel:
    stores = [p.store for p in panels]
    shift = np.cumsum([0] + [int(s.offsets[-1]) for s in stores[:-1]])
    store = SeriesStore.concat(stores)  # columns joined when first read
    fields = {}
    for name in EventPanel.__dataclass_fields__:
        values = [getattr(p, name) for p in panels]
        if name in ("events", "est_tau", "evt_tau"):
            fields[name] = values[0]
        elif name == "store":
            fields[name] = store
        elif name in ("pos", "start", "stop"):
            fields[name] = np.concatenate([v + b for v, b in zip(values, shift, strict=True)])
        elif isinstance(values[0], np.ndarray):
            fields[name] = np.concatenate(values)
        else:
            fields[name] = [x for v in values for x in v]
    return EventPanel(**fields)
