import { describe, expect, test } from "bun:test";
import { MultipartReader, multipartBoundary, type PartInfo } from "./multipart.ts";

/** A stream that hands out `bytes` in pieces of `size`, to put boundaries across chunk edges. */
function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

async function encode(form: FormData): Promise<{ bytes: Uint8Array; boundary: string }> {
  const req = new Request("http://x/", { method: "POST", body: form });
  const boundary = multipartBoundary(req.headers.get("content-type"));
  if (!boundary) throw new Error("no boundary");
  return { bytes: new Uint8Array(await req.arrayBuffer()), boundary };
}

async function readAll(stream: ReadableStream<Uint8Array>, boundary: string) {
  const reader = new MultipartReader(stream.getReader(), boundary);
  const parts: { info: PartInfo; body: Buffer }[] = [];
  for (;;) {
    const next = await reader.nextPart();
    if (!next.ok) return next;
    if (next.value === null) return { ok: true as const, parts };
    const chunks: Uint8Array[] = [];
    for (;;) {
      const r = await reader.read(1000);
      if (!r.ok) return r;
      if (r.value === null) break;
      expect(r.value.length).toBeLessThanOrEqual(1000);
      chunks.push(r.value);
    }
    parts.push({ info: next.value, body: Buffer.concat(chunks) });
  }
}

describe("multipartBoundary", () => {
  test("reads the boundary of multipart/form-data only", () => {
    expect(multipartBoundary("multipart/form-data; boundary=abc")).toBe("abc");
    expect(multipartBoundary('Multipart/Form-Data; charset=utf-8; boundary="a b"')).toBe("a b");
    expect(multipartBoundary("application/json")).toBeUndefined();
    expect(multipartBoundary("multipart/form-data")).toBeUndefined();
    expect(multipartBoundary(`multipart/form-data; boundary=${"x".repeat(71)}`)).toBeUndefined();
    expect(multipartBoundary(null)).toBeUndefined();
  });
});

describe("MultipartReader", () => {
  const binary = new Uint8Array(5000).map((_, i) => (i * 7) % 256);
  // A body that contains CRLF-- sequences but not the boundary itself.
  const tricky = "line\r\n--not-the-boundary\r\n\r\n--";

  for (const size of [1, 3, 64, 1 << 16]) {
    test(`files and fields survive chunks of ${size} bytes`, async () => {
      const form = new FormData();
      form.append("note", "hello");
      form.append("files", new File([binary], "bin.dat", { type: "application/octet-stream" }));
      form.append("files", new File([tricky], 'dir/ünï "q".txt'));
      form.append("files", new File([], "empty.txt"));
      const { bytes, boundary } = await encode(form);
      const r = await readAll(chunked(bytes, size), boundary);
      if (!r.ok) throw new Error(r.error.message);
      expect(r.parts.map((p) => [p.info.name, p.info.filename])).toEqual([
        ["note", null],
        ["files", "bin.dat"],
        ["files", 'dir/ünï "q".txt'],
        ["files", "empty.txt"],
      ]);
      expect(r.parts[0]?.body.toString()).toBe("hello");
      expect(new Uint8Array(r.parts[1]?.body ?? [])).toEqual(binary);
      expect(r.parts[2]?.body.toString()).toBe(tricky);
      expect(r.parts[3]?.body.length).toBe(0);
    });
  }

  test("nextPart skips an unread body", async () => {
    const form = new FormData();
    form.append("a", new File([binary], "a.bin"));
    form.append("b", new File(["B"], "b.txt"));
    const { bytes, boundary } = await encode(form);
    const reader = new MultipartReader(chunked(bytes, 100).getReader(), boundary);
    const first = await reader.nextPart();
    expect(first.ok && first.value?.filename).toBe("a.bin");
    const second = await reader.nextPart();
    expect(second.ok && second.value?.filename).toBe("b.txt");
    const body = await reader.read(10);
    expect(body.ok && Buffer.from(body.value ?? []).toString()).toBe("B");
    expect((await reader.nextPart()).ok).toBe(true);
  });

  test("filename* (RFC 5987) wins over filename", async () => {
    const b = "XyZ";
    const raw = `--${b}\r\nContent-Disposition: form-data; name="f"; filename="fallback.txt"; filename*=UTF-8''%C3%A9t%C3%A9.txt\r\n\r\nsummer\r\n--${b}--\r\n`;
    const r = await readAll(chunked(Buffer.from(raw), 5), b);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.parts[0]?.info.filename).toBe("été.txt");
    expect(r.parts[0]?.body.toString()).toBe("summer");
  });

  test("bad bodies are refused with bad_request", async () => {
    const b = "XyZ";
    const cases = {
      "no boundary at all": "just some text",
      "truncated in a body": `--${b}\r\nContent-Disposition: form-data; name="f"; filename="a"\r\n\r\nabc`,
      "truncated in headers": `--${b}\r\nContent-Disposition: form-data; na`,
      "garbage after a boundary": `--${b}xx\r\n\r\nbody\r\n--${b}--`,
      "unterminated quote": `--${b}\r\nContent-Disposition: form-data; name="f\r\n\r\nx\r\n--${b}--`,
      "header without colon": `--${b}\r\nnonsense\r\n\r\nx\r\n--${b}--`,
    };
    for (const [what, raw] of Object.entries(cases)) {
      const r = await readAll(chunked(Buffer.from(raw), 4), b);
      expect({ what, ok: r.ok, code: r.ok ? undefined : r.error.code }).toEqual({
        what,
        ok: false,
        code: "bad_request",
      });
    }
  });

  test("header blocks and part counts are bounded", async () => {
    const b = "XyZ";
    const long = `--${b}\r\nX-Long: ${"a".repeat(100)}\r\n\r\nx\r\n--${b}--`;
    const reader = new MultipartReader(chunked(Buffer.from(long), 7).getReader(), b, { maxHeaderBytes: 50 });
    const r = await reader.nextPart();
    expect(!r.ok && r.error.code).toBe("bad_request");

    const many = `${Array.from({ length: 3 }, () => `--${b}\r\n\r\nx\r\n`).join("")}--${b}--`;
    const counted = new MultipartReader(chunked(Buffer.from(many), 7).getReader(), b, { maxParts: 2 });
    expect((await counted.nextPart()).ok).toBe(true);
    expect((await counted.nextPart()).ok).toBe(true);
    const third = await counted.nextPart();
    expect(!third.ok && third.error.code).toBe("payload_too_large");
  });
});
