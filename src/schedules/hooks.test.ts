import { afterEach, expect, test } from "bun:test";
import { signBody } from "./hooks.ts";
import { scheduleWorld } from "./test-world.ts";

type World = ReturnType<typeof scheduleWorld>;
let w: World;
afterEach(() => w?.close());

const bytes = (s: string) => new TextEncoder().encode(s);

function hook(rate?: number) {
  const r = w.module.hooks.create(w.scope, {
    name: "CI",
    template: "{{body.n}}",
    ...(rate ? { rate_per_minute: rate } : {}),
  });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const send = (id: string, secret: string, body: string, deliveryId: string) =>
  w.module.hooks.deliver(id, {
    body: bytes(body),
    signature: signBody(secret, body),
    deliveryId,
    event: null,
  });

test("delivery ids are remembered for the replay window, then forgotten", async () => {
  w = scheduleWorld(Date.parse("2026-09-01T00:00:00Z"));
  const { hook: h, secret } = hook();
  expect(send(h.id, secret, '{"n":1}', "d-1").ok).toBe(true);
  await w.clock.advance(23 * 3_600_000);
  const replay = send(h.id, secret, '{"n":1}', "d-1");
  expect(replay.ok ? null : replay.error.code).toBe("conflict");
  await w.clock.advance(2 * 3_600_000);
  expect(send(h.id, secret, '{"n":1}', "d-1").ok).toBe(true);
  await w.settle();
  expect(w.agents.prompts.map((p) => p.prompt)).toEqual(["1", "1"]);
});

test("the rate is per hook and per minute; refused deliveries can be sent again with the same id", async () => {
  w = scheduleWorld(Date.parse("2026-09-01T00:00:00Z"));
  const a = hook(2);
  const b = hook(2);
  expect(send(a.hook.id, a.secret, "{}", "1").ok).toBe(true);
  expect(send(a.hook.id, a.secret, "{}", "2").ok).toBe(true);
  const third = send(a.hook.id, a.secret, "{}", "3");
  expect(third.ok ? null : third.error.code).toBe("rate_limited");
  expect(send(b.hook.id, b.secret, "{}", "3").ok).toBe(true);
  await w.clock.advance(61_000);
  expect(send(a.hook.id, a.secret, "{}", "3").ok).toBe(true);
});

test("signatures: wrong secret, wrong length, another hook's secret and a disabled hook start nothing", () => {
  w = scheduleWorld(Date.parse("2026-09-01T00:00:00Z"));
  const a = hook();
  const b = hook();
  const body = '{"n":2}';
  const codes = [
    w.module.hooks.deliver(a.hook.id, {
      body: bytes(body),
      signature: signBody(b.secret, body),
      deliveryId: "x",
      event: null,
    }),
    w.module.hooks.deliver(a.hook.id, {
      body: bytes(body),
      signature: "sha256=00",
      deliveryId: "x",
      event: null,
    }),
    w.module.hooks.deliver(a.hook.id, {
      body: bytes(body),
      signature: signBody(a.secret, body).toUpperCase(),
      deliveryId: "x",
      event: null,
    }),
    w.module.hooks.deliver(a.hook.id, { body: bytes(body), signature: null, deliveryId: "x", event: null }),
  ].map((r) => (r.ok ? "ok" : r.error.code));
  expect(codes).toEqual(["unauthorized", "unauthorized", "unauthorized", "unauthorized"]);
  w.module.hooks.update(w.scope, a.hook.id, { enabled: false });
  const off = send(a.hook.id, a.secret, body, "y");
  expect(off.ok ? null : off.error.code).toBe("not_found");
  const big = send(b.hook.id, b.secret, JSON.stringify({ pad: "x".repeat(5000) }), "z");
  expect(big.ok ? null : big.error.code).toBe("payload_too_large");
  expect(w.agents.prompts).toHaveLength(0);
});
