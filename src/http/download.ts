import type { Download } from "../files/download.ts";

/** RFC 6266: an ASCII fallback for old clients plus the exact UTF-8 name. */
export function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, "_") || "download";
  const exact = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${exact}`;
}

/** The response headers of a download: always saved, never sniffed or cached. */
export function downloadHeaders(d: Omit<Download, "body">): Record<string, string> {
  const headers: Record<string, string> = {
    "content-type": d.kind === "zip" ? "application/zip" : "application/octet-stream",
    "content-disposition": contentDisposition(d.name),
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "last-modified": new Date(d.mtime).toUTCString(),
  };
  if (d.size !== null) headers["content-length"] = String(d.size);
  return headers;
}
