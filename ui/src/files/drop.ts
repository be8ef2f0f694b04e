/** A file to upload with its path relative to the drop target (`dir/sub/name` for dropped folders). */
export interface PickedFile {
  file: File;
  name: string;
}

type Entry = FileSystemEntry;

const fileOf = (entry: FileSystemFileEntry) => new Promise<File>((res, rej) => entry.file(res, rej));

async function readAllEntries(dir: FileSystemDirectoryEntry): Promise<Entry[]> {
  const reader = dir.createReader();
  const out: Entry[] = [];
  // readEntries hands out at most ~100 entries per call; an empty batch ends the listing.
  for (;;) {
    const batch = await new Promise<Entry[]>((res, rej) => reader.readEntries(res, rej));
    if (batch.length === 0) return out;
    out.push(...batch);
  }
}

async function walk(entry: Entry, prefix: string, out: PickedFile[]): Promise<void> {
  const name = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) out.push({ file: await fileOf(entry as FileSystemFileEntry), name });
  else if (entry.isDirectory)
    for (const child of await readAllEntries(entry as FileSystemDirectoryEntry)) await walk(child, name, out);
}

/** Files (and the contents of folders) dropped from the desktop. */
export async function droppedFiles(data: DataTransfer): Promise<PickedFile[]> {
  const entries = [...data.items]
    .filter((i) => i.kind === "file")
    .map((i) => i.webkitGetAsEntry?.())
    .filter((e): e is Entry => !!e);
  if (entries.length === 0) return [...data.files].map((file) => ({ file, name: file.name }));
  const out: PickedFile[] = [];
  for (const e of entries) await walk(e, "", out);
  return out;
}

export const isOsFileDrag = (e: DragEvent) => !!e.dataTransfer?.types.includes("Files");
export const MOVE_TYPE = "application/x-octo-path";
export const isMoveDrag = (e: DragEvent) => !!e.dataTransfer?.types.includes(MOVE_TYPE);
