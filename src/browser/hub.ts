import type { BrowserEvent, BrowserState, RunnerBrowserEvent } from "../protocol/browser.ts";

/** Where a viewer's frames go; "full" means the socket is backed up (frames wait for an ack anyway). */
export interface BrowserViewer {
  send(frame: BrowserEvent): "ok" | "full" | "dropped";
}

interface Frame {
  seq: number;
  data: string;
  width: number;
  height: number;
}

interface Watch {
  /** The seq sent last and not acked yet, or null when the viewer may take the next frame. */
  unacked: number | null;
  sentSeq: number;
  /** False: this viewer gets the state only, never a frame. */
  frames: boolean;
}

interface Browser {
  /** The runner the pushes came from: only that runner's user may be shown them. */
  runnerUser: string;
  state: BrowserState | null;
  frame: Frame | null;
  viewers: Map<BrowserViewer, Watch>;
}

const NO_BROWSER: BrowserState = { driver: "closed", url: "", title: "", tabs: [], action: null, ask: null };

/**
 * The agent browsers' live view on the server: per session only the newest frame and state, and per
 * viewer whether its last frame was acked. A frame goes to a viewer only after it acked the previous
 * one, and it is always the newest: a slow viewer skips frames, nothing piles up.
 */
export class BrowserHub {
  private readonly browsers = new Map<string, Browser>();
  private nextSeq = 1;

  private entry(session: string, runnerUser: string): Browser {
    let b = this.browsers.get(session);
    if (!b) {
      b = { runnerUser, state: null, frame: null, viewers: new Map() };
      this.browsers.set(session, b);
    }
    return b;
  }

  /** A push from a runner. A session's pushes are only taken from the runner that sent the first. */
  onRunnerEvent(runnerUser: string, e: RunnerBrowserEvent): void {
    const b = this.entry(e.session, runnerUser);
    if (b.runnerUser !== runnerUser) return;
    if (e.event === "browser.state") {
      b.state = e.state;
      if (e.state.driver === "closed") b.frame = null;
      for (const viewer of b.viewers.keys())
        viewer.send({ ch: "browser", event: "state", session_id: e.session, state: e.state });
      // A closed browser nobody watches leaves nothing behind.
      if (e.state.driver === "closed" && b.viewers.size === 0) this.browsers.delete(e.session);
      return;
    }
    b.frame = { seq: this.nextSeq++, data: e.data, width: e.width, height: e.height };
    for (const [viewer, watch] of b.viewers) this.offer(e.session, b, viewer, watch);
  }

  private offer(session: string, b: Browser, viewer: BrowserViewer, watch: Watch): void {
    const frame = b.frame;
    if (!frame || !watch.frames || watch.unacked !== null || frame.seq <= watch.sentSeq) return;
    const r = viewer.send({ ch: "browser", event: "frame", session_id: session, ...frame });
    if (r === "dropped") return;
    watch.unacked = frame.seq;
    watch.sentSeq = frame.seq;
  }

  /**
   * `runnerUser` is the runner serving the watcher: another runner's browser is never shown. With
   * `frames: false` the viewer gets the state only.
   */
  watch(session: string, runnerUser: string, viewer: BrowserViewer, opts: { frames?: boolean } = {}): void {
    const b = this.entry(session, runnerUser);
    if (b.runnerUser !== runnerUser) return;
    const watch: Watch = { unacked: null, sentSeq: 0, frames: opts.frames ?? true };
    b.viewers.set(viewer, watch);
    viewer.send({ ch: "browser", event: "state", session_id: session, state: b.state ?? NO_BROWSER });
    this.offer(session, b, viewer, watch);
  }

  ack(session: string, viewer: BrowserViewer, seq: number): void {
    const b = this.browsers.get(session);
    const watch = b?.viewers.get(viewer);
    if (!b || !watch || watch.unacked === null || seq < watch.unacked) return;
    watch.unacked = null;
    this.offer(session, b, viewer, watch);
  }

  unwatch(session: string, viewer: BrowserViewer): void {
    const b = this.browsers.get(session);
    if (!b) return;
    b.viewers.delete(viewer);
    this.forgetIfUnused(session, b);
  }

  /** A socket closed: it watches nothing any more. */
  dropViewer(viewer: BrowserViewer): void {
    for (const [session, b] of this.browsers) {
      b.viewers.delete(viewer);
      this.forgetIfUnused(session, b);
    }
  }

  /** A session whose browser never started, watched by nobody now (the chat watches every one it opens). */
  private forgetIfUnused(session: string, b: Browser): void {
    if (b.viewers.size === 0 && b.state === null && b.frame === null) this.browsers.delete(session);
  }

  /** The newest state of a session's browser (for tests and the take-over checks). */
  stateOf(session: string): BrowserState | null {
    return this.browsers.get(session)?.state ?? null;
  }
}
