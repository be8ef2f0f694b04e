/**
 * Project file operations, run by the user's octo-runner as the user's own Linux account.
 * Every path is confined to one project folder (see confine.ts); failures are values with codes.
 */
export { type FileTarget, openProject } from "./confine.ts";
export { type Download, openDownload } from "./download.ts";
export { createProject, PROJECT_DIR_MODE, PROJECT_FILE_MODE, removeProject } from "./project.ts";
export { type FileContent, readFile, type WrittenFile, writeFile } from "./read-write.ts";
export { FileService, type FileServiceOptions } from "./service.ts";
export { deletePath, type Listing, listDir, makeDir, movePath, statPath } from "./tree.ts";
export { DEFAULT_UPLOAD_LIMITS, type UploadLimits, type UploadOptions, Uploads } from "./upload.ts";
export { type ChangeBatch, type ProjectWatch, type WatchOptions, watchProject } from "./watch.ts";
export { zipFolder } from "./zip.ts";
