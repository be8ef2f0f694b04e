import type { Result } from "../src/protocol/errors.ts";
import { type FileWatchEvent, isFileOp, parseFileRequest } from "../src/protocol/files.ts";
import type { FileService } from "./fs/service.ts";

/**
 * The `fs.*` ops on a runner connection: routed to one FileService per connection (its uploads,
 * downloads and watches end with the connection). Loaded on first use, so a runner that never
 * serves files never loads the file library.
 */
export class FilesRoute {
  private service: Promise<FileService> | null = null;

  constructor(
    private readonly workspaceRoot: string,
    private readonly push: (event: FileWatchEvent) => void,
  ) {}

  static handles(op: unknown): boolean {
    return isFileOp(op);
  }

  async handle(raw: Record<string, unknown>): Promise<Result<unknown>> {
    const { id: _id, ...request } = raw;
    const req = parseFileRequest(request);
    if (!req.ok) return req;
    return (await this.open()).handle(req.value);
  }

  close(): void {
    this.service?.then((s) => s.close());
    this.service = null;
  }

  private open(): Promise<FileService> {
    this.service ??= import("./fs/service.ts").then(
      ({ FileService }) => new FileService({ root: this.workspaceRoot, onEvent: this.push }),
    );
    return this.service;
  }
}
