import type { Page } from "rebrowser-playwright";
import type { SessionWorld } from "../sessions/harness.ts";

/** Shared by the Canvas tab's UI tests. */

const T = 30_000;

/** A person uploads a file to the project's canvas; resolves with the artifact's id. */
export async function upload(
  w: SessionWorld,
  projectId: string,
  name: string,
  body: string,
): Promise<string> {
  const res = await fetch(
    `${w.t.url}/api/projects/${projectId}/canvas/upload?name=${encodeURIComponent(name)}`,
    {
      method: "POST",
      headers: { cookie: `octo_session=${w.admin.cookie}`, origin: w.t.url },
      body,
    },
  );
  if (res.status !== 200) throw new Error(`upload ${name}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { artifact: { id: string } }).artifact.id;
}

/** Draws a stroke from (x1,y1) to (x2,y2) inside the drawing surface, with the mouse or with touch. */
export async function stroke(page: Page, x1: number, y1: number, x2: number, y2: number, touch: boolean) {
  const surface = page.locator(".annotator-stage canvas").first();
  // In the middle of the screen: on a phone the bottom bar would cover its lower edge.
  await surface.evaluate((el) => el.scrollIntoView({ block: "center" }));
  const box = await surface.boundingBox();
  if (!box) throw new Error("no drawing surface");
  const at = (fx: number, fy: number) => ({ x: box.x + box.width * fx, y: box.y + box.height * fy });
  const a = at(x1, y1);
  const b = at(x2, y2);
  if (!touch) {
    await page.mouse.move(a.x, a.y);
    await page.mouse.down();
    for (let i = 1; i <= 5; i++)
      await page.mouse.move(a.x + ((b.x - a.x) * i) / 5, a.y + ((b.y - a.y) * i) / 5);
    await page.mouse.up();
    return;
  }
  const cdp = await page.context().newCDPSession(page);
  const point = (p: { x: number; y: number }) => [{ x: p.x, y: p.y, id: 1 }];
  await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: point(a) });
  for (let i = 1; i <= 5; i++)
    await cdp.send("Input.dispatchTouchEvent", {
      type: "touchMove",
      touchPoints: point({ x: a.x + ((b.x - a.x) * i) / 5, y: a.y + ((b.y - a.y) * i) / 5 }),
    });
  await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  await cdp.detach();
}

export const shapesAre = (page: Page, n: number) =>
  page.locator(`.annotator-stage[data-shapes="${n}"]`).waitFor({ timeout: T });

/** The data: URL of the image in the last user message of an OpenAI chat-completions body. */
export function imagePartOf(body: unknown): string | null {
  const messages = (body as { messages?: { role: string; content: unknown }[] }).messages ?? [];
  const user = messages.filter((m) => m.role === "user").at(-1);
  if (!Array.isArray(user?.content)) return null;
  const part = (user.content as { type: string; image_url?: { url: string } }[]).find(
    (p) => p.type === "image_url",
  );
  return part?.image_url?.url ?? null;
}

/** A PNG's width and height from its header. */
export function pngSize(png: Buffer): [number, number] {
  if (png.subarray(1, 4).toString() !== "PNG") throw new Error("not a PNG");
  return [png.readUInt32BE(16), png.readUInt32BE(20)];
}

/** The RGBA of pixels of an image data URL, decoded by the browser (fractions of width/height). */
export async function pixelsOf(page: Page, url: string, at: [number, number][]): Promise<number[][]> {
  return await page.evaluate(
    async ({ url, at }) => {
      const img = new Image();
      img.src = url;
      await img.decode();
      const c = document.createElement("canvas");
      c.width = img.naturalWidth;
      c.height = img.naturalHeight;
      const g = c.getContext("2d");
      if (!g) throw new Error("no canvas");
      g.drawImage(img, 0, 0);
      return at.map(([fx, fy]) => [
        ...g.getImageData(Math.floor(fx * c.width), Math.floor(fy * c.height), 1, 1).data,
      ]);
    },
    { url, at },
  );
}
