import { describe, expect, test } from "bun:test";
import { frameScript, withFrameScript } from "./frame-script.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const enc = (s: string) => new TextEncoder().encode(s);

describe("the script injected into HTML artifacts", () => {
  test("is one inline script that parses as JavaScript", () => {
    const s = frameScript();
    expect(s.startsWith("<script>")).toBe(true);
    expect(s.endsWith("</script>")).toBe(true);
    const body = s.slice("<script>".length, -"</script>".length);
    expect(body.toLowerCase()).not.toContain("</script");
    expect(() => new Function(body)).not.toThrow();
    expect(body).toContain("octo-canvas-snapshot");
  });

  test("goes after a leading doctype (standards mode is kept), else at the very start", () => {
    const withDoctype = text(withFrameScript(enc("<!DOCTYPE html>\n<html><body>x</body></html>")));
    expect(withDoctype.startsWith(`<!DOCTYPE html>${frameScript()}\n<html>`)).toBe(true);
    const commented = text(withFrameScript(enc("<!-- hi --><!doctype html><p>x")));
    expect(commented).toBe(`<!-- hi --><!doctype html>${frameScript()}<p>x`);
    const bare = text(withFrameScript(enc("<p>no doctype</p>")));
    expect(bare).toBe(`${frameScript()}<p>no doctype</p>`);
    // A doctype further in is not the document's: the script still goes first.
    expect(text(withFrameScript(enc("<p>a</p><!doctype html>"))).startsWith(frameScript())).toBe(true);
  });
});
