/**
 * Writes the app icons (ui/public/icons/*.png) from the favicon's shapes: a violet disc with two
 * eyes, or full-bleed violet for maskable and Apple touch icons (their platforms cut the shape).
 * Pure code (4×4 supersampling, zlib) so no image tool is needed: `bun ui/scripts/make-icons.ts`.
 */
import { writeFileSync } from "node:fs";
import { deflateSync } from "node:zlib";

const VIOLET = [0x5b, 0x5b, 0xd6];
type Circle = { cx: number; cy: number; r: number; rgb: number[] };

function render(size: number, bleed: boolean, circles: Circle[]): Uint8Array {
  const px = new Uint8Array(size * size * 4);
  const S = 4;
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      let r = 0,
        g = 0,
        b = 0,
        a = 0;
      for (let sy = 0; sy < S; sy++)
        for (let sx = 0; sx < S; sx++) {
          const u = ((x + (sx + 0.5) / S) / size) * 32;
          const v = ((y + (sy + 0.5) / S) / size) * 32;
          let col: number[] | null = bleed ? VIOLET : null;
          for (const c of circles) if ((u - c.cx) ** 2 + (v - c.cy) ** 2 <= c.r ** 2) col = c.rgb;
          if (col) {
            r += col[0] as number;
            g += col[1] as number;
            b += col[2] as number;
            a += 255;
          }
        }
      const n = S * S;
      const i = (y * size + x) * 4;
      const cover = a / n / 255;
      px[i] = cover ? Math.round(r / n / cover) : 0;
      px[i + 1] = cover ? Math.round(g / n / cover) : 0;
      px[i + 2] = cover ? Math.round(b / n / cover) : 0;
      px[i + 3] = Math.round(a / n);
    }
  return px;
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf: Uint8Array) => {
  let c = 0xffffffff;
  for (const b of buf) c = (crcTable[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "ascii");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}
function png(size: number, rgba: Uint8Array): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++)
    Buffer.from(rgba.subarray(y * size * 4, (y + 1) * size * 4)).copy(raw, y * (size * 4 + 1) + 1);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", new Uint8Array()),
  ]);
}

const WHITE = [255, 255, 255];
const disc = [
  { cx: 16, cy: 16, r: 14, rgb: VIOLET },
  { cx: 11, cy: 14, r: 3, rgb: WHITE },
  { cx: 21, cy: 14, r: 3, rgb: WHITE },
];
// Inside the maskable safe zone (the middle 80%).
const eyes = [
  { cx: 11.5, cy: 14.5, r: 2.6, rgb: WHITE },
  { cx: 20.5, cy: 14.5, r: 2.6, rgb: WHITE },
];
const out = new URL("../public/icons/", import.meta.url).pathname;
writeFileSync(`${out}icon-192.png`, png(192, render(192, false, disc)));
writeFileSync(`${out}icon-512.png`, png(512, render(512, false, disc)));
writeFileSync(`${out}maskable-512.png`, png(512, render(512, true, eyes)));
writeFileSync(`${out}apple-touch-icon.png`, png(180, render(180, true, eyes)));
// Android's status-bar badge: white on transparent.
writeFileSync(
  `${out}badge-96.png`,
  png(96, render(96, false, disc.map((c, i) => ({ ...c, rgb: i ? [0, 0, 0] : WHITE })).slice(0, 1))),
);
