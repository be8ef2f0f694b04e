import { expect, test } from "bun:test";
import { contentDisposition, downloadHeaders } from "./download.ts";

test("a download's name survives as UTF-8, with an ASCII fallback that cannot break the header", () => {
  expect(contentDisposition("report.pdf")).toBe(
    `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`,
  );
  expect(contentDisposition('Grüße "v2"%.txt')).toBe(
    `attachment; filename="Gr__e _v2__.txt"; filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%22v2%22%25.txt`,
  );
  expect(contentDisposition("日本")).toBe(`attachment; filename="__"; filename*=UTF-8''%E6%97%A5%E6%9C%AC`);
});

test("a zip has no length announced; a file does", () => {
  const zip = downloadHeaders({ kind: "zip", name: "src.zip", size: null, mtime: 0 });
  expect(zip["content-type"]).toBe("application/zip");
  expect(zip["content-length"]).toBeUndefined();
  const file = downloadHeaders({ kind: "file", name: "a", size: 3, mtime: 0 });
  expect(file).toMatchObject({ "content-length": "3", "x-content-type-options": "nosniff" });
});
