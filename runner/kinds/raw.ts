import type { ProcessKindImpl } from "./kind.ts";

/** Bytes in, bytes out: each chunk becomes one `output` event, base64-encoded. */
export const rawKind: ProcessKindImpl = {
  name: "raw",
  translator: (emit) => ({
    output(stream, bytes) {
      if (bytes.byteLength === 0) return;
      emit({
        event: "output",
        stream,
        data: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64"),
      });
    },
    end() {},
  }),
};
