import { type Frame, MuxClient } from "../terminals/harness.ts";

/** The mux `files` channel on a real socket. */
export class FilesSocket {
  private constructor(readonly mux: MuxClient) {}

  static async connect(baseUrl: string, cookie: string | undefined): Promise<FilesSocket> {
    return new FilesSocket(await MuxClient.connect(baseUrl, cookie));
  }

  cmd(cmd: string, body: Record<string, unknown>): Promise<Frame> {
    return this.mux.cmd(cmd, body, "files");
  }

  async ok<T = Record<string, unknown>>(cmd: string, body: Record<string, unknown>): Promise<T> {
    const r = await this.cmd(cmd, body);
    if (!r.ok) throw new Error(`${cmd} failed: ${JSON.stringify(r.error)}`);
    return r.data as T;
  }

  async code(cmd: string, body: Record<string, unknown>): Promise<string | undefined> {
    const r = await this.cmd(cmd, body);
    return r.ok ? "ok" : r.error?.code;
  }

  changes(projectId: string): Frame[] {
    return this.mux.frames.filter(
      (f) => f.ch === "files" && f.event === "changes" && f.project_id === projectId,
    );
  }

  /** Resolves once a `changes` event for the project names `path`. */
  waitChange(projectId: string, path: string, kind?: string): Promise<Frame> {
    return this.mux.waitFor(`a change to ${path}`, () =>
      this.changes(projectId).find((f) =>
        (f.changes as { path: string; kind: string }[]).some(
          (c) => c.path === path && (kind === undefined || c.kind === kind),
        ),
      ),
    );
  }

  /** A round trip on the socket: every frame the server sent before it has arrived. */
  async barrier(): Promise<void> {
    const r = await this.mux.cmd("ping", {}, "system");
    if (!r.ok) throw new Error("ping failed");
  }

  close() {
    return this.mux.close();
  }
}

/** A multipart body as a browser's FormData makes it. */
export function uploadForm(files: Record<string, Uint8Array | string>): FormData {
  const form = new FormData();
  for (const [name, bytes] of Object.entries(files))
    form.append("files", new File([bytes as BlobPart], name));
  return form;
}
