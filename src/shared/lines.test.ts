import { describe, expect, test } from "bun:test";
import { encodeLine, LineDecoder } from "./lines.ts";

function collect(max = 1024) {
  const lines: string[] = [];
  let overflows = 0;
  const dec = new LineDecoder(
    max,
    (l) => lines.push(l),
    () => overflows++,
  );
  return { dec, lines, overflows: () => overflows };
}

describe("LineDecoder", () => {
  test("splits on \\n only, across chunks, keeping U+2028/U+2029 inside lines", () => {
    const { dec, lines } = collect();
    const text = encodeLine({ a: "x\u2028y\u2029z" }) + encodeLine({ b: 1 });
    const bytes = Buffer.from(text);
    for (let i = 0; i < bytes.length; i += 3) dec.push(bytes.subarray(i, i + 3));
    expect(lines.map((l) => JSON.parse(l))).toEqual([{ a: "x\u2028y\u2029z" }, { b: 1 }]);
  });

  test("a multi-byte character split across chunks decodes whole", () => {
    const { dec, lines } = collect();
    const bytes = Buffer.from('"é€😀"\n');
    for (const b of bytes) dec.push(Uint8Array.of(b));
    expect(lines).toEqual(['"é€😀"']);
  });

  test("drops a trailing \\r and skips empty lines", () => {
    const { dec, lines } = collect();
    dec.push(Buffer.from("a\r\n\n\nb\n"));
    expect(lines).toEqual(["a", "b"]);
  });

  test("an over-long line is reported once and skipped; the next line is intact", () => {
    const { dec, lines, overflows } = collect(8);
    dec.push(Buffer.from("0123456789"));
    dec.push(Buffer.from("abcdef\nok\n"));
    expect(overflows()).toBe(1);
    expect(lines).toEqual(["ok"]);
  });

  test("an unterminated tail is not a line", () => {
    const { dec, lines } = collect();
    dec.push(Buffer.from("partial"));
    expect(lines).toEqual([]);
  });
});
