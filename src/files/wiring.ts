import type { ChannelHandler } from "../mux/connection.ts";
import type { Logger } from "../shared/log.ts";
import { type FileAccessWiring, fileAccess } from "./access.ts";
import { filesChannel } from "./channel.ts";
import { ProjectWatches } from "./watches.ts";

/** The server's mux `files` channel: projects from the main database, files on each user's runner. */
export function createFilesChannel(w: FileAccessWiring & { log: Logger }): ChannelHandler {
  return filesChannel(fileAccess(w), new ProjectWatches(w.log.child({ component: "files" })));
}
